// The room's connection machine, pure: no socket, no timers, no DOM.
import { describe, expect, test } from "vitest";
import { backoffDelay } from "../../web/net/live-socket";
import {
  ATTEMPTS_BEFORE_POLLING,
  type ConnectionEvent,
  type ConnectionState,
  connectionStep,
  initialConnection,
  POLL_EVERY_MS,
} from "../../web/state/room/connection";

const types = (effects: { type: string }[]) => effects.map((e) => e.type);

function run(events: ConnectionEvent[], from = initialConnection()) {
  let state: ConnectionState = from;
  const effects: { type: string }[] = [];
  for (const event of events) {
    const step = connectionStep(state, event);
    state = step.state;
    effects.push(...step.effects);
  }
  return { state, effects };
}

const down = (online = true): ConnectionEvent => ({ type: "down", code: 1006, reason: "", online });

describe("connection machine", () => {
  test("first open loads a page, then the socket starts from its rev; ready → connected", () => {
    const opened = run([{ type: "open" }]);
    expect(opened.state.status).toBe("connecting");
    expect(types(opened.effects)).toEqual(["load-initial"]);
    const loaded = run([{ type: "loaded", rev: 7 }], opened.state);
    expect(loaded.state.resumeRev).toBe(7);
    expect(types(loaded.effects)).toEqual(["socket-start"]);
    const ready = run([{ type: "ready" }], loaded.state);
    expect(ready.state).toMatchObject({ status: "connected", sync: "replaying", everReady: true });
    expect(types(ready.effects)).toEqual(["socket-healthy", "poll-stop", "flush"]);
  });

  test("a failed first page backs off (growing attempts); 401/403/404 is final", () => {
    const opened = run([{ type: "open" }]).state;
    const failed = run(
      [
        { type: "load-failed", fatal: false, online: true, message: "x" },
        { type: "load-failed", fatal: false, online: false, message: "x" },
      ],
      opened,
    );
    expect(failed.effects).toEqual([
      { type: "retry-load", attempt: 0 },
      { type: "retry-load", attempt: 1 },
    ]);
    expect(failed.state.status).toBe("offline");
    const fatal = run(
      [{ type: "load-failed", fatal: true, online: true, message: "gone" }],
      opened,
    );
    expect(fatal.effects).toEqual([{ type: "load-refused", message: "gone" }]);
    // Closed meanwhile: the late answer changes nothing.
    const closed = run([{ type: "close" }], opened).state;
    expect(run([{ type: "loaded", rev: 3 }], closed).effects).toEqual([]);
  });

  test("resume by rev: live revs move resumeRev only once the replay is complete", () => {
    const live = run([{ type: "open" }, { type: "loaded", rev: 5 }, { type: "ready" }]).state;
    const replay = run([{ type: "rev", rev: 9 }], live).state;
    expect(replay.resumeRev).toBe(5);
    expect(replay.liveRev).toBe(9);
    const synced = run([{ type: "synced", rev: 8, complete: true }], replay).state;
    expect(synced).toMatchObject({ sync: "current", resumeRev: 9 });
    expect(run([{ type: "rev", rev: 12 }], synced).state.resumeRev).toBe(12);
  });

  test("a cut replay is paged over HTTP; the rev moves when the gap is filled, not before", () => {
    const live = run([{ type: "open" }, { type: "loaded", rev: 5 }, { type: "ready" }]).state;
    const cut = run([{ type: "synced", rev: 505, complete: false }], live);
    expect(cut.effects).toEqual([{ type: "catch-up", fromRev: 505 }]);
    const during = run([{ type: "rev", rev: 900 }], cut.state).state;
    expect(during.resumeRev).toBe(5);
    const done = run([{ type: "caught-up", rev: 880 }], during).state;
    expect(done).toMatchObject({ sync: "current", resumeRev: 900 });
    // A failed catch-up leaves the gap open and reconnects from below it.
    const failed = run([{ type: "catch-up-failed" }], during);
    expect(failed.state.resumeRev).toBe(5);
    expect(types(failed.effects)).toEqual(["socket-reconnect"]);
  });

  test("drops: reconnecting; offline when the browser is; polling after repeated failures", () => {
    const live = run([{ type: "open" }, { type: "loaded", rev: 0 }, { type: "ready" }]).state;
    const once = run([down()], live);
    expect(once.state.status).toBe("reconnecting");
    expect(once.state.failedAttempts).toBe(0);
    expect(types(once.effects)).toEqual(["wire-down"]);
    expect(run([down(false)], live).state.status).toBe("offline");
    const failing = run(
      Array.from({ length: ATTEMPTS_BEFORE_POLLING + 1 }, () => down()),
      live,
    );
    expect(failing.state.status).toBe("polling");
    // Polling starts once, at once; the server was reachable before, so it may be down.
    expect(failing.effects.filter((e) => e.type === "poll-after")).toEqual([
      { type: "poll-after", ms: 0 },
    ]);
    expect(failing.state.serverUnreachable).toBe(true);
    // Its answer: the socket is tried now, the queue flushes over HTTP, the next poll is due.
    const polled = run([{ type: "polled", rev: 4 }], failing.state);
    expect(polled.effects).toEqual([
      { type: "socket-retry-now" },
      { type: "flush" },
      { type: "poll-after", ms: POLL_EVERY_MS },
    ]);
    expect(polled.state.resumeRev).toBe(4);
    // The socket is back: polling stops, the failures are forgotten.
    const back = run([{ type: "ready" }], polled.state);
    expect(back.state).toMatchObject({ status: "connected", failedAttempts: 0, polling: false });
    expect(types(back.effects)).toContain("resumed");
  });

  test("a policy close (1008) is a refusal the app hears of", () => {
    const live = run([{ type: "open" }, { type: "loaded", rev: 0 }, { type: "ready" }]).state;
    const refused = run([{ type: "down", code: 1008, reason: "removed", online: true }], live);
    expect(refused.effects).toContainEqual({ type: "refused", reason: "removed" });
  });

  test("close keeps the state for the next open, which resumes the socket from its rev", () => {
    const live = run([{ type: "open" }, { type: "loaded", rev: 3 }, { type: "ready" }]).state;
    const closed = run([{ type: "close" }], live);
    expect(closed.state).toMatchObject({ running: false, status: "reconnecting", resumeRev: 3 });
    expect(types(closed.effects)).toEqual(["socket-stop", "poll-stop", "requeue"]);
    expect(types(run([{ type: "open" }], closed.state).effects)).toEqual(["socket-start"]);
  });
});

describe("backoff", () => {
  test("grows by doubling up to the ceiling, with jitter in its upper half", () => {
    const low = (a: number) => backoffDelay(a, 500, 30_000, () => 0);
    const high = (a: number) => backoffDelay(a, 500, 30_000, () => 1);
    expect([0, 1, 2, 3].map(low)).toEqual([250, 500, 1000, 2000]);
    expect([0, 1, 2, 3].map(high)).toEqual([500, 1000, 2000, 4000]);
    expect(high(20)).toBe(30_000);
    expect(low(20)).toBe(15_000);
  });
});
