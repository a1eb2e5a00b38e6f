// What a relay tells its room about itself, coalesced: who left (their last socket here closed),
// who stopped typing by leaving, and how many sockets it holds. A change after a quiet interval
// goes at once; the changes during an interval wait for its end and go together, so the room
// hears one summary per relay per interval whatever the churn. Joins need no report: the room
// learns of each in the welcome call. A report the room did not take (it was reset, say) goes
// again with the next one, so nobody stays counted online there.
import type { RelayReport } from "../realtime/relays";

export interface RelayReportsDeps {
  intervalMs: number;
  /** Whether the user still has an open socket on the relay. */
  hasUser(userId: string): boolean;
  /** Open sockets on the relay now. */
  sockets(): number;
  /** Rejects when the room did not take the report. */
  send(report: RelayReport): Promise<unknown>;
  now(): number;
  later(fn: () => void, ms: number): void;
}

export class RelayReports {
  readonly #left = new Set<string>();
  readonly #typingOff = new Set<string>();
  #lastSentAt = Number.NEGATIVE_INFINITY;
  #queued = false;
  /** Something changed the count (a fold, a close) without anyone leaving. */
  #countChanged = false;

  constructor(private readonly d: RelayReportsDeps) {}

  /** A socket of `userId` closed (typing or not). */
  left(userId: string, wasTyping: boolean): void {
    this.#left.add(userId);
    if (wasTyping) this.#typingOff.add(userId);
    this.#countChanged = true;
    this.#schedule();
  }

  #schedule(): void {
    if (this.#queued) return;
    this.#queued = true;
    const wait = Math.max(0, this.#lastSentAt + this.d.intervalMs - this.d.now());
    this.d.later(() => {
      this.#queued = false;
      this.flush();
    }, wait);
  }

  /** The report of what is pending, sent now. */
  flush(): void {
    if (!this.#countChanged) return;
    const offline = [...this.#left].filter((userId) => !this.d.hasUser(userId));
    const report: RelayReport = {
      sockets: this.d.sockets(),
      offline,
      typingOff: [...this.#typingOff],
    };
    this.#left.clear();
    this.#typingOff.clear();
    this.#countChanged = false;
    this.#lastSentAt = this.d.now();
    this.d.send(report).catch(() => {
      // Who left is still true (unless they came back: the next flush checks); the count is read
      // afresh.
      for (const userId of report.offline) this.#left.add(userId);
      for (const userId of report.typingOff) this.#typingOff.add(userId);
      this.#countChanged = true;
      this.#schedule();
    });
  }
}
