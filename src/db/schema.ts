// D1 schema: identity, rooms, memberships, unread inputs and the audit log.
// Times are integer milliseconds since the epoch; the API turns them into ISO strings.
import {
  index,
  integer,
  primaryKey,
  sqliteTable,
  text,
  uniqueIndex,
} from "drizzle-orm/sqlite-core";

export const users = sqliteTable("users", {
  id: text("id").primaryKey(),
  handle: text("handle").notNull().unique(),
  displayName: text("display_name").notNull(),
  // "pbkdf2-sha256$<iterations>$<salt b64>$<hash b64>": parameters travel with the hash.
  passwordHash: text("password_hash").notNull(),
  role: text("role", { enum: ["admin", "user"] })
    .notNull()
    .default("user"),
  createdAt: integer("created_at").notNull(),
  disabledAt: integer("disabled_at"),
  // Bumped by each new profile picture (R2 `avatars/<id>`), null without one: the picture's URL
  // carries it, so browsers may cache a picture for good.
  avatarVersion: integer("avatar_version"),
  // An account a program speaks for (made by an admin with an API token); clients mark it.
  bot: integer("bot", { mode: "boolean" }).notNull().default(false),
});

export const sessions = sqliteTable(
  "sessions",
  {
    // Only the SHA-256 of the bearer secret is stored.
    tokenHash: text("token_hash").primaryKey(),
    // The session's public name (`ses_…`): what GET /api/me/sessions shows and DELETE takes.
    id: text("id").notNull().unique(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    createdAt: integer("created_at").notNull(),
    expiresAt: integer("expires_at").notNull(),
    // The User-Agent of the sign-in that made it (at most 256 characters), for the session list.
    userAgent: text("user_agent"),
    // Refreshed by requests that authenticate with it, at most once per 10 minutes.
    lastSeenAt: integer("last_seen_at").notNull(),
  },
  // expires_at: the purge (src/worker/maintenance/purge.ts) reads only the expired rows.
  (t) => [index("sessions_user_idx").on(t.userId), index("sessions_expires_idx").on(t.expiresAt)],
);

export const apiTokens = sqliteTable(
  "api_tokens",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    tokenHash: text("token_hash").notNull().unique(),
    // JSON array of "admin" | "bot".
    scopes: text("scopes").notNull(),
    createdAt: integer("created_at").notNull(),
    lastUsedAt: integer("last_used_at"),
    revokedAt: integer("revoked_at"),
  },
  (t) => [index("api_tokens_user_idx").on(t.userId)],
);

/**
 * Workspaces (docs/api.md, "Workspaces"): the organisations of one instance. Every room is in
 * exactly one; people are in one or more. `ws_default` holds what existed before workspaces and
 * is where requests without a `workspaceId` go.
 */
export const workspaces = sqliteTable("workspaces", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  slug: text("slug").notNull().unique(),
  // The Durable Object (and R2) jurisdiction of its rooms, fixed at creation; null: anywhere.
  dataLocation: text("data_location", { enum: ["eu", "fedramp"] }),
  // The retention policy new rooms of the workspace start with (JSON), null: the instance's.
  retentionJson: text("retention_json"),
  // "open": every new person of the instance joins it at sign-up; "invite": only invites and
  // its admins add people.
  joinPolicy: text("join_policy", { enum: ["open", "invite"] })
    .notNull()
    .default("invite"),
  createdBy: text("created_by").references(() => users.id, { onDelete: "set null" }),
  createdAt: integer("created_at").notNull(),
});

export const workspaceMembers = sqliteTable(
  "workspace_members",
  {
    workspaceId: text("workspace_id")
      .notNull()
      .references(() => workspaces.id, { onDelete: "cascade" }),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    role: text("role", { enum: ["owner", "admin", "member"] })
      .notNull()
      .default("member"),
    joinedAt: integer("joined_at").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.workspaceId, t.userId] }),
    index("workspace_members_user_idx").on(t.userId),
  ],
);

export const rooms = sqliteTable(
  "rooms",
  {
    id: text("id").primaryKey(),
    // No REFERENCES clause: SQLite cannot add a column with one and a non-null default to an
    // existing table. Workspaces are never deleted, so nothing is left pointing nowhere.
    workspaceId: text("workspace_id").notNull().default("ws_default"),
    kind: text("kind", { enum: ["channel", "private", "dm"] }).notNull(),
    name: text("name"),
    topic: text("topic").notNull().default(""),
    // Sorted member ids of a DM: the same people always reach the same room.
    dmKey: text("dm_key").unique(),
    externalRef: text("external_ref").unique(),
    createdBy: text("created_by").references(() => users.id, { onDelete: "set null" }),
    createdAt: integer("created_at").notNull(),
    archivedAt: integer("archived_at"),
    retentionJson: text("retention_json"),
    // What the system that created the room keeps with it (admin API): a JSON object, ≤ 4 KiB.
    metadataJson: text("metadata_json"),
    ephemeral: integer("ephemeral", { mode: "boolean" }).notNull().default(false),
    // Kept in step by the room's Durable Object through its outbox.
    lastSeq: integer("last_seq").notNull().default(0),
    firstSeq: integer("first_seq").notNull().default(1),
    lastMessageAt: integer("last_message_at"),
    lastPreview: text("last_preview"),
    // Who wrote the preview's message, so each reader's list can say "You: …" for their own.
    lastSenderId: text("last_sender_id"),
  },
  (t) => [
    index("rooms_kind_name_idx").on(t.kind, t.name),
    index("rooms_created_idx").on(t.createdAt),
    index("rooms_workspace_idx").on(t.workspaceId, t.kind, t.name),
  ],
);

export const memberships = sqliteTable(
  "memberships",
  {
    roomId: text("room_id")
      .notNull()
      .references(() => rooms.id, { onDelete: "cascade" }),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    role: text("role", { enum: ["owner", "moderator", "member"] })
      .notNull()
      .default("member"),
    joinedAt: integer("joined_at").notNull(),
    muted: integer("muted", { mode: "boolean" }).notNull().default(false),
    // Push level chosen for this room (null: the default by kind); `muted` means "none".
    notify: text("notify", { enum: ["all", "mentions", "none"] }),
    lastReadSeq: integer("last_read_seq").notNull().default(0),
    // A DM I hid, at the room's last seq then: left out of my room list until a later message.
    hiddenAtSeq: integer("hidden_at_seq"),
  },
  (t) => [
    primaryKey({ columns: [t.roomId, t.userId] }),
    index("memberships_user_idx").on(t.userId),
  ],
);

export const deletedMessages = sqliteTable(
  "deleted_messages",
  {
    roomId: text("room_id")
      .notNull()
      .references(() => rooms.id, { onDelete: "cascade" }),
    seq: integer("seq").notNull(),
  },
  (t) => [primaryKey({ columns: [t.roomId, t.seq] })],
);

export const mentions = sqliteTable(
  "mentions",
  {
    roomId: text("room_id")
      .notNull()
      .references(() => rooms.id, { onDelete: "cascade" }),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    seq: integer("seq").notNull(),
    // The thread the mention is in (its read mark clears it), null in the main timeline.
    rootSeq: integer("root_seq"),
  },
  (t) => [primaryKey({ columns: [t.roomId, t.userId, t.seq] })],
);

/**
 * Thread replies by seq: the room's unread count leaves them out (they take seqs in the room's
 * one order), and a followed thread is unread while one of them is above my thread read mark.
 */
export const threadReplies = sqliteTable(
  "thread_replies",
  {
    roomId: text("room_id")
      .notNull()
      .references(() => rooms.id, { onDelete: "cascade" }),
    seq: integer("seq").notNull(),
    rootSeq: integer("root_seq").notNull(),
    senderId: text("sender_id").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.roomId, t.seq] }),
    index("thread_replies_root").on(t.roomId, t.rootSeq, t.seq),
  ],
);

/** Each thread's summary as its room last reported it (`rev`: the root's, so the newest wins). */
export const threads = sqliteTable(
  "threads",
  {
    roomId: text("room_id")
      .notNull()
      .references(() => rooms.id, { onDelete: "cascade" }),
    rootSeq: integer("root_seq").notNull(),
    rev: integer("rev").notNull(),
    replyCount: integer("reply_count").notNull(),
    lastReplySeq: integer("last_reply_seq").notNull(),
    lastReplyAt: integer("last_reply_at").notNull(),
    rootSenderId: text("root_sender_id").notNull(),
    rootSenderName: text("root_sender_name").notNull(),
    rootExcerpt: text("root_excerpt").notNull(),
  },
  (t) => [primaryKey({ columns: [t.roomId, t.rootSeq] })],
);

/**
 * Who follows a thread (its author, repliers, the mentioned; or by choice) and how far they have
 * read it. `changedAt` orders a follow the room reports against a later explicit unfollow.
 */
export const threadFollows = sqliteTable(
  "thread_follows",
  {
    roomId: text("room_id")
      .notNull()
      .references(() => rooms.id, { onDelete: "cascade" }),
    rootSeq: integer("root_seq").notNull(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    following: integer("following", { mode: "boolean" }).notNull(),
    lastReadSeq: integer("last_read_seq").notNull().default(0),
    changedAt: integer("changed_at").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.roomId, t.rootSeq, t.userId] }),
    index("thread_follows_user").on(t.userId, t.roomId),
  ],
);

export const auditLog = sqliteTable(
  "audit_log",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    at: integer("at").notNull(),
    actorId: text("actor_id"),
    action: text("action").notNull(),
    roomId: text("room_id"),
    // The workspace the entry belongs to (its room's, when it names one); null: the instance's.
    workspaceId: text("workspace_id"),
    targetId: text("target_id"),
    detailJson: text("detail_json"),
  },
  (t) => [
    index("audit_room_idx").on(t.roomId, t.id),
    index("audit_actor_idx").on(t.actorId, t.id),
    index("audit_workspace_idx").on(t.workspaceId, t.id),
  ],
);

// One row per counted event of every sliding-window limit (src/worker/sliding-window.ts): failed
// sign-ins, sign-ups, rooms and DMs created, WebSocket tickets. Keys are `<limit>:<subject>`,
// e.g. `rooms:user:usr_x`. (key, at) answers "how many in the window"; (at) lets the purge read
// only the rows past every window.
export const rateEvents = sqliteTable(
  "rate_events",
  {
    key: text("key").notNull(),
    at: integer("at").notNull(),
  },
  (t) => [index("rate_events_key_at_idx").on(t.key, t.at), index("rate_events_at_idx").on(t.at)],
);

// One-time WebSocket tickets for clients that cannot send cookies or headers on the upgrade.
export const wsTickets = sqliteTable("ws_tickets", {
  tokenHash: text("token_hash").primaryKey(),
  userId: text("user_id")
    .notNull()
    .references(() => users.id, { onDelete: "cascade" }),
  roomId: text("room_id")
    .notNull()
    .references(() => rooms.id, { onDelete: "cascade" }),
  // The session that asked for it: ending that session ends the ticket's socket too.
  sessionHash: text("session_hash").notNull(),
  expiresAt: integer("expires_at").notNull(),
});

// Rooms where an instance admin holds a socket without being a member: logout and disabling
// must reach those rooms too, and memberships alone do not name them.
export const adminSockets = sqliteTable(
  "admin_sockets",
  {
    sessionHash: text("session_hash").notNull(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    roomId: text("room_id")
      .notNull()
      .references(() => rooms.id, { onDelete: "cascade" }),
  },
  (t) => [
    primaryKey({ columns: [t.sessionHash, t.roomId] }),
    index("admin_sockets_user_idx").on(t.userId),
  ],
);

/**
 * Values the instance makes for itself once and keeps (the VAPID key pair when no secrets are
 * set): the first writer wins, everyone reads the same row after.
 */
export const instanceSecrets = sqliteTable("instance_secrets", {
  name: text("name").primaryKey(),
  value: text("value").notNull(),
  createdAt: integer("created_at").notNull(),
});

/** A browser's Web Push subscription (RFC 8030 endpoint, RFC 8291 keys), one row per endpoint. */
export const pushSubscriptions = sqliteTable(
  "push_subscriptions",
  {
    id: text("id").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    endpoint: text("endpoint").notNull().unique(),
    p256dh: text("p256dh").notNull(),
    auth: text("auth").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [index("push_subscriptions_user").on(t.userId)],
);

/**
 * Push coalescing per user and room (at most one push every 10 s): when the last one went out,
 * and what arrived since, folded into the next (count and the newest message's payload).
 */
export const pushWindows = sqliteTable(
  "push_windows",
  {
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    roomId: text("room_id")
      .notNull()
      .references(() => rooms.id, { onDelete: "cascade" }),
    lastPushAt: integer("last_push_at").notNull(),
    pending: integer("pending").notNull().default(0),
    /** The newest folded message's payload (JSON), sent when the window ends. */
    pendingPayload: text("pending_payload"),
    /** A flush job is already on the queue for the window's end. */
    flushQueued: integer("flush_queued", { mode: "boolean" }).notNull().default(false),
  },
  (t) => [primaryKey({ columns: [t.userId, t.roomId] })],
);

/** Who blocked whom: private to the blocker, never audited (docs/api.md, "Blocking"). */
export const blocks = sqliteTable(
  "blocks",
  {
    blockerId: text("blocker_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    blockedId: text("blocked_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    createdAt: integer("created_at").notNull(),
  },
  // blocked_id first in the index: "who blocked me among these people?" is the DM check.
  (t) => [
    primaryKey({ columns: [t.blockerId, t.blockedId] }),
    index("blocks_blocked_idx").on(t.blockedId),
  ],
);

/**
 * Reports of messages (docs/api.md, "Reports"): one per person per message, kept with a copy of
 * what was reported, since the sender may edit or delete it before anyone looks.
 */
export const reports = sqliteTable(
  "reports",
  {
    id: text("id").primaryKey(),
    roomId: text("room_id")
      .notNull()
      .references(() => rooms.id, { onDelete: "cascade" }),
    seq: integer("seq").notNull(),
    reporterId: text("reporter_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    // The message's sender when reported; null once that account is gone.
    authorId: text("author_id").references(() => users.id, { onDelete: "set null" }),
    reason: text("reason", { enum: ["spam", "abuse", "other"] }).notNull(),
    note: text("note").notNull().default(""),
    // The reported text as it was (at most 2,000 characters) and the names of its files.
    excerpt: text("excerpt").notNull(),
    status: text("status", { enum: ["open", "resolved", "dismissed"] })
      .notNull()
      .default("open"),
    action: text("action", { enum: ["delete_message", "ban_from_room", "disable_user"] }),
    createdAt: integer("created_at").notNull(),
    closedBy: text("closed_by").references(() => users.id, { onDelete: "set null" }),
    closedAt: integer("closed_at"),
  },
  (t) => [
    uniqueIndex("reports_one_per_person").on(t.roomId, t.seq, t.reporterId),
    // The queues: a room's (owners, moderators) and the instance's (admins), by status, newest first.
    index("reports_room_status_idx").on(t.roomId, t.status, t.createdAt),
    index("reports_status_idx").on(t.status, t.createdAt),
  ],
);

/**
 * Who may not be in a room (docs/api.md, "Bans"): a ban removes the member and refuses joining
 * and being added while it stands. `until` null: for good; else the room's alarm lifts it then
 * (and a ban past its `until` refuses nothing even before the alarm ran).
 */
export const roomBans = sqliteTable(
  "room_bans",
  {
    roomId: text("room_id")
      .notNull()
      .references(() => rooms.id, { onDelete: "cascade" }),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    reason: text("reason"),
    until: integer("until"),
    bannedBy: text("banned_by").references(() => users.id, { onDelete: "set null" }),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.roomId, t.userId] })],
);

/**
 * Invite links: an admin's to the instance, an owner's to their rooms. The code is the link's
 * secret (listed again to whoever made it, so kept as is); `uses` only ever grows through one
 * conditional UPDATE, so concurrent sign-ups never pass `max_uses`.
 */
export const invites = sqliteTable(
  "invites",
  {
    code: text("code").primaryKey(),
    createdBy: text("created_by")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    createdAt: integer("created_at").notNull(),
    expiresAt: integer("expires_at"),
    maxUses: integer("max_uses"),
    uses: integer("uses").notNull().default(0),
    // JSON array of room ids the invite joins (at most 20).
    roomIds: text("room_ids").notNull().default("[]"),
    // The workspace the invite joins (its rooms are all in it).
    workspaceId: text("workspace_id").notNull().default("ws_default"),
  },
  (t) => [index("invites_created_by_idx").on(t.createdBy)],
);

/**
 * One-time links that set a password (an admin-made person's first, or a reset): only the
 * SHA-256 of the token is stored; using one deletes it.
 */
export const passwordTokens = sqliteTable(
  "password_tokens",
  {
    tokenHash: text("token_hash").primaryKey(),
    userId: text("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    createdAt: integer("created_at").notNull(),
    expiresAt: integer("expires_at").notNull(),
  },
  (t) => [index("password_tokens_user_idx").on(t.userId)],
);
