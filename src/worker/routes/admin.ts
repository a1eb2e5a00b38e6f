// The admin API for rooms: listing, creating for other systems, finding by external ref,
// changing, deleting, and their D1 sync. People, the audit log and tokens: admin-people.ts.
import { createRoute, z } from "@hono/zod-openapi";
import { and, eq, sql } from "drizzle-orm";
import {
  AdminCreateRoomBody,
  AdminRoom,
  AdminUpdateRoomBody,
  Id,
  LIMITS,
  PageQuery,
  Room,
  RoomSync,
} from "../../../src/shared/api";
import { rooms, workspaceMembers } from "../../db/schema";
import * as serialize from "../../db/serialize";
import { roomStub } from "../../realtime/stubs";
import { currentPrincipal, requireAdmin } from "../auth/principal";
import { roomById } from "../directory/access";
import { adminRoomPage } from "../directory/admin-views";
import { createRoom, deleteRoomForGood, updateRoom } from "../directory/rooms";
import { loadWorkspace } from "../directory/workspaces";
import { ApiError, notFound } from "../errors";
import * as notify from "../notify";
import {
  errors,
  jsonBody,
  noContent,
  ok,
  pageRequest,
  router,
  security,
  tooLarge,
} from "./openapi";

const RoomBody = z.object({ room: Room });
const Params = z.object({ id: Id });

export const adminRoutes = router([["/admin/*", requireAdmin()]])
  .openapi(
    createRoute({
      method: "get",
      path: "/admin/rooms",
      operationId: "adminListRooms",
      tags: ["admin"],
      summary: "All rooms, newest first, paged; DMs with their participants, stored message counts",
      security,
      request: { query: PageQuery },
      responses: {
        200: ok(z.object({ rooms: z.array(AdminRoom), nextCursor: z.string().nullable() })),
        ...errors,
      },
    }),
    async (c) => c.json(await adminRoomPage(c.get("db"), pageRequest(c.req.valid("query"))), 200),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/admin/rooms",
      operationId: "adminCreateRoom",
      tags: ["admin"],
      summary: "Create a room for another system, with its members",
      security,
      request: jsonBody(AdminCreateRoomBody),
      responses: { 201: ok(RoomBody, "Created"), ...errors, 413: tooLarge },
    }),
    async (c) => {
      const db = c.get("db");
      const { members = [], workspaceId, ...spec } = c.req.valid("json");
      const { workspace } = await loadWorkspace(db, currentPrincipal(c), workspaceId);
      if (spec.externalRef) {
        const taken = await db
          .select({ id: rooms.id })
          .from(rooms)
          .where(eq(rooms.externalRef, spec.externalRef))
          .get();
        if (taken)
          throw new ApiError("conflict", "A room with that externalRef exists", {
            roomId: taken.id,
          });
      }
      const byUser = new Map(members.map((m) => [m.userId, m.role ?? "member"] as const));
      if (byUser.size > 0) {
        const ids = [...byUser.keys()];
        // Only people of the room's workspace may be in it.
        const known = await db
          .select({ id: workspaceMembers.userId })
          .from(workspaceMembers)
          .where(
            and(
              eq(workspaceMembers.workspaceId, workspace.id),
              sql`${workspaceMembers.userId} IN (SELECT value FROM json_each(${JSON.stringify(ids)}))`,
            ),
          )
          .all();
        if (known.length !== ids.length) {
          const have = new Set(known.map((k) => k.id));
          throw new ApiError("not_found", "No such user", {
            userIds: ids.filter((id) => !have.has(id)),
          });
        }
      }
      const initial = [...byUser].map(([userId, role]) => ({ userId, role }));
      const room = await createRoom(
        db,
        currentPrincipal(c).user.id,
        { ...spec, workspace },
        initial,
      );
      // A room for another system may come with hundreds of members: their inboxes hear of it
      // after the answer.
      c.executionCtx.waitUntil(notify.membersAdded(c.env, room.id, initial));
      return c.json({ room: serialize.room(room) }, 201);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/admin/rooms/by-ref/{externalRef}",
      operationId: "adminGetRoomByRef",
      tags: ["admin"],
      summary: "Find a room by the other system's id",
      security,
      request: {
        params: z.object({ externalRef: z.string().trim().min(1).max(LIMITS.externalRef.max) }),
      },
      responses: { 200: ok(RoomBody), ...errors },
    }),
    async (c) => {
      const { externalRef } = c.req.valid("param");
      const room = await c
        .get("db")
        .select()
        .from(rooms)
        .where(eq(rooms.externalRef, externalRef))
        .get();
      if (!room) throw notFound("No room has that externalRef");
      return c.json({ room: serialize.room(room) }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "patch",
      path: "/admin/rooms/{id}",
      operationId: "adminUpdateRoom",
      tags: ["admin"],
      summary: "Rename, set the topic, archive (read-only) or unarchive",
      security,
      request: { params: Params, ...jsonBody(AdminUpdateRoomBody) },
      responses: { 200: ok(RoomBody), ...errors, 413: tooLarge },
    }),
    async (c) => {
      const db = c.get("db");
      const room = await roomById(db, c.req.valid("param").id);
      const change = c.req.valid("json");
      if (room.kind === "dm" && change.name !== undefined)
        throw new ApiError("invalid", "DMs have no name");
      const updated = await updateRoom(db, currentPrincipal(c).user.id, room, change);
      await notify.roomChanged(c.env, updated);
      return c.json({ room: serialize.room(updated) }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/admin/rooms/{id}",
      operationId: "adminDeleteRoom",
      tags: ["admin"],
      summary: "Delete a room for good: its D1 rows, its sockets and its storage",
      security,
      request: { params: Params },
      responses: { ...noContent, ...errors, 413: tooLarge },
    }),
    async (c) => {
      const db = c.get("db");
      const room = await roomById(db, c.req.valid("param").id);
      await deleteRoomForGood(c, db, currentPrincipal(c).user.id, room);
      return c.body(null, 204);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/admin/rooms/{id}/sync",
      operationId: "adminGetRoomSync",
      tags: ["admin"],
      summary: "The room's D1 sync: pending outbox rows, failures, rows written, open inboxes",
      security,
      request: { params: Params },
      responses: { 200: ok(z.object({ sync: RoomSync })), ...errors },
    }),
    async (c) => {
      const room = await roomById(c.get("db"), c.req.valid("param").id);
      return c.json({ sync: await roomStub(c.env, room.id).syncStatus() }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/admin/rooms/{id}/sync",
      operationId: "adminFlushRoomSync",
      tags: ["admin"],
      summary: "Flush the room's outbox to D1 now (after an outage, without waiting for backoff)",
      security,
      request: { params: Params },
      responses: { 200: ok(z.object({ sync: RoomSync })), ...errors, 413: tooLarge },
    }),
    async (c) => {
      const room = await roomById(c.get("db"), c.req.valid("param").id);
      return c.json({ sync: await roomStub(c.env, room.id).flush() }, 200);
    },
  );
