// What the room keeps, as retention measures and trims it: the stored range, its bytes, and the
// oldest messages a policy removes. Retention removes from the front only, so stored seqs have
// no gaps; the byte total is kept as a running figure the message writes adjust.
import type { RoomFiles } from "./files";
import type { RoomMeta } from "./meta";

/** What a purge removed, or what a preview says it would: a seq range, oldest first. */
export interface PurgeRange {
  messages: number;
  bytes: number;
  fromSeq: number | null;
  toSeq: number | null;
}

export class RetainedMessages {
  #bytes: number | null = null;
  #purgedThrough: number | null = null;

  constructor(
    private readonly sql: SqlStorage,
    private readonly meta: RoomMeta,
    private readonly files: RoomFiles,
  ) {}

  /** Drops the cached figures after a rolled-back transaction; they are read again. */
  forget(): void {
    this.#bytes = null;
    this.#purgedThrough = null;
  }

  /**
   * UTF-8 bytes of every stored body plus the sizes of their files (the `maxBytes` measure),
   * kept as a running total.
   */
  storedBytes(): number {
    this.#bytes ??=
      this.meta.get<number>("bytes") ??
      this.sql
        .exec<{ n: number }>(
          "SELECT coalesce(sum(length(CAST(body AS BLOB)) + files_bytes), 0) AS n FROM messages",
        )
        .one().n;
    return this.#bytes;
  }

  /**
   * Every write calls this before it changes a message: the first figure a room computes must
   * not already include the change that `addBytes` then adds (or removes) again.
   */
  beforeWrite(): void {
    this.storedBytes();
  }

  addBytes(delta: number): void {
    if (delta === 0) return;
    this.#bytes = this.storedBytes() + delta;
    this.meta.set("bytes", this.#bytes);
  }

  /** A message's bytes as `maxBytes` counts them: its body and its files. */
  messageBytes(seq: number): number {
    return (
      this.sql
        .exec<{ n: number }>(
          "SELECT length(CAST(body AS BLOB)) + files_bytes AS n FROM messages WHERE seq = ?",
          seq,
        )
        .toArray()[0]?.n ?? 0
    );
  }

  /** The last seq retention removed (0 if none); cached, retention being its only writer. */
  purgedThrough(): number {
    this.#purgedThrough ??= this.meta.get<number>("purgedThrough") ?? 0;
    return this.#purgedThrough;
  }

  /** The oldest and newest stored seqs. */
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
          `SELECT seq FROM (SELECT seq, sum(length(CAST(body AS BLOB)) + files_bytes) OVER (ORDER BY seq) AS total
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
        `SELECT count(*) AS n, coalesce(sum(length(CAST(body AS BLOB)) + files_bytes), 0) AS bytes,
                min(seq) AS lo, max(seq) AS hi
         FROM (SELECT seq, body, files_bytes FROM messages WHERE seq <= ? ORDER BY seq LIMIT ?)`,
        throughSeq,
        limit,
      )
      .one();
    return { messages: row.n, bytes: row.bytes, fromSeq: row.lo, toSeq: row.hi };
  }

  /**
   * Deletes the oldest messages at or below `throughSeq`, at most `limit`, with their
   * reactions and files (their search index rows go by trigger). Run it inside the store's `atomically`.
   */
  purge(throughSeq: number, limit: number): PurgeRange {
    this.beforeWrite();
    const range = this.rangeThrough(throughSeq, limit);
    if (range.toSeq === null) return range;
    // The last seq is recorded first: lastSeq() must not fall back if the table empties.
    this.#purgedThrough = Math.max(range.toSeq, this.purgedThrough());
    this.meta.set("purgedThrough", this.#purgedThrough);
    this.sql.exec("DELETE FROM reactions WHERE seq <= ?", range.toSeq);
    this.files.releaseThrough(range.toSeq);
    this.sql.exec("DELETE FROM messages WHERE seq <= ?", range.toSeq);
    this.addBytes(-range.bytes);
    return range;
  }
}
