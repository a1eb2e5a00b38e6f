// Who may make the room work, and when: the per-user send bucket (sends, edits, deletes,
// reactions — over sockets and HTTP alike), the room-wide admission cap, and the per-user
// windows of replays and connects. Decisions only; the room answers the refusals.
import {
  AdmissionCap,
  type Bucket,
  fullBucket,
  type SendLimits,
  takeFromWindow,
  takeToken,
  type WindowLimit,
} from "./limits";
import type { RateState } from "./rate-state";

export type Refusal = { allowed: false; retryAfterMs: number; by: "sender" | "room" };
export type WindowKind = "replay" | "connect";

export class Admission {
  readonly #cap: AdmissionCap;

  constructor(
    private readonly rates: RateState,
    private readonly limits: { send: SendLimits; windows: Record<WindowKind, WindowLimit> },
  ) {
    this.#cap = new AdmissionCap(limits.send);
  }

  /**
   * One token from the user's bucket in this room, then a place under the room's cap (sized by
   * its open sockets). A refusal by the cap does not spend the sender's token.
   */
  send(userId: string, now: number, sockets: number): { allowed: true } | Refusal {
    const key = `send:${userId}`;
    const bucket = this.rates.get<Bucket>(key) ?? fullBucket(this.limits.send, now);
    const taken = takeToken(bucket, this.limits.send, now);
    if (!taken.allowed) {
      this.rates.set(key, taken.bucket);
      return { ...taken, by: "sender" };
    }
    const admitted = this.#cap.admit(sockets, now);
    if (!admitted.allowed) return { ...admitted, by: "room" };
    this.rates.set(key, taken.bucket);
    return admitted;
  }

  /** One event in the user's `kind` window; null when allowed, else when to come back. */
  window(kind: WindowKind, userId: string, now: number): { retryAfterMs: number } | null {
    const key = `${kind}:${userId}`;
    const taken = takeFromWindow(
      this.rates.get<number[]>(key) ?? [],
      this.limits.windows[kind],
      now,
    );
    this.rates.set(key, taken.times);
    return taken.allowed ? null : { retryAfterMs: taken.retryAfterMs };
  }
}
