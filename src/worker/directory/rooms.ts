// The room registry in D1: creating, renaming, listing and discovering rooms.
import { and, asc, eq, getTableColumns, isNull, notExists, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type {
  MemberRole,
  NotifyLevel,
  PublicUser,
  RetentionPolicy,
  RoomDetails,
  RoomListItem,
} from "../../../src/shared/api";
import { canModerate } from "../../../src/shared/permissions";
import type { Env } from "../../config/env";
import { audit } from "../../db/audit";
import { type Db, iso, likePattern } from "../../db/client";
import { memberships, reports, roomBans, rooms, users } from "../../db/schema";
import * as serialize from "../../db/serialize";
import { READ_FLOOR, THREADS_COLUMN, UNREAD_COLUMNS } from "../../db/unread";
import { roomIdPrefix } from "../../realtime/stubs";
import type { RetentionDefaults } from "../../room/retention";
import { newId } from "../auth/crypto";
import * as notify from "../notify";
import type { RoomAccess, RoomRow } from "./access";
import { offsetCursor, pageOf } from "./paging";
import { peopleByRoom } from "./people";
import { retentionOf } from "./retention";
import type { WorkspaceRow } from "./workspaces";

export interface NewRoom {
  /** The workspace the room is made in: its id, and where its data must live. */
  workspace: Pick<WorkspaceRow, "id" | "dataLocation">;
  kind: "channel" | "private";
  name: string;
  topic?: string | undefined;
  externalRef?: string | undefined;
  metadata?: Record<string, unknown> | undefined;
  ephemeral?: boolean | undefined;
  retention?: RetentionPolicy | undefined;
}

/**
 * D1 allows 100 bound parameters per statement. drizzle binds every column of a membership row
 * (defaults included), so a row takes one per column.
 */
const MEMBER_ROWS_PER_INSERT = Math.floor(100 / Object.keys(getTableColumns(memberships)).length);

export function membershipInserts(
  db: Db,
  roomId: string,
  members: ReadonlyArray<{ userId: string; role: MemberRole }>,
  joinedAt: number,
) {
  const statements = [];
  for (let i = 0; i < members.length; i += MEMBER_ROWS_PER_INSERT) {
    const chunk = members.slice(i, i + MEMBER_ROWS_PER_INSERT);
    statements.push(
      db
        .insert(memberships)
        .values(chunk.map((m) => ({ roomId, userId: m.userId, role: m.role, joinedAt }))),
    );
  }
  return statements;
}

export function buildRoom(spec: NewRoom, createdBy: string | null): RoomRow {
  return {
    id: newId(roomIdPrefix(spec.workspace.dataLocation)),
    workspaceId: spec.workspace.id,
    kind: spec.kind,
    name: spec.name,
    topic: spec.topic ?? "",
    dmKey: null,
    externalRef: spec.externalRef ?? null,
    createdBy,
    createdAt: Date.now(),
    archivedAt: null,
    retentionJson: spec.retention ? JSON.stringify(spec.retention) : null,
    metadataJson: spec.metadata ? JSON.stringify(spec.metadata) : null,
    ephemeral: spec.ephemeral ?? false,
    lastSeq: 0,
    firstSeq: 1,
    lastMessageAt: null,
    lastPreview: null,
    lastSenderId: null,
  };
}

/**
 * Creates the room with its first members (the creator as owner, when there is one); `also`
 * joins the same batch (e.g. the creator's rate-limit event, counted only if the room is made).
 */
export async function createRoom(
  db: Db,
  actorId: string,
  spec: NewRoom,
  members: ReadonlyArray<{ userId: string; role: MemberRole }>,
  also: BatchItem<"sqlite">[] = [],
): Promise<RoomRow> {
  const room = buildRoom(spec, actorId);
  await db.batch([
    db.insert(rooms).values(room),
    ...also,
    ...membershipInserts(db, room.id, members, room.createdAt),
    audit(db, {
      actorId,
      action: "room.create",
      roomId: room.id,
      detail: {
        kind: room.kind,
        name: room.name,
        ...(room.externalRef ? { externalRef: room.externalRef } : {}),
      },
    }),
  ]);
  return room;
}

export async function updateRoom(
  db: Db,
  actorId: string,
  room: RoomRow,
  change: {
    name?: string | undefined;
    topic?: string | undefined;
    archived?: boolean | undefined;
    metadata?: Record<string, unknown> | null | undefined;
  },
): Promise<RoomRow> {
  const next: Partial<RoomRow> = {};
  if (change.name !== undefined) next.name = change.name;
  if (change.topic !== undefined) next.topic = change.topic;
  if (change.metadata !== undefined) {
    next.metadataJson = change.metadata === null ? null : JSON.stringify(change.metadata);
  }
  if (change.archived !== undefined && change.archived !== (room.archivedAt != null)) {
    next.archivedAt = change.archived ? Date.now() : null;
  }
  if (Object.keys(next).length === 0) return room;
  const { archivedAt, metadataJson, ...renamed } = next;
  const entries = [];
  if (Object.keys(renamed).length > 0 || "metadataJson" in next) {
    // The metadata itself may be 4 KiB: the entry says that it changed.
    const detail = { ...renamed, ...("metadataJson" in next ? { metadata: "changed" } : {}) };
    entries.push(audit(db, { actorId, action: "room.update", roomId: room.id, detail }));
  }
  if ("archivedAt" in next) {
    entries.push(
      audit(db, {
        actorId,
        action: "room.archive",
        roomId: room.id,
        detail: { archived: archivedAt != null },
      }),
    );
  }
  const [updated] = await db.batch([
    db.update(rooms).set(next).where(eq(rooms.id, room.id)).returning(),
    ...entries,
  ]);
  return updated[0] ?? room;
}

/**
 * Deletes a room for good (an admin, or its owner): D1 first, then its sockets and storage, then
 * its former members' inboxes (after the answer).
 */
export async function deleteRoomForGood(
  c: { env: Env; executionCtx: Pick<ExecutionContext, "waitUntil"> },
  db: Db,
  actorId: string,
  room: RoomRow,
): Promise<void> {
  const members = await db
    .select({ userId: memberships.userId })
    .from(memberships)
    .where(eq(memberships.roomId, room.id))
    .all();
  await deleteRoom(db, actorId, room);
  await notify.roomDeleted(c.env, room.id);
  c.executionCtx.waitUntil(
    notify.membersGone(
      c.env,
      room.id,
      members.map((m) => m.userId),
    ),
  );
}

export async function deleteRoom(db: Db, actorId: string, room: RoomRow): Promise<void> {
  await db.batch([
    db.delete(rooms).where(eq(rooms.id, room.id)),
    audit(db, {
      actorId,
      action: "room.delete",
      roomId: room.id,
      workspaceId: room.workspaceId,
      detail: { kind: room.kind, name: room.name },
    }),
  ]);
}

interface RoomListRow extends Record<string, unknown> {
  id: string;
  member_role: MemberRole;
  member_muted: number;
  member_notify: NotifyLevel | null;
  member_last_read: number;
  unread: number;
  mention_count: number;
  thread_count: number;
}

/**
 * My rooms with exact unread and mention counts (src/db/unread.ts), in one D1 query; only those
 * of workspace `workspaceId` when given (null: every workspace, so one list feeds every badge).
 */
export async function listMyRooms(
  db: Db,
  userId: string,
  workspaceId: string | null = null,
): Promise<RoomListItem[]> {
  const { results } = await db.$client
    .prepare(
      `SELECT r.*, m.role AS member_role, m.muted AS member_muted, m.notify AS member_notify,
         m.last_read_seq AS member_last_read,
         ${UNREAD_COLUMNS}, ${THREADS_COLUMN}
       FROM memberships m JOIN rooms r ON r.id = m.room_id
       WHERE m.user_id = ?1 AND (m.hidden_at_seq IS NULL OR r.last_seq > m.hidden_at_seq)
         AND (?2 IS NULL OR r.workspace_id = ?2)
       ORDER BY coalesce(r.last_message_at, r.created_at) DESC, r.id`,
    )
    .bind(userId, workspaceId)
    .all<RoomListRow>();

  const peers = await dmPeers(db, userId);
  return results.map((row) => {
    const roomRow = roomRowFromSql(row);
    const room = serialize.room(roomRow);
    return {
      room,
      role: row.member_role,
      unread: row.unread,
      mentions: row.mention_count,
      threads: row.thread_count,
      lastSeq: room.lastSeq,
      lastReadSeq: row.member_last_read,
      lastMessageAt: room.lastMessageAt,
      lastPreview: room.lastPreview,
      lastSenderId: roomRow.lastSenderId,
      muted: row.member_muted === 1,
      notify: notifyLevel(room.kind, row.member_muted === 1, row.member_notify),
      peers: peers.get(row.id) ?? [],
    };
  });
}

/**
 * My rooms with anything above my read mark (D1's view: what my room list shows), the most
 * recently active first, at most `limit` of them; `more` when others are left.
 */
export async function roomsToMarkRead(
  db: Db,
  userId: string,
  limit: number,
): Promise<{ rooms: { room: RoomRow; role: MemberRole }[]; more: boolean }> {
  const { results } = await db.$client
    .prepare(
      `SELECT r.*, m.role AS member_role
       FROM memberships m JOIN rooms r ON r.id = m.room_id
       WHERE m.user_id = ?1 AND r.last_seq > ${READ_FLOOR}
       ORDER BY coalesce(r.last_message_at, r.created_at) DESC, r.id
       LIMIT ?2`,
    )
    .bind(userId, limit + 1)
    .all<Record<string, unknown> & { member_role: MemberRole }>();
  return {
    rooms: results
      .slice(0, limit)
      .map((row) => ({ room: roomRowFromSql(row), role: row.member_role })),
    more: results.length > limit,
  };
}

function roomRowFromSql(row: Record<string, unknown>): RoomRow {
  return {
    id: row.id as string,
    workspaceId: row.workspace_id as string,
    kind: row.kind as RoomRow["kind"],
    name: row.name as string | null,
    topic: row.topic as string,
    dmKey: row.dm_key as string | null,
    externalRef: row.external_ref as string | null,
    createdBy: row.created_by as string | null,
    createdAt: row.created_at as number,
    archivedAt: row.archived_at as number | null,
    retentionJson: row.retention_json as string | null,
    metadataJson: row.metadata_json as string | null,
    ephemeral: row.ephemeral === 1,
    lastSeq: row.last_seq as number,
    firstSeq: row.first_seq as number,
    lastMessageAt: row.last_message_at as number | null,
    lastPreview: row.last_preview as string | null,
    lastSenderId: row.last_sender_id as string | null,
  };
}

/** The other people in each of my DMs, in one query. */
async function dmPeers(db: Db, userId: string): Promise<Map<string, PublicUser[]>> {
  const mine = db
    .select({ roomId: memberships.roomId })
    .from(memberships)
    .innerJoin(rooms, eq(rooms.id, memberships.roomId))
    .where(and(eq(memberships.userId, userId), eq(rooms.kind, "dm")));
  return peopleByRoom(
    db,
    sql`${memberships.roomId} IN ${mine} AND ${memberships.userId} <> ${userId}`,
  );
}

/** Public channels of workspace `workspaceId` I am not in, by name, paged by name. */
export async function discoverRooms(
  db: Db,
  userId: string,
  workspaceId: string,
  opts: { q?: string | undefined; offset: number; limit: number },
) {
  const rows = await db
    .select()
    .from(rooms)
    .where(
      and(
        eq(rooms.workspaceId, workspaceId),
        eq(rooms.kind, "channel"),
        isNull(rooms.archivedAt),
        notExists(
          db
            .select({ one: sql`1` })
            .from(memberships)
            .where(and(eq(memberships.roomId, rooms.id), eq(memberships.userId, userId))),
        ),
        // Nor those a ban keeps me out of (docs/api.md, "Bans").
        notExists(
          db
            .select({ one: sql`1` })
            .from(roomBans)
            .where(
              and(
                eq(roomBans.roomId, rooms.id),
                eq(roomBans.userId, userId),
                sql`(${roomBans.until} IS NULL OR ${roomBans.until} > ${Date.now()})`,
              ),
            ),
        ),
        opts.q
          ? sql`${rooms.name} LIKE ${likePattern(opts.q)} ESCAPE '\\' COLLATE NOCASE`
          : undefined,
      ),
    )
    .orderBy(asc(rooms.name), asc(rooms.id))
    .limit(opts.limit + 1)
    .offset(opts.offset)
    .all();
  const { items, nextCursor } = pageOf(rows, opts);
  return { rooms: items, nextCursor };
}

/** Room details with a page of members, owners first, then by join time. */
export async function roomDetails(
  db: Db,
  access: RoomAccess,
  page: { cursor?: string | undefined; limit: number },
  retention: RetentionDefaults,
): Promise<RoomDetails> {
  const { room, membership } = access;
  const order = sql`CASE ${memberships.role} WHEN 'owner' THEN 0 WHEN 'moderator' THEN 1 ELSE 2 END`;
  const offset = offsetCursor(page.cursor);
  const [rows, total, openReports] = await Promise.all([
    db
      .select({ user: users, role: memberships.role, joinedAt: memberships.joinedAt })
      .from(memberships)
      .innerJoin(users, eq(users.id, memberships.userId))
      .where(eq(memberships.roomId, room.id))
      .orderBy(order, asc(memberships.joinedAt), asc(users.id))
      .limit(page.limit + 1)
      .offset(offset)
      .all(),
    db.$count(memberships, eq(memberships.roomId, room.id)),
    canModerate(access.actor)
      ? db.$count(reports, and(eq(reports.roomId, room.id), eq(reports.status, "open")))
      : null,
  ]);
  const members = pageOf(rows, { offset, limit: page.limit });
  return {
    room: serialize.room(room),
    me: membership
      ? { role: membership.role, muted: membership.muted, lastReadSeq: membership.lastReadSeq }
      : null,
    members: members.items.map((r) => ({
      user: serialize.publicUser(r.user),
      role: r.role,
      joinedAt: iso(r.joinedAt),
    })),
    memberCount: total,
    nextMembersCursor: members.nextCursor,
    retention: retentionOf(room, retention).effective,
    openReports,
  };
}

/** My push level in a room: muted is `none`; else my choice, else DMs `all`, others `mentions`. */
export function notifyLevel(
  kind: RoomRow["kind"],
  muted: boolean,
  chosen: NotifyLevel | null,
): NotifyLevel {
  if (muted) return "none";
  return chosen ?? (kind === "dm" ? "all" : "mentions");
}

export async function setMuted(db: Db, roomId: string, userId: string, muted: boolean) {
  await db
    .update(memberships)
    // Unmuting a room whose level was "none" brings back the default, not silence.
    .set(muted ? { muted } : { muted, notify: sql`nullif(${memberships.notify}, 'none')` })
    .where(and(eq(memberships.roomId, roomId), eq(memberships.userId, userId)))
    .run();
}

/**
 * Hides a DM from my room list as of `atSeq` (null: shows it again). No write brings it back:
 * the list shows it again as soon as the room's `last_seq` passes `atSeq`, its next message.
 */
export async function setHidden(db: Db, roomId: string, userId: string, atSeq: number | null) {
  await db
    .update(memberships)
    .set({
      hiddenAtSeq:
        atSeq === null
          ? null
          : sql`max(${atSeq}, (SELECT last_seq FROM rooms WHERE id = ${roomId}))`,
    })
    .where(and(eq(memberships.roomId, roomId), eq(memberships.userId, userId)))
    .run();
}

/** Sets my push level; "none" is muting, any other level unmutes. */
export async function setNotifyLevel(db: Db, roomId: string, userId: string, level: NotifyLevel) {
  await db
    .update(memberships)
    .set({ notify: level, muted: level === "none" })
    .where(and(eq(memberships.roomId, roomId), eq(memberships.userId, userId)))
    .run();
}
