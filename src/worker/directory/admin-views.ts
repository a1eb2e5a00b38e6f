// What the admin page reads, named: rooms with their DM participants and stored-message counts,
// and audit entries with the people, rooms and tokens their ids stand for. A page costs a fixed
// number of D1 queries, whatever its length.
import { type AnyColumn, and, desc, eq, lt, sql } from "drizzle-orm";
import type { AdminRoom, AuditEntry, PublicUser } from "../../../src/shared/api";
import { type Db, likePattern } from "../../db/client";
import { apiTokens, auditLog, deletedMessages, memberships, rooms, users } from "../../db/schema";
import * as serialize from "../../db/serialize";
import type { RoomRow } from "./access";
import { pageOf } from "./paging";
import { peopleByRoom } from "./people";

/** `column IN (…)` with one bound parameter, whatever the list's length (D1 allows 100). */
const inList = (column: AnyColumn, values: readonly string[]) =>
  sql`${column} IN (SELECT value FROM json_each(${JSON.stringify(values)}))`;

/** The people in each of these rooms (asked for DMs only: channels may hold thousands). */
export async function participantsOf(
  db: Db,
  roomIds: readonly string[],
): Promise<Map<string, PublicUser[]>> {
  if (roomIds.length === 0) return new Map();
  return peopleByRoom(db, inList(memberships.roomId, roomIds));
}

/**
 * Rooms for the admin list. Counts come from D1, which the rooms keep current through their
 * outbox (within ROOM_SYNC_DELAY_MS of a change, later while D1 fails): seqs are never reused
 * and retention removes from the front only, so `last_seq − first_seq + 1` is what the room
 * stores, tombstones included (what a `maxMessages` policy counts); the deleted seqs D1 keeps
 * at or above `first_seq` are the tombstones among them.
 */
export async function adminRooms(db: Db, rows: readonly RoomRow[]): Promise<AdminRoom[]> {
  const ids = rows.map((r) => r.id);
  const [participants, deleted] = await Promise.all([
    participantsOf(
      db,
      rows.filter((r) => r.kind === "dm").map((r) => r.id),
    ),
    ids.length === 0
      ? []
      : db
          .select({ roomId: deletedMessages.roomId, n: sql<number>`count(*)` })
          .from(deletedMessages)
          .innerJoin(rooms, eq(rooms.id, deletedMessages.roomId))
          .where(
            and(
              inList(deletedMessages.roomId, ids),
              sql`${deletedMessages.seq} >= ${rooms.firstSeq}`,
            ),
          )
          .groupBy(deletedMessages.roomId)
          .all(),
  ]);
  const deletedBy = new Map(deleted.map((d) => [d.roomId, d.n]));
  return rows.map((row) => ({
    ...serialize.room(row),
    participants: participants.get(row.id) ?? [],
    storedMessages: Math.max(0, row.lastSeq - row.firstSeq + 1),
    deletedMessages: deletedBy.get(row.id) ?? 0,
  }));
}

/**
 * A page of rooms for the admin list, newest first: all of them, or one workspace's (its admins'
 * view). `q` matches a name's start or an externalRef exactly.
 */
export async function adminRoomPage(
  db: Db,
  query: { q?: string | undefined; offset: number; limit: number; workspaceId?: string },
): Promise<{ rooms: AdminRoom[]; nextCursor: string | null }> {
  const { q, offset, limit } = query;
  const rows = await db
    .select()
    .from(rooms)
    .where(
      and(
        q
          ? sql`(${rooms.name} LIKE ${likePattern(q)} ESCAPE '\\' COLLATE NOCASE OR ${rooms.externalRef} = ${q})`
          : undefined,
        query.workspaceId === undefined ? undefined : eq(rooms.workspaceId, query.workspaceId),
      ),
    )
    .orderBy(desc(rooms.createdAt), desc(rooms.id))
    .limit(limit + 1)
    .offset(offset)
    .all();
  const { items, nextCursor } = pageOf(rows, query);
  return { rooms: await adminRooms(db, items), nextCursor };
}

export interface AuditQuery {
  /** One workspace's entries only (its admins' view): those whose workspace_id is it. */
  workspaceId?: string | undefined;
  roomId?: string | undefined;
  actorId?: string | undefined;
  before?: number | undefined;
  limit: number;
}

/** A page of the audit log, newest first, with every id it mentions named. */
export async function auditPage(
  db: Db,
  query: AuditQuery,
): Promise<{ entries: AuditEntry[]; nextBefore: number | null }> {
  const rows = await db
    .select()
    .from(auditLog)
    .where(
      and(
        query.workspaceId ? eq(auditLog.workspaceId, query.workspaceId) : undefined,
        query.roomId ? eq(auditLog.roomId, query.roomId) : undefined,
        query.actorId ? eq(auditLog.actorId, query.actorId) : undefined,
        query.before ? lt(auditLog.id, query.before) : undefined,
      ),
    )
    .orderBy(desc(auditLog.id))
    .limit(query.limit + 1)
    .all();
  const page = rows.slice(0, query.limit);
  const nextBefore = rows.length > query.limit ? (page.at(-1)?.id ?? null) : null;

  const unique = (values: ReadonlyArray<string | null>) => [
    ...new Set(values.filter((v): v is string => v !== null)),
  ];
  const userIds = unique(page.flatMap((e) => [e.actorId, e.targetId]));
  const tokenIds = unique(page.map((e) => e.targetId));
  const roomIds = unique(page.map((e) => e.roomId));
  const [people, tokens, roomRows] = await Promise.all([
    userIds.length === 0
      ? []
      : db
          .select({
            id: users.id,
            handle: users.handle,
            displayName: users.displayName,
            avatarVersion: users.avatarVersion,
            bot: users.bot,
          })
          .from(users)
          .where(inList(users.id, userIds))
          .all(),
    tokenIds.length === 0
      ? []
      : db
          .select({ id: apiTokens.id, name: apiTokens.name })
          .from(apiTokens)
          .where(inList(apiTokens.id, tokenIds))
          .all(),
    roomIds.length === 0
      ? []
      : db
          .select({ id: rooms.id, kind: rooms.kind, name: rooms.name })
          .from(rooms)
          .where(inList(rooms.id, roomIds))
          .all(),
  ]);
  const person = new Map(people.map((p) => [p.id, serialize.publicUser(p)]));
  const token = new Map(tokens.map((t) => [t.id, t]));
  const room = new Map(roomRows.map((r) => [r.id, r]));
  const participants = await participantsOf(
    db,
    roomRows.filter((r) => r.kind === "dm").map((r) => r.id),
  );

  return {
    nextBefore,
    entries: page.map((row) => {
      const entry = serialize.auditEntry(row);
      const target = row.targetId === null ? undefined : person.get(row.targetId);
      const targetToken = row.targetId === null ? undefined : token.get(row.targetId);
      const known = row.roomId === null ? undefined : room.get(row.roomId);
      // A deleted room keeps the name its own entries recorded (room.create, room.delete).
      const recorded =
        row.action === "room.delete" || row.action === "room.create"
          ? (entry.detail as { name?: unknown } | null)
          : null;
      return {
        ...entry,
        actor: (row.actorId !== null && person.get(row.actorId)) || null,
        room:
          row.roomId === null
            ? null
            : known
              ? {
                  id: known.id,
                  kind: known.kind,
                  name: known.name,
                  participants: participants.get(known.id) ?? [],
                  gone: false,
                }
              : {
                  id: row.roomId,
                  kind: null,
                  name: typeof recorded?.name === "string" ? recorded.name : null,
                  participants: [],
                  gone: true,
                },
        target: target
          ? { id: target.id, kind: "user", name: target.displayName, handle: target.handle }
          : targetToken
            ? { id: targetToken.id, kind: "token", name: targetToken.name, handle: null }
            : null,
      } satisfies AuditEntry;
    }),
  };
}
