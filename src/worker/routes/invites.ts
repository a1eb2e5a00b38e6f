// Invite links: made and managed by admins and room owners, looked at by anyone with the link,
// accepted by people already signed in (sign-up takes an invite in POST /api/auth/register).
import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { CreateInviteBody, Invite, InviteCode, InvitePreview } from "../../../src/shared/api";
import type { Env } from "../../config/env";
import type { Db } from "../../db/client";
import { isoOrNull } from "../../db/client";
import { currentPrincipal, requireUser } from "../auth/principal";
import type { AppEnv } from "../context";
import {
  claimInvite,
  createInvite,
  deleteInvite,
  type InviteRow,
  inviteRoomIds,
  joinedAlready,
  listInvites,
  previewInvite,
} from "../directory/invites";
import { joinByInvite } from "../directory/members";
import * as notify from "../notify";
import {
  failures,
  jsonBody,
  noContent,
  ok,
  publicRoute,
  router,
  security,
  tooLarge,
} from "./openapi";

const Params = z.object({ code: InviteCode });

/** The invite as its managers see it, with the absolute link to share. */
const inviteBody = (c: Context<AppEnv>, row: InviteRow): Invite => ({
  code: row.code,
  url: `${new URL(c.req.url).origin}/invite/${encodeURIComponent(row.code)}`,
  uses: row.uses,
  maxUses: row.maxUses,
  expiresAt: isoOrNull(row.expiresAt),
  roomIds: inviteRoomIds(row),
  workspaceId: row.workspaceId,
});

/** A used invite's workspace and rooms joined, and each room (and the person's inbox) told. */
export async function joinInviteRooms(
  env: Env,
  db: Db,
  userId: string,
  invite: InviteRow,
): Promise<string[]> {
  const joined = await joinByInvite(db, userId, {
    code: invite.code,
    createdBy: invite.createdBy,
    workspaceId: invite.workspaceId,
    roomIds: inviteRoomIds(invite),
  });
  await Promise.all(
    joined.map((roomId) => notify.membersAdded(env, roomId, [{ userId, role: "member" }])),
  );
  return joined;
}

export const inviteRoutes = router()
  .openapi(
    createRoute({
      method: "post",
      path: "/invites",
      operationId: "createInvite",
      tags: ["invites"],
      summary:
        "Make an invite link to a workspace (default: its rooms', else the default one): its admins with or without rooms, owners to rooms they own (≥ 1)",
      security,
      middleware: [requireUser()] as const,
      request: jsonBody(CreateInviteBody),
      responses: {
        201: ok(z.object({ invite: Invite }), "Made"),
        ...failures(400, 401, 403, 404),
        413: tooLarge,
      },
    }),
    async (c) => {
      const row = await createInvite(c.get("db"), currentPrincipal(c), c.req.valid("json"));
      return c.json({ invite: inviteBody(c, row) }, 201);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/invites",
      operationId: "listInvites",
      tags: ["invites"],
      summary:
        "Invites I may manage (instance admins: all; workspace admins: their workspaces'; others: the ones they made), newest first",
      security,
      middleware: [requireUser()] as const,
      responses: { 200: ok(z.object({ invites: z.array(Invite) })), ...failures(401, 403) },
    }),
    async (c) => {
      const rows = await listInvites(c.get("db"), currentPrincipal(c));
      return c.json({ invites: rows.map((row) => inviteBody(c, row)) }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/invites/{code}",
      operationId: "deleteInvite",
      tags: ["invites"],
      summary:
        "Delete an invite (instance admins: any; workspace admins: their workspaces'; others: their own); its link stops working",
      security,
      middleware: [requireUser()] as const,
      request: { params: Params },
      responses: { ...noContent, ...failures(401, 403, 404), 413: tooLarge },
    }),
    async (c) => {
      await deleteInvite(c.get("db"), currentPrincipal(c), c.req.valid("param").code);
      return c.body(null, 204);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/invites/{code}",
      operationId: "getInvite",
      tags: ["invites"],
      summary: "What an invite link's page shows, to anyone holding it (no session needed)",
      security: publicRoute,
      request: { params: Params },
      responses: { 200: ok(InvitePreview), ...failures(400, 404) },
    }),
    async (c) => c.json(await previewInvite(c.get("db"), c.req.valid("param").code), 200),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/invites/{code}/accept",
      operationId: "acceptInvite",
      tags: ["invites"],
      summary:
        "Signed in already: join the invite's workspace and rooms (counts a use, unless I am in all of them)",
      security,
      middleware: [requireUser()] as const,
      request: { params: Params },
      responses: {
        200: ok(z.object({ roomIds: z.array(z.string()) })),
        ...failures(400, 401, 403),
        413: tooLarge,
      },
    }),
    async (c) => {
      const db = c.get("db");
      const { user } = currentPrincipal(c);
      const { code } = c.req.valid("param");
      const joined = await joinedAlready(db, user.id, code);
      if (joined) return c.json({ roomIds: inviteRoomIds(joined) }, 200);
      const invite = await claimInvite(db, code);
      await joinInviteRooms(c.env, db, user.id, invite);
      return c.json({ roomIds: inviteRoomIds(invite) }, 200);
    },
  );
