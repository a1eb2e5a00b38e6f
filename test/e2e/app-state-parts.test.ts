// The app state's pure parts: the room list's order and how frames, messages and my reads change
// an item; who the panel shows; the titles and previews of rooms; where onboarding pages lead.
import { describe, expect, test } from "vitest";
import type { RoomListItem } from "../../src/shared/api";
import type { InboxRoomFrame, Message } from "../../src/shared/protocol";
import { type Api, ApiError } from "../../web/net/api";
import { createOnboarding } from "../../web/state/onboarding";
import { showsRoom } from "../../web/state/panels";
import {
  applyInboxFrame,
  applyRoomMessage,
  applyRoomRead,
  byActivity,
  roomTitle,
  updateItem,
  withLocalReads,
} from "../../web/state/room-list";
import type { AddressBar } from "../../web/state/route";

function item(id: string, extra: Partial<RoomListItem> = {}): RoomListItem {
  return {
    room: {
      id,
      kind: "channel",
      name: id,
      topic: "",
      createdBy: null,
      createdAt: "2026-01-01T00:00:00.000Z",
      archived: false,
      archivedAt: null,
      ephemeral: false,
      externalRef: null,
      lastSeq: 10,
      lastMessageAt: null,
      lastPreview: null,
    },
    role: "member",
    unread: 2,
    mentions: 1,
    lastSeq: 10,
    lastReadSeq: 8,
    lastMessageAt: "2026-01-02T00:00:00.000Z",
    lastPreview: "Ana: hi",
    lastSenderId: "usr_a",
    muted: false,
    threads: 0,
    peers: [],
    ...extra,
  } as RoomListItem;
}

const frame = (extra: Partial<InboxRoomFrame> = {}): InboxRoomFrame => ({
  type: "room",
  roomId: "a",
  lastSeq: 12,
  unread: 4,
  mentions: 2,
  threads: 0,
  lastPreview: "Bo: yes",
  lastSenderId: "usr_b",
  lastMessageAt: "2026-01-03T00:00:00.000Z",
  lastReadSeq: 8,
  ...extra,
});

describe("room list items", () => {
  test("order: latest message first, rooms without messages by creation", () => {
    const old = item("old", { lastMessageAt: "2026-01-01T10:00:00.000Z" });
    const fresh = item("fresh", { lastMessageAt: "2026-01-05T00:00:00.000Z" });
    const empty = item("empty", { lastMessageAt: null });
    expect([old, empty, fresh].sort(byActivity).map((i) => i.room.id)).toEqual([
      "fresh",
      "old",
      "empty",
    ]);
  });

  test("my own reads win over the lagging counts", () => {
    const a = item("a");
    expect(withLocalReads(a, 9)).toBe(a);
    expect(withLocalReads(a, 10)).toMatchObject({ unread: 0, mentions: 0, lastReadSeq: 10 });
  });

  test("an inbox frame: counts from the frame, zero while the room is on screen", () => {
    const next = applyInboxFrame(item("a"), frame(), false);
    expect(next).toMatchObject({ lastSeq: 12, unread: 4, mentions: 2, lastPreview: "Bo: yes" });
    expect(next.room.lastSeq).toBe(12);
    expect(applyInboxFrame(item("a"), frame(), true)).toMatchObject({ unread: 0, mentions: 0 });
    // An older frame does not move the sequence back.
    expect(applyInboxFrame(item("a", { lastSeq: 20 }), frame(), false).lastSeq).toBe(20);
  });

  test("a message on the room's socket counts only when unseen", () => {
    const message = {
      seq: 11,
      sender: { id: "usr_b", handle: "bo", name: "Bo" },
      body: "later",
      createdAt: "2026-01-04T00:00:00.000Z",
      threadOf: null,
    } as Message;
    // A thread reply moves neither the preview nor the room's unread.
    expect(applyRoomMessage(item("a"), { ...message, threadOf: 4 }, true)).toMatchObject({
      lastSeq: 11,
      unread: 2,
      lastPreview: item("a").lastPreview,
    });
    expect(applyRoomMessage(item("a"), message, true)).toMatchObject({
      lastSeq: 11,
      unread: 3,
      lastPreview: "Bo: later",
      lastSenderId: "usr_b",
    });
    expect(applyRoomMessage(item("a"), message, false).unread).toBe(2);
  });

  test("my read: to the end clears the counts; no news keeps the item", () => {
    const a = item("a");
    expect(applyRoomRead(a, 10)).toMatchObject({ unread: 0, mentions: 0, lastReadSeq: 10 });
    expect(applyRoomRead(a, 9)).toMatchObject({ unread: 2, lastReadSeq: 9 });
    const read = item("a", { unread: 0, mentions: 0, lastReadSeq: 10 });
    expect(applyRoomRead(read, 10)).toBe(read);
  });

  test("updating one item re-sorts; an unknown room or no change keeps the list", () => {
    const list = [item("a"), item("b", { lastMessageAt: "2026-01-01T12:00:00.000Z" })];
    const next = updateItem(list, "b", (i) => ({
      ...i,
      lastMessageAt: "2026-02-01T00:00:00.000Z",
    }));
    expect(next.map((i) => i.room.id)).toEqual(["b", "a"]);
    expect(updateItem(list, "zzz", (i) => ({ ...i }))).toBe(list);
    expect(updateItem(list, "a", (i) => i)).toBe(list);
  });

  test("titles: rooms by name, DMs by the people in them", () => {
    const me = { id: "usr_me", handle: "me", displayName: "Me", role: "member", createdAt: "" };
    expect(roomTitle(item("general"), null)).toBe("general");
    const dm = item("dm", { peers: [] });
    dm.room = { ...dm.room, kind: "dm", name: null };
    expect(roomTitle(dm, me as never)).toBe("Me (you)");
    expect(
      roomTitle(
        {
          ...dm,
          peers: [{ id: "u", handle: "bo", displayName: "Bo", avatarUrl: null, bot: false }],
        },
        null,
      ),
    ).toBe("Bo");
  });
});

describe("panels", () => {
  test("which room the panel shows", () => {
    expect(showsRoom({ kind: "room", roomId: "a" }, "a")).toBe(true);
    expect(showsRoom({ kind: "room", roomId: "a" }, "b")).toBe(false);
    expect(showsRoom({ kind: "home" }, "a")).toBe(false);
  });
});

describe("onboarding (an invite's page, the set-password page)", () => {
  const me = {
    id: "usr_me",
    handle: "me",
    displayName: "Me",
    avatarUrl: null,
    bot: false,
    role: "user" as const,
    createdAt: "2026-01-01T00:00:00.000Z",
  };

  /** An address bar at `path`, a stand-in API and hooks, each recording what was asked. */
  function setUp(path: string, accept: () => Promise<{ roomIds: string[] }>) {
    const writes: string[] = [];
    const said: string[] = [];
    const signedIn: string[] = [];
    let current = path;
    const bar: AddressBar = {
      current: () => ({ path: current, state: null }),
      write(_entry, to) {
        current = to;
        writes.push(to);
      },
      listen: () => () => undefined,
    };
    const api = {
      register: async () => ({ user: me, token: "t", roomIds: ["room_1", "room_2"] }),
      login: async () => ({ user: me, token: "t" }),
      invites: { accept },
    } as unknown as Api;
    const onboarding = createOnboarding(api, bar, {
      signedIn: (user) => signedIn.push(user.id),
      call: (run) => run(),
      enter: async () => undefined,
      tell: (text) => said.push(text),
      restart: async () => undefined,
    });
    return { onboarding, writes, said, signedIn, where: () => current };
  }

  test("an invite's address is its page until signing up lands in its first room", async () => {
    const t = setUp("/invite/abc", async () => ({ roomIds: [] }));
    expect(t.onboarding.link.value).toEqual({ kind: "invite", code: "abc" });
    await t.onboarding.actions.signUp({ handle: "me", displayName: "Me", password: "x".repeat(8) });
    expect(t.onboarding.link.value).toBeNull();
    expect(t.where()).toBe("/r/room_1");
    expect(t.signedIn).toEqual(["usr_me"]);
  });

  test("signing in on an invite's page accepts it; a refused invite signs in home, saying why", async () => {
    const ok = setUp("/invite/abc", async () => ({ roomIds: ["room_9"] }));
    await ok.onboarding.actions.signIn({ handle: "me", password: "x" });
    expect(ok.where()).toBe("/r/room_9");
    const refused = setUp("/invite/abc", async () => {
      throw new ApiError(403, "invite_invalid", "This invite has expired");
    });
    await refused.onboarding.actions.signIn({ handle: "me", password: "x" });
    expect(refused.where()).toBe("/");
    expect(refused.signedIn).toEqual(["usr_me"]);
    expect(refused.said).toEqual(["The invite could not be used: This invite has expired"]);
  });

  test("other addresses are no onboarding page; leaving one goes home", async () => {
    expect(setUp("/r/room_1", async () => ({ roomIds: [] })).onboarding.link.value).toBeNull();
    const t = setUp("/set-password", async () => ({ roomIds: [] }));
    expect(t.onboarding.link.value).toEqual({ kind: "set-password" });
    await t.onboarding.actions.leaveOnboarding();
    expect(t.where()).toBe("/");
    expect(t.onboarding.link.value).toBeNull();
  });
});
