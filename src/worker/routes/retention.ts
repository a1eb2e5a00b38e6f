// Retention endpoints: admins read and set a room's policy, preview it (dry run) and apply it
// now; a room's owners may read their room's policy. The room's Durable Object enforces it.
import { createRoute, z } from "@hono/zod-openapi";
import {
  Id,
  PurgeRange,
  Retention,
  RetentionPolicy,
  RetentionSaved,
} from "../../../src/shared/api";
import { audit } from "../../db/audit";
import { roomStub } from "../../realtime/stubs";
import { currentPrincipal, requireAdmin, requireUser } from "../auth/principal";
import { loadRoom, roomById } from "../directory/access";
import { retentionOf, setRetention } from "../directory/retention";
import { forbidden } from "../errors";
import { roomInfo } from "../room-calls";
import { errors, jsonBody, ok, router, security, tooLarge } from "./openapi";

const Params = z.object({ id: Id });
/**
 * A policy to try before saving it: `proposed=true` and the same fields as PUT (missing: the
 * instance default). Without it the preview is of the room's saved policy.
 */
const ProposedPolicy = z.object({
  proposed: z.enum(["true", "false"]).optional(),
  maxAgeDays: z.coerce.number().positive().max(36_500).optional(),
  maxMessages: z.coerce.number().int().positive().optional(),
  maxBytes: z.coerce.number().int().positive().optional(),
});

export const retentionRoutes = router([
  ["/admin/*", requireAdmin()],
  ["/rooms/*", requireUser()],
])
  .openapi(
    createRoute({
      method: "get",
      path: "/rooms/{id}/retention",
      operationId: "getRoomRetention",
      tags: ["rooms"],
      summary: "The room's retention policy (owners and admins)",
      security,
      request: { params: Params },
      responses: { 200: ok(Retention), ...errors },
    }),
    async (c) => {
      const access = await loadRoom(
        c.get("db"),
        currentPrincipal(c),
        c.req.valid("param").id,
        "member",
      );
      if (!access.actor.isAdmin && access.actor.role !== "owner") {
        throw forbidden("Only the room's owners see its retention policy");
      }
      return c.json(retentionOf(access.room, c.get("config").retention), 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/admin/rooms/{id}/retention",
      operationId: "adminGetRetention",
      tags: ["admin"],
      summary: "The room's retention policy and the policy in force",
      security,
      request: { params: Params },
      responses: { 200: ok(Retention), ...errors },
    }),
    async (c) => {
      const room = await roomById(c.get("db"), c.req.valid("param").id);
      return c.json(retentionOf(room, c.get("config").retention), 200);
    },
  )
  .openapi(
    createRoute({
      method: "put",
      path: "/admin/rooms/{id}/retention",
      operationId: "adminSetRetention",
      tags: ["admin"],
      summary:
        "Replace the room's policy (omitted or null fields take the instance default) and apply it at once; answers what that deleted",
      security,
      request: { params: Params, ...jsonBody(RetentionPolicy) },
      responses: { 200: ok(RetentionSaved), ...errors, 413: tooLarge },
    }),
    async (c) => {
      const db = c.get("db");
      const actorId = currentPrincipal(c).user.id;
      const room = await roomById(db, c.req.valid("param").id);
      const updated = await setRetention(db, actorId, room, c.req.valid("json"));
      // The room applies the new policy now (its members see the new policy and the oldest
      // messages go), and says what went: the admin who saved it must not have to guess.
      const deleted = await roomStub(c.env, room.id).retentionChanged(roomInfo(updated));
      if (deleted.messages > 0) {
        await audit(db, {
          actorId,
          action: "retention.run",
          roomId: room.id,
          detail: { ...deleted, onSave: true },
        }).run();
      }
      return c.json({ ...retentionOf(updated, c.get("config").retention), deleted }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/admin/rooms/{id}/retention/preview",
      operationId: "adminPreviewRetention",
      tags: ["admin"],
      summary:
        "Dry run: what the room's policy would delete now, or (`proposed=true` and policy fields) what a policy not yet saved would",
      security,
      request: { params: Params, query: ProposedPolicy },
      responses: { 200: ok(PurgeRange), ...errors },
    }),
    async (c) => {
      const room = await roomById(c.get("db"), c.req.valid("param").id);
      const { proposed: isProposed, ...fields } = c.req.valid("query");
      const proposed =
        isProposed === "true" || Object.values(fields).some((v) => v !== undefined) ? fields : null;
      return c.json(await roomStub(c.env, room.id).retentionPreview(roomInfo(room), proposed), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/admin/rooms/{id}/retention/run",
      operationId: "adminRunRetention",
      tags: ["admin"],
      summary: "Apply the policy now; answers what was deleted",
      security,
      request: { params: Params },
      responses: { 200: ok(z.object({ deleted: PurgeRange })), ...errors, 413: tooLarge },
    }),
    async (c) => {
      const db = c.get("db");
      const room = await roomById(db, c.req.valid("param").id);
      const deleted = await roomStub(c.env, room.id).retentionRun(roomInfo(room));
      await audit(db, {
        actorId: currentPrincipal(c).user.id,
        action: "retention.run",
        roomId: room.id,
        detail: { ...deleted },
      }).run();
      return c.json({ deleted }, 200);
    },
  );
