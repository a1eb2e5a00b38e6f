// The outbox and the timeline, pure: order, one on the wire, retries, rate limits; upserts,
// trims and paging, also of a window opened at a message (around it, then newer pages).
import { describe, expect, test } from "vitest";
import type { Message } from "../../src/shared/protocol";
import * as box from "../../web/state/room/outbox";
import * as tl from "../../web/state/room/timeline";

const item = (cid: string): box.PendingMessage => ({
  cid,
  body: cid,
  replyTo: null,
  createdAt: "2026-01-01T00:00:00.000Z",
  status: "queued",
});
const statuses = (o: box.Outbox) => o.items.map((p) => `${p.cid}:${p.status}`);

describe("outbox", () => {
  const three = [item("a"), item("b"), item("c")].reduce(box.enqueue, box.emptyOutbox);

  test("in order, one on the wire at a time, nothing without a route", () => {
    expect(box.take(three, null).next).toBeNull();
    const first = box.take(three, "socket");
    expect(first.next?.cid).toBe("a");
    expect(first.outbox.inFlight).toBe("a");
    expect(box.take(first.outbox, "socket").next).toBeNull();
    const acked = box.settle(first.outbox, "a");
    expect(statuses(acked)).toEqual(["b:queued", "c:queued"]);
    expect(box.take(acked, "http").next?.cid).toBe("b");
  });

  test("a reconnect resends what was on the wire, with the same cid, first", () => {
    const sending = box.take(three, "socket").outbox;
    const down = box.requeue(sending);
    expect(down.inFlight).toBeNull();
    expect(statuses(down)).toEqual(["a:queued", "b:queued", "c:queued"]);
    expect(box.take(down, "socket").next?.cid).toBe("a");
  });

  test("rate_limited waits retryAfterMs and resends; other refusals fail the message only", () => {
    const sending = box.take(three, "socket").outbox;
    const limited = box.refused(sending, "a", "rate_limited", "slow down", 1_500);
    expect(limited.retry).toEqual({ retryInMs: 1_500 });
    expect(statuses(limited.outbox)[0]).toBe("a:queued");
    expect(box.refused(sending, "a", "rate_limited", "x").retry?.retryInMs).toBe(
      box.RATE_LIMIT_WAIT_MS,
    );
    const failed = box.refused(sending, "a", "too_long", "Too long");
    expect(failed.retry).toBeNull();
    expect(failed.outbox.items[0]).toMatchObject({ status: "failed", error: "Too long" });
    expect(box.take(failed.outbox, "socket").next?.cid).toBe("b");
    expect(box.hasUnsent(failed.outbox)).toBe(true);
    // Retried by hand, it goes again; discarded, it is gone.
    expect(statuses(box.retry(failed.outbox, "a"))[0]).toBe("a:queued");
    expect(statuses(box.discard(failed.outbox, "a"))).toEqual(["b:queued", "c:queued"]);
  });

  test("over HTTP: no answer, 429 and 5xx are retried later; 4xx fail", () => {
    const sending = box.take(three, "http").outbox;
    expect(box.httpFailed(sending, "a", 0, "x").retry).toEqual({ retryInMs: box.HTTP_RETRY_MS });
    expect(box.httpFailed(sending, "a", 503, "x").retry).toEqual({ retryInMs: box.HTTP_RETRY_MS });
    expect(box.httpFailed(sending, "a", 429, "x").retry).toEqual({
      retryInMs: box.RATE_LIMIT_WAIT_MS,
    });
    expect(box.httpFailed(sending, "a", 400, "bad").outbox.items[0]?.status).toBe("failed");
  });

  test("a message on the wire cannot be discarded (it may already be stored)", () => {
    const sending = box.take(three, "socket").outbox;
    expect(box.discard(sending, "a").items).toHaveLength(3);
  });
});

const msg = (seq: number, rev = seq, body = `m${seq}`): Message =>
  ({
    seq,
    rev,
    body,
    deleted: false,
    sender: { id: "usr_a", handle: "a", displayName: "A" },
    createdAt: "2026-01-01T00:00:00.000Z",
    replyTo: null,
    reactions: [],
  }) as unknown as Message;

describe("timeline", () => {
  const seqs = (t: tl.Timeline) => t.messages.map((m) => m.seq);

  test("upserts by seq, the newer rev wins, the same object back when nothing changes", () => {
    const t = tl.upsert(tl.emptyTimeline, [msg(3), msg(1), msg(2)]);
    expect(seqs(t)).toEqual([1, 2, 3]);
    const edited = tl.upsert(t, [msg(2, 9, "edited")]);
    expect(edited.messages[1]?.body).toBe("edited");
    expect(tl.upsert(edited, [msg(2, 4, "stale")])).toBe(edited);
  });

  test("the newest page sets the window; older pages extend it until the beginning", () => {
    const first = tl.page(tl.emptyTimeline, { messages: [msg(51), msg(52)], hasMore: true });
    expect(first).toMatchObject({ floor: 51, hasOlder: true });
    expect(tl.olderBefore(first)).toBe(51);
    // Below the window, live messages are left out: paging back never skips a gap.
    expect(seqs(tl.upsert(first, [msg(10)]))).toEqual([51, 52]);
    const older = tl.page(first, { messages: [msg(49), msg(50)], hasMore: false });
    expect(older).toMatchObject({ floor: 0, hasOlder: false });
    expect(seqs(older)).toEqual([49, 50, 51, 52]);
    expect(tl.olderBefore(older)).toBeNull();
  });

  test("trimmed: what lies below the new beginning leaves; nothing older to page", () => {
    const t = tl.page(tl.emptyTimeline, { messages: [msg(5), msg(6), msg(7)], hasMore: true });
    const cut = tl.trim(t, 6);
    expect(cut.removed.map((m) => m.seq)).toEqual([5]);
    expect(seqs(cut.timeline)).toEqual([6, 7]);
    expect(cut.timeline).toMatchObject({ firstSeq: 6, hasOlder: false });
    expect(tl.trim(cut.timeline, 4).timeline).toBe(cut.timeline);
    // A trim far below the window changes where the room begins, not the list.
    const far = tl.trim(t, 2);
    expect(far.removed).toEqual([]);
    expect(far.timeline.hasOlder).toBe(true);
  });

  const range = (from: number, to: number) =>
    Array.from({ length: to - from + 1 }, (_, i) => msg(from + i));

  test("a window around a message pages both ways; the last newer page joins the live end", () => {
    const t = tl.around(tl.emptyTimeline, {
      messages: range(3, 7),
      hasMore: true,
      hasMoreBefore: true,
      hasMoreAfter: true,
    });
    expect(seqs(t)).toEqual([3, 4, 5, 6, 7]);
    expect(t).toMatchObject({ floor: 3, hasOlder: true, ceiling: 7 });
    expect(tl.olderBefore(t)).toBe(3);
    expect(tl.newerAfter(t)).toBe(7);
    // Live messages beyond the window are left out (no gap), but heard of.
    const live = tl.upsert(t, [msg(20), msg(5, 30, "edited")]);
    expect(seqs(live)).toEqual([3, 4, 5, 6, 7]);
    expect(live.messages[2]?.body).toBe("edited");
    expect(live.heard).toBe(20);
    const more = tl.newer(live, { messages: range(8, 12), hasMore: true });
    expect(seqs(more)).toEqual([3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(more.ceiling).toBe(12);
    // The page said it was the last, but a message beyond it was heard: one more page.
    const short = tl.newer(more, { messages: range(13, 19), hasMore: false });
    expect(short.ceiling).toBe(19);
    const joined = tl.newer(short, { messages: range(20, 20), hasMore: false });
    expect(joined.ceiling).toBeNull();
    expect(tl.newerAfter(joined)).toBeNull();
    // At the live end, live messages join the window.
    expect(seqs(tl.upsert(joined, [msg(21)])).at(-1)).toBe(21);
  });

  test("a window around a message at either end of the room", () => {
    const start = tl.around(tl.emptyTimeline, {
      messages: range(1, 5),
      hasMore: false,
      hasMoreBefore: false,
      hasMoreAfter: true,
    });
    expect(start).toMatchObject({ hasOlder: false, ceiling: 5 });
    const end = tl.around(tl.emptyTimeline, {
      messages: range(26, 30),
      hasMore: true,
      hasMoreBefore: true,
      hasMoreAfter: false,
    });
    expect(end).toMatchObject({ hasOlder: true, ceiling: null });
  });

  test("back to the newest: the newest page replaces the window, the room's beginning stays", () => {
    const far = tl.trim(
      tl.around(tl.emptyTimeline, {
        messages: range(3, 7),
        hasMore: true,
        hasMoreBefore: true,
        hasMoreAfter: true,
      }),
      2,
    ).timeline;
    const back = tl.latest(far, { messages: range(51, 52), hasMore: true });
    expect(seqs(back)).toEqual([51, 52]);
    expect(back).toMatchObject({ firstSeq: 2, floor: 51, hasOlder: true, ceiling: null });
  });
});
