// Send limits (docs/api.md, Limits): a token bucket per sender, and a room-wide admission cap sized by
// fan-out so a room is never driven past what its Durable Object can deliver.
import type { BucketLimits, SendLimits, WindowLimit } from "../config/env";

export type { BucketLimits, SendLimits, WindowLimit };

export interface Bucket {
  tokens: number;
  at: number;
}

export const fullBucket = (limits: BucketLimits, now: number): Bucket => ({
  tokens: limits.burst,
  at: now,
});

/** Takes one token; `retryAfterMs` says when one will be there if none is now. */
export function takeToken(
  bucket: Bucket,
  limits: BucketLimits,
  now: number,
): { bucket: Bucket; allowed: true } | { bucket: Bucket; allowed: false; retryAfterMs: number } {
  const refilled = Math.min(
    limits.burst,
    bucket.tokens + ((now - bucket.at) / 1000) * limits.ratePerSec,
  );
  if (refilled >= 1) return { bucket: { tokens: refilled - 1, at: now }, allowed: true };
  const retryAfterMs = Math.ceil(((1 - refilled) / limits.ratePerSec) * 1000);
  return { bucket: { tokens: refilled, at: now }, allowed: false, retryAfterMs };
}

/** Seconds of its rate the room's bucket holds: a short burst, not a second's worth at once. */
const ROOM_BURST_SECONDS = 0.25;

/**
 * The room-wide admission: a token bucket of `deliveriesPerSec / sockets` messages a second
 * (never under the floor), so a room is not driven past what its Durable Object can deliver.
 * Each refusal gets its own slot at that rate, so the refused senders come back one after
 * another rather than all at once when a window opens. Lives in memory: after an eviction the
 * bucket starts full again, which can only admit a quarter second's worth too many.
 */
export class AdmissionCap {
  #tokens: number | null = null;
  #at = 0;
  #nextSlot = 0;

  constructor(private readonly limits: SendLimits) {}

  /** Messages a second the room admits with this many sockets open. */
  capacity(sockets: number): number {
    return Math.max(
      this.limits.minMessagesPerSec,
      Math.floor(this.limits.deliveriesPerSec / Math.max(1, sockets)),
    );
  }

  admit(
    sockets: number,
    now: number,
  ): { allowed: true } | { allowed: false; retryAfterMs: number } {
    const rate = this.capacity(sockets);
    const burst = Math.max(1, rate * ROOM_BURST_SECONDS);
    const tokens = Math.min(burst, (this.#tokens ?? burst) + ((now - this.#at) / 1000) * rate);
    this.#at = now;
    if (tokens >= 1) {
      this.#tokens = tokens - 1;
      return { allowed: true };
    }
    this.#tokens = tokens;
    // The next free slot: the next token for the first refused, one more each after it, so
    // the refused return in turn.
    const slot = Math.max(this.#nextSlot, now + ((1 - tokens) / rate) * 1000);
    this.#nextSlot = slot + 1000 / rate;
    return { allowed: false, retryAfterMs: Math.max(1, Math.ceil(slot - now)) };
  }
}

/**
 * An exact sliding window: at most `max` events in any `windowMs`. Takes the times still in
 * the window (oldest first) and answers with the times to keep.
 */
export function takeFromWindow(
  times: readonly number[],
  limit: WindowLimit,
  now: number,
): { times: number[]; allowed: true } | { times: number[]; allowed: false; retryAfterMs: number } {
  const recent = times.filter((t) => t > now - limit.windowMs);
  const oldest = recent[0];
  if (recent.length >= limit.max && oldest !== undefined) {
    return {
      times: recent,
      allowed: false,
      retryAfterMs: Math.max(1, oldest + limit.windowMs - now),
    };
  }
  return { times: [...recent, now], allowed: true };
}
