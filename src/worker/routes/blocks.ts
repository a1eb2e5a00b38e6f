// Blocking people (docs/api.md, "Blocking"): my list, block, unblock. A change reaches the 1:1 DM
// of the two people, if there is one, before the answer, so its next send is already refused.
import { createRoute, z } from "@hono/zod-openapi";
import { Id, PublicUser } from "../../../src/shared/api";
import type { Env } from "../../config/env";
import type { Db } from "../../db/client";
import { currentPrincipal, requireUser } from "../auth/principal";
import { block, blockedBy, blocksBetween, oneToOneDms, unblock } from "../directory/blocks";
import { canSeePerson, USER_NOT_FOUND } from "../directory/workspace-scope";
import { notFound } from "../errors";
import * as notify from "../notify";
import { failures, noContent, ok, router, security, tooLarge } from "./openapi";

const UserParams = z.object({ userId: Id });

/** Tells our 1:1 DMs (one per workspace we opened one in) who blocks whom between us now. */
async function tellOurDm(env: Env, db: Db, me: string, other: string): Promise<void> {
  const dms = await oneToOneDms(db, me, other);
  if (dms.length === 0) return;
  const blockers = (await blocksBetween(db, me, [other])).map((b) => b.blockerId);
  await Promise.all(dms.map((dm) => notify.dmBlocksChanged(env, dm.id, blockers)));
}

export const blockRoutes = router([
  ["/me/blocks", requireUser()],
  ["/me/blocks/*", requireUser()],
])
  .openapi(
    createRoute({
      method: "get",
      path: "/me/blocks",
      operationId: "listBlocks",
      tags: ["people"],
      summary: "The people I blocked, newest first (at most 1,000)",
      security,
      responses: { 200: ok(z.object({ users: z.array(PublicUser) })), ...failures(401, 403) },
    }),
    async (c) => c.json({ users: await blockedBy(c.get("db"), currentPrincipal(c).user.id) }, 200),
  )
  .openapi(
    createRoute({
      method: "put",
      path: "/me/blocks/{userId}",
      operationId: "blockUser",
      tags: ["people"],
      summary:
        "Block someone: they can no longer open a DM with me, put me in a group DM, or write in our DM",
      security,
      request: { params: UserParams },
      responses: { ...noContent, ...failures(400, 401, 403, 404), 413: tooLarge },
    }),
    async (c) => {
      const principal = currentPrincipal(c);
      const me = principal.user.id;
      const { userId } = c.req.valid("param");
      // Someone in no workspace of mine does not exist from here (unblocking stays open to all).
      if (!(await canSeePerson(c.get("db"), principal, userId))) throw notFound(USER_NOT_FOUND);
      await block(c.get("db"), me, userId);
      await tellOurDm(c.env, c.get("db"), me, userId);
      return c.body(null, 204);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/me/blocks/{userId}",
      operationId: "unblockUser",
      tags: ["people"],
      summary: "Unblock someone",
      security,
      request: { params: UserParams },
      responses: { ...noContent, ...failures(400, 401, 403, 404), 413: tooLarge },
    }),
    async (c) => {
      const me = currentPrincipal(c).user.id;
      const { userId } = c.req.valid("param");
      await unblock(c.get("db"), me, userId);
      await tellOurDm(c.env, c.get("db"), me, userId);
      return c.body(null, 204);
    },
  );
