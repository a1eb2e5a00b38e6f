// What the convergence tests (test/room-convergence.test.ts, test/sharded/convergence.test.ts)
// share: a seeded PRNG so a failing seed replays the same decisions, polling, and the server's
// whole history paged as a client pages it.
import { expect } from "vitest";
import type { Message } from "../src/shared/protocol";
import { call } from "./helpers";

/** mulberry32: a tiny seeded PRNG, so a failing seed replays the same decisions. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Waits until `done` holds (polling), or throws after `ms`. */
export async function until(done: () => boolean | Promise<boolean>, ms: number, what: string) {
  const deadline = Date.now() + ms;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await sleep(10);
  }
}

/** The server's whole history, paged the way a client pages it: after=0, then after=last seq. */
export async function serverHistory(roomId: string, token: string): Promise<Message[]> {
  const all: Message[] = [];
  let after = 0;
  for (;;) {
    const page = await call(
      "GET",
      `/api/rooms/${roomId}/messages?after=${after}&limit=100`,
      undefined,
      { token },
    );
    expect(page.status).toBe(200);
    const messages = page.body.messages as Message[];
    all.push(...messages);
    if (!page.body.hasMore) return all;
    after = messages.at(-1)?.seq ?? after;
  }
}
