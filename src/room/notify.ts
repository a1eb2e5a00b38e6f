// Changes made in D1 that open sockets must feel at once: removals, roles, room settings,
// ended sessions. D1 has already committed; a room that cannot be reached is logged, not fatal.
import { and, eq } from "drizzle-orm";
import type { Db } from "../db/client";
import { adminSockets, memberships } from "../db/schema";
import type { RoomRow } from "../directory/access";
import type { Env } from "../env";
import type { MemberRole } from "../shared/api";
import { roomInfo, roomStub } from "./client";

async function tell(what: string, call: () => Promise<unknown>): Promise<void> {
  try {
    await call();
  } catch (error) {
    console.error(`room notification failed: ${what}`, error);
  }
}

export const memberRemoved = (env: Env, roomId: string, userId: string) =>
  tell("memberRemoved", () => roomStub(env, roomId).memberRemoved(userId));

export const memberRoleChanged = (env: Env, roomId: string, userId: string, role: MemberRole) =>
  tell("memberRoleChanged", () => roomStub(env, roomId).memberRoleChanged(userId, role));

export const roomChanged = (env: Env, room: RoomRow) =>
  tell("roomChanged", () => roomStub(env, room.id).roomChanged(roomInfo(room)));

/** After D1 forgot the room: close its sockets and wipe its storage. */
export const roomDeleted = (env: Env, roomId: string) =>
  tell("roomDeleted", () => roomStub(env, roomId).destroy());

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
  if (visited.length > 0) await db.delete(adminSockets).where(watched).run();
}
