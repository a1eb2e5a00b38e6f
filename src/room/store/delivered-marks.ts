// Delivery marks: the highest seq that reached one of a member's devices. Only forward; the room
// is their single writer (its sockets and inbox frames, and the push consumer's reports).
import { TopMarks } from "./top-marks";

export class DeliveredMarks {
  readonly #top = new TopMarks();

  constructor(private readonly sql: SqlStorage) {}

  of(userId: string): number {
    return (
      this.sql
        .exec<{ seq: number }>("SELECT seq FROM delivered_marks WHERE user_id = ?", userId)
        .toArray()[0]?.seq ?? 0
    );
  }

  /** Moves a mark forward only; true when it moved. */
  advance(userId: string, seq: number): boolean {
    const moved =
      this.sql.exec(
        `INSERT INTO delivered_marks (user_id, seq) VALUES (?, ?)
         ON CONFLICT (user_id) DO UPDATE SET seq = excluded.seq WHERE excluded.seq > delivered_marks.seq`,
        userId,
        seq,
      ).rowsWritten > 0;
    if (moved) this.#top.moved(userId, seq);
    return moved;
  }

  forget(userId: string): void {
    this.sql.exec("DELETE FROM delivered_marks WHERE user_id = ?", userId);
    this.#top.forgotten();
  }

  /**
   * The highest stored marks of members (the roster, of `members` people: a change of it reads
   * the marks again), at most `limit`. Shared: do not change.
   */
  top(limit: number, members: number): Readonly<Record<string, number>> {
    return this.#top.get(`${limit}/${members}`, () => {
      const marks: Record<string, number> = {};
      for (const row of this.sql
        .exec<{ user_id: string; seq: number }>(
          "SELECT d.user_id, d.seq FROM delivered_marks d JOIN members m ON m.user_id = d.user_id ORDER BY d.seq DESC LIMIT ?",
          limit,
        )
        .toArray()) {
        marks[row.user_id] = row.seq;
      }
      return marks;
    });
  }
}
