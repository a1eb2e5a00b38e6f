// The Worker's bindings and the instance configuration read from [vars].

/** Send limits: a token bucket per sender, and a room-wide admission cap sized by fan-out. */
export interface SendLimits {
  ratePerSec: number;
  burst: number;
  /** Deliveries (messages × connected sockets) a room may fan out per second. */
  deliveriesPerSec: number;
  /** A room may always admit this many messages a second, however many sockets it has. */
  minMessagesPerSec: number;
}

/** A token bucket's shape: a sustained rate and a burst. */
export type BucketLimits = Pick<SendLimits, "ratePerSec" | "burst">;

/** Per-user windows of the other kinds of work a room does on request (e.g. `sync` replays). */
export interface WindowLimit {
  max: number;
  windowMs: number;
}

/** A sliding window counted in D1's `rate_events` (the Worker's limits). */
export interface Window {
  /** Prefix of the window's keys (`<name>:<subject>`): limits never share a count. */
  readonly name: string;
  readonly max: number;
  readonly ms: number;
}

/** How long rooms keep messages when their policy does not say. */
export interface RetentionDefaults {
  /** `maxAgeDays` of a room whose policy leaves it unset. */
  days: number;
  /** The same for ephemeral rooms. */
  ephemeralDays: number;
}

/**
 * The Worker's bindings and [vars], as `npm run cf-typegen` generates them from wrangler.toml
 * (src/worker-configuration.d.ts), plus the static assets the runtime adds.
 */
export type Env = CloudflareBindings & {
  ASSETS?: Fetcher;
  /** Secrets (`wrangler secret put`), both or neither: the VAPID key pair, base64url (raw). */
  VAPID_PUBLIC_KEY?: string;
  VAPID_PRIVATE_KEY?: string;
  /** Secret (`wrangler secret put`): what the instance's first account presents to become admin. */
  ADMIN_BOOTSTRAP_TOKEN?: string;
};

/**
 * Who may sign up: `open` anyone; `invite` only with an invite code; `closed` nobody by
 * themselves (invite links and admin-made accounts still work). The first account always may.
 */
export const REGISTRATION_MODES = ["open", "invite", "closed"] as const;
export type RegistrationMode = (typeof REGISTRATION_MODES)[number];

/** Who may create workspaces: instance admins only, or anyone signed in. */
export const WORKSPACE_CREATION_MODES = ["admins", "open"] as const;
export type WorkspaceCreation = (typeof WORKSPACE_CREATION_MODES)[number];

export interface Config {
  registration: RegistrationMode;
  workspaceCreation: WorkspaceCreation;
  /** ADMIN_BOOTSTRAP_TOKEN, or null when the secret is not set (empty counts as not set). */
  bootstrapToken: string | null;
  allowedOrigins: ReadonlySet<string>;
  sessionTtlMs: number;
  /** Sliding-window limits (src/worker/sliding-window.ts), all counted in D1's `rate_events`. */
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
    /** Uploads (attachments and profile pictures) per user. */
    uploads: Window;
  };
  /** The largest attachment and profile picture, in bytes. */
  files: { attachmentMaxBytes: number; avatarMaxBytes: number };
  /** VAPID `sub`: how push services may reach the operator. */
  vapidSubject: string;
  dmMaxMembers: number;
  send: SendLimits;
  /** `sync` frames and `sinceRev` requests per user per room. */
  replays: WindowLimit;
  /** Frames of any kind one client socket (room or inbox) may send: a bucket per socket. */
  socketFrames: BucketLimits;
  /** Typing frames from one socket are passed on at most this often; the rest are dropped. */
  typingIntervalMs: number;
  /** Presence changes reach the room's sockets at most this often, gathered into one frame. */
  presenceIntervalMs: number;
  /** Open sockets per user per room, and inbox sockets per user: the oldest goes past it. */
  roomSocketsPerUser: number;
  /** Rooms beyond one Durable Object: sockets go to relays past `threshold` of the room's own. */
  relays: { threshold: number; count: number };
  /** Room socket upgrades per user per room: reconnecting in a loop is work too. */
  roomConnects: WindowLimit;
  inboxSocketsPerUser: number;
  /** How long a room gathers changes before flushing its outbox to D1. */
  syncDelayMs: number;
  retention: RetentionDefaults;
}

const HOUR_MS = 3_600_000;

/**
 * A number from [vars], greater than 0. wrangler.toml is the one place that holds the defaults:
 * a missing or malformed value is a configuration error, said at once and by name, rather than
 * a second default hidden here.
 */
function positive(env: Env, name: keyof CloudflareBindings): number {
  const value = env[name];
  const n = Number(value);
  if (typeof value !== "string" || value.trim() === "" || !Number.isFinite(n) || n <= 0) {
    throw new Error(
      `[vars] ${name} must be a number greater than 0 (got ${JSON.stringify(value)})`,
    );
  }
  return n;
}

/** A count from [vars]: a whole number, at least 1. */
const count = (env: Env, name: keyof CloudflareBindings) =>
  Math.max(1, Math.floor(positive(env, name)));

// One Config per bindings object: [vars] do not change while an isolate lives, and parsing
// them showed in every request's CPU.
const configs = new WeakMap<Env, Config>();

export function readConfig(env: Env): Config {
  let config = configs.get(env);
  if (!config) {
    config = parseConfig(env);
    configs.set(env, config);
  }
  return config;
}

/** A [vars] value that must be one of `modes`: anything else is a configuration error. */
function oneOf<T extends string>(name: string, modes: readonly T[], value: string): T {
  const mode = value.trim().toLowerCase();
  const known = modes.find((m) => m === mode);
  if (!known) {
    throw new Error(
      `[vars] ${name} must be one of ${modes.join(", ")} (got ${JSON.stringify(value)})`,
    );
  }
  return known;
}

function parseConfig(env: Env): Config {
  return {
    registration: oneOf("REGISTRATION", REGISTRATION_MODES, env.REGISTRATION),
    workspaceCreation: oneOf(
      "WORKSPACE_CREATION",
      WORKSPACE_CREATION_MODES,
      env.WORKSPACE_CREATION ?? "admins",
    ),
    bootstrapToken: env.ADMIN_BOOTSTRAP_TOKEN?.trim() || null,
    allowedOrigins: new Set(
      env.ALLOWED_ORIGINS.split(",")
        .map((o) => o.trim().replace(/\/+$/, ""))
        .filter(Boolean),
    ),
    sessionTtlMs: positive(env, "SESSION_TTL_DAYS") * 86_400_000,
    windows: {
      login: {
        name: "login",
        max: count(env, "LOGIN_MAX_FAILURES"),
        ms: positive(env, "LOGIN_WINDOW_SECONDS") * 1000,
      },
      register: {
        name: "register",
        max: count(env, "REGISTRATIONS_PER_IP_PER_HOUR"),
        ms: HOUR_MS,
      },
      rooms: { name: "rooms", max: count(env, "ROOMS_PER_USER_PER_HOUR"), ms: HOUR_MS },
      dms: { name: "dms", max: count(env, "DMS_PER_USER_PER_HOUR"), ms: HOUR_MS },
      wsTickets: {
        name: "ws-ticket",
        max: count(env, "WS_TICKETS_PER_USER_PER_MINUTE"),
        ms: 60_000,
      },
      uploads: { name: "uploads", max: count(env, "UPLOADS_PER_USER_PER_MINUTE"), ms: 60_000 },
    },
    files: {
      attachmentMaxBytes: count(env, "ATTACHMENT_MAX_BYTES"),
      avatarMaxBytes: count(env, "AVATAR_MAX_BYTES"),
    },
    vapidSubject: env.VAPID_SUBJECT.trim(),
    dmMaxMembers: count(env, "DM_MAX_MEMBERS"),
    send: {
      ratePerSec: positive(env, "SEND_RATE_PER_SEC"),
      burst: positive(env, "SEND_BURST"),
      deliveriesPerSec: positive(env, "ROOM_DELIVERIES_PER_SEC"),
      minMessagesPerSec: positive(env, "ROOM_MIN_MESSAGES_PER_SEC"),
    },
    replays: {
      max: count(env, "SYNC_MAX_PER_WINDOW"),
      windowMs: positive(env, "SYNC_WINDOW_SECONDS") * 1000,
    },
    socketFrames: {
      ratePerSec: positive(env, "SOCKET_FRAMES_PER_SEC"),
      burst: positive(env, "SOCKET_FRAME_BURST"),
    },
    typingIntervalMs: positive(env, "TYPING_INTERVAL_MS"),
    presenceIntervalMs: positive(env, "PRESENCE_INTERVAL_MS"),
    roomSocketsPerUser: count(env, "ROOM_SOCKETS_PER_USER"),
    relays: {
      threshold: count(env, "ROOM_RELAY_THRESHOLD"),
      count: count(env, "ROOM_RELAYS"),
    },
    roomConnects: {
      max: count(env, "ROOM_CONNECTS_PER_MINUTE"),
      windowMs: 60_000,
    },
    inboxSocketsPerUser: count(env, "INBOX_SOCKETS_PER_USER"),
    syncDelayMs: positive(env, "ROOM_SYNC_DELAY_MS"),
    retention: {
      days: positive(env, "RETENTION_DAYS"),
      ephemeralDays: positive(env, "EPHEMERAL_RETENTION_DAYS"),
    },
  };
}
