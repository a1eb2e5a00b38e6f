// A room's storage: every SQL statement against the room's SQLite lives here. Reads are bounded
// and served by indexes; each change takes the next rev in the same transaction as the change.
// Raw `sql.exec` (not the drizzle query builder) keeps the hot send path to two statements and
// the query plans in plain sight; drizzle owns the schema and its migrations.
import { type Message, messagePreview, type Sender } from "../shared/protocol";
import { toMessages } from "./message-wire";
import { Outbox, type RoomSummary } from "./outbox";
import { ReadMarks } from "./read-marks";
import { InboxSubscribers } from "./subscribers";

export type MessageRow = {
  seq: number;
  rev: number;
  sender_id: string;
  sender_handle: string;
  sender_name: string;
  cid: string;
  body: string;
  reply_to: number | null;
  mentions_json: string;
  attachments_json: string;
  created_at: number;
  edited_at: number | null;
  deleted_at: number | null;
};

const COLUMNS =
  "seq, rev, sender_id, sender_handle, sender_name, cid, body, reply_to, mentions_json, attachments_json, created_at, edited_at, deleted_at";

export interface NewMessage {
  sender: Sender;
  cid: string;
  body: string;
  replyTo: number | null;
  mentions: string[];
  at: number;
}

/** What a purge removed, or what a preview says it would: a seq range, oldest first. */
export interface PurgeRange {
  messages: number;
  bytes: number;
  fromSeq: number | null;
  toSeq: number | null;
}

export class RoomStore {
  #rev: number | null = null;
  #bytes: number | null = null;
  #purgedThrough: number | null = null;
  readonly outbox: Outbox;
  readonly marks: ReadMarks;
  readonly subscribers: InboxSubscribers;

  constructor(
    private readonly sql: SqlStorage,
    private readonly transaction: <T>(fn: () => T) => T,
  ) {
    this.outbox = new Outbox(sql);
    this.marks = new ReadMarks(sql);
    this.subscribers = new InboxSubscribers(sql);
  }

  // ---- meta ---------------------------------------------------------------------------------

  getMeta<T>(key: string): T | null {
    const row = this.sql
      .exec<{ value: string }>("SELECT value FROM meta WHERE key = ?", key)
      .toArray()[0];
    return row ? (JSON.parse(row.value) as T) : null;
  }

  setMeta(key: string, value: unknown): void {
    this.sql.exec(
      "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
      key,
      JSON.stringify(value),
    );
  }

  /** The room's change counter: the rev of its latest change, 0 for a new room. */
  rev(): number {
    this.#rev ??= this.getMeta<number>("rev") ?? 0;
    return this.#rev;
  }

  #nextRev(): number {
    const rev = this.rev() + 1;
    this.setMeta("rev", rev);
    this.#rev = rev;
    return rev;
  }

  /** The highest seq ever given; retention records it before it could empty the table. */
  lastSeq(): number {
    const row = this.sql.exec<{ seq: number | null }>("SELECT max(seq) AS seq FROM messages").one();
    return Math.max(row.seq ?? 0, this.#purged());
  }

  /** The last seq retention removed (0 if none); cached, retention being its only writer. */
  #purged(): number {
    this.#purgedThrough ??= this.getMeta<number>("purgedThrough") ?? 0;
    return this.#purgedThrough;
  }

  /** The seq below which retention removed everything; 1 for a room that never purged. */
  firstSeq(): number {
    return this.#purged() + 1;
  }

  /**
   * What the room list shows of this room: its last seq and its newest visible message.
   * `newest` is that message when the caller just wrote it (saves the lookup on sends).
   */
  summary(newest?: MessageRow): RoomSummary {
    const last =
      newest ??
      this.sql
        .exec<MessageRow>(
          `SELECT ${COLUMNS} FROM messages WHERE deleted_at IS NULL ORDER BY seq DESC LIMIT 1`,
        )
        .toArray()[0];
    return {
      lastSeq: newest?.seq ?? this.lastSeq(),
      firstSeq: this.firstSeq(),
      lastMessageAt: last?.created_at ?? null,
      lastPreview: last ? messagePreview(last.sender_name, last.body) : null,
      lastSenderId: last?.sender_id ?? null,
    };
  }

  /** Runs `fn` atomically; a thrown error rolls everything back, the cached rev included. */
  atomically<T>(fn: () => T): T {
    const rev = this.#rev;
    try {
      return this.transaction(fn);
    } catch (error) {
      this.#rev = rev;
      this.#bytes = null;
      this.#purgedThrough = null;
      this.outbox.forget();
      throw error;
    }
  }

  // ---- messages -----------------------------------------------------------------------------

  findByCid(senderId: string, cid: string): MessageRow | null {
    return (
      this.sql
        .exec<MessageRow>(
          `SELECT ${COLUMNS} FROM messages WHERE sender_id = ? AND cid = ?`,
          senderId,
          cid,
        )
        .toArray()[0] ?? null
    );
  }

  get(seq: number): MessageRow | null {
    return (
      this.sql
        .exec<MessageRow>(`SELECT ${COLUMNS} FROM messages WHERE seq = ?`, seq)
        .toArray()[0] ?? null
    );
  }

  insert(m: NewMessage): MessageRow {
    const rev = this.#nextRev();
    const row = this.sql
      .exec<MessageRow>(
        `INSERT INTO messages (rev, sender_id, sender_handle, sender_name, cid, body, reply_to, mentions_json, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING ${COLUMNS}`,
        rev,
        m.sender.id,
        m.sender.handle,
        m.sender.name,
        m.cid,
        m.body,
        m.replyTo,
        JSON.stringify(m.mentions),
        m.at,
      )
      .one();
    this.#addBytes(utf8Bytes(m.body));
    return row;
  }

  edit(seq: number, body: string, at: number): MessageRow {
    const before = this.#bodyBytes(seq);
    const row = this.sql
      .exec<MessageRow>(
        `UPDATE messages SET body = ?, edited_at = ?, rev = ? WHERE seq = ? RETURNING ${COLUMNS}`,
        body,
        at,
        this.#nextRev(),
        seq,
      )
      .one();
    this.#addBytes(utf8Bytes(body) - before);
    return row;
  }

  /** Soft delete: the row stays as a tombstone (seq, rev, sender, time); body and reactions go. */
  tombstone(seq: number, at: number): MessageRow {
    this.sql.exec("DELETE FROM reactions WHERE seq = ?", seq);
    this.#addBytes(-this.#bodyBytes(seq));
    return this.sql
      .exec<MessageRow>(
        `UPDATE messages SET body = '', mentions_json = '[]', attachments_json = '[]', deleted_at = ?, rev = ?
         WHERE seq = ? RETURNING ${COLUMNS}`,
        at,
        this.#nextRev(),
        seq,
      )
      .one();
  }

  /** Adds or removes one reaction; returns the message with its new rev, or null if nothing changed. */
  react(seq: number, userId: string, emoji: string, on: boolean, at: number): MessageRow | null {
    const changed = on
      ? this.sql.exec(
          "INSERT INTO reactions (seq, user_id, emoji, at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
          seq,
          userId,
          emoji,
          at,
        ).rowsWritten
      : this.sql.exec(
          "DELETE FROM reactions WHERE seq = ? AND user_id = ? AND emoji = ?",
          seq,
          userId,
          emoji,
        ).rowsWritten;
    if (changed === 0) return null;
    return this.sql
      .exec<MessageRow>(
        `UPDATE messages SET rev = ? WHERE seq = ? RETURNING ${COLUMNS}`,
        this.#nextRev(),
        seq,
      )
      .one();
  }

  /** Distinct emoji on one message, to bound how many kinds a message can collect. */
  emojiKinds(seq: number): number {
    return this.sql
      .exec<{ n: number }>("SELECT count(DISTINCT emoji) AS n FROM reactions WHERE seq = ?", seq)
      .one().n;
  }

  // ---- pages (each served by the primary key or the rev index) -------------------------------

  /** Up to `limit` messages before `before` (exclusive), returned ascending. */
  pageBefore(before: number, limit: number): MessageRow[] {
    return this.sql
      .exec<MessageRow>(
        `SELECT ${COLUMNS} FROM messages WHERE seq < ? ORDER BY seq DESC LIMIT ?`,
        before,
        limit,
      )
      .toArray()
      .reverse();
  }

  pageAfter(after: number, limit: number): MessageRow[] {
    return this.sql
      .exec<MessageRow>(
        `SELECT ${COLUMNS} FROM messages WHERE seq > ? ORDER BY seq ASC LIMIT ?`,
        after,
        limit,
      )
      .toArray();
  }

  /** Changes after `sinceRev`, in rev order: new messages, edits, tombstones, reaction changes. */
  changesSince(sinceRev: number, limit: number): MessageRow[] {
    return this.sql
      .exec<MessageRow>(
        `SELECT ${COLUMNS} FROM messages WHERE rev > ? ORDER BY rev ASC LIMIT ?`,
        sinceRev,
        limit,
      )
      .toArray();
  }

  queryPlan(statement: string, ...bindings: unknown[]): string[] {
    return this.sql
      .exec<{ detail: string }>(`EXPLAIN QUERY PLAN ${statement}`, ...bindings)
      .toArray()
      .map((r) => r.detail);
  }

  // ---- retention ----------------------------------------------------------------------------

  /** UTF-8 bytes of every stored body (the `maxBytes` measure), kept as a running total. */
  storedBytes(): number {
    this.#bytes ??=
      this.getMeta<number>("bytes") ??
      this.sql
        .exec<{ n: number }>(
          "SELECT coalesce(sum(length(CAST(body AS BLOB))), 0) AS n FROM messages",
        )
        .one().n;
    return this.#bytes;
  }

  #addBytes(delta: number): void {
    if (delta === 0) return;
    this.#bytes = this.storedBytes() + delta;
    this.setMeta("bytes", this.#bytes);
  }

  #bodyBytes(seq: number): number {
    return (
      this.sql
        .exec<{ n: number }>(
          "SELECT length(CAST(body AS BLOB)) AS n FROM messages WHERE seq = ?",
          seq,
        )
        .toArray()[0]?.n ?? 0
    );
  }

  /** The oldest and newest stored seqs; retention removes from the front only, so no gaps. */
  storedRange(): { first: number; last: number; count: number } | null {
    const row = this.sql
      .exec<{ first: number | null; last: number | null }>(
        "SELECT min(seq) AS first, max(seq) AS last FROM messages",
      )
      .one();
    if (row.first === null || row.last === null) return null;
    return { first: row.first, last: row.last, count: row.last - row.first + 1 };
  }

  oldestCreatedAt(): number | null {
    return (
      this.sql
        .exec<{ at: number }>("SELECT created_at AS at FROM messages ORDER BY seq LIMIT 1")
        .toArray()[0]?.at ?? null
    );
  }

  /** The seq of the newest message created before `cutoff` (index on created_at), or 0. */
  newestSeqBefore(cutoff: number): number {
    return (
      this.sql
        .exec<{ seq: number }>(
          "SELECT seq FROM messages WHERE created_at < ? ORDER BY created_at DESC, seq DESC LIMIT 1",
          cutoff,
        )
        .toArray()[0]?.seq ?? 0
    );
  }

  /** The seq at which the oldest messages add up to at least `bytes`, or 0. */
  seqCoveringBytes(bytes: number): number {
    return (
      this.sql
        .exec<{ seq: number }>(
          `SELECT seq FROM (SELECT seq, sum(length(CAST(body AS BLOB))) OVER (ORDER BY seq) AS total
                           FROM messages)
           WHERE total >= ? ORDER BY seq LIMIT 1`,
          bytes,
        )
        .toArray()[0]?.seq ?? 0
    );
  }

  /** The oldest messages at or below `throughSeq` (at most `limit`): count, bytes, seq range. */
  rangeThrough(throughSeq: number, limit = Number.MAX_SAFE_INTEGER): PurgeRange {
    const row = this.sql
      .exec<{ n: number; bytes: number; lo: number | null; hi: number | null }>(
        `SELECT count(*) AS n, coalesce(sum(length(CAST(body AS BLOB))), 0) AS bytes,
                min(seq) AS lo, max(seq) AS hi
         FROM (SELECT seq, body FROM messages WHERE seq <= ? ORDER BY seq LIMIT ?)`,
        throughSeq,
        limit,
      )
      .one();
    return { messages: row.n, bytes: row.bytes, fromSeq: row.lo, toSeq: row.hi };
  }

  /**
   * Deletes the oldest messages at or below `throughSeq`, at most `limit`, with their
   * reactions (their search index rows go by trigger). Run it inside `atomically`.
   */
  purge(throughSeq: number, limit: number): PurgeRange {
    const range = this.rangeThrough(throughSeq, limit);
    if (range.toSeq === null) return range;
    // The last seq is recorded first: lastSeq() must not fall back if the table empties.
    this.#purgedThrough = Math.max(range.toSeq, this.#purged());
    this.setMeta("purgedThrough", this.#purgedThrough);
    this.sql.exec("DELETE FROM reactions WHERE seq <= ?", range.toSeq);
    this.sql.exec("DELETE FROM messages WHERE seq <= ?", range.toSeq);
    this.#addBytes(-range.bytes);
    return range;
  }

  // ---- search -------------------------------------------------------------------------------

  /** Full-text matches, newest first; `before` pages further back. Snippets wrap hits in `marks`. */
  search(
    match: string,
    before: number,
    limit: number,
    marks: { open: string; close: string },
  ): Array<MessageRow & { snippet: string }> {
    return this.sql
      .exec<MessageRow & { snippet: string }>(
        `SELECT ${COLUMNS.split(", ")
          .map((c) => `m.${c}`)
          .join(", ")}, snippet(messages_fts, 0, ?, ?, '…', 16) AS snippet
         FROM messages_fts JOIN messages m ON m.seq = messages_fts.rowid
         WHERE messages_fts MATCH ? AND messages_fts.rowid < ? AND m.deleted_at IS NULL
         ORDER BY messages_fts.rowid DESC LIMIT ?`,
        marks.open,
        marks.close,
        match,
        before,
        limit,
      )
      .toArray();
  }

  // ---- wire shape ---------------------------------------------------------------------------

  /** Rows → protocol messages, with reactions and reply excerpts fetched once for the batch. */
  toMessages(roomId: string, rows: readonly MessageRow[]): Message[] {
    return toMessages(this.sql, roomId, rows);
  }
}

/** UTF-8 length of a string without encoding it. */
export function utf8Bytes(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code < 0xdc00 && i + 1 < text.length) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}
