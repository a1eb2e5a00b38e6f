// Blocking (docs/api.md, "Blocking"): who I blocked, and the checks DMs make against it. Private
// to the blocker: nothing here is audited, and the blocked person learns of it only as the
// `blocked` refusals of DMs with me.
import { and, desc, eq, inArray, or, sql } from "drizzle-orm";
import type { PublicUser } from "../../../src/shared/api";
import type { Db } from "../../db/client";
import { blocks, rooms, users, workspaceMembers } from "../../db/schema";
import * as serialize from "../../db/serialize";
import { ApiError, notFound } from "../errors";
import type { RoomRow } from "./access";
import { dmKey } from "./dms";
import { DEFAULT_WORKSPACE_ID } from "./workspaces";

/** How many blocked people `GET /api/me/blocks` lists at most (the newest first). */
export const BLOCKS_LIST_MAX = 1_000;

async function assertBlockable(db: Db, me: string, userId: string): Promise<void> {
  if (userId === me) throw new ApiError("invalid", "You cannot block yourself");
  const found = await db.select({ id: users.id }).from(users).where(eq(users.id, userId)).get();
  if (!found) throw notFound("No such user");
}

/** Blocks `userId` for `me`; blocking again changes nothing. */
export async function block(db: Db, me: string, userId: string): Promise<void> {
  await assertBlockable(db, me, userId);
  await db
    .insert(blocks)
    .values({ blockerId: me, blockedId: userId, createdAt: Date.now() })
    .onConflictDoNothing()
    .run();
}

/** Lifts my block of `userId`; lifting one that does not exist changes nothing. */
export async function unblock(db: Db, me: string, userId: string): Promise<void> {
  await assertBlockable(db, me, userId);
  await db
    .delete(blocks)
    .where(and(eq(blocks.blockerId, me), eq(blocks.blockedId, userId)))
    .run();
}

export async function blockedBy(db: Db, me: string): Promise<PublicUser[]> {
  const rows = await db
    .select({
      id: users.id,
      handle: users.handle,
      displayName: users.displayName,
      avatarVersion: users.avatarVersion,
      bot: users.bot,
    })
    .from(blocks)
    .innerJoin(users, eq(users.id, blocks.blockedId))
    .where(eq(blocks.blockerId, me))
    .orderBy(desc(blocks.createdAt), users.id)
    .limit(BLOCKS_LIST_MAX)
    .all();
  return rows.map(serialize.publicUser);
}

/** Every block, either way, between `me` and `others` (one indexed query). */
export async function blocksBetween(
  db: Db,
  me: string,
  others: readonly string[],
): Promise<Array<{ blockerId: string; blockedId: string }>> {
  if (others.length === 0) return [];
  return db
    .select({ blockerId: blocks.blockerId, blockedId: blocks.blockedId })
    .from(blocks)
    .where(
      or(
        and(eq(blocks.blockedId, me), inArray(blocks.blockerId, [...others])),
        and(eq(blocks.blockerId, me), inArray(blocks.blockedId, [...others])),
      ),
    )
    .all();
}

/** The 1:1 DMs of these two people, one per workspace they opened one in. */
export function oneToOneDms(db: Db, a: string, b: string): Promise<RoomRow[]> {
  // The key of their DM in each of a's workspaces (dmKey's format), found by the unique index.
  const people = dmKey(DEFAULT_WORKSPACE_ID, [a, b]);
  return db
    .select()
    .from(rooms)
    .where(
      sql`${rooms.dmKey} IN (SELECT CASE ${workspaceMembers.workspaceId} WHEN ${DEFAULT_WORKSPACE_ID} THEN ${people} ELSE ${workspaceMembers.workspaceId} || ':' || ${people} END FROM ${workspaceMembers} WHERE ${workspaceMembers.userId} = ${a})`,
    )
    .all();
}
