// The room's side of its relays (docs/architecture.md, "Rooms beyond one Durable Object"): what
// each active relay must hear, gathered like the room's own outgoing frames and sent as one
// numbered batch per relay per flush — never a call per socket. A broadcast is one entry per
// relay whatever the number of sockets behind it; a reply to a relay socket, an `except` and a
// close name the relay socket by its id.

import { CLOSE } from "../../src/shared/protocol";
import { FLUSH_EVERY_MS } from "../realtime/outgoing";
import type { RelayBatch, RelayEntry, RelaySocketId, RelayTarget } from "../realtime/relays";

/** A socket held by a relay, as the room names it. */
export interface RelaySocket {
  relay: number;
  sid: RelaySocketId;
}

export interface RelayLinksDeps {
  /** The relays that hold sockets now. */
  active(): Iterable<number>;
  /** The RPC that hands a relay its batch. */
  send(relay: number, batch: RelayBatch): Promise<unknown>;
  /** Runs `fn` after `ms` (the Durable Object's timer). */
  later(fn: () => void, ms: number): void;
  now(): number;
}

export class RelayLinks {
  readonly #pending = new Map<number, RelayEntry[]>();
  /** The last batch number this instance sent each relay (the next batch's `prev`). */
  readonly #sent = new Map<number, number>();
  /** Relays whose last batch failed: the next one starts over (and closes their sockets). */
  readonly #broken = new Set<number>();
  /**
   * The last batch number given out. It starts from the clock, so a room that restarts numbers
   * on from above everything its previous instance sent (well under 1,000 flushes a ms).
   */
  #counter: number;
  #scheduled = false;
  #flushedAt = Number.NEGATIVE_INFINITY;

  constructor(private readonly d: RelayLinksDeps) {
    this.#counter = d.now() * 1000;
  }

  /** The number the next batch will exceed: a welcome written now covers every batch ≤ it. */
  get at(): number {
    return this.#counter;
  }

  /** A frame (JSON) for every relay socket but `except`. */
  broadcast(text: string, except?: RelaySocket): void {
    for (const relay of this.d.active()) {
      this.#push(relay, except?.relay === relay ? { t: text, x: except.sid } : { t: text });
    }
  }

  toOne(to: RelaySocket, text: string): void {
    this.#push(to.relay, { t: text, to: to.sid });
  }

  /** Closes the matching sockets of `relay` (every active relay when not given). */
  close(of: RelayTarget, code: number, reason: string, relay?: number): void {
    for (const r of relay === undefined ? this.d.active() : [relay]) {
      this.#push(r, { close: [code, reason], of });
    }
  }

  /** Changes the actor kept by the matching sockets of every active relay. */
  actor(of: RelayTarget, change: Record<string, unknown>): void {
    for (const relay of this.d.active()) this.#push(relay, { actor: change, of });
  }

  /** Sends `relay` what is pending for it now (before a welcome, which counts from here on). */
  flushRelay(relay: number): Promise<unknown> {
    const entries = this.#pending.get(relay);
    if (!entries || entries.length === 0) return Promise.resolve();
    this.#pending.delete(relay);
    return this.#send(relay, entries);
  }

  /** Sends everything pending now; resolves when every relay has taken its batch. */
  flush(): Promise<unknown> {
    this.#flushedAt = this.d.now();
    const sent = [...this.#pending.keys()].map((relay) => this.flushRelay(relay));
    return Promise.all(sent);
  }

  #send(relay: number, entries: RelayEntry[]): Promise<unknown> {
    const n = ++this.#counter;
    let prev = this.#sent.get(relay) ?? null;
    if (this.#broken.delete(relay)) {
      // The relay may have missed frames: its sockets resume on a fresh connection.
      prev = null;
      entries.unshift({ close: [CLOSE.serviceRestart, "Reconnect, please"], of: { all: true } });
    }
    this.#sent.set(relay, n);
    return this.d.send(relay, { n, prev, entries }).catch((error: unknown) => {
      console.error("relay batch failed", relay, error);
      this.#broken.add(relay);
    });
  }

  #push(relay: number, entry: RelayEntry): void {
    const list = this.#pending.get(relay);
    if (list) list.push(entry);
    else this.#pending.set(relay, [entry]);
    if (this.#scheduled) return;
    this.#scheduled = true;
    const wait = Math.max(0, this.#flushedAt + FLUSH_EVERY_MS - this.d.now());
    this.d.later(() => {
      this.#scheduled = false;
      void this.flush();
    }, wait);
  }
}
