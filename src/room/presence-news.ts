// Who came online and who went offline, told to the room's sockets coalesced: a change after a
// quiet interval goes out at once; the changes during an interval wait for its end and go out
// together, one frame for all of them. Filling a room of N sockets then costs O(N) frames
// instead of a frame per join to everyone already in (O(N²)). Only the latest state of each
// person is kept, so a frame always says what is true when it is sent.
import type { ServerFrame } from "../../src/shared/protocol";

export interface PresenceNewsDeps {
  intervalMs: number;
  /** Sends a frame to every open socket. */
  broadcast(frame: ServerFrame): void;
  /** How many people are online now. */
  onlineCount(): number;
  now(): number;
  /** Runs `fn` after `ms` (the Durable Object's timer). */
  later(fn: () => void, ms: number): void;
}

export class PresenceNews {
  readonly #pending = new Map<string, boolean>();
  #lastSentAt = Number.NEGATIVE_INFINITY;
  #flushQueued = false;

  constructor(private readonly deps: PresenceNewsDeps) {}

  changed(userId: string, online: boolean): void {
    this.#pending.set(userId, online);
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
    const frame = presenceFrame(this.#pending, this.deps.onlineCount());
    this.#pending.clear();
    if (!frame) return;
    this.#lastSentAt = this.deps.now();
    this.deps.broadcast(frame);
  }
}

/** One change is the plain `presence` frame; more go as one `presences` frame. */
export function presenceFrame(
  changes: ReadonlyMap<string, boolean>,
  onlineCount: number,
): ServerFrame | null {
  if (changes.size === 0) return null;
  if (changes.size === 1) {
    const [[userId, online]] = [...changes] as [[string, boolean]];
    return { type: "presence", userId, online, onlineCount };
  }
  const online: string[] = [];
  const offline: string[] = [];
  for (const [userId, on] of changes) (on ? online : offline).push(userId);
  return { type: "presences", online, offline, onlineCount };
}
