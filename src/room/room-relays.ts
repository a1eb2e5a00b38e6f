// The room's relays as the room sees them (docs/architecture.md, "Rooms beyond one Durable
// Object"): where a new socket goes, who is online over the room and its relays, what a relay's
// report changes, folding back, and the stubs the batches travel on. The batches themselves are
// relay-links.ts; the record that survives eviction is relay-state.ts. Owned by the room Durable
// Object, which keeps the RPC surface (relayJoin, relayFrame, relayReport) and asks this module.
import type { RelayBatch, RelayReport } from "../realtime/relays";
import { relayOf } from "../realtime/relays";
import type { relayStub } from "../realtime/stubs";
import { RelayLinks } from "./relay-links";
import { RelayState } from "./relay-state";

/** Sockets each relay closes (1012) per step of folding back, and how often a step may start. */
const FOLD_STEP = 50;
const FOLD_EVERY_MS = 250;

type RelayStub = ReturnType<typeof relayStub>;

/** What the room's own sockets tell this module (room-sockets.ts). */
export interface OwnSockets {
  count(): number;
  online(): ReadonlySet<string>;
  isOnline(userId: string): boolean;
}

export interface RoomRelaysDeps {
  kv: SyncKvStorage;
  /** ROOM_RELAY_THRESHOLD and ROOM_RELAYS. */
  config: { threshold: number; count: number };
  /** A fresh stub of relay `relay` of this room. */
  stub(relay: number): RelayStub;
  own(): OwnSockets;
  /** False once the room was deleted: reports and folds that follow change nothing. */
  alive(): boolean;
  later(fn: () => void, ms: number): void;
  now(): number;
}

export class RoomRelays {
  readonly state: RelayState;
  /** Each relay's batches (every broadcast of the room reaches them through room-sockets.ts). */
  readonly links: RelayLinks;
  readonly #stubs = new Map<number, RelayStub>();
  /**
   * Everyone with a socket open on the room or a relay, once built: kept per user from then on
   * (a join, a leave or a report touches its users only, never copies everyone online).
   */
  #online: Set<string> | null = null;
  /** Users who joined a relay while the room was asking the relays who is on them. */
  #joinedWhileAsking: Set<string> | null = null;
  #foldedAt = Number.NEGATIVE_INFINITY;

  constructor(private readonly d: RoomRelaysDeps) {
    this.state = new RelayState(d.kv);
    this.links = new RelayLinks({
      active: () => this.state.active(),
      send: (relay, batch: RelayBatch) => this.#call(relay, (stub) => stub.batch(batch)),
      later: d.later,
      now: d.now,
    });
  }

  /**
   * Where a new socket of `userId` goes: a relay's index, or null for the room itself. Past the
   * threshold, to the user's relay (a hash: one person's sockets share a relay). Someone already
   * on a relay goes back to it, so ROOM_SOCKETS_PER_USER holds over all their sockets (the relay
   * counts its own, relayJoin the room's) — except while folding back, which empties the relays
   * onto the room.
   */
  placement(userId: string): number | null {
    const full = this.d.own().count() >= this.d.config.threshold;
    const onRelay = this.state.onRelays(userId) && !this.#folding();
    return full || onRelay ? relayOf(userId, this.d.config.count) : null;
  }

  // ---- who is online ------------------------------------------------------------------------

  /** Everyone with a socket open, on the room itself or on one of its relays. */
  online(): ReadonlySet<string> {
    if (!this.state.any) {
      this.#online = null;
      return this.d.own().online();
    }
    if (!this.#online) {
      this.#online = new Set(this.d.own().online());
      for (const userId of this.state.users()) this.#online.add(userId);
    }
    return this.#online;
  }

  isOnline(userId: string): boolean {
    return this.d.own().isOnline(userId) || this.state.onRelays(userId);
  }

  /** Whether `userId` is online may have changed: the set follows (idempotent). */
  recheck(userId: string): void {
    if (!this.#online) return;
    if (this.isOnline(userId)) this.#online.add(userId);
    else this.#online.delete(userId);
  }

  // ---- what relays tell the room ------------------------------------------------------------

  /** A socket of `userId` joins `relay` (the room writes its welcome next). */
  joined(relay: number, userId: string): void {
    this.state.joined(relay, userId);
    this.#joinedWhileAsking?.add(userId);
    this.recheck(userId);
  }

  /** A relay's coalesced report. Answers who is offline everywhere now because of it. */
  reported(relay: number, report: RelayReport): string[] {
    return this.#gone(this.state.reported(relay, report.sockets, report.offline));
  }

  /**
   * Asks each active relay who is on it and corrects the record (a woken room does, not
   * awaited): a relay that lost its sockets without reporting it (a restart) would otherwise
   * leave people counted online for ever. `wentOffline` hears of each user it corrected away.
   */
  async check(wentOffline: (userId: string) => void): Promise<void> {
    const joined = new Set<string>();
    this.#joinedWhileAsking = joined;
    try {
      for (const relay of this.state.active()) {
        try {
          const answer = await this.#call(relay, (stub) => stub.presence());
          if (!this.d.alive()) return;
          for (const userId of this.#gone(this.state.corrected(relay, answer, joined))) {
            wentOffline(userId);
          }
        } catch (error) {
          console.error("relay presence failed", relay, error);
        }
      }
    } finally {
      this.#joinedWhileAsking = null;
    }
  }

  /** Of users no longer on a relay, those offline everywhere now. */
  #gone(leftRelay: readonly string[]): string[] {
    const offline: string[] = [];
    for (const userId of leftRelay) {
      this.recheck(userId);
      if (!this.isOnline(userId)) offline.push(userId);
    }
    return offline;
  }

  // ---- counts -------------------------------------------------------------------------------

  /** Open sockets of the room, its own and its relays' (as they last reported). */
  connections(): number {
    return this.d.own().count() + this.state.sockets();
  }

  /**
   * What the room-wide admission cap divides ROOM_DELIVERIES_PER_SEC by: the deliveries of a
   * message on the busiest object. The room sends to its own sockets and once to each relay; a
   * relay to its sockets. Without relays, the room's own sockets.
   */
  fanOut(): number {
    const own = this.d.own().count();
    if (!this.state.any) return own;
    return Math.max(own + this.state.active().length, this.state.largest());
  }

  // ---- folding back -------------------------------------------------------------------------

  #folding(): boolean {
    return this.connections() <= this.d.config.threshold / 2;
  }

  /**
   * Once the room's connections fall to half the threshold, each relay closes a few of its
   * sockets (1012, "Reconnect, please"); their clients resume by rev on the room. The relays'
   * reports of those closes bring the next step, until no relay holds a socket.
   */
  maybeFold(): void {
    if (!this.state.any || !this.d.alive() || !this.#folding()) return;
    const now = this.d.now();
    if (now - this.#foldedAt < FOLD_EVERY_MS) return;
    this.#foldedAt = now;
    for (const relay of this.state.active()) {
      this.#call(relay, (stub) => stub.foldBack(FOLD_STEP)).catch((error: unknown) =>
        console.error("fold back failed", relay, error),
      );
    }
  }

  /** Everything is gone (the room was deleted). */
  clear(): void {
    this.state.clear();
    this.#online = null;
  }

  /**
   * One call to a relay. A stub that saw a failure may stay broken (the object was reset, the
   * connection lost), so it is dropped and the next call makes a fresh one.
   */
  async #call<T>(relay: number, call: (stub: RelayStub) => Promise<T>): Promise<T> {
    let stub = this.#stubs.get(relay);
    if (!stub) {
      stub = this.d.stub(relay);
      this.#stubs.set(relay, stub);
    }
    try {
      return await call(stub);
    } catch (error) {
      if (this.#stubs.get(relay) === stub) this.#stubs.delete(relay);
      throw error;
    }
  }
}
