// The most advanced marks (read or delivered) that a `ready` frame carries, kept in memory between
// welcomes: without it every socket that joins reads and sorts the room's marks again, which a
// reconnect storm of a big room pays once per socket (docs/PERFORMANCE.md). The marks' one writer
// (their store class) tells it of each move and each forgotten mark.
export class TopMarks {
  #marks: Record<string, number> | null = null;
  #key: string | null = null;

  /**
   * The marks `read` answers for `key` (a query's parameters), from memory while nothing that
   * could change them happened. Shared: callers must not change the record.
   */
  get(key: string, read: () => Record<string, number>): Readonly<Record<string, number>> {
    if (this.#marks === null || this.#key !== key) {
      this.#marks = read();
      this.#key = key;
    }
    return this.#marks;
  }

  /**
   * `userId`'s mark moved forward to `seq`. One already among the top only grows there, so the
   * set stays right; anyone else may now belong in it (or, not a member, not), so it is read again.
   */
  moved(userId: string, seq: number): void {
    if (this.#marks && Object.hasOwn(this.#marks, userId)) this.#marks[userId] = seq;
    else this.#marks = null;
  }

  /** A mark was deleted: another may take its place. */
  forgotten(): void {
    this.#marks = null;
  }
}
