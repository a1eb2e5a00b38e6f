// Changes made in D1 that open sockets must feel at once: removals, roles, room settings,
// ended sessions, and (through the users' inboxes) memberships. D1 has already committed; a
// room or inbox that cannot be reached is logged, not fatal.
import { and, eq, inArray, sql } from "drizzle-orm";
import type { MemberRole, WorkspaceRole } from "../../src/shared/api";
import type { MembershipChange } from "../../src/shared/protocol";
import { CLOSE_REASONS } from "../../src/shared/protocol";
import type { Env } from "../config/env";
import type { Db } from "../db/client";
import { adminSockets, memberships, rooms } from "../db/schema";
import { inBatches } from "../realtime/batches";
import { inboxStub, roomStub } from "../realtime/stubs";
import type { RoomRow } from "./directory/access";
import { roomInfo } from "./room-calls";

async function tell(what: string, call: () => Promise<unknown>): Promise<void> {
  try {
    await call();
  } catch (error) {
    console.error(`room notification failed: ${what}`, error);
  }
}

/**
 * New members: the room's roster learns them (with their handles, for mentions) and their
 * inboxes add the room (and subscribe to it when open).
 */
export async function membersAdded(
  env: Env,
  roomId: string,
  members: ReadonlyArray<{ userId: string; role: MemberRole }>,
): Promise<void> {
  const { results } = await env.DB.prepare(
    "SELECT id, handle FROM users WHERE id IN (SELECT value FROM json_each(?))",
  )
    .bind(JSON.stringify(members.map((m) => m.userId)))
    .all<{ id: string; handle: string }>();
  const handles = new Map(results.map((u) => [u.id, u.handle]));
  const roster = members.flatMap((m) => {
    const handle = handles.get(m.userId);
    return handle ? [{ userId: m.userId, handle, role: m.role }] : [];
  });
  await Promise.all([
    tell("membersAdded", () => roomStub(env, roomId).membersAdded(roomId, roster)),
    membershipChanged(
      env,
      roomId,
      members.map((m) => ({ userId: m.userId, change: "added" as const, role: m.role })),
    ),
  ]);
}

/** A member left or was removed; `newOwner` inherited the room if the last owner went. */
export const memberRemoved = (
  env: Env,
  roomId: string,
  userId: string,
  newOwner: string | null = null,
) =>
  Promise.all([
    tell("memberRemoved", () => roomStub(env, roomId).memberRemoved(userId)),
    membershipChanged(env, roomId, [{ userId, change: "removed" }]),
    newOwner ? memberRoleChanged(env, roomId, newOwner, "owner") : null,
  ]);

/**
 * `userId` was banned (and removed, if they were a member): the room closes their sockets with
 * the ban's reason and schedules the ban's end; their inbox hears the removal marked `banned`.
 * Either may reach their client first, and each lets it say why the room closed.
 */
export async function memberBanned(
  env: Env,
  room: RoomRow,
  userId: string,
  ban: { until: number | null; removed: boolean; newOwner: string | null },
): Promise<void> {
  await tell("banned", () => roomStub(env, room.id).banned(roomInfo(room), userId, ban.until));
  await Promise.all([
    ban.removed
      ? membershipChanged(env, room.id, [{ userId, change: "removed", banned: true }])
      : null,
    ban.newOwner ? memberRoleChanged(env, room.id, ban.newOwner, "owner") : null,
  ]);
}

export const memberRoleChanged = (env: Env, roomId: string, userId: string, role: MemberRole) =>
  Promise.all([
    tell("memberRoleChanged", () => roomStub(env, roomId).memberRoleChanged(userId, role)),
    membershipChanged(env, roomId, [{ userId, change: "role", role }]),
  ]);

/**
 * A block between the two people of a 1:1 DM changed: the room learns who blocks whom now, so
 * it refuses their sends without asking D1. Not swallowed like the others: the caller's answer
 * must not claim a block the room does not enforce (the call is idempotent; retrying fixes it).
 */
export const dmBlocksChanged = (env: Env, roomId: string, blockers: string[]) =>
  roomStub(env, roomId).dmBlocksChanged(blockers);

export const roomChanged = (env: Env, room: RoomRow) =>
  tell("roomChanged", () => roomStub(env, room.id).roomChanged(roomInfo(room)));

/** After D1 forgot the room: close its sockets and wipe its storage. */
export const roomDeleted = (env: Env, roomId: string) =>
  tell("roomDeleted", () => roomStub(env, roomId).destroy());

/** The room is gone for these people (it was deleted): their inboxes drop it. */
export const membersGone = (env: Env, roomId: string, userIds: readonly string[]) =>
  membershipChanged(
    env,
    roomId,
    userIds.map((userId) => ({ userId, change: "removed" as const })),
  );

/**
 * Rooms where the user may have sockets open: theirs, and those they visited as an admin; only
 * those of `workspaceId` when given.
 */
async function roomsWithSocketsOf(
  db: Db,
  userId: string,
  credentialHashes?: readonly string[],
  workspaceId?: string,
) {
  const inWorkspace = (column: typeof memberships.roomId | typeof adminSockets.roomId) =>
    workspaceId === undefined
      ? undefined
      : sql`${column} IN (SELECT ${rooms.id} FROM ${rooms} WHERE ${rooms.workspaceId} = ${workspaceId})`;
  const visitedWhere = and(
    eq(adminSockets.userId, userId),
    credentialHashes ? inArray(adminSockets.sessionHash, [...credentialHashes]) : undefined,
    inWorkspace(adminSockets.roomId),
  );
  const [member, visited] = await Promise.all([
    db
      .select({ roomId: memberships.roomId })
      .from(memberships)
      .where(and(eq(memberships.userId, userId), inWorkspace(memberships.roomId)))
      .all(),
    db.select({ roomId: adminSockets.roomId }).from(adminSockets).where(visitedWhere).all(),
  ]);
  return {
    roomIds: [...new Set([...member, ...visited].map((r) => r.roomId))],
    visited: visited.length,
    visitedWhere,
  };
}

/** Calls `each` on these rooms, a bounded number at a time. */
async function eachRoom(
  env: Env,
  roomIds: readonly string[],
  what: string,
  each: (room: ReturnType<typeof roomStub>) => Promise<unknown>,
): Promise<void> {
  await inBatches(roomIds, (id) => tell(what, () => each(roomStub(env, id))));
}

/**
 * The one place that ends credentials' sockets everywhere (rooms and inbox): some sessions or an
 * API token (logout, a password change, ending a session, token revocation) by their hashes, or
 * every one of the user's (disabled). The close reason (CLOSE_REASONS) tells the client which.
 */
export async function sessionsEnded(
  env: Env,
  db: Db,
  userId: string,
  credentialHash?: string | readonly string[],
): Promise<void> {
  const hashes = typeof credentialHash === "string" ? [credentialHash] : credentialHash;
  if (hashes?.length === 0) return;
  const targets = hashes ? hashes.map((sessionHash) => ({ sessionHash })) : [{ userId }];
  // Only disabling ends every credential of a user at once.
  const reason = hashes ? CLOSE_REASONS.sessionEnded : CLOSE_REASONS.accountDisabled;
  const { roomIds, visited, visitedWhere } = await roomsWithSocketsOf(db, userId, hashes);
  await eachRoom(env, roomIds, "sessionsEnded", (room) =>
    Promise.all(targets.map((target) => room.sessionsEnded(target, reason))),
  );
  await tell("sessionsEnded", () =>
    Promise.all(targets.map((target) => inboxStub(env, userId).sessionsEnded(target, reason))),
  );
  if (visited > 0) await db.delete(adminSockets).where(visitedWhere).run();
}

/**
 * The user is no longer an instance admin (or, given `workspaceId`, no longer an admin of that
 * workspace: only its rooms): sockets in rooms they are not a member of close, and elsewhere
 * their sockets lose the admin's powers.
 */
export async function adminRevoked(
  env: Env,
  db: Db,
  userId: string,
  workspaceId?: string,
): Promise<void> {
  const { roomIds, visited, visitedWhere } = await roomsWithSocketsOf(
    db,
    userId,
    undefined,
    workspaceId,
  );
  await eachRoom(env, roomIds, "adminRevoked", (room) => room.adminRevoked(userId));
  if (visited > 0) await db.delete(adminSockets).where(visitedWhere).run();
}

/** Tells each user's inbox that their membership of `roomId` changed. */
export async function membershipChanged(
  env: Env,
  roomId: string,
  changes: ReadonlyArray<{
    userId: string;
    change: MembershipChange;
    role?: MemberRole;
    banned?: boolean;
  }>,
): Promise<void> {
  await inBatches(changes, async ({ userId, change, role, banned }) => {
    try {
      await inboxStub(env, userId).membership(userId, roomId, change, role, banned);
    } catch (error) {
      console.error(`inbox of ${userId} not told about ${roomId}`, error);
    }
  });
}

/** Someone's workspaces changed (added, removed, new role): their open clients reload them. */
export const workspaceMembershipChanged = (
  env: Env,
  userId: string,
  workspaceId: string,
  change: MembershipChange,
  role?: WorkspaceRole,
) =>
  tell("workspaceMembership", () =>
    inboxStub(env, userId).workspaceMembership(workspaceId, change, role),
  );
