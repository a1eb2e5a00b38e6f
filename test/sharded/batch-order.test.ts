// The order a relay applies its room's batches in (src/relay/batch-order.ts): logic only.
import { describe, expect, it } from "vitest";
import type { RelayBatch } from "../../src/realtime/relays";
import { BatchOrder, HOLD_MS } from "../../src/relay/batch-order";

const batch = (n: number, prev: number | null): RelayBatch => ({ n, prev, entries: [] });
const numbers = (batches: RelayBatch[]) => batches.map((b) => b.n);

describe("batch order", () => {
  it("applies in the room's order, holding a batch that comes before its predecessor", () => {
    const order = new BatchOrder();
    expect(numbers(order.arrive(batch(10, null), 0))).toEqual([10]);
    expect(numbers(order.arrive(batch(12, 11), 0))).toEqual([]);
    expect(order.holding).toBe(true);
    expect(numbers(order.arrive(batch(13, 12), 0))).toEqual([]);
    expect(numbers(order.arrive(batch(11, 10), 0))).toEqual([11, 12, 13]);
    expect(order.holding).toBe(false);
  });

  it("drops what it applied already, and starts over for a restarted room (prev null)", () => {
    const order = new BatchOrder();
    order.arrive(batch(10, null), 0);
    order.arrive(batch(11, 10), 0);
    expect(numbers(order.arrive(batch(11, 10), 0))).toEqual([]);
    expect(numbers(order.arrive(batch(5, null), 0))).toEqual([]);
    expect(numbers(order.arrive(batch(500, null), 0))).toEqual([500]);
  });

  it("takes anything first after a wake, and gives up on a predecessor that never comes", () => {
    const order = new BatchOrder();
    expect(numbers(order.arrive(batch(20, 19), 0))).toEqual([20]);
    order.arrive(batch(22, 21), 100);
    expect(order.overdue(100 + HOLD_MS - 1)).toBe(false);
    expect(order.overdue(100 + HOLD_MS)).toBe(true);
    order.reset();
    expect(numbers(order.arrive(batch(23, 22), 0))).toEqual([23]);
  });
});
