// A room's own SQLite (Durable Object storage): messages, reactions, read marks, metadata.
// The FTS5 index over bodies is created by a custom migration (drizzle has no virtual tables).
import { sql } from "drizzle-orm";
import {
  index,
  integer,
  primaryKey,
  sqliteTable,
  text,
  uniqueIndex,
} from "drizzle-orm/sqlite-core";

export const messages = sqliteTable(
  "messages",
  {
    // A message's immutable position in the room, never reused (AUTOINCREMENT), also after retention.
    seq: integer("seq").primaryKey({ autoIncrement: true }),
    // The room's change counter at this message's latest change (insert, edit, delete, reaction).
    rev: integer("rev").notNull(),
    senderId: text("sender_id").notNull(),
    senderHandle: text("sender_handle").notNull(),
    senderName: text("sender_name").notNull(),
    cid: text("cid").notNull(),
    body: text("body").notNull(),
    replyTo: integer("reply_to"),
    mentionsJson: text("mentions_json").notNull().default("[]"),
    attachmentsJson: text("attachments_json").notNull().default("[]"),
    // Bytes of the message's files: retention's `maxBytes` counts them with the body.
    filesBytes: integer("files_bytes").notNull().default(0),
    createdAt: integer("created_at").notNull(),
    editedAt: integer("edited_at"),
    deletedAt: integer("deleted_at"),
    // A thread reply's root (a top-level message of the room); null for the main timeline.
    threadOf: integer("thread_of"),
    // A root's thread summary, kept with each reply (and each deleted reply).
    replyCount: integer("reply_count").notNull().default(0),
    lastReplyAt: integer("last_reply_at"),
    lastRepliersJson: text("last_repliers_json").notNull().default("[]"),
    // Pinned: by whom and when (null: not pinned).
    pinnedBy: text("pinned_by"),
    pinnedAt: integer("pinned_at"),
  },
  (t) => [
    uniqueIndex("messages_sender_cid").on(t.senderId, t.cid),
    index("messages_rev").on(t.rev),
    index("messages_created_at").on(t.createdAt),
    // The main timeline's pages (top-level messages only) and each thread's pages.
    index("messages_main").on(t.seq).where(sql`thread_of IS NULL`),
    index("messages_thread").on(t.threadOf, t.seq).where(sql`thread_of IS NOT NULL`),
    index("messages_pinned").on(t.pinnedAt).where(sql`pinned_at IS NOT NULL`),
  ],
);

export const reactions = sqliteTable(
  "reactions",
  {
    seq: integer("seq").notNull(),
    userId: text("user_id").notNull(),
    emoji: text("emoji").notNull(),
    at: integer("at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.seq, t.emoji, t.userId] })],
);

export const readMarks = sqliteTable("read_marks", {
  userId: text("user_id").primaryKey(),
  seq: integer("seq").notNull(),
  at: integer("at").notNull(),
});

/**
 * Delivery marks: the highest seq that reached one of the member's devices (a room or inbox
 * socket, or a push service that accepted a push). While a member has a room socket open the
 * mark is implied (everything is delivered) and written when their last socket closes.
 */
export const deliveredMarks = sqliteTable("delivered_marks", {
  userId: text("user_id").primaryKey(),
  seq: integer("seq").notNull(),
});

/** Small key → JSON values: the room summary, counters, policy, scheduler state. */
export const meta = sqliteTable("meta", {
  key: text("key").primaryKey(),
  value: text("value").notNull(),
});

/**
 * What D1 must still learn from this room, written in the same transaction as the change and
 * coalesced by key: one `room` row (latest summary wins), one `read` row per reader (highest
 * mark wins), one row per deleted seq and per message with mentions. Flushing removes a row only
 * if it still holds the value that was flushed.
 */
export const outbox = sqliteTable(
  "outbox",
  {
    topic: text("topic", {
      enum: ["room", "read", "deleted", "mention", "reply", "thread", "follow"],
    }).notNull(),
    key: text("key").notNull(),
    value: text("value").notNull(),
  },
  (t) => [primaryKey({ columns: [t.topic, t.key] })],
);

/** Users whose inbox socket is open: the only members a room tells about its activity. */
export const inboxSubscribers = sqliteTable("inbox_subscribers", {
  userId: text("user_id").primaryKey(),
  since: integer("since").notNull(),
});

/**
 * The room's members as D1 last told it (loaded once, then fed by every membership change the
 * Worker makes): mentions resolve against it without waiting on D1, and every frame's authority
 * is checked against it.
 */
export const members = sqliteTable("members", {
  userId: text("user_id").primaryKey(),
  handle: text("handle").notNull(),
  role: text("role", { enum: ["owner", "moderator", "member"] }).notNull(),
});

/**
 * Per-user rate state (send buckets, sync windows) that must outlive an eviction: a client that
 * only uses HTTP has no socket attachment to keep it.
 */
export const rateState = sqliteTable("rate_state", {
  key: text("key").primaryKey(),
  value: text("value").notNull(),
});

/**
 * Files uploaded into the room (their bytes are in R2 under `rooms/<roomId>/<id>`). A row is
 * written before the upload starts (`uploading`), so an upload the Worker never finishes is
 * still found and removed; `seq` is set when a message takes it, and the row goes when the
 * message or the room does (the object's key then waits in `file_trash`).
 */
export const files = sqliteTable(
  "files",
  {
    id: text("id").primaryKey(),
    uploaderId: text("uploader_id").notNull(),
    name: text("name").notNull(),
    contentType: text("content_type").notNull(),
    kind: text("kind", { enum: ["image", "video", "audio", "file"] }).notNull(),
    state: text("state", { enum: ["uploading", "ready"] }).notNull(),
    size: integer("size").notNull().default(0),
    width: integer("width"),
    height: integer("height"),
    previewWidth: integer("preview_width"),
    previewHeight: integer("preview_height"),
    seq: integer("seq"),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [index("files_seq").on(t.seq, t.createdAt)],
);

/** R2 keys whose rows are gone: the alarm deletes the objects in bounded batches. */
export const fileTrash = sqliteTable("file_trash", {
  key: text("key").primaryKey(),
  at: integer("at").notNull(),
});
