// The client's addresses, pure: the paths of rooms, messages and threads (src/shared/links.ts)
// read and written, and which panel an address and its history entry stand for
// (web/state/route.ts).
import { describe, expect, test } from "vitest";
import {
  invitePath,
  linkPath,
  messagePath,
  parseLink,
  parseOnboardingLink,
  roomPath,
  threadPath,
} from "../../src/shared/links";
import { type AddressBar, addressOf, destinationOf, record } from "../../web/state/route";

describe("onboarding links", () => {
  test("an invite's page and the set-password page, read; nothing else is one", () => {
    expect(invitePath("AbC-_9")).toBe("/invite/AbC-_9");
    expect(parseOnboardingLink("/invite/AbC-_9")).toEqual({ kind: "invite", code: "AbC-_9" });
    expect(parseOnboardingLink("/invite/AbC-_9/")).toEqual({ kind: "invite", code: "AbC-_9" });
    expect(parseOnboardingLink("/set-password")).toEqual({ kind: "set-password" });
    expect(parseOnboardingLink("/invite/")).toBeNull();
    expect(parseOnboardingLink(`/invite/${"x".repeat(65)}`)).toBeNull();
    expect(parseOnboardingLink("/invite/%E0%A4%A")).toBeNull();
    expect(parseOnboardingLink("/r/room_abc")).toBeNull();
    expect(parseOnboardingLink("/")).toBeNull();
    // They are no room or panel: the workspace's links leave them alone.
    expect(parseLink("/invite/AbC-_9")).toBeNull();
  });
});

describe("links", () => {
  test("rooms and messages, written and read back", () => {
    expect(roomPath("room_abc")).toBe("/r/room_abc");
    expect(messagePath("room_abc", 5)).toBe("/r/room_abc/m/5");
    expect(parseLink("/r/room_abc")).toEqual({ kind: "room", roomId: "room_abc", seq: null });
    expect(parseLink("/r/room_abc/m/5")).toEqual({ kind: "room", roomId: "room_abc", seq: 5 });
    expect(parseLink("/r/room_abc/m/5/")).toEqual({ kind: "room", roomId: "room_abc", seq: 5 });
    expect(parseLink("/")).toEqual({ kind: "home" });
    expect(threadPath("room_abc", 7)).toBe("/r/room_abc/t/7");
    expect(parseLink("/r/room_abc/t/7")).toEqual({
      kind: "thread",
      roomId: "room_abc",
      rootSeq: 7,
    });
    expect(parseLink("/r/room_abc/t/7/")).toEqual({
      kind: "thread",
      roomId: "room_abc",
      rootSeq: 7,
    });
    for (const link of [
      { kind: "home" } as const,
      { kind: "room", roomId: "a b/ü", seq: null } as const,
      { kind: "room", roomId: "room_x", seq: 123 } as const,
      { kind: "thread", roomId: "a b/ü", rootSeq: 9 } as const,
    ]) {
      expect(parseLink(linkPath(link))).toEqual(link);
    }
  });

  test("anything else names nothing, and never throws", () => {
    for (const path of [
      "/x",
      "/r",
      "/r/",
      "/r/room_x/m/0",
      "/r/room_x/m/-1",
      "/r/room_x/m/1.5",
      "/r/room_x/m/99999999999999999",
      "/r/room_x/extra",
      "/r/room_x/t/0",
      "/r/room_x/t/",
      "/r/room_x/t/5/m/6",
      "/r/room_x/x/5",
      "/r/%E0%A4%A",
      `/r/${"x".repeat(65)}`,
      "/api/rooms",
    ]) {
      expect(parseLink(path), path).toBeNull();
    }
  });
});

describe("route", () => {
  test("a room's address, and the panels that live at the home's", () => {
    const room = { panel: { kind: "room", roomId: "room_x" } as const, seq: 7 };
    expect(addressOf(room)).toEqual({ path: "/r/room_x/m/7", state: null });
    expect(destinationOf("/r/room_x/m/7", null)).toEqual(room);
    expect(addressOf({ panel: { kind: "browse" }, seq: null })).toEqual({
      path: "/",
      state: { panel: "browse" },
    });
    expect(destinationOf("/", { panel: "browse" })).toEqual({
      panel: { kind: "browse" },
      seq: null,
    });
    // Whatever else an entry's state holds, `/` is the home.
    expect(destinationOf("/", { panel: "room" })?.panel).toEqual({ kind: "home" });
    expect(destinationOf("/", "junk")?.panel).toEqual({ kind: "home" });
    expect(destinationOf("/nowhere", null)).toBeNull();
    // A thread is its room with the thread open beside it.
    const thread = { panel: { kind: "room", roomId: "room_x", thread: 4 } as const, seq: null };
    expect(addressOf(thread)).toEqual({ path: "/r/room_x/t/4", state: null });
    expect(destinationOf("/r/room_x/t/4", null)).toEqual(thread);
    expect(addressOf({ panel: { kind: "threads" }, seq: null })).toEqual({
      path: "/",
      state: { panel: "threads" },
    });
    expect(destinationOf("/", { panel: "threads" })?.panel).toEqual({ kind: "threads" });
  });

  test("showing what the address already says adds no history entry", () => {
    const writes: string[] = [];
    let here = { path: "/", state: null as unknown };
    const bar: AddressBar = {
      current: () => here,
      write(entry, path, state) {
        writes.push(`${entry} ${path}`);
        here = { path, state };
      },
      listen: () => () => undefined,
    };
    const room = { panel: { kind: "room", roomId: "room_x" } as const, seq: null };
    record(bar, room, "push");
    record(bar, room, "push");
    record(bar, { panel: { kind: "home" }, seq: null }, "none");
    record(bar, { panel: { kind: "new-dm" }, seq: null }, "push");
    expect(writes).toEqual(["push /r/room_x", "replace /r/room_x", "push /"]);
  });
});
