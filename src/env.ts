// The Worker's bindings and the instance configuration read from [vars].

import type { Window } from "./db/sliding-window";
import type { InboxDO } from "./inbox/inbox-do";
import type { BucketLimits, SendLimits, WindowLimit } from "./room/limits";
import type { RetentionDefaults } from "./room/retention";
import type { RoomDO } from "./room/room-do";

export interface Env {
  DB: D1Database;
  ROOM: DurableObjectNamespace<RoomDO>;
  INBOX: DurableObjectNamespace<InboxDO>;
  ASSETS?: Fetcher;
  REGISTRATION?: string;
  ALLOWED_ORIGINS?: string;
  SESSION_TTL_DAYS?: string;
  LOGIN_MAX_FAILURES?: string;
  LOGIN_WINDOW_SECONDS?: string;
  REGISTRATIONS_PER_IP_PER_HOUR?: string;
  ROOMS_PER_USER_PER_HOUR?: string;
  DMS_PER_USER_PER_HOUR?: string;
  WS_TICKETS_PER_USER_PER_MINUTE?: string;
  DM_MAX_MEMBERS?: string;
  SEND_RATE_PER_SEC?: string;
  SEND_BURST?: string;
  ROOM_DELIVERIES_PER_SEC?: string;
  ROOM_MIN_MESSAGES_PER_SEC?: string;
  ROOM_SYNC_DELAY_MS?: string;
  SYNC_MAX_PER_WINDOW?: string;
  SYNC_WINDOW_SECONDS?: string;
  TYPING_INTERVAL_MS?: string;
  SOCKET_FRAMES_PER_SEC?: string;
  SOCKET_FRAME_BURST?: string;
  ROOM_SOCKETS_PER_USER?: string;
  ROOM_CONNECTS_PER_MINUTE?: string;
  INBOX_SOCKETS_PER_USER?: string;
  RETENTION_DAYS?: string;
  EPHEMERAL_RETENTION_DAYS?: string;
}

export interface Config {
  registrationOpen: boolean;
  allowedOrigins: ReadonlySet<string>;
  sessionTtlMs: number;
  /** Sliding-window limits (src/db/sliding-window.ts), all counted in D1's `rate_events`. */
  windows: {
    /** Failed sign-ins per handle and per IP. */
    login: Window;
    /** Sign-ups per client IP. */
    register: Window;
    /** Rooms created per user (instance admins are exempt). */
    rooms: Window;
    /** DMs and group DMs opened for the first time, per user. */
    dms: Window;
    /** Room WebSocket tickets per user. */
    wsTickets: Window;
  };
  dmMaxMembers: number;
  send: SendLimits;
  /** `sync` frames and `sinceRev` requests per user per room. */
  replays: WindowLimit;
  /** Frames of any kind one client socket (room or inbox) may send: a bucket per socket. */
  socketFrames: BucketLimits;
  /** Typing frames from one socket are passed on at most this often; the rest are dropped. */
  typingIntervalMs: number;
  /** Open sockets per user per room, and inbox sockets per user: the oldest goes past it. */
  roomSocketsPerUser: number;
  /** Room socket upgrades per user per room: reconnecting in a loop is work too. */
  roomConnects: WindowLimit;
  inboxSocketsPerUser: number;
  /** How long a room gathers changes before flushing its outbox to D1. */
  syncDelayMs: number;
  retention: RetentionDefaults;
}

const HOUR_MS = 3_600_000;

function positive(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return Number.isFinite(n) && n > 0 ? n : fallback;
}

/** A count from [vars]: a whole number, at least 1. */
const count = (value: string | undefined, fallback: number) =>
  Math.max(1, Math.floor(positive(value, fallback)));

export function readConfig(env: Env): Config {
  return {
    registrationOpen: (env.REGISTRATION ?? "open").trim().toLowerCase() !== "closed",
    allowedOrigins: new Set(
      (env.ALLOWED_ORIGINS ?? "")
        .split(",")
        .map((o) => o.trim().replace(/\/+$/, ""))
        .filter(Boolean),
    ),
    sessionTtlMs: positive(env.SESSION_TTL_DAYS, 30) * 86_400_000,
    windows: {
      login: {
        name: "login",
        max: count(env.LOGIN_MAX_FAILURES, 10),
        ms: positive(env.LOGIN_WINDOW_SECONDS, 60) * 1000,
      },
      register: {
        name: "register",
        max: count(env.REGISTRATIONS_PER_IP_PER_HOUR, 20),
        ms: HOUR_MS,
      },
      rooms: { name: "rooms", max: count(env.ROOMS_PER_USER_PER_HOUR, 30), ms: HOUR_MS },
      dms: { name: "dms", max: count(env.DMS_PER_USER_PER_HOUR, 30), ms: HOUR_MS },
      wsTickets: {
        name: "ws-ticket",
        max: count(env.WS_TICKETS_PER_USER_PER_MINUTE, 30),
        ms: 60_000,
      },
    },
    dmMaxMembers: Math.floor(positive(env.DM_MAX_MEMBERS, 10)),
    send: {
      ratePerSec: positive(env.SEND_RATE_PER_SEC, 5),
      burst: positive(env.SEND_BURST, 20),
      deliveriesPerSec: positive(env.ROOM_DELIVERIES_PER_SEC, 40_000),
      minMessagesPerSec: positive(env.ROOM_MIN_MESSAGES_PER_SEC, 20),
    },
    replays: {
      max: Math.floor(positive(env.SYNC_MAX_PER_WINDOW, 5)),
      windowMs: positive(env.SYNC_WINDOW_SECONDS, 10) * 1000,
    },
    socketFrames: {
      ratePerSec: positive(env.SOCKET_FRAMES_PER_SEC, 20),
      burst: positive(env.SOCKET_FRAME_BURST, 60),
    },
    typingIntervalMs: positive(env.TYPING_INTERVAL_MS, 2_000),
    roomSocketsPerUser: Math.floor(positive(env.ROOM_SOCKETS_PER_USER, 10)),
    roomConnects: {
      max: Math.floor(positive(env.ROOM_CONNECTS_PER_MINUTE, 30)),
      windowMs: 60_000,
    },
    inboxSocketsPerUser: Math.floor(positive(env.INBOX_SOCKETS_PER_USER, 10)),
    syncDelayMs: positive(env.ROOM_SYNC_DELAY_MS, 500),
    retention: {
      days: positive(env.RETENTION_DAYS, 90),
      ephemeralDays: positive(env.EPHEMERAL_RETENTION_DAYS, 3),
    },
  };
}
