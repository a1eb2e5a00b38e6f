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

/**
 * Messages admitted in the current one-second window. Lives in memory: after an eviction the
 * window simply starts again, which can only admit less than a second's worth too many.
 */
export class AdmissionCap {
  #windowStart = 0;
  #count = 0;

  constructor(private readonly limits: SendLimits) {}

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
    if (now - this.#windowStart >= 1000) {
      this.#windowStart = now;
      this.#count = 0;
    }
    if (this.#count >= this.capacity(sockets)) {
      return { allowed: false, retryAfterMs: Math.max(1, this.#windowStart + 1000 - now) };
    }
    this.#count++;
    return { allowed: true };
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
