// Calls to many Durable Objects at once (rooms, inboxes): a bounded number in flight, so one
// change that concerns many of them never opens hundreds of calls together.

/** How many calls to other objects one change keeps in flight. */
export const CALLS_AT_ONCE = 16;

/** Runs `each` over `items`, at most `size` at a time, in order of the batches. */
export async function inBatches<T>(
  items: readonly T[],
  each: (item: T) => Promise<unknown>,
  size = CALLS_AT_ONCE,
): Promise<void> {
  for (let i = 0; i < items.length; i += size) {
    await Promise.all(items.slice(i, i + size).map(each));
  }
}
