// The room WebSocket protocol (docs/api.md, Room WebSocket): frames as data, validated with zod,
// shared by the room Durable Object, the Worker, the web client, tests and benchmarks.
import { z } from "zod";
import { cleanBody, isEmoji } from "../text.ts";
import {
  ATTACHMENT_KINDS,
  bodyProblem,
  ERROR_CODES,
  type FrameErrorCode,
  MESSAGE_LIMITS,
  PROTOCOL_VERSION,
  ROOM_MEMBER_CHANGES,
} from "./rules.ts";

/**
 * A named shape (`.meta({ id })`) or null. Written as a union, not `.nullable()`, because the
 * OpenAPI generator (@asteasolutions/zod-to-openapi 9) turns `Named.nullable()` into
 * `allOf: [$ref, {type: [..., "null"]}]`, which rejects null; a union becomes `anyOf: [$ref, null]`.
 * Parsing and the inferred type are the same.
 */
export const orNull = <T extends z.ZodType>(schema: T) => z.union([schema, z.null()]);

const Seq = z.number().int().positive();
const Rev = z.number().int().nonnegative();
export const Cid = z.string().min(1).max(MESSAGE_LIMITS.cidMaxChars);
/** A reaction: exactly one emoji (text.ts says which). */
export const Emoji = z
  .string()
  .max(MESSAGE_LIMITS.emojiMaxChars)
  .refine(isEmoji, "Must be exactly one emoji");
/**
 * Bodies lose the control characters text.ts drops and are trimmed; length is checked
 * separately (bodyProblem) so the answer can be `too_long`. HTTP and WS both use this.
 */
export const Body = z.string().transform(cleanBody);

// ---- client → server ----------------------------------------------------------------------

/** Ids of my uploads (POST /api/rooms/:id/attachments) to send with a message, in order. */
export const AttachmentIds = z
  .array(z.string().min(1).max(64))
  .max(MESSAGE_LIMITS.attachmentsMax)
  .refine((ids) => new Set(ids).size === ids.length, "Each attachment at most once");

export const SendFrame = z
  .object({
    type: z.literal("send"),
    cid: Cid,
    body: Body,
    replyTo: Seq.optional(),
    /** Sends a thread reply to this top-level message. */
    threadOf: Seq.optional(),
    attachments: AttachmentIds.optional(),
  })
  .meta({ id: "SendFrame" });
export const EditFrame = z
  .object({ type: z.literal("edit"), seq: Seq, body: Body })
  .meta({ id: "EditFrame" });
export const DeleteFrame = z
  .object({ type: z.literal("delete"), seq: Seq })
  .meta({ id: "DeleteFrame" });
export const ReactFrame = z
  .object({
    type: z.literal("react"),
    seq: Seq,
    emoji: Emoji,
    on: z.boolean(),
  })
  .meta({ id: "ReactFrame" });
export const TypingFrame = z
  .object({ type: z.literal("typing"), on: z.boolean() })
  .meta({ id: "TypingFrame" });
export const ReadFrame = z
  .object({ type: z.literal("read"), seq: z.number().int().nonnegative() })
  .meta({ id: "ReadFrame" });
export const SyncFrame = z
  .object({ type: z.literal("sync"), sinceRev: Rev })
  .meta({ id: "SyncFrame" });

export const ClientFrame = z.discriminatedUnion("type", [
  SendFrame,
  EditFrame,
  DeleteFrame,
  ReactFrame,
  TypingFrame,
  ReadFrame,
  SyncFrame,
]);
export type ClientFrame = z.infer<typeof ClientFrame>;
export type SendFrame = z.infer<typeof SendFrame>;

// ---- messages -------------------------------------------------------------------------------

export const Sender = z
  .object({ id: z.string(), handle: z.string(), name: z.string() })
  .meta({ id: "Sender" });
export const Reaction = z
  .object({
    emoji: z.string(),
    count: z.number().int(),
    userIds: z.array(z.string()),
  })
  .meta({ id: "Reaction" });
export const ReplyRef = z
  .object({ seq: z.number().int(), sender: Sender, excerpt: z.string() })
  .meta({ id: "ReplyRef" });

/** A file on a message; `url` (and the preview's) is where members fetch it. */
export const Attachment = z
  .object({
    id: z.string(),
    name: z.string(),
    size: z.number().int(),
    contentType: z.string(),
    kind: z.enum(ATTACHMENT_KINDS),
    width: z.number().int().nullable(),
    height: z.number().int().nullable(),
    url: z.string(),
    /** A small copy of an image for timelines (made by the uploader's client), if any. */
    preview: orNull(
      z
        .object({ url: z.string(), width: z.number().int(), height: z.number().int() })
        .meta({ id: "AttachmentPreview" }),
    ),
  })
  .meta({ id: "Attachment" });
export type Attachment = z.infer<typeof Attachment>;

export const ThreadSummary = z
  .object({
    replies: z.number().int(),
    lastReplyAt: z.string(),
    /** The last people to reply, newest first, at most 3. */
    lastRepliers: z.array(z.string()),
  })
  .meta({ id: "ThreadSummary" });
export const Pin = z.object({ by: z.string(), at: z.string() }).meta({ id: "Pin" });

export const Message = z
  .object({
    seq: z.number().int(),
    rev: z.number().int(),
    roomId: z.string(),
    sender: Sender,
    body: z.string(),
    createdAt: z.string(),
    editedAt: z.string().nullable(),
    deleted: z.boolean(),
    replyTo: orNull(ReplyRef),
    reactions: z.array(Reaction),
    mentions: z.array(z.string()),
    attachments: z.array(Attachment),
    /** The root of the thread this reply is in; null for the main timeline. */
    threadOf: z.number().int().nullable(),
    /** A root's thread, once it has replies (not counting deleted ones). */
    thread: orNull(ThreadSummary),
    /** Pinned to the room's pinned list, by whom and when. */
    pinned: orNull(Pin),
  })
  .meta({ id: "Message" });
export type Message = z.infer<typeof Message>;
export type Sender = z.infer<typeof Sender>;

// ---- server → client ----------------------------------------------------------------------

export const RoomSummary = z
  .object({
    id: z.string(),
    kind: z.enum(["channel", "private", "dm"]),
    name: z.string().nullable(),
    topic: z.string(),
    archived: z.boolean(),
  })
  .meta({ id: "RoomSummary" });
export const Me = z
  .object({
    id: z.string(),
    handle: z.string(),
    name: z.string(),
    role: z.string(),
  })
  .meta({ id: "Me" });

/** The retention policy in force: what every member is told ("kept for 90 days, at most …"). */
export const RetentionInForce = z
  .object({
    maxAgeDays: z.number(),
    maxMessages: z.number().int().nullable(),
    maxBytes: z.number().int().nullable(),
  })
  .meta({ id: "RetentionInForce" });

export const ServerFrame = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("ready"),
    v: z.literal(PROTOCOL_VERSION),
    room: RoomSummary,
    me: Me,
    rev: Rev,
    lastSeq: z.number().int(),
    /** Who is online: everyone in a small room, the first READY_ONLINE_MAX in a big one. */
    online: z.array(z.string()),
    /** How many people are online, listed or not (addition). */
    onlineCount: z.number().int().nonnegative(),
    readMarks: z.record(z.string(), z.number().int()),
    /** Members' delivery marks: the highest seq that reached one of their devices. */
    deliveredMarks: z.record(z.string(), z.number().int()),
  }),
  z.object({ type: z.literal("message"), message: Message }),
  z.object({ type: z.literal("changed"), message: Message }),
  z.object({ type: z.literal("ack"), cid: z.string(), seq: z.number().int(), rev: Rev }),
  z.object({ type: z.literal("synced"), rev: Rev, complete: z.boolean() }),
  z.object({ type: z.literal("trimmed"), firstSeq: z.number().int() }),
  z.object({ type: z.literal("typing"), userId: z.string(), on: z.boolean() }),
  z.object({
    type: z.literal("presence"),
    userId: z.string(),
    online: z.boolean(),
    /** How many people are online after the change (addition). */
    onlineCount: z.number().int().nonnegative(),
  }),
  // Several presence changes at once (a room filling up, a reconnect wave): who came online and
  // who went offline since the last presence news. A lone change is a `presence` frame.
  z.object({
    type: z.literal("presences"),
    online: z.array(z.string()),
    offline: z.array(z.string()),
    onlineCount: z.number().int().nonnegative(),
  }),
  z.object({ type: z.literal("read"), userId: z.string(), seq: z.number().int() }),
  // A member's delivery mark moved: a message reached one of their devices (at most one a
  // second per member).
  z.object({ type: z.literal("delivered"), userId: z.string(), seq: z.number().int() }),
  // Someone joined or left the room, or their role changed: member lists, counts and mention
  // suggestions follow without a reload.
  z.object({
    type: z.literal("member"),
    userId: z.string(),
    change: z.enum(ROOM_MEMBER_CHANGES),
    role: z.enum(["owner", "moderator", "member"]).optional(),
  }),
  // The room's name, topic, archived state or retention policy changed: headers and the "kept
  // for" notice follow without a reload.
  z.object({ type: z.literal("room"), room: RoomSummary, retention: RetentionInForce }),
  z.object({
    type: z.literal("error"),
    code: z.enum(ERROR_CODES),
    message: z.string(),
    ref: z.string().optional(),
    retryAfterMs: z.number().int().optional(),
  }),
]);
export type ServerFrame = z.infer<typeof ServerFrame>;
export type ErrorFrame = Extract<ServerFrame, { type: "error" }>;

// ---- parsing ------------------------------------------------------------------------------

export type ParsedClientFrame = { ok: true; frame: ClientFrame } | { ok: false; error: ErrorFrame };

function frameError(code: FrameErrorCode, message: string, ref?: string): ErrorFrame {
  return { type: "error", code, message, ...(ref === undefined ? {} : { ref }) };
}

/** Parses one text frame; never throws on client input. */
export function parseClientFrame(text: string): ParsedClientFrame {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ok: false, error: frameError("invalid", "Frames are JSON objects") };
  }
  // The client's cid exactly as sent (it is bounded by the frame size), so it can match the
  // error to what it sent even when the cid itself is what was wrong.
  const ref =
    typeof raw === "object" && raw !== null && typeof (raw as { cid?: unknown }).cid === "string"
      ? (raw as { cid: string }).cid
      : undefined;
  const parsed = ClientFrame.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? `${issue.path.join(".")}: ` : "";
    return {
      ok: false,
      error: frameError("invalid", `${where}${issue?.message ?? "Invalid frame"}`, ref),
    };
  }
  const frame = parsed.data;
  if (frame.type === "send" || frame.type === "edit") {
    const problem = bodyProblem(
      frame.body,
      frame.type === "send" ? (frame.attachments?.length ?? 0) : 0,
    );
    if (problem) return { ok: false, error: frameError(problem.code, problem.message, ref) };
  }
  return { ok: true, frame };
}
