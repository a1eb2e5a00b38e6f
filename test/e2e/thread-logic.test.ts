// The client's threads and pins without a browser: a thread's window (pages, live replies, the
// root's changes, what reading marks), the pinned list kept by changed messages, a thread driven
// over a fake API (the read mark asked again when the server's stops short), replies through the
// room's outbox, and the words they are shown in.
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import type { Message } from "../../src/shared/protocol";
import { pinnedByText, repliesText, threadSummaryText, timeAgo } from "../../web/lib/threads-text";
import type { Api } from "../../web/net/api";
import { loadFrameSchemas } from "../../web/net/frames";
import type { LiveSocketHandlers } from "../../web/net/live-socket";
import { applyPins, createRoomState } from "../../web/state/room";
import { systemClock } from "../../web/state/room/clock";
import { createThread, type ThreadApi } from "../../web/state/room/thread";
import {
  emptyThreadWindow,
  threadHeard,
  threadLoaded,
  threadOlder,
  threadReadTarget,
} from "../../web/state/room/thread-window";
import { recordingSocket } from "./fake-socket";
import { ANA, messageOf } from "./fixtures";

const BO = { id: "usr_bo", handle: "bo", name: "Bo" };

const message = (seq: number, extra: Partial<Message> = {}) =>
  messageOf(seq, { sender: ANA, ...extra });
const reply = (seq: number, extra: Partial<Message> = {}) =>
  message(seq, { threadOf: 1, sender: BO, ...extra });
const seqs = (list: readonly Message[]) => list.map((m) => m.seq);

describe("a thread's window", () => {
  test("the newest page sets the floor; replies heard before it stay, the newer rev winning", () => {
    let w = threadHeard(emptyThreadWindow(1), [reply(12, { rev: 20, body: "edited" })]);
    expect(seqs(w.replies)).toEqual([12]);
    w = threadLoaded(w, {
      root: message(1),
      messages: [reply(8), reply(10), reply(12)],
      hasMore: true,
    });
    expect(seqs(w.replies)).toEqual([8, 10, 12]);
    expect(w.replies[2]?.body).toBe("edited");
    expect(w).toMatchObject({ floor: 8, hasOlder: true, loaded: true });
    expect(w.root?.seq).toBe(1);
  });

  test("older pages go below; the last one says all is in", () => {
    let w = threadLoaded(emptyThreadWindow(1), {
      root: message(1),
      messages: [reply(8), reply(10)],
      hasMore: true,
    });
    w = threadOlder(w, { messages: [reply(4), reply(6)], hasMore: true });
    expect(seqs(w.replies)).toEqual([4, 6, 8, 10]);
    expect(w.floor).toBe(4);
    w = threadOlder(w, { messages: [reply(2)], hasMore: false });
    expect(seqs(w.replies)).toEqual([2, 4, 6, 8, 10]);
    expect(w).toMatchObject({ floor: 0, hasOlder: false });
  });

  test("hears its root's changes and its own replies only; nothing else changes it", () => {
    const w = threadLoaded(emptyThreadWindow(1), {
      root: message(1),
      messages: [],
      hasMore: false,
    });
    expect(threadHeard(w, [message(2), reply(3, { threadOf: 9 })])).toBe(w);
    const summary = { replies: 1, lastReplyAt: "2026-01-10T12:00:00.000Z", lastRepliers: [BO.id] };
    const next = threadHeard(w, [message(1, { rev: 5, thread: summary }), reply(4)]);
    expect(next.root?.thread).toEqual(summary);
    expect(seqs(next.replies)).toEqual([4]);
    // An older version of the root changes nothing.
    expect(threadHeard(next, [message(1, { rev: 2 })]).root?.rev).toBe(5);
  });

  test("reading marks the newest reply of someone else, once", () => {
    const w = threadLoaded(emptyThreadWindow(1), {
      root: message(1),
      messages: [reply(3), reply(5), reply(7, { sender: ANA })],
      hasMore: false,
    });
    expect(threadReadTarget(w, 0, ANA.id)).toBe(5);
    expect(threadReadTarget(w, 5, ANA.id)).toBeNull();
    expect(threadReadTarget(w, 0, BO.id)).toBe(7);
    expect(threadReadTarget(emptyThreadWindow(1), 0, ANA.id)).toBeNull();
  });
});

describe("the pinned list", () => {
  const pin = (at: string) => ({ by: ANA.id, at });
  test("newest pin first; pinning joins, unpinning and deleting leave, edits replace", () => {
    let pins = applyPins([], [message(3, { pinned: pin("2026-01-10T10:00:00Z") })]);
    pins = applyPins(pins, [message(5, { pinned: pin("2026-01-10T11:00:00Z") })]);
    expect(seqs(pins)).toEqual([5, 3]);
    pins = applyPins(pins, [
      message(3, { rev: 9, body: "edited", pinned: pin("2026-01-10T10:00:00Z") }),
    ]);
    expect(pins[1]?.body).toBe("edited");
    expect(seqs(applyPins(pins, [message(5, { rev: 9 })]))).toEqual([3]);
    expect(
      seqs(applyPins(pins, [message(3, { rev: 10, deleted: true, pinned: pin("x") })])),
    ).toEqual([5]);
  });

  test("older revs and messages that were never pinned change nothing", () => {
    const pins = applyPins([], [message(3, { rev: 7, pinned: pin("2026-01-10T10:00:00Z") })]);
    expect(applyPins(pins, [message(3, { rev: 6 })])).toBe(pins);
    expect(applyPins(pins, [message(4)])).toBe(pins);
  });
});

describe("an open thread", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  function fakeApi(marks: number[]) {
    const asked: number[] = [];
    const api: ThreadApi = {
      thread: async () => ({ root: message(1), messages: [reply(4), reply(6)], hasMore: false }),
      followThread: async (_room: string, _seq: number, following: boolean) => ({ following }),
      markThreadRead: async (_room: string, _seq: number, seq: number) => {
        asked.push(seq);
        return { seq: marks.shift() ?? seq };
      },
      myThreads: async () => ({
        threads: [
          {
            roomId: "room_1",
            rootSeq: 1,
            root: { sender: { id: ANA.id, name: "Ana" }, excerpt: "m1" },
            replies: 2,
            lastReplyAt: "2026-01-10T12:00:00.000Z",
            lastReplySeq: 6,
            lastReadSeq: 0,
            unread: 2,
          },
        ],
      }),
    } as unknown as ThreadApi;
    return { api, asked };
  }

  test("loads its replies and whether I follow it; a read the server stops short is asked again", async () => {
    // The server's mark trails D1's last seq: 4 the first time, then the 6 asked for.
    const { api, asked } = fakeApi([4]);
    const onCounts = vi.fn();
    const thread = createThread("room_1", 1, ANA.id, api, systemClock, { onCounts });
    thread.open();
    await vi.advanceTimersByTimeAsync(0);
    expect(seqs(thread.view.value.replies)).toEqual([4, 6]);
    expect(thread.following.value).toBe(true);
    thread.markRead();
    await vi.advanceTimersByTimeAsync(0);
    expect(asked).toEqual([6]);
    expect(onCounts).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(asked).toEqual([6, 6]);
    expect(onCounts).toHaveBeenCalledTimes(1);
    // Read already: nothing more to ask.
    thread.markRead();
    await vi.advanceTimersByTimeAsync(2_000);
    expect(asked).toEqual([6, 6]);
  });

  test("following and unfollowing; a refusal puts it back and says why", async () => {
    const { api } = fakeApi([]);
    const onCounts = vi.fn();
    const thread = createThread("room_1", 1, ANA.id, api, systemClock, { onCounts });
    await thread.setFollowing(false);
    expect(thread.following.value).toBe(false);
    expect(onCounts).toHaveBeenCalledTimes(1);
    api.followThread = async () => {
      throw new Error("down");
    };
    await thread.setFollowing(true);
    expect(thread.following.value).toBe(false);
    expect(thread.lastError.value).toMatch(/Could not reach the server/);
  });
});

describe("replies through the room's outbox", () => {
  let handlers: LiveSocketHandlers;
  let sent: Record<string, unknown>[];

  beforeEach(async () => {
    await loadFrameSchemas();
    vi.useFakeTimers();
    sent = [];
  });
  afterEach(() => vi.useRealTimers());

  test("a reply is queued, sent with threadOf, shown in its thread only, and settled by its ack", async () => {
    const api = {
      history: async () => ({ messages: [message(1)], hasMore: false }),
      thread: async () => ({ root: message(1), messages: [], hasMore: false }),
      myThreads: async () => ({ threads: [] }),
    } as unknown as Api;
    const room = createRoomState(
      "room_1",
      ANA.id,
      api,
      {},
      {
        isOnline: () => true,
        makeSocket: (h) => {
          handlers = h;
          return recordingSocket(sent);
        },
      },
    );
    room.open();
    await vi.advanceTimersByTimeAsync(0);
    handlers.onText(
      JSON.stringify({
        type: "ready",
        v: 1,
        room: { id: "room_1", kind: "channel", name: "general", topic: "", archived: false },
        me: { id: ANA.id, handle: "ana", name: "Ana", role: "owner" },
        rev: 1,
        lastSeq: 1,
        online: [],
        onlineCount: 0,
        readMarks: {},
        deliveredMarks: {},
      }),
    );
    room.showThread(1);
    await vi.advanceTimersByTimeAsync(0);
    expect(room.sendReply(1, "  in the thread ")).toBeNull();
    expect(room.sendReply(1, "   ")).not.toBeNull();
    const frame = sent.find((f) => f.type === "send");
    expect(frame).toMatchObject({ body: "in the thread", threadOf: 1 });
    expect(room.pending.value).toEqual([]);
    expect(room.threadPending.value.map((p) => p.body)).toEqual(["in the thread"]);
    expect(room.thread.value?.following.value).toBe(true);

    const cid = frame?.cid as string;
    handlers.onText(JSON.stringify({ type: "ack", cid, seq: 2, rev: 2 }));
    handlers.onText(
      JSON.stringify({
        type: "message",
        message: reply(2, { sender: ANA, body: "in the thread" }),
      }),
    );
    expect(room.threadPending.value).toEqual([]);
    expect(seqs(room.thread.value?.view.value.replies ?? [])).toEqual([2]);
    expect(seqs(room.messages.value)).toEqual([1]);
  });
});

describe("threads and pins in words", () => {
  const now = new Date(2026, 0, 10, 12, 0, 0);
  const ago = (ms: number) => new Date(now.getTime() - ms).toISOString();
  test("how long ago", () => {
    expect(timeAgo(ago(20_000), now)).toBe("just now");
    expect(timeAgo(ago(5 * 60_000), now)).toBe("5 min ago");
    expect(timeAgo(ago(3 * 3_600_000), now)).toBe("3 h ago");
    expect(timeAgo(new Date(2026, 0, 9, 8).toISOString(), now)).toBe("yesterday");
    expect(timeAgo(new Date(2026, 0, 6, 8).toISOString(), now)).toBe("4 days ago");
    expect(timeAgo("not a date", now)).toBe("");
  });

  test("replies, the root's line, who pinned", () => {
    expect(repliesText(1)).toBe("1 reply");
    expect(repliesText(1200)).toBe("1,200 replies");
    expect(threadSummaryText(3, ago(5 * 60_000), now)).toBe("3 replies · last reply 5 min ago");
    const names = new Map([[BO.id, "Bo"]]);
    expect(pinnedByText(BO.id, ANA.id, names)).toBe("Pinned by Bo");
    expect(pinnedByText(ANA.id, ANA.id, names)).toBe("Pinned by you");
    expect(pinnedByText("usr_gone", ANA.id, names)).toBe("Pinned");
  });
});
