// Read marks: how far each member has read the room. They only move forward, and the room is
// their single writer (D1 learns them through the outbox).
import { TopMarks } from "./top-marks";

export class ReadMarks {
  readonly #top = new TopMarks();

  constructor(private readonly sql: SqlStorage) {}

  of(userId: string): number {
    return (
      this.sql
        .exec<{ seq: number }>("SELECT seq FROM read_marks WHERE user_id = ?", userId)
        .toArray()[0]?.seq ?? 0
    );
  }

  /** Moves a read mark forward only; returns the mark after the call and whether it moved. */
  advance(userId: string, seq: number, at: number): { seq: number; moved: boolean } {
    const moved = this.sql.exec(
      `INSERT INTO read_marks (user_id, seq, at) VALUES (?, ?, ?)
       ON CONFLICT (user_id) DO UPDATE SET seq = excluded.seq, at = excluded.at WHERE excluded.seq > read_marks.seq`,
      userId,
      seq,
      at,
    ).rowsWritten;
    if (moved > 0) this.#top.moved(userId, seq);
    return { seq: moved > 0 ? seq : this.of(userId), moved: moved > 0 };
  }

  /** Someone left: their mark goes with them (a re-added member starts at the last message). */
  forget(userId: string): void {
    this.sql.exec("DELETE FROM read_marks WHERE user_id = ?", userId);
    this.#top.forgotten();
  }

  /**
   * The highest marks, at most `limit`; with a loaded roster of `members` people, only theirs
   * (not who left), else (`members` null) everyone's. Shared: do not change.
   */
  top(limit: number, members: number | null): Readonly<Record<string, number>> {
    return this.#top.get(`${limit}/${members}`, () => {
      const marks: Record<string, number> = {};
      for (const row of this.sql
        .exec<{ user_id: string; seq: number }>(
          members !== null
            ? "SELECT r.user_id, r.seq FROM read_marks r JOIN members m ON m.user_id = r.user_id ORDER BY r.seq DESC LIMIT ?"
            : "SELECT user_id, seq FROM read_marks ORDER BY seq DESC LIMIT ?",
          limit,
        )
        .toArray()) {
        marks[row.user_id] = row.seq;
      }
      return marks;
    });
  }
}
