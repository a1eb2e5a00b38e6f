// A room's storage: every SQL statement against the room's SQLite lives in this folder, split by
// concern (messages and reactions here; retained.ts what retention measures and trims; read
// and delivery marks (their top for `ready` kept in memory by top-marks.ts), the D1 outbox, inbox
// subscribers and the wire shape beside them). Reads are bounded
// and served by indexes; each change takes the next rev in the same transaction as the change.
// Raw `sql.exec` (not the drizzle query builder) keeps the hot send path to two statements and
// the query plans in plain sight; drizzle owns the schema and its migrations.
import { type Message, messagePreview } from "../../../src/shared/protocol";
import { DeliveredMarks } from "./delivered-marks";
import { RoomFiles } from "./files";
import { COLUMNS, type MessageRow, type NewMessage, utf8Bytes } from "./message-rows";
import { toMessages } from "./message-wire";
import { RoomMeta } from "./meta";
import { Outbox, type RoomSummary } from "./outbox";
import { ReadMarks } from "./read-marks";
import { RetainedMessages } from "./retained";
import { InboxSubscribers } from "./subscribers";

export type { FileRow, UploadedFile } from "./files";
export { fileKey, previewKey, roomFilesPrefix, toAttachment } from "./files";
export type { MessageRow, NewMessage } from "./message-rows";
export { utf8Bytes } from "./message-rows";
export type { PurgeRange } from "./retained";

export class RoomStore {
  #rev: number | null = null;
  readonly #meta: RoomMeta;
  readonly outbox: Outbox;
  readonly marks: ReadMarks;
  readonly delivered: DeliveredMarks;
  readonly subscribers: InboxSubscribers;
  readonly retained: RetainedMessages;
  readonly files: RoomFiles;

  constructor(
    private readonly sql: SqlStorage,
    private readonly transaction: <T>(fn: () => T) => T,
  ) {
    this.#meta = new RoomMeta(sql);
    this.files = new RoomFiles(sql);
    this.retained = new RetainedMessages(sql, this.#meta, this.files);
    this.outbox = new Outbox(sql);
    this.marks = new ReadMarks(sql);
    this.delivered = new DeliveredMarks(sql);
    this.subscribers = new InboxSubscribers(sql);
  }

  // ---- meta ---------------------------------------------------------------------------------

  getMeta<T>(key: string): T | null {
    return this.#meta.get<T>(key);
  }

  setMeta(key: string, value: unknown): void {
    this.#meta.set(key, value);
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
    return Math.max(row.seq ?? 0, this.retained.purgedThrough());
  }

  /** The seq below which retention removed everything; 1 for a room that never purged. */
  firstSeq(): number {
    return this.retained.purgedThrough() + 1;
  }

  /**
   * What the room list shows of this room: its last seq (thread replies included: D1's unread
   * counts leave them out by their own rows) and its newest visible top-level message.
   * `newest` is that message when the caller just wrote it (saves the lookup on sends).
   */
  summary(newest?: MessageRow): RoomSummary {
    const last =
      newest ??
      this.sql
        .exec<MessageRow>(
          `SELECT ${COLUMNS} FROM messages WHERE deleted_at IS NULL AND thread_of IS NULL ORDER BY seq DESC LIMIT 1`,
        )
        .toArray()[0];
    return {
      lastSeq: newest?.seq ?? this.lastSeq(),
      firstSeq: this.firstSeq(),
      lastMessageAt: last?.created_at ?? null,
      lastPreview: last
        ? messagePreview(
            last.sender_name,
            last.body,
            JSON.parse(last.attachments_json) as { name: string }[],
          )
        : null,
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
      this.retained.forget();
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
    this.retained.beforeWrite();
    const rev = this.#nextRev();
    const filesBytes = m.attachments.reduce((sum, a) => sum + a.size, 0);
    const row = this.sql
      .exec<MessageRow>(
        `INSERT INTO messages (rev, sender_id, sender_handle, sender_name, cid, body, reply_to, thread_of, mentions_json, attachments_json, files_bytes, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING ${COLUMNS}`,
        rev,
        m.sender.id,
        m.sender.handle,
        m.sender.name,
        m.cid,
        m.body,
        m.replyTo,
        m.threadOf,
        JSON.stringify(m.mentions),
        JSON.stringify(m.attachments),
        filesBytes,
        m.at,
      )
      .one();
    this.files.claim(
      m.attachments.map((a) => a.id),
      row.seq,
    );
    this.retained.addBytes(utf8Bytes(m.body) + filesBytes);
    return row;
  }

  edit(seq: number, body: string, at: number): MessageRow {
    this.retained.beforeWrite();
    const before = this.retained.messageBytes(seq);
    const row = this.sql
      .exec<MessageRow>(
        `UPDATE messages SET body = ?, edited_at = ?, rev = ? WHERE seq = ? RETURNING ${COLUMNS}`,
        body,
        at,
        this.#nextRev(),
        seq,
      )
      .one();
    this.retained.addBytes(utf8Bytes(body) + row.files_bytes - before);
    return row;
  }

  /**
   * Soft delete: the row stays as a tombstone (seq, rev, sender, time); body, reactions and
   * files go (the files' URLs answer 404 from now on; R2 follows from the trash).
   */
  tombstone(seq: number, at: number): MessageRow {
    this.retained.beforeWrite();
    // Deleting unpins.
    this.sql.exec("DELETE FROM reactions WHERE seq = ?", seq);
    this.files.releaseSeq(seq);
    this.retained.addBytes(-this.retained.messageBytes(seq));
    return this.sql
      .exec<MessageRow>(
        `UPDATE messages SET body = '', mentions_json = '[]', attachments_json = '[]', files_bytes = 0,
           pinned_by = NULL, pinned_at = NULL, deleted_at = ?, rev = ?
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

  /**
   * A root's thread summary after a reply (`delta` 1) or a deleted reply (−1): the count, the
   * last reply's time and the last three repliers (newest first); a new rev for the root.
   */
  noteReply(root: MessageRow, reply: MessageRow, delta: 1 | -1): MessageRow {
    const repliers = JSON.parse(root.last_repliers_json) as string[];
    const last =
      delta === 1
        ? [reply.sender_id, ...repliers.filter((id) => id !== reply.sender_id)].slice(0, 3)
        : repliers;
    return this.sql
      .exec<MessageRow>(
        `UPDATE messages SET reply_count = max(0, reply_count + ?), last_reply_at = ?,
           last_repliers_json = ?, rev = ? WHERE seq = ? RETURNING ${COLUMNS}`,
        delta,
        delta === 1 ? reply.created_at : root.last_reply_at,
        JSON.stringify(last),
        this.#nextRev(),
        root.seq,
      )
      .one();
  }

  /** Pins (`by` set) or unpins (null) a message, with a new rev. */
  setPin(seq: number, by: string | null, at: number): MessageRow {
    return this.sql
      .exec<MessageRow>(
        `UPDATE messages SET pinned_by = ?, pinned_at = ?, rev = ? WHERE seq = ? RETURNING ${COLUMNS}`,
        by,
        by === null ? null : at,
        this.#nextRev(),
        seq,
      )
      .one();
  }

  pinnedCount(): number {
    return this.sql
      .exec<{ n: number }>("SELECT count(*) AS n FROM messages WHERE pinned_at IS NOT NULL")
      .one().n;
  }

  /** The pinned messages, newest pin first. */
  pinned(limit: number): MessageRow[] {
    return this.sql
      .exec<MessageRow>(
        `SELECT ${COLUMNS} FROM messages WHERE pinned_at IS NOT NULL ORDER BY pinned_at DESC, seq DESC LIMIT ?`,
        limit,
      )
      .toArray();
  }

  /** Distinct emoji on one message, to bound how many kinds a message can collect. */
  emojiKinds(seq: number): number {
    return this.sql
      .exec<{ n: number }>("SELECT count(DISTINCT emoji) AS n FROM reactions WHERE seq = ?", seq)
      .one().n;
  }

  // ---- pages (each served by the primary key or the rev index) -------------------------------

  /** A bounded page of messages: `where` and `order` are fixed SQL, the values bound. */
  #page(where: string, order: string, value: number, limit: number): MessageRow[] {
    return this.sql
      .exec<MessageRow>(
        `SELECT ${COLUMNS} FROM messages WHERE ${where} ORDER BY ${order} LIMIT ?`,
        value,
        limit,
      )
      .toArray();
  }

  /** Up to `limit` main-timeline messages before `before` (exclusive), returned ascending. */
  pageBefore(before: number, limit: number): MessageRow[] {
    return this.#page("thread_of IS NULL AND seq < ?", "seq DESC", before, limit).reverse();
  }

  /** Up to `limit` main-timeline messages after `after`, ascending. */
  pageAfter(after: number, limit: number): MessageRow[] {
    return this.#page("thread_of IS NULL AND seq > ?", "seq ASC", after, limit);
  }

  /** Every message after `after`, thread replies included (the push hand-over), ascending. */
  allAfter(after: number, limit: number): MessageRow[] {
    return this.#page("seq > ?", "seq ASC", after, limit);
  }

  /** A thread's replies before `before` (exclusive), returned ascending. */
  threadBefore(root: number, before: number, limit: number): MessageRow[] {
    return this.sql
      .exec<MessageRow>(
        `SELECT ${COLUMNS} FROM messages WHERE thread_of = ? AND seq < ? ORDER BY seq DESC LIMIT ?`,
        root,
        before,
        limit,
      )
      .toArray()
      .reverse();
  }

  /** A thread's replies after `after`, ascending. */
  threadAfter(root: number, after: number, limit: number): MessageRow[] {
    return this.sql
      .exec<MessageRow>(
        `SELECT ${COLUMNS} FROM messages WHERE thread_of = ? AND seq > ? ORDER BY seq ASC LIMIT ?`,
        root,
        after,
        limit,
      )
      .toArray();
  }

  /** Changes after `sinceRev`, in rev order: new messages, edits, tombstones, reaction changes. */
  changesSince(sinceRev: number, limit: number): MessageRow[] {
    return this.#page("rev > ?", "rev ASC", sinceRev, limit);
  }

  /** For tests and docs: how SQLite answers the history and changes queries. */
  queryPlans(): Record<string, string[]> {
    const plan = (statement: string, ...bindings: unknown[]) =>
      this.sql
        .exec<{ detail: string }>(`EXPLAIN QUERY PLAN ${statement}`, ...bindings)
        .toArray()
        .map((r) => r.detail);
    return {
      newest: plan(
        "SELECT seq FROM messages WHERE thread_of IS NULL AND seq < ? ORDER BY seq DESC LIMIT ?",
        1e15,
        51,
      ),
      after: plan(
        "SELECT seq FROM messages WHERE thread_of IS NULL AND seq > ? ORDER BY seq ASC LIMIT ?",
        0,
        51,
      ),
      thread: plan(
        "SELECT seq FROM messages WHERE thread_of = ? AND seq < ? ORDER BY seq DESC LIMIT ?",
        1,
        1e15,
        51,
      ),
      changes: plan("SELECT seq FROM messages WHERE rev > ? ORDER BY rev ASC LIMIT ?", 0, 501),
    };
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
