// The room's D1 sync: flushes the outbox to D1 in one batch and, in the same batch, reads back
// the counts of the members whose inbox is open, so their room frames say exactly what
// `GET /api/rooms` says. Every statement is idempotent (MAX() for seqs and read marks, INSERT
// OR IGNORE for deletions and mentions): a flush that is repeated, because an alarm ran twice or
// D1 committed but the answer was lost, changes nothing. The number of statements is fixed, so
// D1 work per flush does not grow with the room's membership.
import { THREADS_COLUMN, UNREAD_COLUMNS } from "../db/unread";
import type { OutboxEntries } from "./store/outbox";

/** What a subscribed member's inbox is told about this room. */
export interface MemberCounts {
  userId: string;
  lastSeq: number;
  unread: number;
  mentions: number;
  /** Followed threads of the room with replies the member has not read. */
  threads: number;
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
// A mention in a thread whose root retention removed goes with the thread.
const FORGET_MENTIONS_SQL =
  "DELETE FROM mentions WHERE room_id = ?1 AND (seq < ?2 OR root_seq < ?2)";
// Threads whose root is gone are gone (their later replies stay readable in the changes feed,
// and stay out of the room's unread: their thread_replies rows remain while above first_seq).
const FORGET_THREADS_SQL = [
  "DELETE FROM thread_replies WHERE room_id = ?1 AND seq < ?2",
  "DELETE FROM threads WHERE room_id = ?1 AND root_seq < ?2",
  "DELETE FROM thread_follows WHERE room_id = ?1 AND root_seq < ?2",
];

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
  INSERT OR IGNORE INTO mentions (room_id, user_id, seq, root_seq)
  SELECT ?1, u.id, json_extract(j.value, '$.seq'), json_extract(j.value, '$.root')
  FROM json_each(?2) AS j
  JOIN json_each(j.value, '$.handles') AS h
  JOIN users u ON u.handle = h.value
  JOIN memberships m ON m.room_id = ?1 AND m.user_id = u.id
  WHERE u.id <> json_extract(j.value, '$.sender')`;

// Whoever is mentioned in a thread follows it (again, unless they unfollowed after).
const FOLLOW_MENTIONED_SQL = `
  INSERT INTO thread_follows (room_id, root_seq, user_id, following, last_read_seq, changed_at)
  SELECT ?1, json_extract(j.value, '$.root'), u.id, 1, 0, coalesce(json_extract(j.value, '$.at'), 0)
  FROM json_each(?2) AS j
  JOIN json_each(j.value, '$.handles') AS h
  JOIN users u ON u.handle = h.value
  JOIN memberships m ON m.room_id = ?1 AND m.user_id = u.id
  WHERE json_extract(j.value, '$.root') IS NOT NULL AND u.id <> json_extract(j.value, '$.sender')
  ON CONFLICT (room_id, root_seq, user_id) DO UPDATE SET
    following = CASE WHEN excluded.changed_at >= thread_follows.changed_at THEN 1 ELSE following END,
    changed_at = max(changed_at, excluded.changed_at)`;

const REPLIES_SQL = `
  INSERT OR IGNORE INTO thread_replies (room_id, seq, root_seq, sender_id)
  SELECT ?1, json_extract(value, '$.seq'), json_extract(value, '$.root'), json_extract(value, '$.sender')
  FROM json_each(?2) WHERE EXISTS (SELECT 1 FROM rooms WHERE id = ?1)`;

// The newest summary wins by the root's rev, whatever order flushes land in.
const THREADS_SQL = `
  INSERT INTO threads (room_id, root_seq, rev, reply_count, last_reply_seq, last_reply_at,
    root_sender_id, root_sender_name, root_excerpt)
  SELECT ?1, json_extract(value, '$.root'), json_extract(value, '$.rev'),
    json_extract(value, '$.replyCount'), json_extract(value, '$.lastReplySeq'),
    json_extract(value, '$.lastReplyAt'), json_extract(value, '$.rootSenderId'),
    json_extract(value, '$.rootSenderName'), json_extract(value, '$.rootExcerpt')
  FROM json_each(?2) WHERE EXISTS (SELECT 1 FROM rooms WHERE id = ?1)
  ON CONFLICT (room_id, root_seq) DO UPDATE SET
    rev = excluded.rev, reply_count = excluded.reply_count,
    last_reply_seq = excluded.last_reply_seq, last_reply_at = excluded.last_reply_at,
    root_sender_name = excluded.root_sender_name, root_excerpt = excluded.root_excerpt
  WHERE excluded.rev > threads.rev`;

// Replying follows (again, unless an unfollow came later) and reads up to the reply.
const FOLLOWS_REPLIED_SQL = `
  INSERT INTO thread_follows (room_id, root_seq, user_id, following, last_read_seq, changed_at)
  SELECT ?1, json_extract(j.value, '$.root'), json_extract(j.value, '$.userId'), 1,
    json_extract(j.value, '$.readSeq'), json_extract(j.value, '$.at')
  FROM json_each(?2) AS j
  JOIN memberships m ON m.room_id = ?1 AND m.user_id = json_extract(j.value, '$.userId')
  WHERE json_extract(j.value, '$.why') = 'replied'
  ON CONFLICT (room_id, root_seq, user_id) DO UPDATE SET
    following = CASE WHEN excluded.changed_at >= thread_follows.changed_at THEN 1 ELSE following END,
    changed_at = max(changed_at, excluded.changed_at),
    last_read_seq = max(last_read_seq, excluded.last_read_seq)`;

// Starting a thread follows it only if the author never chose otherwise.
const FOLLOWS_STARTED_SQL = `
  INSERT OR IGNORE INTO thread_follows (room_id, root_seq, user_id, following, last_read_seq, changed_at)
  SELECT ?1, json_extract(j.value, '$.root'), json_extract(j.value, '$.userId'), 1, 0,
    json_extract(j.value, '$.at')
  FROM json_each(?2) AS j
  JOIN memberships m ON m.room_id = ?1 AND m.user_id = json_extract(j.value, '$.userId')
  WHERE json_extract(j.value, '$.why') = 'started'`;

const COUNTS_SQL = `
  SELECT m.user_id, m.last_read_seq, r.last_seq, r.last_preview, r.last_sender_id,
    r.last_message_at, ${UNREAD_COLUMNS}, ${THREADS_COLUMN}
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
  thread_count: number;
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
  const { summary, readMarks, deletedSeqs, mentions, replies, threads, follows } = entries;
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
        ...FORGET_THREADS_SQL.map((forget) => db.prepare(forget).bind(roomId, summary.firstSeq)),
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
  // Replies before mentions and follows: the counts read at the end see the whole flush.
  if (replies.length > 0) {
    writes.push(db.prepare(REPLIES_SQL).bind(roomId, JSON.stringify(replies)));
  }
  if (threads.length > 0) {
    writes.push(db.prepare(THREADS_SQL).bind(roomId, JSON.stringify(threads)));
  }
  if (follows.length > 0) {
    const json = JSON.stringify(follows);
    writes.push(
      db.prepare(FOLLOWS_REPLIED_SQL).bind(roomId, json),
      db.prepare(FOLLOWS_STARTED_SQL).bind(roomId, json),
    );
  }
  if (mentions.length > 0) {
    const json = JSON.stringify(mentions);
    writes.push(db.prepare(MENTIONS_SQL).bind(roomId, json));
    if (mentions.some((m) => m.root != null)) {
      writes.push(db.prepare(FOLLOW_MENTIONED_SQL).bind(roomId, json));
    }
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
  threads: row.thread_count,
  lastPreview: row.last_preview,
  lastSenderId: row.last_sender_id,
  lastMessageAt: row.last_message_at,
  lastReadSeq: row.last_read_seq,
});
