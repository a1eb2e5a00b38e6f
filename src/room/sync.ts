// The room's D1 sync: flushes the outbox to D1 in one batch and, in the same batch, reads back
// the counts of the members whose inbox is open, so their room frames say exactly what
// `GET /api/rooms` says. Every statement is idempotent (MAX() for seqs and read marks, INSERT
// OR IGNORE for deletions and mentions): a flush that is repeated, because an alarm ran twice or
// D1 committed but the answer was lost, changes nothing. The number of statements is fixed, so
// D1 work per flush does not grow with the room's membership.
import { UNREAD_COLUMNS } from "../db/unread";
import type { OutboxEntries } from "./store/outbox";

/** What a subscribed member's inbox is told about this room. */
export interface MemberCounts {
  userId: string;
  lastSeq: number;
  unread: number;
  mentions: number;
  lastPreview: string | null;
  lastSenderId: string | null;
  lastMessageAt: number | null;
  /** The member's read mark in D1, so a client's "New messages" line starts where the count does. */
  lastReadSeq: number;
}

export interface FlushResult {
  rowsWritten: number;
  counts: MemberCounts[];
}

const SUMMARY_SQL = `
  UPDATE rooms SET
    last_seq = max(last_seq, ?2),
    first_seq = max(first_seq, ?3),
    last_message_at = CASE WHEN ?2 >= last_seq THEN ?4 ELSE last_message_at END,
    last_preview = CASE WHEN ?2 >= last_seq THEN ?5 ELSE last_preview END,
    last_sender_id = CASE WHEN ?2 >= last_seq THEN ?6 ELSE last_sender_id END
  WHERE id = ?1`;

// Below first_seq the unread formula no longer looks; those rows are dead weight after a purge.
const FORGET_DELETED_SQL = "DELETE FROM deleted_messages WHERE room_id = ?1 AND seq < ?2";
const FORGET_MENTIONS_SQL = "DELETE FROM mentions WHERE room_id = ?1 AND seq < ?2";

const READ_MARKS_SQL = `
  UPDATE memberships SET last_read_seq = j.seq
  FROM (SELECT json_extract(value, '$[0]') AS user_id, json_extract(value, '$[1]') AS seq
        FROM json_each(?2)) AS j
  WHERE memberships.room_id = ?1 AND memberships.user_id = j.user_id
    AND j.seq > memberships.last_read_seq`;

const DELETED_SQL = `
  INSERT OR IGNORE INTO deleted_messages (room_id, seq)
  SELECT ?1, value FROM json_each(?2) WHERE EXISTS (SELECT 1 FROM rooms WHERE id = ?1)`;

// Handles resolve to members at flush time: a mention needs no D1 when the message is sent.
const MENTIONS_SQL = `
  INSERT OR IGNORE INTO mentions (room_id, user_id, seq)
  SELECT ?1, u.id, json_extract(j.value, '$.seq')
  FROM json_each(?2) AS j
  JOIN json_each(j.value, '$.handles') AS h
  JOIN users u ON u.handle = h.value
  JOIN memberships m ON m.room_id = ?1 AND m.user_id = u.id
  WHERE u.id <> json_extract(j.value, '$.sender')`;

const COUNTS_SQL = `
  SELECT m.user_id, m.last_read_seq, r.last_seq, r.last_preview, r.last_sender_id,
    r.last_message_at, ${UNREAD_COLUMNS}
  FROM memberships m JOIN rooms r ON r.id = m.room_id
  WHERE m.room_id = ?1 AND m.user_id IN (SELECT value FROM json_each(?2))`;

interface CountsRow {
  user_id: string;
  last_read_seq: number;
  last_seq: number;
  last_preview: string | null;
  last_sender_id: string | null;
  last_message_at: number | null;
  unread: number;
  mention_count: number;
}

/**
 * One D1 batch (one transaction): the outbox entries, then the counts of `countsFor`.
 * Throws when D1 fails; the caller keeps the entries and tries again later.
 */
export async function flushToD1(
  db: D1Database,
  roomId: string,
  entries: OutboxEntries,
  countsFor: readonly string[],
): Promise<FlushResult> {
  const writes: D1PreparedStatement[] = [];
  const { summary, readMarks, deletedSeqs, mentions } = entries;
  if (summary) {
    writes.push(
      db
        .prepare(SUMMARY_SQL)
        .bind(
          roomId,
          summary.lastSeq,
          summary.firstSeq,
          summary.lastMessageAt,
          summary.lastPreview,
          summary.lastSenderId ?? null,
        ),
    );
    if (summary.firstSeq > 1) {
      writes.push(
        db.prepare(FORGET_DELETED_SQL).bind(roomId, summary.firstSeq),
        db.prepare(FORGET_MENTIONS_SQL).bind(roomId, summary.firstSeq),
      );
    }
  }
  if (readMarks.length > 0) {
    const marks = JSON.stringify(readMarks.map((m) => [m.userId, m.seq]));
    writes.push(db.prepare(READ_MARKS_SQL).bind(roomId, marks));
  }
  if (deletedSeqs.length > 0) {
    writes.push(db.prepare(DELETED_SQL).bind(roomId, JSON.stringify(deletedSeqs)));
  }
  if (mentions.length > 0) {
    writes.push(db.prepare(MENTIONS_SQL).bind(roomId, JSON.stringify(mentions)));
  }
  const reads =
    countsFor.length > 0 ? [db.prepare(COUNTS_SQL).bind(roomId, JSON.stringify(countsFor))] : [];
  if (writes.length + reads.length === 0) return { rowsWritten: 0, counts: [] };

  const results = await db.batch([...writes, ...reads]);
  const rowsWritten = results
    .slice(0, writes.length)
    .reduce((sum, r) => sum + (r.meta.rows_written ?? 0), 0);
  const rows = (results[writes.length]?.results ?? []) as CountsRow[];
  return {
    rowsWritten,
    counts: reads.length === 0 ? [] : rows.map(countsOf),
  };
}

const countsOf = (row: CountsRow): MemberCounts => ({
  userId: row.user_id,
  lastSeq: row.last_seq,
  unread: row.unread,
  mentions: row.mention_count,
  lastPreview: row.last_preview,
  lastSenderId: row.last_sender_id,
  lastMessageAt: row.last_message_at,
  lastReadSeq: row.last_read_seq,
});
