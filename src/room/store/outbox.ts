// The room's outbox: what D1 must still learn, kept in the room's own SQLite and written in the
// same transaction as the change it describes, so nothing is lost while D1 is unreachable.
// Entries coalesce by key (latest summary, highest read mark), so a busy room costs D1 a few
// rows per flush, never a row per recipient.

/** The room-level inputs of unread counts and of the room list. */
export interface RoomSummary {
  lastSeq: number;
  firstSeq: number;
  lastMessageAt: number | null;
  lastPreview: string | null;
  /** The sender of the preview's message (absent in entries written before it was added). */
  lastSenderId?: string | null;
}

/** A message whose @handles D1 resolves to members when the entry is flushed. */
export interface MentionEntry {
  seq: number;
  sender: string;
  handles: string[];
  /** The thread it is a reply in (the mentioned then follow it), else absent or null. */
  root?: number | null;
  at?: number;
}

/** A thread reply: the room's unread leaves it out; followed threads count it. */
export interface ReplyEntry {
  seq: number;
  root: number;
  sender: string;
}

/** A thread's summary (latest wins, by the root's rev). */
export interface ThreadEntry {
  root: number;
  rev: number;
  replyCount: number;
  lastReplySeq: number;
  lastReplyAt: number;
  rootSenderId: string;
  rootSenderName: string;
  rootExcerpt: string;
}

/**
 * Someone follows a thread because of what they did: `replied` (follows again even after an
 * unfollow, and has read up to `readSeq`), `started` (the root's author: only if they never
 * chose otherwise).
 */
export interface FollowEntry {
  root: number;
  userId: string;
  why: "replied" | "started";
  readSeq: number;
  at: number;
}

export interface OutboxEntries {
  summary: RoomSummary | null;
  readMarks: Array<{ userId: string; seq: number }>;
  deletedSeqs: number[];
  mentions: MentionEntry[];
  replies: ReplyEntry[];
  threads: ThreadEntry[];
  follows: FollowEntry[];
  /** The exact rows read, so only those still unchanged are removed after the flush. */
  rows: OutboxRow[];
}

type OutboxRow = {
  topic: "room" | "read" | "deleted" | "mention" | "reply" | "thread" | "follow";
  key: string;
  value: string;
};

export class Outbox {
  /** The last summary queued, so edits of old messages do not queue an identical one. */
  #lastSummary: string | null = null;
  /** Set by every write: the room then asks its scheduler for a flush. */
  dirty = false;

  constructor(private readonly sql: SqlStorage) {}

  /** After a rolled-back transaction the cached summary may name a row that never was. */
  forget(): void {
    this.#lastSummary = null;
  }

  summary(summary: RoomSummary): void {
    const value = JSON.stringify(summary);
    if (value === this.#lastSummary) return;
    this.#lastSummary = value;
    this.#put("room", "", value);
  }

  /** Read marks only move forward, so the highest one queued wins. */
  readMark(userId: string, seq: number): void {
    this.sql.exec(
      `INSERT INTO outbox (topic, key, value) VALUES ('read', ?, ?)
       ON CONFLICT (topic, key) DO UPDATE SET value = excluded.value
       WHERE CAST(excluded.value AS INTEGER) > CAST(outbox.value AS INTEGER)`,
      userId,
      String(seq),
    );
    this.dirty = true;
  }

  deleted(seq: number): void {
    this.#put("deleted", String(seq), "");
  }

  mentions(entry: MentionEntry): void {
    if (entry.handles.length === 0) return;
    this.#put("mention", String(entry.seq), JSON.stringify(entry));
  }

  reply(entry: ReplyEntry): void {
    this.#put("reply", String(entry.seq), JSON.stringify(entry));
  }

  thread(entry: ThreadEntry): void {
    this.#put("thread", String(entry.root), JSON.stringify(entry));
  }

  /** A reply's follow replaces a pending one; an author's never replaces a reply's. */
  follow(entry: FollowEntry): void {
    const key = `${entry.root}:${entry.userId}`;
    if (entry.why === "started") {
      this.sql.exec(
        "INSERT INTO outbox (topic, key, value) VALUES ('follow', ?, ?) ON CONFLICT DO NOTHING",
        key,
        JSON.stringify(entry),
      );
      this.dirty = true;
      return;
    }
    this.#put("follow", key, JSON.stringify(entry));
  }

  size(): number {
    return this.sql.exec<{ n: number }>("SELECT count(*) AS n FROM outbox").one().n;
  }

  /** Up to `limit` entries, the room summary and read marks first (they matter most). */
  pending(limit: number): OutboxEntries {
    const rows = this.sql
      .exec<OutboxRow>(
        `SELECT topic, key, value FROM outbox
         ORDER BY CASE topic WHEN 'room' THEN 0 WHEN 'read' THEN 1 WHEN 'deleted' THEN 2
           WHEN 'reply' THEN 3 WHEN 'thread' THEN 4 WHEN 'follow' THEN 5 ELSE 6 END, key
         LIMIT ?`,
        limit,
      )
      .toArray();
    const entries: OutboxEntries = {
      summary: null,
      readMarks: [],
      deletedSeqs: [],
      mentions: [],
      replies: [],
      threads: [],
      follows: [],
      rows,
    };
    for (const row of rows) {
      switch (row.topic) {
        case "room":
          entries.summary = JSON.parse(row.value) as RoomSummary;
          break;
        case "read":
          entries.readMarks.push({ userId: row.key, seq: Number(row.value) });
          break;
        case "deleted":
          entries.deletedSeqs.push(Number(row.key));
          break;
        case "mention":
          entries.mentions.push(JSON.parse(row.value) as MentionEntry);
          break;
        case "reply":
          entries.replies.push(JSON.parse(row.value) as ReplyEntry);
          break;
        case "thread":
          entries.threads.push(JSON.parse(row.value) as ThreadEntry);
          break;
        case "follow":
          entries.follows.push(JSON.parse(row.value) as FollowEntry);
          break;
      }
    }
    return entries;
  }

  /** After D1 took `entries`: drop each row unless it changed meanwhile (then it goes next time). */
  settle(entries: OutboxEntries): void {
    for (const row of entries.rows) {
      this.sql.exec(
        "DELETE FROM outbox WHERE topic = ? AND key = ? AND value = ?",
        row.topic,
        row.key,
        row.value,
      );
    }
  }

  #put(topic: OutboxRow["topic"], key: string, value: string): void {
    this.sql.exec(
      `INSERT INTO outbox (topic, key, value) VALUES (?, ?, ?)
       ON CONFLICT (topic, key) DO UPDATE SET value = excluded.value`,
      topic,
      key,
      value,
    );
    this.dirty = true;
  }
}
