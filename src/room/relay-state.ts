// Which relays hold sockets of this room, how many, and which users are on each: kept in the
// room's storage (synchronous KV) so a room that wakes after an eviction still counts them online
// and still forwards to them. Written once per relay report, never per frame.

/** `relay:<i>` holds a relay's socket count, `relay-user:<i>:<userId>` each user on it. */
const COUNT = "relay:";
const USER = "relay-user:";

type Relay = { sockets: number; users: Set<string> };

export class RelayState {
  #relays: Map<number, Relay> | null = null;

  constructor(private readonly kv: SyncKvStorage) {}

  #all(): Map<number, Relay> {
    if (this.#relays) return this.#relays;
    const relays = new Map<number, Relay>();
    const entry = (relay: number) => {
      const found = relays.get(relay) ?? { sockets: 0, users: new Set<string>() };
      relays.set(relay, found);
      return found;
    };
    for (const [key, sockets] of this.kv.list<number>({ prefix: COUNT })) {
      entry(Number(key.slice(COUNT.length))).sockets = sockets;
    }
    for (const [key] of this.kv.list({ prefix: USER })) {
      const rest = key.slice(USER.length);
      const colon = rest.indexOf(":");
      entry(Number(rest.slice(0, colon))).users.add(rest.slice(colon + 1));
    }
    this.#relays = relays;
    return relays;
  }

  /** The relays that hold sockets now. */
  active(): number[] {
    return [...this.#all().keys()];
  }

  get any(): boolean {
    return this.#all().size > 0;
  }

  /** Sockets on all relays (as last reported, plus joins since). */
  sockets(): number {
    let sum = 0;
    for (const { sockets } of this.#all().values()) sum += sockets;
    return sum;
  }

  /** The most sockets one relay holds. */
  largest(): number {
    let most = 0;
    for (const { sockets } of this.#all().values()) most = Math.max(most, sockets);
    return most;
  }

  onRelays(userId: string): boolean {
    for (const { users } of this.#all().values()) if (users.has(userId)) return true;
    return false;
  }

  *users(): Generator<string> {
    for (const { users } of this.#all().values()) yield* users;
  }

  /** A socket of `userId` joined `relay`. */
  joined(relay: number, userId: string): void {
    const all = this.#all();
    const entry = all.get(relay) ?? { sockets: 0, users: new Set<string>() };
    all.set(relay, entry);
    entry.sockets++;
    this.kv.put(`${COUNT}${relay}`, entry.sockets);
    if (entry.users.has(userId)) return;
    entry.users.add(userId);
    this.kv.put(`${USER}${relay}:${userId}`, 1);
  }

  /** A relay's report: its socket count now, and who left it. Answers who is no longer on it. */
  reported(relay: number, sockets: number, offline: readonly string[]): string[] {
    const entry = this.#all().get(relay);
    if (!entry) return [];
    const gone: string[] = [];
    for (const userId of sockets === 0 ? [...entry.users] : offline) {
      if (!entry.users.delete(userId)) continue;
      this.kv.delete(`${USER}${relay}:${userId}`);
      gone.push(userId);
    }
    entry.sockets = sockets;
    if (sockets > 0) this.kv.put(`${COUNT}${relay}`, sockets);
    else {
      this.#all().delete(relay);
      this.kv.delete(`${COUNT}${relay}`);
    }
    return gone;
  }

  /**
   * What a relay answered when asked who is on it: users it no longer holds go (but not those in
   * `keep`, who joined while the question was out). Answers the users that went.
   */
  corrected(
    relay: number,
    answer: { sockets: number; users: readonly string[] },
    keep: ReadonlySet<string>,
  ): string[] {
    const entry = this.#all().get(relay);
    if (!entry) return [];
    const present = new Set(answer.users);
    const gone = [...entry.users].filter((u) => !present.has(u) && !keep.has(u));
    const sockets = Math.max(answer.sockets, keep.size > 0 ? entry.sockets : 0);
    return this.reported(relay, sockets, gone);
  }

  /** Everything is gone (the room was deleted). */
  clear(): void {
    this.#relays = new Map();
  }
}
