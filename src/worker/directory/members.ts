// Membership changes: joining, inviting, roles, removal — with the room never left without an owner.
import { and, asc, eq, isNull, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { MemberRole } from "../../../src/shared/api";
import { canChangeRole, canInvite, canRemove } from "../../../src/shared/permissions";
import { audit } from "../../db/audit";
import { batchAll } from "../../db/batch";
import type { Db } from "../../db/client";
import { memberships, roomBans, rooms, workspaceMembers } from "../../db/schema";
import { ApiError, forbidden, notFound } from "../errors";
import {
  assertNotArchived,
  assertNotDm,
  findMembership,
  isGroupDm,
  type MembershipRow,
  type RoomAccess,
} from "./access";
import { assertInWorkspace } from "./workspace-scope";

/**
 * A new member starts with the room read up to its last message: joining is not unread. (D1's
 * `last_seq` may trail the room by a flush; the room raises the mark to its own last seq.)
 */
const readUpToLastMessage = (roomId: string) =>
  sql<number>`(SELECT last_seq FROM rooms WHERE id = ${roomId})`;

export async function joinChannel(db: Db, userId: string, access: RoomAccess): Promise<MemberRole> {
  const { room, membership } = access;
  if (membership) return membership.role;
  if (room.kind !== "channel") throw forbidden("Only public channels can be joined");
  assertNotArchived(room);
  // Loading the room already refused a banned person, unless they are an instance admin.
  await assertNotBanned(db, room.id, userId);
  await db.batch([
    db
      .insert(memberships)
      .values({
        roomId: room.id,
        userId,
        role: "member",
        joinedAt: Date.now(),
        lastReadSeq: readUpToLastMessage(room.id),
      })
      .onConflictDoNothing(),
    audit(db, {
      actorId: userId,
      action: "member.add",
      roomId: room.id,
      targetId: userId,
      detail: { via: "join" },
    }),
  ]);
  return "member";
}

export async function addMember(
  db: Db,
  actorId: string,
  access: RoomAccess,
  target: { userId: string; role: MemberRole },
): Promise<void> {
  const { room, actor } = access;
  assertNotDm(room);
  if (!canInvite(actor, target.role)) {
    throw forbidden(
      target.role === "member"
        ? "Only owners and moderators can add people"
        : "Only owners can grant that role",
    );
  }
  assertNotArchived(room);
  // Only people of the room's workspace: anyone else does not exist from inside it.
  await assertInWorkspace(db, room.workspaceId, target.userId);
  if (await findMembership(db, room.id, target.userId))
    throw new ApiError("conflict", "Already a member");
  await assertNotBanned(db, room.id, target.userId);
  await db.batch([
    db.insert(memberships).values({
      roomId: room.id,
      userId: target.userId,
      role: target.role,
      joinedAt: Date.now(),
      lastReadSeq: readUpToLastMessage(room.id),
    }),
    audit(db, {
      actorId,
      action: "member.add",
      roomId: room.id,
      targetId: target.userId,
      detail: { role: target.role },
    }),
  ]);
}

async function ownerCount(db: Db, roomId: string): Promise<number> {
  return db.$count(memberships, and(eq(memberships.roomId, roomId), eq(memberships.role, "owner")));
}

export async function changeRole(
  db: Db,
  actorId: string,
  access: RoomAccess,
  target: { userId: string; role: MemberRole },
): Promise<void> {
  const { room, actor } = access;
  assertNotDm(room);
  if (!canChangeRole(actor)) throw forbidden("Only owners can change roles");
  assertNotArchived(room);
  const current = await findMembership(db, room.id, target.userId);
  if (!current) throw notFound("Not a member of this room");
  if (current.role === target.role) return;
  if (current.role === "owner" && (await ownerCount(db, room.id)) <= 1) {
    throw new ApiError("conflict", "A room needs an owner: make someone else owner first");
  }
  await db.batch([
    db
      .update(memberships)
      .set({ role: target.role })
      .where(and(eq(memberships.roomId, room.id), eq(memberships.userId, target.userId))),
    audit(db, {
      actorId,
      action: "member.role",
      roomId: room.id,
      targetId: target.userId,
      detail: { from: current.role, to: target.role },
    }),
  ]);
}

/**
 * Removes a member (or lets one leave). When the last owner goes, the longest-standing
 * moderator — or else member — becomes owner, so the room can still be managed; answers who.
 */
export async function removeMember(
  db: Db,
  actorId: string,
  access: RoomAccess,
  userId: string,
): Promise<{ newOwner: string | null }> {
  const { room, actor } = access;
  // A group DM's members leave it; nobody removes anyone else from one.
  const leavesGroupDm = isGroupDm(room) && userId === actorId;
  if (!leavesGroupDm) assertNotDm(room);
  const current = await findMembership(db, room.id, userId);
  if (!current) throw notFound("Not a member of this room");
  if (!canRemove(actor, current.role, userId === actorId)) {
    throw forbidden("Moderators can remove members only; owners anyone");
  }
  const { statements, newOwner } = await removal(db, actorId, current, {
    role: current.role,
    ...(userId === actorId ? { via: "leave" } : {}),
  });
  // Its people changed: `POST /api/dms` with the former set must not find it again.
  if (leavesGroupDm) {
    statements.push(db.update(rooms).set({ dmKey: null }).where(eq(rooms.id, room.id)));
  }
  await batchAll(db, statements);
  return { newOwner };
}

/**
 * The statements that take `member` out of their room, audited with `detail`, and hand the room
 * to an heir when they were its last owner (removal and bans share it).
 */
export async function removal(
  db: Db,
  actorId: string,
  member: MembershipRow,
  detail: Record<string, unknown>,
) {
  const { roomId, userId } = member;
  const statements: BatchItem<"sqlite">[] = [
    db
      .delete(memberships)
      .where(and(eq(memberships.roomId, roomId), eq(memberships.userId, userId))),
    audit(db, { actorId, action: "member.remove", roomId, targetId: userId, detail }),
  ];
  let newOwner: string | null = null;
  if (member.role === "owner" && (await ownerCount(db, roomId)) <= 1) {
    const heir = await db
      .select({ userId: memberships.userId })
      .from(memberships)
      .where(and(eq(memberships.roomId, roomId), sql`${memberships.userId} <> ${userId}`))
      .orderBy(
        sql`CASE ${memberships.role} WHEN 'moderator' THEN 0 ELSE 1 END`,
        asc(memberships.joinedAt),
      )
      .get();
    if (heir) {
      newOwner = heir.userId;
      statements.push(
        db
          .update(memberships)
          .set({ role: "owner" })
          .where(and(eq(memberships.roomId, roomId), eq(memberships.userId, heir.userId))),
        audit(db, {
          actorId,
          action: "member.role",
          roomId,
          targetId: heir.userId,
          detail: { to: "owner", reason: "last owner left" },
        }),
      );
    }
  }
  return { statements, newOwner };
}

/** Refuses someone a ban keeps out of the room now (403 `banned`); an ended ban keeps nobody. */
export async function assertNotBanned(db: Db, roomId: string, userId: string): Promise<void> {
  const ban = await db
    .select({ until: roomBans.until })
    .from(roomBans)
    .where(
      and(
        eq(roomBans.roomId, roomId),
        eq(roomBans.userId, userId),
        sql`(${roomBans.until} IS NULL OR ${roomBans.until} > ${Date.now()})`,
      ),
    )
    .get();
  if (ban) throw new ApiError("banned", "This person is banned from this room");
}

/**
 * An invite used: its workspace joined (as member, when not in it already), then its rooms: the
 * member-add path for invites. Rooms archived or deleted since, moved out of its workspace, or
 * that its maker no longer owns (unless an admin of the instance or workspace), are skipped; the
 * workspace is joined only while its maker still brings people in (an admin, or a room joined).
 * Answers the rooms joined anew, for the caller to tell their rooms (notify.membersAdded).
 */
export async function joinByInvite(
  db: Db,
  userId: string,
  invite: { code: string; createdBy: string; workspaceId: string; roomIds: readonly string[] },
): Promise<string[]> {
  // The maker's right to invite holds at each use: an admin since demoted, or an owner who left
  // the room, no longer brings people in.
  const makerIsAdmin = sql`(EXISTS (SELECT 1 FROM users u WHERE u.id = ${invite.createdBy} AND u.role = 'admin')
    OR EXISTS (SELECT 1 FROM workspace_members w WHERE w.workspace_id = ${invite.workspaceId}
               AND w.user_id = ${invite.createdBy} AND w.role IN ('owner', 'admin')))`;
  const open =
    invite.roomIds.length === 0
      ? []
      : await db
          .select({ id: rooms.id })
          .from(rooms)
          .where(
            and(
              sql`${rooms.id} IN (SELECT value FROM json_each(${JSON.stringify(invite.roomIds)}))`,
              eq(rooms.workspaceId, invite.workspaceId),
              sql`${rooms.kind} <> 'dm'`,
              isNull(rooms.archivedAt),
              sql`NOT EXISTS (SELECT 1 FROM memberships m WHERE m.room_id = ${rooms.id} AND m.user_id = ${userId})`,
              sql`(${makerIsAdmin}
                   OR EXISTS (SELECT 1 FROM memberships o WHERE o.room_id = ${rooms.id}
                              AND o.user_id = ${invite.createdBy} AND o.role = 'owner'))`,
            ),
          )
          .all();
  // In the invite's order: its first room is where the newcomer lands.
  const joinable = new Set(open.map((r) => r.id));
  const roomIds = invite.roomIds.filter((id) => joinable.has(id));
  const makerManages =
    roomIds.length > 0 ||
    (await db.get<{ yes: number }>(sql`SELECT ${makerIsAdmin} AS yes`))?.yes === 1;
  const joinedAt = Date.now();
  await db.batch([
    audit(db, {
      actorId: userId,
      action: "invite.use",
      workspaceId: invite.workspaceId,
      targetId: userId,
      detail: { code: invite.code, inviter: invite.createdBy, rooms: roomIds },
    }),
    ...(makerManages
      ? [
          db
            .insert(workspaceMembers)
            .values({ workspaceId: invite.workspaceId, userId, role: "member", joinedAt })
            .onConflictDoNothing(),
        ]
      : []),
    ...roomIds.flatMap((roomId) => [
      db
        .insert(memberships)
        .values({
          roomId,
          userId,
          role: "member" as const,
          joinedAt,
          lastReadSeq: readUpToLastMessage(roomId),
        })
        .onConflictDoNothing(),
      audit(db, {
        actorId: invite.createdBy,
        action: "member.add",
        roomId,
        targetId: userId,
        detail: { role: "member", via: "invite" },
      }),
    ]),
  ]);
  return roomIds;
}
