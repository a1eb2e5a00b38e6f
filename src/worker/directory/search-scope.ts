// Which rooms a search across my rooms asks: those I am a member of, the most recently active
// first. Memberships only, for instance admins too: a search is for what I read, never a way
// into rooms I left or was never in.
import { and, desc, eq, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { memberships, rooms } from "../../db/schema";
import type { RoomRow } from "./access";

/**
 * Up to `limit` of my rooms (of workspace `workspaceId` only, when given) by their last message
 * (rooms without one last), and whether more are left.
 */
export async function roomsToSearch(
  db: Db,
  userId: string,
  limit: number,
  workspaceId: string | null = null,
): Promise<{ rooms: RoomRow[]; more: boolean }> {
  const rows = await db
    .select({ room: rooms })
    .from(memberships)
    .innerJoin(rooms, eq(rooms.id, memberships.roomId))
    .where(
      and(
        eq(memberships.userId, userId),
        workspaceId !== null ? eq(rooms.workspaceId, workspaceId) : undefined,
      ),
    )
    .orderBy(sql`${rooms.lastMessageAt} DESC NULLS LAST`, desc(rooms.createdAt), rooms.id)
    .limit(limit + 1);
  return { rooms: rows.slice(0, limit).map((row) => row.room), more: rows.length > limit };
}
