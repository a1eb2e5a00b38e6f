// Loading a room for a caller: what exists for them, and in what capacity they are there.
// Rooms a caller may not see answer 404, never 403, so private rooms stay unrevealed.
import { and, eq, type SQLWrapper, sql } from "drizzle-orm";
import type { RoomActor } from "../../../src/shared/permissions";
import { ROOM_ARCHIVED } from "../../../src/shared/protocol";
import type { Db } from "../../db/client";
import { memberships, roomBans, rooms, workspaceMembers } from "../../db/schema";
import type { Principal } from "../context";
import { ApiError, notFound } from "../errors";
import { type Administrator, managesWorkspace, type WorkspaceRole } from "./workspaces";

export type RoomRow = typeof rooms.$inferSelect;
export type MembershipRow = typeof memberships.$inferSelect;

export interface RoomAccess {
  room: RoomRow;
  membership: MembershipRow | null;
  actor: RoomActor;
}

export const ROOM_NOT_FOUND = "No such room";
export const BANNED = "You are banned from this room";

/** A room by id for callers who may see every room (admins); 404 if there is none. */
export async function roomById(db: Db, id: string): Promise<RoomRow> {
  const room = await db.select().from(rooms).where(eq(rooms.id, id)).get();
  if (!room) throw notFound(ROOM_NOT_FOUND);
  return room;
}

export async function findMembership(db: Db, roomId: string, userId: string) {
  return (
    (await db
      .select()
      .from(memberships)
      .where(and(eq(memberships.roomId, roomId), eq(memberships.userId, userId)))
      .get()) ?? null
  );
}

/**
 * A room with the membership of the user whose id `userId` is (a value or a subquery), their
 * role in the room's workspace, and whether a ban keeps them out now (one that has passed its
 * `until` does not, alarm or not).
 */
export const roomAccessQuery = (db: Db, roomId: string, userId: string | SQLWrapper) => {
  const isUser = (
    column: typeof memberships.userId | typeof roomBans.userId | typeof workspaceMembers.userId,
  ) => (typeof userId === "string" ? eq(column, userId) : sql`${column} = (${userId})`);
  return db
    .select({
      room: rooms,
      membership: memberships,
      // Named apart from memberships.role and rooms.created_at: the socket upgrade runs this in a
      // D1 batch, whose rows come keyed by column name, where two columns of one name collapse
      // into one (and every column after them is read one place off).
      workspaceRole: sql<WorkspaceRole | null>`${workspaceMembers.role}`.as("workspace_role"),
      banned: sql<number | null>`${roomBans.createdAt}`.as("banned_at"),
    })
    .from(rooms)
    .leftJoin(memberships, and(eq(memberships.roomId, rooms.id), isUser(memberships.userId)))
    .leftJoin(
      workspaceMembers,
      and(eq(workspaceMembers.workspaceId, rooms.workspaceId), isUser(workspaceMembers.userId)),
    )
    .leftJoin(
      roomBans,
      and(
        eq(roomBans.roomId, rooms.id),
        isUser(roomBans.userId),
        sql`(${roomBans.until} IS NULL OR ${roomBans.until} > ${Date.now()})`,
      ),
    )
    .where(eq(rooms.id, roomId));
};

export type RoomAccessRow = Awaited<ReturnType<typeof roomAccessQuery>>[number];

/**
 * `view`: see the room (public channels: anyone in its workspace; others: members and admins).
 * `member`: act in it (members, and admins who may moderate any room).
 * Admins here are the instance's and the room's workspace's (owners and admins): a workspace's
 * admins manage its rooms as instance admins manage every room. Outside the room's workspace it
 * does not exist.
 */
export function roomAccess(
  row: RoomAccessRow | undefined,
  principal: Administrator,
  need: "view" | "member",
): RoomAccess {
  if (!row) throw notFound(ROOM_NOT_FOUND);
  const { room, membership, workspaceRole } = row;
  if (workspaceRole === null && !principal.isAdmin) throw notFound(ROOM_NOT_FOUND);
  const isAdmin = managesWorkspace(workspaceRole, principal);
  const actor: RoomActor = { isAdmin, role: membership?.role ?? null };
  if (membership || isAdmin) return { room, membership, actor };
  if (room.kind !== "channel") throw notFound(ROOM_NOT_FOUND);
  // A banned person sees nothing of a public channel (private rooms already answered 404).
  if (row.banned !== null) throw new ApiError("banned", BANNED);
  if (need === "member") throw new ApiError("forbidden", "Join the channel first");
  return { room, membership, actor };
}

/** The room and the caller's place in it, in one query: every room request starts here. */
export async function loadRoom(
  db: Db,
  principal: Principal,
  roomId: string,
  need: "view" | "member",
): Promise<RoomAccess> {
  return roomAccess(await roomAccessQuery(db, roomId, principal.user.id).get(), principal, need);
}

export function assertNotArchived(room: RoomRow): void {
  if (room.archivedAt != null) throw new ApiError("archived", ROOM_ARCHIVED);
}

export function assertNotDm(room: RoomRow): void {
  if (room.kind === "dm") throw new ApiError("forbidden", "The people in a DM are fixed");
}

export { isGroupDm } from "../../db/serialize";
