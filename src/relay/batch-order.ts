// The order a relay applies the room's batches in (logic only; the relay Durable Object applies
// them). Each batch names its predecessor from the same room instance (`prev`): a batch that
// arrives before its predecessor waits for it; one at or below what was applied is old news and
// dropped. A predecessor that never comes (the call that carried it failed) leaves the relay no
// way to know what its sockets missed: after HOLD_MS it starts over, and its sockets reconnect.

import type { RelayBatch } from "../realtime/relays";

/** How long a batch waits for its predecessor before the relay gives up on it. */
export const HOLD_MS = 2_000;

export class BatchOrder {
  /** The last batch applied; null after a wake (anything goes first then). */
  #last: number | null = null;
  /** Batches waiting for their predecessor, by the predecessor's number. */
  readonly #held = new Map<number, RelayBatch>();
  #heldSince: number | null = null;

  /** A batch arrived: the batches to apply now, in order (none when it is old or early). */
  arrive(batch: RelayBatch, now: number): RelayBatch[] {
    const last = this.#last;
    if (last !== null && batch.n <= last) return [];
    if (last !== null && batch.prev !== null && batch.prev > last) {
      this.#held.set(batch.prev, batch);
      this.#heldSince ??= now;
      return [];
    }
    const ready = [batch];
    this.#last = batch.n;
    for (let next = this.#held.get(this.#last); next; next = this.#held.get(this.#last)) {
      this.#held.delete(this.#last);
      ready.push(next);
      this.#last = next.n;
    }
    if (this.#held.size === 0) this.#heldSince = null;
    return ready;
  }

  /** Whether a batch is waiting for its predecessor. */
  get holding(): boolean {
    return this.#heldSince !== null;
  }

  /** Whether a held batch has waited too long for its predecessor. */
  overdue(now: number): boolean {
    return this.#heldSince !== null && now - this.#heldSince >= HOLD_MS;
  }

  /** Starts over: nothing held, the next batch applies whatever its number. */
  reset(): void {
    this.#held.clear();
    this.#heldSince = null;
    this.#last = null;
  }
}
