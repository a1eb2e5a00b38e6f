// Changes made in D1 that open sockets must feel at once: removals, roles, room settings,
// ended sessions, and (through the users' inboxes) memberships. D1 has already committed; a
// room or inbox that cannot be reached is logged, not fatal.
import { and, eq } from "drizzle-orm";
import type { Db } from "../db/client";
import { adminSockets, memberships } from "../db/schema";
import type { RoomRow } from "../directory/access";
import type { Env } from "../env";
import { inboxStub, membershipChanged } from "../inbox/client";
import type { MemberRole } from "../shared/api";
import { roomInfo, roomStub } from "./client";

async function tell(what: string, call: () => Promise<unknown>): Promise<void> {
  try {
    await call();
  } catch (error) {
    console.error(`room notification failed: ${what}`, error);
  }
}

/** New members: their inboxes add the room (and subscribe to it when open). */
export const membersAdded = (
  env: Env,
  roomId: string,
  members: ReadonlyArray<{ userId: string; role: MemberRole }>,
) =>
  membershipChanged(
    env,
    roomId,
    members.map((m) => ({ userId: m.userId, change: "added" as const, role: m.role })),
  );

export const memberRemoved = (env: Env, roomId: string, userId: string) =>
  Promise.all([
    tell("memberRemoved", () => roomStub(env, roomId).memberRemoved(userId)),
    membershipChanged(env, roomId, [{ userId, change: "removed" }]),
  ]);

export const memberRoleChanged = (env: Env, roomId: string, userId: string, role: MemberRole) =>
  Promise.all([
    tell("memberRoleChanged", () => roomStub(env, roomId).memberRoleChanged(userId, role)),
    membershipChanged(env, roomId, [{ userId, change: "role", role }]),
  ]);

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

/** Ends sockets in every room of the user: one session (logout) or all (disabled). */
export async function sessionsEnded(
  env: Env,
  db: Db,
  userId: string,
  sessionHash?: string,
): Promise<void> {
  const watched = and(
    eq(adminSockets.userId, userId),
    sessionHash ? eq(adminSockets.sessionHash, sessionHash) : undefined,
  );
  const [member, visited] = await Promise.all([
    db
      .select({ roomId: memberships.roomId })
      .from(memberships)
      .where(eq(memberships.userId, userId))
      .all(),
    db.select({ roomId: adminSockets.roomId }).from(adminSockets).where(watched).all(),
  ]);
  const roomIds = new Set([...member, ...visited].map((r) => r.roomId));
  await Promise.all(
    [...roomIds].map((roomId) =>
      tell("sessionsEnded", () =>
        roomStub(env, roomId).sessionsEnded(sessionHash ? { sessionHash } : { userId }),
      ),
    ),
  );
  await tell("sessionsEnded", () =>
    inboxStub(env, userId).sessionsEnded(sessionHash ? { sessionHash } : { userId }),
  );
  if (visited.length > 0) await db.delete(adminSockets).where(watched).run();
}
