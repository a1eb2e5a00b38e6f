// Direct messages: one room per set of people, found again by its sorted member ids; group DMs
// also take new people.
import { and, eq, inArray, or, sql } from "drizzle-orm";
import { audit } from "../../db/audit";
import type { Db } from "../../db/client";
import { isUniqueViolation } from "../../db/client";
import { blocks, memberships, rooms, workspaceMembers } from "../../db/schema";
import { roomIdPrefix } from "../../realtime/stubs";
import { newId } from "../auth/crypto";
import { ApiError, forbidden, notFound } from "../errors";
import { assertBelowLimit, recordEvent, type Window } from "../sliding-window";
import { assertNotDm, isGroupDm, type RoomAccess, type RoomRow } from "./access";
import { membershipInserts } from "./rooms";
import { DEFAULT_WORKSPACE_ID, type WorkspaceRow } from "./workspaces";

/**
 * The key that finds a DM again: its sorted member ids, prefixed by the workspace for any but
 * the default one (whose DMs kept their keys from before workspaces), so the same people have
 * one DM per workspace they share.
 */
export const dmKey = (workspaceId: string, userIds: Iterable<string>) => {
  const people = [...new Set(userIds)].sort().join(",");
  return workspaceId === DEFAULT_WORKSPACE_ID ? people : `${workspaceId}:${people}`;
};

/**
 * Opens (or finds) the DM between the caller and `others`; `created` tells which. Only creating
 * one counts toward the caller's `perUser` window: finding an existing DM again is free.
 */
export async function openDm(
  db: Db,
  workspace: Pick<WorkspaceRow, "id" | "dataLocation">,
  me: string,
  others: readonly string[],
  limits: { maxMembers: number; perUser: Window },
): Promise<{ room: RoomRow; created: boolean }> {
  const { maxMembers, perUser } = limits;
  const people = [...new Set([me, ...others])];
  if (people.length > maxMembers) {
    throw new ApiError("invalid", `A group DM holds at most ${maxMembers} people`);
  }
  const key = dmKey(workspace.id, people);
  const existing = await db.select().from(rooms).where(eq(rooms.dmKey, key)).get();
  if (existing) return { room: existing, created: false };

  // Everyone in it must be in the workspace: people elsewhere do not exist from here.
  const found = await db
    .select({ id: workspaceMembers.userId })
    .from(workspaceMembers)
    .where(
      and(eq(workspaceMembers.workspaceId, workspace.id), inArray(workspaceMembers.userId, people)),
    )
    .all();
  if (found.length !== people.length) throw notFound("No such user");
  const subjects = [`user:${me}`];
  await assertBelowLimit(db, perUser, subjects, "Too many new conversations; try again later");

  const room: RoomRow = {
    id: newId(roomIdPrefix(workspace.dataLocation)),
    workspaceId: workspace.id,
    kind: "dm",
    name: null,
    topic: "",
    dmKey: key,
    externalRef: null,
    createdBy: me,
    createdAt: Date.now(),
    archivedAt: null,
    retentionJson: null,
    metadataJson: null,
    ephemeral: false,
    lastSeq: 0,
    firstSeq: 1,
    lastMessageAt: null,
    lastPreview: null,
    lastSenderId: null,
  };
  try {
    await db.batch([
      db.insert(rooms).values(room),
      recordEvent(db, perUser, subjects, room.createdAt),
      ...membershipInserts(
        db,
        room.id,
        people.map((userId) => ({ userId, role: "member" as const })),
        room.createdAt,
      ),
    ]);
    return { room, created: true };
  } catch (error) {
    // Two people opened the same DM at once: the other request's room is the one.
    if (!isUniqueViolation(error)) throw error;
    const winner = await db.select().from(rooms).where(eq(rooms.dmKey, key)).get();
    if (!winner) throw error;
    return { room: winner, created: false };
  }
}

/**
 * Adds `userId` to a group DM, for any of its members (`actor`), up to `maxMembers` people. Refused
 * when a block stands between the newcomer and anyone in it (either way). Its `dm_key` is
 * cleared: `POST /api/dms` with the former people opens a room of exactly those people instead.
 */
export async function addToGroupDm(
  db: Db,
  access: RoomAccess,
  userId: string,
  maxMembers: number,
): Promise<void> {
  const { room, membership } = access;
  if (!isGroupDm(room)) assertNotDm(room);
  if (!membership) throw forbidden("Only its members add people to a group DM");
  const roomId = room.id;
  const user = await db
    .select({ id: workspaceMembers.userId })
    .from(workspaceMembers)
    .where(
      and(eq(workspaceMembers.workspaceId, room.workspaceId), eq(workspaceMembers.userId, userId)),
    )
    .get();
  if (!user) throw notFound("No such user");
  const inRoom = sql`(SELECT user_id FROM memberships WHERE room_id = ${roomId})`;
  const [count, already, blocked] = await db.batch([
    db.select({ n: sql<number>`count(*)` }).from(memberships).where(eq(memberships.roomId, roomId)),
    db
      .select({ userId: memberships.userId })
      .from(memberships)
      .where(and(eq(memberships.roomId, roomId), eq(memberships.userId, userId))),
    db
      .select({ blockerId: blocks.blockerId })
      .from(blocks)
      .where(
        or(
          and(eq(blocks.blockerId, userId), sql`${blocks.blockedId} IN ${inRoom}`),
          and(eq(blocks.blockedId, userId), sql`${blocks.blockerId} IN ${inRoom}`),
        ),
      )
      .limit(1),
  ]);
  if (already.length > 0) throw new ApiError("conflict", "Already a member");
  if ((count[0]?.n ?? 0) >= maxMembers) {
    throw new ApiError("invalid", `A group DM holds at most ${maxMembers} people`);
  }
  if (blocked.length > 0) {
    throw new ApiError("blocked", "You can't add this person to this conversation");
  }
  await db.batch([
    db.insert(memberships).values({
      roomId,
      userId,
      role: "member",
      joinedAt: Date.now(),
      lastReadSeq: sql<number>`(SELECT last_seq FROM rooms WHERE id = ${roomId})`,
    }),
    db.update(rooms).set({ dmKey: null }).where(eq(rooms.id, roomId)),
    audit(db, {
      actorId: membership.userId,
      action: "member.add",
      roomId,
      targetId: userId,
      detail: { role: "member", via: "group-dm" },
    }),
  ]);
}
