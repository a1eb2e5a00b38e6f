// Room bans (docs/api.md, "Bans"): ban, lift a ban, list them — for the room's owners and
// moderators and for instance admins.
import { createRoute, z } from "@hono/zod-openapi";
import { BanBody, Id, RoomBan } from "../../../src/shared/api";
import { currentPrincipal, requireUser } from "../auth/principal";
import { banFromRoom, listBans, unbanFromRoom } from "../directory/bans";
import { failures, jsonBody, noContent, ok, router, security, tooLarge } from "./openapi";

const RoomParams = z.object({ id: Id });
const BanParams = z.object({ id: Id, userId: Id });

/** The caller as a ban's actor. */
const banActor = (principal: ReturnType<typeof currentPrincipal>) => ({
  userId: principal.user.id,
  isAdmin: principal.isAdmin,
  mayAdminister: principal.mayAdminister,
});

export const banRoutes = router([["/rooms/*", requireUser()]])
  .openapi(
    createRoute({
      method: "get",
      path: "/rooms/{id}/bans",
      operationId: "listBans",
      tags: ["members"],
      summary: "The room's bans, newest first (owners, moderators, admins; at most 1,000)",
      security,
      request: { params: RoomParams },
      responses: {
        200: ok(z.object({ bans: z.array(RoomBan) })),
        ...failures(400, 401, 403, 404),
      },
    }),
    async (c) => {
      const actor = banActor(currentPrincipal(c));
      const bans = await listBans(c.get("db"), actor, c.req.valid("param").id);
      return c.json({ bans }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/rooms/{id}/bans",
      operationId: "banFromRoom",
      tags: ["members"],
      summary:
        "Ban someone: removed, their sockets closed, refused rejoining and re-adding (403 `banned`) until lifted or `until`",
      security,
      request: { params: RoomParams, ...jsonBody(BanBody) },
      responses: {
        201: ok(z.object({ bans: z.array(RoomBan) }), "Banned: the room's bans now"),
        ...failures(400, 401, 403, 404),
        413: tooLarge,
      },
    }),
    async (c) => {
      const actor = banActor(currentPrincipal(c));
      const { id } = c.req.valid("param");
      const { userId, reason, until } = c.req.valid("json");
      await banFromRoom(c.env, c.get("db"), actor, id, userId, {
        reason: reason || null,
        until: until ? Date.parse(until) : null,
      });
      return c.json({ bans: await listBans(c.get("db"), actor, id) }, 201);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/rooms/{id}/bans/{userId}",
      operationId: "unbanFromRoom",
      tags: ["members"],
      summary: "Lift a ban (404 when there is none standing)",
      security,
      request: { params: BanParams },
      responses: { ...noContent, ...failures(400, 401, 403, 404), 413: tooLarge },
    }),
    async (c) => {
      const { id, userId } = c.req.valid("param");
      await unbanFromRoom(c.get("db"), banActor(currentPrincipal(c)), id, userId);
      return c.body(null, 204);
    },
  );
