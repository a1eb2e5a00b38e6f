// The room's link to the server as a state machine: the first page over HTTP, the socket
// (connecting → syncing → live), its losses (reconnecting, offline), HTTP polling when no socket
// gets through, and the rev a reconnect resumes from. Pure: each event gives the next state and
// the effects the driver (index.ts) carries out — sockets, timers and fetches are not touched here.

/** What the status line shows. */
export type Connection = "connecting" | "connected" | "reconnecting" | "offline" | "polling";

/** Failed socket attempts (never reaching `ready`) before HTTP polling takes over. */
export const ATTEMPTS_BEFORE_POLLING = 3;
export const POLL_EVERY_MS = 3_000;

/**
 * Where the room stands with what the server has: `none` before the first page, `replaying`
 * between `ready` and `synced`, `catching-up` while the rest of a cut replay is paged over HTTP
 * (a new socket may be replaying meanwhile), `current` once everything up to `resumeRev` is here.
 */
export type SyncPhase = "none" | "replaying" | "catching-up" | "catching-up+replaying" | "current";

export interface ConnectionState {
  running: boolean;
  status: Connection;
  sync: SyncPhase;
  /** Every change up to this rev is reflected here: where a reconnect resumes (null: not loaded). */
  resumeRev: number | null;
  /** Highest rev seen while a replay or a catch-up was still filling the gap below it. */
  liveRev: number;
  everReady: boolean;
  readyOnSocket: boolean;
  failedAttempts: number;
  /** Attempts at the first page so far (its retries back off). */
  loadAttempt: number;
  /** The poll loop runs (a poll is scheduled or under way). */
  polling: boolean;
  /** While polling: the server did not answer; its next answer means it is back. */
  serverUnreachable: boolean;
}

export type ConnectionEvent =
  | { type: "open" }
  | { type: "close" }
  | { type: "loaded"; rev: number }
  | { type: "load-failed"; fatal: boolean; online: boolean; message: string }
  | { type: "ready" }
  | { type: "down"; code: number; reason: string; online: boolean }
  | { type: "rev"; rev: number }
  | { type: "synced"; rev: number; complete: boolean }
  | { type: "caught-up"; rev: number }
  | { type: "catch-up-failed" }
  | { type: "polled"; rev: number }
  | { type: "poll-failed" };

export type ConnectionEffect =
  | { type: "load-initial" }
  | { type: "retry-load"; attempt: number }
  | { type: "load-refused"; message: string }
  | { type: "socket-start" }
  | { type: "socket-stop" }
  | { type: "socket-healthy" }
  | { type: "socket-reconnect" }
  | { type: "socket-retry-now" }
  | { type: "resumed" }
  | { type: "refused"; reason: string }
  /** The socket is gone: what was on the wire is queued again, presence is unknown. */
  | { type: "wire-down" }
  /** Closed by me: what was on the wire is queued again. */
  | { type: "requeue" }
  | { type: "flush" }
  | { type: "catch-up"; fromRev: number }
  | { type: "poll-after"; ms: number }
  | { type: "poll-stop" };

export interface Step {
  state: ConnectionState;
  effects: ConnectionEffect[];
}

export function initialConnection(): ConnectionState {
  return {
    running: false,
    status: "connecting",
    sync: "none",
    resumeRev: null,
    liveRev: 0,
    everReady: false,
    readyOnSocket: false,
    failedAttempts: 0,
    loadAttempt: 0,
    polling: false,
    serverUnreachable: false,
  };
}

export const replaying = (s: ConnectionState) =>
  s.sync === "replaying" || s.sync === "catching-up+replaying";
export const catchingUp = (s: ConnectionState) =>
  s.sync === "catching-up" || s.sync === "catching-up+replaying";
const max = (a: number | null, ...b: number[]) => Math.max(a ?? 0, ...b);

export function connectionStep(s: ConnectionState, event: ConnectionEvent): Step {
  switch (event.type) {
    case "open": {
      if (s.running) return { state: s, effects: [] };
      const status = !s.everReady && s.status !== "polling" ? "connecting" : s.status;
      return {
        state: { ...s, running: true, status },
        effects: [{ type: s.resumeRev === null ? "load-initial" : "socket-start" }],
      };
    }
    case "close":
      return {
        state: {
          ...s,
          running: false,
          polling: false,
          status: s.status === "polling" ? "polling" : "reconnecting",
        },
        effects: [{ type: "socket-stop" }, { type: "poll-stop" }, { type: "requeue" }],
      };
    case "loaded":
      if (!s.running) return { state: s, effects: [] };
      return { state: { ...s, resumeRev: event.rev }, effects: [{ type: "socket-start" }] };
    case "load-failed":
      if (!s.running) return { state: s, effects: [] };
      if (event.fatal)
        return { state: s, effects: [{ type: "load-refused", message: event.message }] };
      return {
        state: {
          ...s,
          status: event.online ? "reconnecting" : "offline",
          loadAttempt: s.loadAttempt + 1,
        },
        effects: [{ type: "retry-load", attempt: s.loadAttempt }],
      };
    case "ready":
      return {
        state: {
          ...s,
          status: "connected",
          everReady: true,
          readyOnSocket: true,
          failedAttempts: 0,
          liveRev: 0,
          sync: catchingUp(s) ? "catching-up+replaying" : "replaying",
          polling: false,
        },
        effects: [
          ...(s.everReady ? [{ type: "resumed" } as const] : []),
          { type: "socket-healthy" },
          { type: "poll-stop" },
          { type: "flush" },
        ],
      };
    case "down":
      return down(s, event);
    case "rev":
      if (replaying(s) || catchingUp(s)) {
        return { state: { ...s, liveRev: Math.max(s.liveRev, event.rev) }, effects: [] };
      }
      return { state: { ...s, resumeRev: max(s.resumeRev, event.rev) }, effects: [] };
    case "synced": {
      const wasCatchingUp = catchingUp(s);
      if (event.complete) {
        return {
          state: {
            ...s,
            sync: wasCatchingUp ? "catching-up" : "current",
            resumeRev: max(s.resumeRev, event.rev, wasCatchingUp ? 0 : s.liveRev),
          },
          effects: [],
        };
      }
      return {
        state: { ...s, sync: "catching-up" },
        effects: [{ type: "catch-up", fromRev: event.rev }],
      };
    }
    case "caught-up":
      return {
        state: {
          ...s,
          sync: replaying(s) ? "replaying" : "current",
          resumeRev: max(s.resumeRev, event.rev, s.liveRev),
        },
        effects: [],
      };
    case "catch-up-failed":
      // The gap stays open: resumeRev still points below it, so the next connection replays it.
      return {
        state: { ...s, sync: replaying(s) ? "replaying" : "current" },
        effects: [{ type: "socket-reconnect" }],
      };
    case "polled": {
      const effects: ConnectionEffect[] = [];
      // The server answers again: try the socket now instead of after the rest of its backoff
      // (up to 30 s), so the room is live again as soon as the server is back.
      if (s.serverUnreachable) effects.push({ type: "socket-retry-now" });
      effects.push({ type: "flush" });
      const state = { ...s, resumeRev: max(s.resumeRev, event.rev), serverUnreachable: false };
      return { state, effects: [...effects, ...pollAgain(state)] };
    }
    case "poll-failed": {
      // Keep polling; the status line already says we are not live.
      const state = { ...s, serverUnreachable: true };
      return { state, effects: pollAgain(state) };
    }
  }
}

function pollAgain(s: ConnectionState): ConnectionEffect[] {
  return s.running && s.status === "polling" ? [{ type: "poll-after", ms: POLL_EVERY_MS }] : [];
}

function down(s: ConnectionState, event: Extract<ConnectionEvent, { type: "down" }>): Step {
  const effects: ConnectionEffect[] = [{ type: "wire-down" }];
  if (event.code === 1008) effects.push({ type: "refused", reason: event.reason });
  // A socket that opened but never said `ready` (a proxy that drops it) counts as failed too.
  const failedAttempts = s.readyOnSocket ? 0 : s.failedAttempts + 1;
  let state: ConnectionState = {
    ...s,
    failedAttempts,
    readyOnSocket: false,
    sync: catchingUp(s) ? "catching-up" : s.sync === "replaying" ? "current" : s.sync,
  };
  if (!event.online) state = { ...state, status: "offline" };
  else if (failedAttempts >= ATTEMPTS_BEFORE_POLLING) {
    if (!(state.status === "polling" && state.polling)) {
      // A socket that worked before failed: the server may be down (a restart, a deploy).
      state = {
        ...state,
        status: "polling",
        polling: true,
        serverUnreachable: state.everReady || state.serverUnreachable,
      };
      effects.push({ type: "poll-after", ms: 0 });
    }
  } else if (state.status !== "polling") state = { ...state, status: "reconnecting" };
  return { state, effects };
}
