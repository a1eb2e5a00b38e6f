// Rooms as a member sees them: my rooms, discovery, creating, details, join/leave, mute, DMs.
import { createRoute, z } from "@hono/zod-openapi";
import type { BatchItem } from "drizzle-orm/batch";
import {
  CreateRoomBody,
  Id,
  MemberRole,
  MuteBody,
  NotifyLevel,
  OpenDmBody,
  PageQuery,
  PublicUser,
  type RetentionPolicy,
  Room,
  RoomDetails,
  RoomListItem,
  UpdateRoomBody,
  WorkspaceQuery,
} from "../../../src/shared/api";
import { canCloseRoom, canModerate } from "../../../src/shared/permissions";
import * as serialize from "../../db/serialize";
import { roomStub } from "../../realtime/stubs";
import { currentPrincipal, requireUser } from "../auth/principal";
import { assertNotArchived, assertNotDm, isGroupDm, loadRoom } from "../directory/access";
import { blocksBetween } from "../directory/blocks";
import { openDm } from "../directory/dms";
import { joinChannel, removeMember } from "../directory/members";
import {
  createRoom,
  deleteRoomForGood,
  discoverRooms,
  listMyRooms,
  roomDetails,
  setHidden,
  setMuted,
  setNotifyLevel,
  updateRoom,
} from "../directory/rooms";
import { searchUsers } from "../directory/users";
import { workspaceFilter } from "../directory/workspace-scope";
import { loadWorkspace } from "../directory/workspaces";
import { ApiError, forbidden } from "../errors";
import * as notify from "../notify";
import { assertBelowLimit, recordEvent } from "../sliding-window";
import {
  failures,
  jsonBody,
  noContent,
  ok,
  pageRequest,
  rateLimited,
  router,
  security,
  tooLarge,
  workspaceFilterParam,
} from "./openapi";

const RoomParams = z.object({ id: Id });
const RoomBody = z.object({ room: Room });

export const roomRoutes = router(
  ["/users", "/rooms", "/rooms/*", "/dms"].map((path) => [path, requireUser()] as const),
)
  .openapi(
    createRoute({
      method: "get",
      path: "/users",
      operationId: "searchUsers",
      tags: ["people"],
      summary:
        "Find people of a workspace (default: the instance's default one) by handle or name (for DMs and invites)",
      security,
      request: { query: PageQuery.extend(WorkspaceQuery.shape) },
      responses: {
        200: ok(z.object({ users: z.array(PublicUser), nextCursor: z.string().nullable() })),
        ...failures(400, 401, 403, 404),
      },
    }),
    async (c) => {
      const query = c.req.valid("query");
      const db = c.get("db");
      const { workspace } = await loadWorkspace(db, currentPrincipal(c), query.workspaceId);
      const page = await searchUsers(db, {
        ...pageRequest(query),
        includeDisabled: false,
        workspaceId: workspace.id,
      });
      return c.json(
        { users: page.users.map(serialize.publicUser), nextCursor: page.nextCursor },
        200,
      );
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/rooms",
      operationId: "listRooms",
      tags: ["rooms"],
      summary:
        "My rooms with unread and mention counts: in every workspace of mine, or in `workspaceId`'s",
      security,
      parameters: [workspaceFilterParam],
      responses: {
        200: ok(z.object({ rooms: z.array(RoomListItem) })),
        ...failures(400, 401, 403, 404),
      },
    }),
    async (c) => {
      const principal = currentPrincipal(c);
      const db = c.get("db");
      const only = await workspaceFilter(db, principal, c.req.query("workspaceId") || undefined);
      return c.json({ rooms: await listMyRooms(db, principal.user.id, only) }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/rooms/discover",
      operationId: "discoverRooms",
      tags: ["rooms"],
      summary: "Public channels I can join in a workspace (default: the instance's default one)",
      security,
      request: { query: PageQuery.extend(WorkspaceQuery.shape) },
      responses: {
        200: ok(z.object({ rooms: z.array(Room), nextCursor: z.string().nullable() })),
        ...failures(400, 401, 403, 404),
      },
    }),
    async (c) => {
      const query = c.req.valid("query");
      const principal = currentPrincipal(c);
      const db = c.get("db");
      const { workspace } = await loadWorkspace(db, principal, query.workspaceId);
      const page = await discoverRooms(db, principal.user.id, workspace.id, pageRequest(query));
      return c.json({ rooms: page.rooms.map(serialize.room), nextCursor: page.nextCursor }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/rooms",
      operationId: "createRoom",
      tags: ["rooms"],
      summary: "Create a channel or private room; the creator is its owner",
      security,
      request: jsonBody(CreateRoomBody),
      responses: {
        201: ok(RoomBody, "Created"),
        ...failures(400, 401, 403),
        413: tooLarge,
        429: rateLimited,
      },
    }),
    async (c) => {
      const principal = currentPrincipal(c);
      const me = principal.user.id;
      const db = c.get("db");
      const owner = { userId: me, role: "owner" as const };
      // Instance admins set rooms up for others and for other systems: they are not capped.
      const counted: BatchItem<"sqlite">[] = [];
      if (!principal.isAdmin) {
        const window = c.get("config").windows.rooms;
        const subjects = [`user:${me}`];
        await assertBelowLimit(db, window, subjects, "Too many new rooms; try again later");
        counted.push(recordEvent(db, window, subjects));
      }
      const { workspaceId, ...spec } = c.req.valid("json");
      const { workspace } = await loadWorkspace(db, principal, workspaceId);
      const retention = workspace.retentionJson
        ? (JSON.parse(workspace.retentionJson) as RetentionPolicy)
        : undefined;
      const room = await createRoom(db, me, { ...spec, workspace, retention }, [owner], counted);
      // My other devices' room lists learn of it through my inbox.
      await notify.membersAdded(c.env, room.id, [owner]);
      return c.json({ room: serialize.room(room) }, 201);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/dms",
      operationId: "openDm",
      tags: ["rooms"],
      summary: "Open the DM (or group DM) with these people: the same room every time",
      security,
      request: jsonBody(OpenDmBody),
      responses: {
        200: ok(RoomBody, "Existing DM"),
        201: ok(RoomBody, "New DM"),
        ...failures(400, 401, 403, 404),
        413: tooLarge,
        429: rateLimited,
      },
    }),
    async (c) => {
      const body = c.req.valid("json");
      const others = "userId" in body ? [body.userId] : body.userIds;
      const me = currentPrincipal(c).user.id;
      const config = c.get("config");
      const peers = [...new Set(others)].filter((id) => id !== me);
      const blocks = await blocksBetween(c.get("db"), me, peers);
      if (blocks.some((b) => b.blockedId === me)) {
        throw new ApiError(
          "blocked",
          peers.length === 1
            ? "You can't start a conversation with this person"
            : "You can't start a conversation with one of these people",
        );
      }
      const { workspace } = await loadWorkspace(c.get("db"), currentPrincipal(c), body.workspaceId);
      const { room, created } = await openDm(c.get("db"), workspace, me, others, {
        maxMembers: config.dmMaxMembers,
        perUser: config.windows.dms,
      });
      // I opened a DM with someone I blocked: the new room refuses sends from the start.
      if (created && peers.length === 1 && blocks.length > 0) {
        await notify.dmBlocksChanged(
          c.env,
          room.id,
          blocks.map((b) => b.blockerId),
        );
      }
      if (created) {
        const people = [me, ...others.filter((id) => id !== me)];
        await notify.membersAdded(
          c.env,
          room.id,
          people.map((userId) => ({ userId, role: "member" as const })),
        );
      }
      return created
        ? c.json({ room: serialize.room(room) }, 201)
        : c.json({ room: serialize.room(room) }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/rooms/{id}",
      operationId: "getRoom",
      tags: ["rooms"],
      summary: "Room details and a page of its members",
      security,
      request: { params: RoomParams, query: PageQuery.omit({ q: true }) },
      responses: { 200: ok(RoomDetails), ...failures(401, 403, 404) },
    }),
    async (c) => {
      const { cursor, limit } = c.req.valid("query");
      const access = await loadRoom(
        c.get("db"),
        currentPrincipal(c),
        c.req.valid("param").id,
        "view",
      );
      return c.json(
        await roomDetails(
          c.get("db"),
          access,
          { cursor, limit: pageRequest({ limit }).limit },
          c.get("config").retention,
        ),
        200,
      );
    },
  )
  .openapi(
    createRoute({
      method: "patch",
      path: "/rooms/{id}",
      operationId: "updateRoom",
      tags: ["rooms"],
      summary:
        "Rename or set the topic (owners and moderators; a group DM: its members); archive or unarchive (owners and admins)",
      security,
      request: { params: RoomParams, ...jsonBody(UpdateRoomBody) },
      responses: {
        200: ok(RoomBody),
        ...failures(400, 401, 403, 404),
        413: tooLarge,
      },
    }),
    async (c) => {
      const principal = currentPrincipal(c);
      const access = await loadRoom(c.get("db"), principal, c.req.valid("param").id, "member");
      const change = c.req.valid("json");
      const renames = change.name !== undefined || change.topic !== undefined;
      if (isGroupDm(access.room)) {
        // A group DM has no roles: any of its members names it; nobody archives it.
        if (!access.membership) throw forbidden("Only its members rename a group DM");
        if (change.archived !== undefined) throw forbidden("A group DM cannot be archived");
      } else assertNotDm(access.room);
      if (renames && access.room.kind !== "dm" && !canModerate(access.actor))
        throw forbidden("Only owners and moderators can change the room");
      if (change.archived !== undefined && !canCloseRoom(access.actor))
        throw forbidden("Only the room's owners archive it");
      // An archived room takes no change but being unarchived.
      if (renames || change.archived !== false) assertNotArchived(access.room);
      const room = await updateRoom(c.get("db"), principal.user.id, access.room, change);
      await notify.roomChanged(c.env, room);
      return c.json({ room: serialize.room(room) }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/rooms/{id}",
      operationId: "deleteRoom",
      tags: ["rooms"],
      summary: "Delete my room for good (its owners and admins; not DMs)",
      security,
      request: { params: RoomParams },
      responses: { ...noContent, ...failures(401, 403, 404), 413: tooLarge },
    }),
    async (c) => {
      const principal = currentPrincipal(c);
      const db = c.get("db");
      const access = await loadRoom(db, principal, c.req.valid("param").id, "member");
      assertNotDm(access.room);
      if (!canCloseRoom(access.actor)) throw forbidden("Only the room's owners delete it");
      await deleteRoomForGood(c, db, principal.user.id, access.room);
      return c.body(null, 204);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/rooms/{id}/join",
      operationId: "joinRoom",
      tags: ["rooms"],
      summary: "Join a public channel",
      security,
      request: { params: RoomParams },
      responses: {
        200: ok(z.object({ room: Room, role: MemberRole })),
        ...failures(401, 403, 404),
        413: tooLarge,
      },
    }),
    async (c) => {
      const principal = currentPrincipal(c);
      const db = c.get("db");
      const access = await loadRoom(db, principal, c.req.valid("param").id, "view");
      if (!access.membership && access.room.kind !== "channel")
        throw forbidden("Only public channels can be joined");
      const role = await joinChannel(db, principal.user.id, access);
      if (!access.membership) {
        await notify.membersAdded(c.env, access.room.id, [{ userId: principal.user.id, role }]);
      }
      return c.json({ room: serialize.room(access.room), role }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/rooms/{id}/leave",
      operationId: "leaveRoom",
      tags: ["rooms"],
      summary: "Leave a room (not a 1:1 DM)",
      security,
      request: { params: RoomParams },
      responses: {
        204: { description: "Left" },
        ...failures(401, 403, 404),
        413: tooLarge,
      },
    }),
    async (c) => {
      const principal = currentPrincipal(c);
      const db = c.get("db");
      const access = await loadRoom(db, principal, c.req.valid("param").id, "view");
      if (!access.membership) throw new ApiError("not_found", "You are not in this room");
      const { newOwner } = await removeMember(db, principal.user.id, access, principal.user.id);
      await notify.memberRemoved(c.env, access.room.id, principal.user.id, newOwner);
      return c.body(null, 204);
    },
  )
  .openapi(
    createRoute({
      method: "put",
      path: "/rooms/{id}/mute",
      operationId: "setRoomMuted",
      tags: ["rooms"],
      summary: "Mute or unmute a room for me",
      security,
      request: { params: RoomParams, ...jsonBody(MuteBody) },
      responses: {
        200: ok(z.object({ muted: z.boolean() })),
        ...failures(400, 401, 403, 404),
        413: tooLarge,
      },
    }),
    async (c) => {
      const principal = currentPrincipal(c);
      const access = await loadRoom(c.get("db"), principal, c.req.valid("param").id, "member");
      if (!access.membership) throw forbidden("Only members can mute a room");
      const { muted } = c.req.valid("json");
      await setMuted(c.get("db"), access.room.id, principal.user.id, muted);
      return c.json({ muted }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "put",
      path: "/rooms/{id}/hidden",
      operationId: "setRoomHidden",
      tags: ["rooms"],
      summary: "Hide a DM or group DM from my room list until its next message (other rooms: 400)",
      security,
      request: { params: RoomParams, ...jsonBody(z.object({ hidden: z.boolean() })) },
      responses: {
        200: ok(z.object({ hidden: z.boolean() })),
        ...failures(400, 401, 403, 404),
        413: tooLarge,
      },
    }),
    async (c) => {
      const principal = currentPrincipal(c);
      const db = c.get("db");
      const access = await loadRoom(db, principal, c.req.valid("param").id, "member");
      if (!access.membership) throw forbidden("Only members can hide a conversation");
      if (access.room.kind !== "dm") {
        throw new ApiError("invalid", "Only DMs and group DMs can be hidden; mute a room instead");
      }
      const { hidden } = c.req.valid("json");
      // Hidden as of the room's own last seq: D1's may trail it by a flush, and a message
      // already sent must not bring the DM straight back.
      const roomLastSeq = hidden ? await roomStub(c.env, access.room.id).lastSeq() : 0;
      await setHidden(db, access.room.id, principal.user.id, hidden ? roomLastSeq : null);
      return c.json({ hidden }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "put",
      path: "/rooms/{id}/notifications",
      operationId: "setRoomNotifications",
      tags: ["rooms"],
      summary:
        "My push level here: `all`, `mentions` or `none` (none is muting; the room list's `notify`)",
      security,
      request: { params: RoomParams, ...jsonBody(z.object({ level: NotifyLevel })) },
      responses: {
        200: ok(z.object({ notify: NotifyLevel, muted: z.boolean() })),
        ...failures(400, 401, 403, 404),
        413: tooLarge,
      },
    }),
    async (c) => {
      const principal = currentPrincipal(c);
      const access = await loadRoom(c.get("db"), principal, c.req.valid("param").id, "member");
      if (!access.membership) throw forbidden("Only members choose how a room notifies them");
      const { level } = c.req.valid("json");
      await setNotifyLevel(c.get("db"), access.room.id, principal.user.id, level);
      return c.json({ notify: level, muted: level === "none" }, 200);
    },
  );
