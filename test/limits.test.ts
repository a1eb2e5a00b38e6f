// The send limits (docs/api.md, Limits) as pure functions: a sender's token bucket and the room-wide
// admission cap sized by fan-out.
import { describe, expect, it } from "vitest";
import { AdmissionCap, fullBucket, type SendLimits, takeToken } from "../src/room/limits";

const limits: SendLimits = {
  ratePerSec: 5,
  burst: 20,
  deliveriesPerSec: 40_000,
  minMessagesPerSec: 20,
};

describe("a sender's token bucket", () => {
  it("allows the burst, then refuses with the wait for the next token, then refills at the rate", () => {
    let bucket = fullBucket(limits, 0);
    for (let i = 0; i < 20; i++) {
      const taken = takeToken(bucket, limits, 0);
      expect(taken.allowed).toBe(true);
      bucket = taken.bucket;
    }
    const refused = takeToken(bucket, limits, 0);
    expect(refused).toMatchObject({ allowed: false, retryAfterMs: 200 });
    // 200 ms later one token (5/s) is back, and only one.
    const later = takeToken(refused.bucket, limits, 200);
    expect(later.allowed).toBe(true);
    expect(takeToken(later.bucket, limits, 200).allowed).toBe(false);
    // Never more than the burst, however long the pause.
    expect(takeToken(later.bucket, limits, 3_600_000).bucket.tokens).toBe(19);
  });
});

describe("the room-wide admission cap", () => {
  it("admits deliveriesPerSec / sockets messages a second, never fewer than the floor", () => {
    const cap = new AdmissionCap(limits);
    expect(cap.capacity(100)).toBe(400);
    expect(cap.capacity(1)).toBe(40_000);
    expect(cap.capacity(0)).toBe(40_000);
    expect(cap.capacity(10_000)).toBe(20);
  });

  it("is a bucket: a short burst, then the rate; refusals get one slot each, spread out", () => {
    const cap = new AdmissionCap(limits);
    const sockets = 2_000; // 20 messages a second, a burst of 5
    for (let i = 0; i < 5; i++) expect(cap.admit(sockets, 1_000).allowed).toBe(true);
    const refusals = [0, 1, 2].map(() => cap.admit(sockets, 1_000));
    // The next token in 50 ms at 20/s for the first, then one 50 ms slot each after it.
    expect(refusals).toEqual([
      { allowed: false, retryAfterMs: 50 },
      { allowed: false, retryAfterMs: 100 },
      { allowed: false, retryAfterMs: 150 },
    ]);
    // Each comes back to a token of its own.
    for (const t of [1_050, 1_100, 1_150]) expect(cap.admit(sockets, t).allowed).toBe(true);
  });

  it("follows the room's size: more sockets, fewer messages (a burst is a quarter second of them)", () => {
    const cap = new AdmissionCap(limits);
    let admitted = 0;
    for (let i = 0; i < 1_000; i++) if (cap.admit(400, 0).allowed) admitted++;
    expect(admitted).toBe(25);
    for (let i = 0; i < 1_000; i++) if (cap.admit(400, 1_000).allowed) admitted++;
    expect(admitted).toBe(50);
  });
});
