// The web client's live room state without a browser: `member` frames keep the member list
// (and so `@` suggestions and counts) current, `room` frames the header and the "kept for"
// notice, and my typing frames respect the server's throttle (one per 2 s, `on` and `off` alike);
// a room opened at a message pages from there to the live end without losing a frame.
import { afterEach, beforeAll, beforeEach, describe, expect, test, vi } from "vitest";
import type { Member, RoomDetails } from "../../src/shared/api";
import type { Message, ServerFrame } from "../../src/shared/protocol";
import type { Api } from "../../web/net/api";
import { loadFrameSchemas } from "../../web/net/frames";
import type { LiveSocketHandlers } from "../../web/net/live-socket";
import {
  createRoomState,
  MISSING_MESSAGE,
  type RoomEvents,
  TYPING_GAP_MS,
} from "../../web/state/room";
import { applyMemberFrame, mergeMembers } from "../../web/state/room-members";
import { recordingSocket } from "./fake-socket";
import { READY } from "./fixtures";

const member = (id: string, role: Member["role"] = "member", joined = 1): Member => ({
  user: {
    id,
    handle: id.replace("usr_", ""),
    displayName: id.replace("usr_", "").toUpperCase(),
    avatarUrl: null,
    bot: false,
  },
  role,
  joinedAt: new Date(2026, 0, joined).toISOString(),
});

function details(members: Member[], memberCount = members.length): RoomDetails {
  return {
    room: {
      id: "room_1",
      workspaceId: "ws_default",
      kind: "channel",
      group: false,
      name: "general",
      topic: "",
      createdBy: null,
      createdAt: new Date(2026, 0, 1).toISOString(),
      archived: false,
      archivedAt: null,
      ephemeral: false,
      externalRef: null,
      metadata: null,
      lastSeq: 0,
      lastMessageAt: null,
      lastPreview: null,
    },
    me: { role: "owner", muted: false, lastReadSeq: 0 },
    members,
    memberCount,
    nextMembersCursor: null,
    retention: { maxAgeDays: 90, maxMessages: null, maxBytes: null },
    openReports: 0,
  };
}

describe("applyMemberFrame", () => {
  const base = details([member("usr_ana", "owner"), member("usr_bo", "member", 2)]);

  test("someone unknown joins: counted at once, to be named by a fetch", () => {
    const next = applyMemberFrame(
      base,
      { type: "member", userId: "usr_cy", change: "joined", role: "member" },
      "usr_ana",
    );
    expect(next.unknown).toBe(true);
    expect(next.details.memberCount).toBe(3);
    // A join the details already hold (loaded after it) changes nothing but news of the role.
    const again = applyMemberFrame(
      base,
      { type: "member", userId: "usr_bo", change: "joined", role: "member" },
      "usr_ana",
    );
    expect(again).toEqual({ details: base, unknown: false });
  });

  test("someone leaves: gone from the list and the count; unknown leavers of a full list are old news", () => {
    const next = applyMemberFrame(
      base,
      { type: "member", userId: "usr_bo", change: "left" },
      "usr_ana",
    );
    expect(next.details.members.map((m) => m.user.id)).toEqual(["usr_ana"]);
    expect(next.details.memberCount).toBe(1);
    const stale = applyMemberFrame(
      base,
      { type: "member", userId: "usr_zed", change: "left" },
      "usr_ana",
    );
    expect(stale.details).toBe(base);
    // Beyond a partial page, the count still drops.
    const partial = details([member("usr_ana", "owner")], 40);
    const far = applyMemberFrame(
      partial,
      { type: "member", userId: "usr_zed", change: "left" },
      "usr_ana",
    );
    expect(far.details.memberCount).toBe(39);
  });

  test("a role change moves the member into the server's order, and mine changes what I may do", () => {
    const promoted = applyMemberFrame(
      base,
      { type: "member", userId: "usr_bo", change: "role", role: "owner" },
      "usr_ana",
    );
    expect(promoted.details.members.map((m) => [m.user.id, m.role])).toEqual([
      ["usr_ana", "owner"],
      ["usr_bo", "owner"],
    ]);
    const withModerator = details([member("usr_ana", "owner"), member("usr_bo", "moderator", 2)]);
    const demoted = applyMemberFrame(
      withModerator,
      { type: "member", userId: "usr_ana", change: "role", role: "member" },
      "usr_ana",
    );
    expect(demoted.details.me?.role).toBe("member");
    expect(demoted.details.members.map((m) => m.user.id)).toEqual(["usr_bo", "usr_ana"]);
  });
});

describe("mergeMembers", () => {
  test("people learnt beyond the first page survive a reload; a complete page is the truth", () => {
    const held = details([member("usr_ana", "owner"), member("usr_new", "member", 9)], 60);
    const fresh = details([member("usr_ana", "owner")], 60);
    expect(mergeMembers(fresh, held).members.map((m) => m.user.id)).toEqual(["usr_ana", "usr_new"]);
    const complete = details([member("usr_ana", "owner")], 1);
    expect(mergeMembers(complete, held)).toBe(complete);
    const found = [member("usr_cy", "member", 10)];
    expect(mergeMembers(fresh, null, found).members.map((m) => m.user.id)).toEqual([
      "usr_ana",
      "usr_cy",
    ]);
  });
});

describe("frame readers", () => {
  test("frames that come before the schemas have loaded are held and read in order", async () => {
    vi.resetModules();
    const { roomFrameReader } = await import("../../web/net/frames");
    const got: ServerFrame[] = [];
    const read = roomFrameReader((f) => got.push(f));
    read(JSON.stringify({ type: "typing", userId: "usr_a", on: true }));
    read("not json");
    read(JSON.stringify({ type: "presence", userId: "usr_b", online: true, onlineCount: 1 }));
    read(JSON.stringify({ type: "no-such-frame" }));
    expect(got).toEqual([]);
    await vi.waitFor(() => expect(got.map((f) => f.type)).toEqual(["typing", "presence"]));
    // Once here, frames are read as they come.
    read(JSON.stringify({ type: "read", userId: "usr_c", seq: 1 }));
    expect(got.at(-1)).toEqual({ type: "read", userId: "usr_c", seq: 1 });
  });
});

describe("createRoomState", () => {
  beforeAll(() => loadFrameSchemas());
  let handlers: LiveSocketHandlers;
  let sent: Array<{ type: string; on?: boolean }>;
  let events: Required<Pick<RoomEvents, "onMember" | "onRoomChanged" | "onResumed">>;

  const api = {
    history: async () => ({ messages: [], hasMore: false }),
  } as unknown as Api;
  const frame = (f: ServerFrame) => handlers.onText(JSON.stringify(f));
  const ready = READY;
  const readyWith = (online: string[]): ServerFrame => ({
    ...ready,
    online,
    onlineCount: online.length,
  });

  async function openRoom() {
    const room = createRoomState("room_1", "usr_ana", api, events, {
      makeSocket: (h) => {
        handlers = h;
        return recordingSocket(sent);
      },
    });
    room.open();
    await vi.advanceTimersByTimeAsync(0);
    frame(ready);
    return room;
  }

  beforeEach(() => {
    vi.useFakeTimers();
    sent = [];
    events = { onMember: vi.fn(), onRoomChanged: vi.fn(), onResumed: vi.fn() };
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  test("member and room frames reach the app; a room frame renames the header at once", async () => {
    const room = await openRoom();
    const joined: ServerFrame = {
      type: "member",
      userId: "usr_cy",
      change: "joined",
      role: "member",
    };
    frame(joined);
    expect(events.onMember).toHaveBeenCalledWith("room_1", joined);
    const renamed: ServerFrame = {
      type: "room",
      room: { id: "room_1", kind: "channel", name: "renamed", topic: "t", archived: true },
      retention: { maxAgeDays: 90, maxMessages: 50, maxBytes: null },
    };
    frame(renamed);
    expect(room.summary.value).toMatchObject({ name: "renamed", archived: true });
    expect(events.onRoomChanged).toHaveBeenCalledWith("room_1", renamed);
    // A second `ready` is a reconnect: what was said meanwhile must be fetched again.
    expect(events.onResumed).not.toHaveBeenCalled();
    frame(ready);
    expect(events.onResumed).toHaveBeenCalledWith("room_1");
    room.close();
  });

  test("an `off` right after an `on` waits out the throttle instead of being dropped", async () => {
    const room = await openRoom();
    room.typed("h");
    expect(sent.filter((f) => f.type === "typing")).toEqual([{ type: "typing", on: true }]);
    room.typed("");
    // Sent now, the server would drop it and the others would see me typing for ~6 s more.
    expect(sent.filter((f) => f.type === "typing")).toHaveLength(1);
    vi.advanceTimersByTime(TYPING_GAP_MS);
    expect(sent.filter((f) => f.type === "typing")).toEqual([
      { type: "typing", on: true },
      { type: "typing", on: false },
    ]);
    // Typing again at once: the `on` waits too, then renews every few seconds while I type.
    room.typed("hello");
    expect(sent.filter((f) => f.type === "typing")).toHaveLength(2);
    vi.advanceTimersByTime(TYPING_GAP_MS);
    expect(sent.filter((f) => f.type === "typing").at(-1)).toEqual({ type: "typing", on: true });
    room.close();
  });

  test("sending ends my typing without an `off` (the message clears it for the others)", async () => {
    const room = await openRoom();
    room.typed("hi");
    expect(room.send("hi")).toBeNull();
    vi.advanceTimersByTime(10_000);
    expect(sent.filter((f) => f.type === "typing")).toEqual([{ type: "typing", on: true }]);
    room.close();
  });

  test("when the socket drops, nobody is known to be online any more (me least)", async () => {
    const room = await openRoom();
    frame(readyWith(["usr_ana", "usr_bo"]));
    expect([...room.online.value]).toEqual(["usr_ana", "usr_bo"]);
    handlers.onDown?.({ opened: true, code: 1006, reason: "", retryInMs: 1000 });
    expect(room.online.value.size).toBe(0);
    frame(readyWith(["usr_ana", "usr_bo"]));
    expect(room.online.value.size).toBe(2);
    room.close();
  });

  test("coalesced presence news applies every change; who goes offline stops typing", async () => {
    const room = await openRoom();
    frame(readyWith(["usr_ana", "usr_bo"]));
    frame({ type: "typing", userId: "usr_bo", on: true });
    expect(room.typing.value.has("usr_bo")).toBe(true);
    expect(room.onlineCount.value).toBe(2);
    frame({ type: "presences", online: ["usr_cy", "usr_di"], offline: ["usr_bo"], onlineCount: 3 });
    expect([...room.online.value].sort()).toEqual(["usr_ana", "usr_cy", "usr_di"]);
    expect(room.onlineCount.value).toBe(3);
    expect(room.typing.value.has("usr_bo")).toBe(false);
    frame({ type: "presence", userId: "usr_cy", online: false, onlineCount: 2 });
    expect([...room.online.value].sort()).toEqual(["usr_ana", "usr_di"]);
    expect(room.onlineCount.value).toBe(2);
    room.close();
  });

  test("the rest of who is online comes on request; news heard meanwhile wins over the list", async () => {
    let answer: (value: { online: string[]; onlineCount: number }) => void = () => {};
    (api as { online?: unknown }).online = () => new Promise((resolve) => (answer = resolve));
    const room = await openRoom();
    frame({ ...ready, online: ["usr_ana"], onlineCount: 4 });
    const loading = room.loadOnline();
    // While the list is on its way, bo goes offline and cy comes online.
    frame({ type: "presences", online: ["usr_cy"], offline: ["usr_bo"], onlineCount: 4 });
    answer({ online: ["usr_ana", "usr_bo", "usr_di", "usr_ed"], onlineCount: 4 });
    await loading;
    expect([...room.online.value].sort()).toEqual(["usr_ana", "usr_cy", "usr_di", "usr_ed"]);
    room.close();
  });

  test("a big room's ready lists some of who is online; the count is the server's", async () => {
    const room = await openRoom();
    frame({ ...ready, online: ["usr_ana", "usr_bo"], onlineCount: 640 });
    expect(room.onlineCount.value).toBe(640);
    frame({ type: "presence", userId: "usr_zed", online: true, onlineCount: 641 });
    expect(room.online.value.has("usr_zed")).toBe(true);
    expect(room.onlineCount.value).toBe(641);
    handlers.onDown?.({ opened: true, code: 1006, reason: "", retryInMs: 1000 });
    expect(room.onlineCount.value).toBe(0);
    room.close();
  });
});

describe("a room opened at a message", () => {
  beforeAll(() => loadFrameSchemas());
  const NEWEST = 200;
  /** The room's newest message on the server (live messages add to it). */
  let newest = NEWEST;
  const message = (seq: number, rev = seq, body = `m${seq}`): Message => ({
    seq,
    rev,
    roomId: "room_1",
    sender: { id: "usr_bo", handle: "bo", name: "Bo" },
    body,
    createdAt: "2026-01-01T00:00:00.000Z",
    editedAt: null,
    deleted: false,
    replyTo: null,
    reactions: [],
    mentions: [],
    attachments: [],
    threadOf: null,
    thread: null,
    pinned: null,
  });
  const span = (from: number, to: number) =>
    Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => message(from + i));
  /** A room of 200 messages over HTTP; `around` can be held back to play a slow answer. */
  let held: Promise<void> | null;
  const api = {
    history: async (_: string, before = newest + 1, limit = 50) => {
      const from = Math.max(1, before - limit);
      return { messages: span(from, before - 1), hasMore: from > 1 };
    },
    newer: async (_: string, after: number, limit = 50) => ({
      messages: span(after + 1, Math.min(newest, after + limit)),
      hasMore: after + limit < newest,
    }),
    around: async (_: string, seq: number, limit = 50) => {
      // As the server: centred, the other side filling the page near either end.
      const from = Math.max(1, Math.min(seq - 24, newest - limit + 1));
      const page = span(from, Math.min(newest, from + limit - 1));
      await held;
      const first = page[0]?.seq ?? 1;
      const last = page.at(-1)?.seq ?? newest;
      return {
        messages: page,
        hasMore: first > 1,
        hasMoreBefore: first > 1,
        hasMoreAfter: last < newest,
      };
    },
  } as unknown as Api;
  let handlers: LiveSocketHandlers;
  const frame = (f: ServerFrame) => handlers.onText(JSON.stringify(f));
  /** A new message is stored, then its frame arrives. */
  const live = () => {
    newest++;
    frame({ type: "message", message: message(newest) });
  };
  const seqs = (room: { messages: { value: readonly Message[] } }) =>
    room.messages.value.map((m) => m.seq);

  function createRoom() {
    return createRoomState(
      "room_1",
      "usr_ana",
      api,
      {},
      {
        makeSocket: (h) => {
          handlers = h;
          return recordingSocket([]);
        },
      },
    );
  }

  beforeEach(() => {
    held = null;
    newest = NEWEST;
  });

  test("it opens around the message, then pages newer until the live end, where live messages join", async () => {
    const room = createRoom();
    void room.showMessage(5);
    room.open();
    await vi.waitFor(() => expect(room.loaded.value).toBe(true));
    expect(seqs(room)).toEqual(span(1, 50).map((m) => m.seq));
    expect(room.focus.value).toEqual({ seq: 5 });
    expect(room.hasOlder.value).toBe(false);
    expect(room.hasNewer.value).toBe(true);
    // Live messages beyond the window wait for the pages that bring them in order.
    live();
    expect(seqs(room).at(-1)).toBe(50);
    expect(room.messages.value).toHaveLength(50);
    await room.loadNewer();
    expect(seqs(room).at(-1)).toBe(150);
    // The last page (to 201) is answered, but 202's frame comes before the answer does: that
    // page is not the end, one more is.
    const lastPage = room.loadNewer();
    live();
    await lastPage;
    expect(seqs(room).at(-1)).toBe(201);
    expect(room.hasNewer.value).toBe(true);
    await room.loadNewer();
    expect(room.hasNewer.value).toBe(false);
    // At the live end, live messages join the list.
    live();
    expect(seqs(room)).toEqual(span(1, 203).map((m) => m.seq));
    room.close();
  });

  test("a jump keeps what frames said while its page was on its way; sending goes back to the newest", async () => {
    const room = createRoom();
    room.open();
    await vi.waitFor(() => expect(room.loaded.value).toBe(true));
    expect(seqs(room).at(-1)).toBe(NEWEST);
    let release: () => void = () => {};
    held = new Promise((resolve) => (release = resolve));
    const jump = room.showMessage(100);
    // Message 100 is edited before the (older) page around it arrives.
    frame({ type: "changed", message: message(100, 900, "edited") });
    release();
    await jump;
    expect(room.focus.value).toEqual({ seq: 100 });
    expect(room.messages.value.find((m) => m.seq === 100)?.body).toBe("edited");
    expect(room.hasNewer.value).toBe(true);
    room.send("hello");
    await vi.waitFor(() => expect(room.hasNewer.value).toBe(false));
    expect(seqs(room).at(-1)).toBe(NEWEST);
    room.close();
  });

  test("a message the room no longer holds opens the room with a notice", async () => {
    const room = createRoom();
    void room.showMessage(NEWEST + 50);
    room.open();
    await vi.waitFor(() => expect(room.loaded.value).toBe(true));
    expect(room.focus.value).toBeNull();
    expect(room.lastError.value).toBe(MISSING_MESSAGE);
    room.close();
  });
});
