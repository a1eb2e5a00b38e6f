// Presence, pure and with its timers: online, read marks only forward, typing throttle and expiry.
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { systemClock } from "../../web/state/room/clock";
import * as who from "../../web/state/room/presence";
import { createTyping } from "../../web/state/room/typing";

describe("presence", () => {
  test("online and read marks", () => {
    const none: who.Online = new Set();
    const ana = who.setOnline(none, "ana", true);
    expect([...ana]).toEqual(["ana"]);
    expect(who.setOnline(ana, "ana", true)).toBe(ana);
    expect(who.setOnline(ana, "ana", false).size).toBe(0);
    const marks = who.noteRead({}, "ana", 5);
    expect(marks).toEqual({ ana: 5 });
    expect(who.noteRead(marks, "ana", 3)).toBe(marks);
  });

  test("my typing: on at once, renewed after a while, off kept apart by the throttle", () => {
    const on = who.tellTyping({ ...who.quietTyping, wanted: true }, 10_000);
    expect(on).toMatchObject({ kind: "send", on: true });
    if (on.kind !== "send") return;
    expect(who.tellTyping(on.sent, 11_000)).toEqual({ kind: "none" });
    expect(who.tellTyping(on.sent, 10_000 + who.TYPING_RENEW_MS)).toMatchObject({ kind: "send" });
    const off = who.tellTyping({ ...on.sent, wanted: false }, 10_500);
    expect(off).toEqual({ kind: "wait", ms: who.TYPING_GAP_MS - 500 });
    // A fresh socket has told nobody: `on` goes at once.
    const fresh = who.freshSocket(on.sent);
    expect(who.tellTyping(fresh, 10_100)).toMatchObject({ kind: "send", on: true });
  });
});

describe("typing timers", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  test("someone's indicator expires unless renewed", () => {
    const typing = createTyping(systemClock, () => true);
    typing.show("bo");
    vi.advanceTimersByTime(who.TYPING_EXPIRES_MS - 1_000);
    typing.show("bo");
    vi.advanceTimersByTime(who.TYPING_EXPIRES_MS - 1_000);
    expect(typing.others.value.has("bo")).toBe(true);
    vi.advanceTimersByTime(1_000);
    expect(typing.others.value.has("bo")).toBe(false);
  });

  test("I stop typing: `off` after the idle pause, within the throttle", () => {
    const sent: boolean[] = [];
    const typing = createTyping(systemClock, (on) => {
      sent.push(on);
      return true;
    });
    typing.typed("h");
    expect(sent).toEqual([true]);
    vi.advanceTimersByTime(who.TYPING_IDLE_MS);
    expect(sent).toEqual([true, false]);
    typing.close();
  });
});
