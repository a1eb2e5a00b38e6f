// The navigation helpers, pure: the room list's sections and sort, the switcher's fuzzy match,
// and what this device keeps (unsent messages with their cids, drafts) and forgets.
import { describe, expect, test } from "vitest";
import type { RoomListItem } from "../../src/shared/api";
import { fuzzyFilter, fuzzyScore } from "../../web/lib/fuzzy";
import { createDeviceStore } from "../../web/state/device-store";
import { createRoomSort, roomSections } from "../../web/state/room-sections";
import type { PendingMessage } from "../../web/state/timeline";

const item = (id: string, name: string, kind: "channel" | "dm", unread = 0, mentions = 0) =>
  ({
    room: { id, name, kind },
    peers: kind === "dm" ? [{ id: `u-${id}`, handle: name, displayName: name }] : [],
    unread,
    mentions,
    muted: false,
  }) as unknown as RoomListItem;

/** localStorage's shape over a Map. */
function memoryStorage(): Storage {
  const map = new Map<string, string>();
  return {
    get length() {
      return map.size;
    },
    key: (i) => [...map.keys()][i] ?? null,
    getItem: (k) => map.get(k) ?? null,
    setItem: (k, v) => void map.set(k, String(v)),
    removeItem: (k) => void map.delete(k),
    clear: () => map.clear(),
  };
}

describe("room list sections", () => {
  const rooms = [
    item("1", "zeta", "channel"),
    item("2", "Alpha", "channel", 3),
    item("3", "Mia", "dm"),
    item("4", "beta", "channel"),
    item("5", "Ben", "dm", 0, 1),
  ];
  const names = (s: ReturnType<typeof roomSections>) =>
    s.map((x) => `${x.title}: ${x.items.map((i) => i.room.name).join(",")}`);

  test("Unread first, then Channels and Direct messages; recent keeps the server's order", () => {
    expect(names(roomSections(rooms, "recent", null))).toEqual([
      "Unread: Alpha,Ben",
      "Channels: zeta,beta",
      "Direct messages: Mia",
    ]);
  });

  test("A–Z sorts by title, case aside; no Unread section without news", () => {
    const read = rooms.map((r) => ({ ...r, unread: 0, mentions: 0 }));
    expect(names(roomSections(read, "az", null))).toEqual([
      "Channels: Alpha,beta,zeta",
      "Direct messages: Ben,Mia",
    ]);
  });

  test("the sort is remembered by the device", () => {
    const storage = memoryStorage();
    createRoomSort(storage).setSort("az");
    expect(createRoomSort(storage).sort.value).toBe("az");
    expect(createRoomSort(memoryStorage()).sort.value).toBe("recent");
  });
});

describe("fuzzy match", () => {
  test("a prefix beats a word start beats letters in order; no match is null", () => {
    const prefix = fuzzyScore("prod", "Product roadmap") ?? 0;
    const word = fuzzyScore("road", "Product roadmap") ?? 0;
    const letters = fuzzyScore("prdrm", "Product roadmap") ?? 0;
    expect(prefix).toBeGreaterThan(word);
    expect(word).toBeGreaterThan(letters);
    expect(fuzzyScore("xyz", "Product roadmap")).toBeNull();
    expect(fuzzyFilter("gen", ["random", "general", "agenda"], (n) => [n])).toEqual([
      "general",
      "agenda",
    ]);
  });
});

describe("kept on this device", () => {
  const pending = (cid: string, extra: Partial<PendingMessage> = {}): PendingMessage => ({
    cid,
    body: `body ${cid}`,
    replyTo: null,
    createdAt: "2026-01-01T00:00:00.000Z",
    status: "queued",
    ...extra,
  });

  test("the outbox comes back in order with its cids; on the wire means send again", () => {
    const store = createDeviceStore(memoryStorage());
    const box = store.outbox("usr_a", "room1");
    box.save([
      pending("a", { status: "sending" }),
      pending("b", { threadOf: 7 }),
      pending("c", { files: ["k1"] }),
      pending("d", { status: "failed", error: "Too long" }),
    ]);
    expect(box.load()).toEqual([
      pending("a"),
      pending("b", { threadOf: 7 }),
      pending("d", { status: "failed", error: "Too long" }),
    ]);
    expect(store.roomsWithOutbox("usr_a")).toEqual(["room1"]);
    expect(store.roomsWithOutbox("usr_b")).toEqual([]);
    box.save([]);
    expect(store.roomsWithOutbox("usr_a")).toEqual([]);
  });

  test("drafts per room and thread; another account's things are cleared, sign-out clears all", () => {
    const storage = memoryStorage();
    storage.setItem("confab.roomSort", "az");
    const store = createDeviceStore(storage);
    store.draft("usr_a", "room1").save("hello");
    store.draft("usr_a", "room1", 5).save("in a thread");
    store.draft("usr_b", "room1").save("theirs");
    expect(store.draft("usr_a", "room1").load()).toBe("hello");
    expect(store.draft("usr_a", "room1", 5).load()).toBe("in a thread");
    store.clear("usr_a");
    expect(store.draft("usr_b", "room1").load()).toBe("");
    expect(store.draft("usr_a", "room1").load()).toBe("hello");
    store.clear();
    expect(store.draft("usr_a", "room1").load()).toBe("");
    expect(storage.getItem("confab.roomSort")).toBe("az");
    // Garbage in storage is dropped, never trusted.
    storage.setItem("confab.saved.usr_a.outbox.r", '[{"cid":1},"x",null]');
    expect(store.outbox("usr_a", "r").load()).toEqual([]);
  });
});
