// News the room's sockets get coalesced: who came online or went offline, whose delivery mark
// moved. A change after a quiet interval goes out at once; the changes during an interval wait
// for its end and go out together. Filling a room of N sockets then costs O(N) frames instead of
// a frame per join to everyone already in (O(N²)), and no one's mark is announced more than once
// an interval. Only the latest value per person is kept, so a frame always says what is true
// when it is sent.
import type { ServerFrame } from "../../src/shared/protocol";

export interface RoomNewsDeps<V> {
  intervalMs: number;
  /** The frames that tell these changes (person → latest value). */
  frames(changes: ReadonlyMap<string, V>): ServerFrame[];
  /** Sends a frame to every open socket. */
  broadcast(frame: ServerFrame): void;
  now(): number;
  /** Runs `fn` after `ms` (the Durable Object's timer). */
  later(fn: () => void, ms: number): void;
}

export class RoomNews<V> {
  readonly #pending = new Map<string, V>();
  #lastSentAt = Number.NEGATIVE_INFINITY;
  #flushQueued = false;

  constructor(private readonly deps: RoomNewsDeps<V>) {}

  changed(userId: string, value: V): void {
    this.#pending.set(userId, value);
    if (this.#flushQueued) return;
    const wait = this.#lastSentAt + this.deps.intervalMs - this.deps.now();
    if (wait <= 0) {
      this.flush();
      return;
    }
    this.#flushQueued = true;
    this.deps.later(() => {
      this.#flushQueued = false;
      this.flush();
    }, wait);
  }

  /** Sends what is pending now (also before the room closes its sockets for good). */
  flush(): void {
    if (this.#pending.size === 0) return;
    const frames = this.deps.frames(this.#pending);
    this.#pending.clear();
    this.#lastSentAt = this.deps.now();
    for (const frame of frames) this.deps.broadcast(frame);
  }
}

/** One presence change is the plain `presence` frame; more go as one `presences` frame. */
export function presenceFrames(
  changes: ReadonlyMap<string, boolean>,
  onlineCount: number,
): ServerFrame[] {
  if (changes.size === 1) {
    const [[userId, online]] = [...changes] as [[string, boolean]];
    return [{ type: "presence", userId, online, onlineCount }];
  }
  const online: string[] = [];
  const offline: string[] = [];
  for (const [userId, on] of changes) (on ? online : offline).push(userId);
  return [{ type: "presences", online, offline, onlineCount }];
}

/** Delivery marks that moved: a frame per person (there is no batched form in the protocol). */
export const deliveredFrames = (changes: ReadonlyMap<string, number>): ServerFrame[] =>
  [...changes].map(([userId, seq]) => ({ type: "delivered", userId, seq }));
