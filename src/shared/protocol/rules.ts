// The protocols' constants and rules that need no schema: version, limits, close codes, error
// codes, and what a body, a mention and a preview are. Free of zod, so the web client's first
// screen can use them without loading the frame schemas (web/net/frames.ts).

export const PROTOCOL_VERSION = 1;

/** The most people a `ready` frame lists as online; `onlineCount` counts them all. */
export const READY_ONLINE_MAX = 200;

export const MESSAGE_LIMITS = {
  /** Characters of a message body after trimming. */
  bodyMaxChars: 2000,
  /** Bytes of one WebSocket frame; larger frames close the socket with 1009. */
  frameMaxBytes: 16 * 1024,
  cidMaxChars: 64,
  emojiMaxChars: 32,
  historyPageMax: 100,
  replayMax: 500,
  /** Attachments one message may carry. */
  attachmentsMax: 10,
} as const;

/** Files (docs/api.md, "Attachments"). The size limits themselves are [vars]. */
export const ATTACHMENT_KINDS = ["image", "video", "audio", "file"] as const;
export type AttachmentKind = (typeof ATTACHMENT_KINDS)[number];
/** A preview (made by the client, for images) is small: at most this many bytes and pixels. */
export const PREVIEW_MAX_BYTES = 512 * 1024;
export const PREVIEW_MAX_EDGE = 1024;
/** Characters of a file's name as stored (longer names keep their start and extension). */
export const FILE_NAME_MAX_CHARS = 200;

/**
 * The frames one room socket message carries: a frame object, or — for a socket opened with
 * `?batch=1`, while the room is busy — a JSON array of frames in order.
 */
export const framesOf = (message: unknown): unknown[] =>
  Array.isArray(message) ? message : [message];

export const CLOSE = {
  normal: 1000,
  unsupportedData: 1003,
  policy: 1008,
  tooLarge: 1009,
  serverError: 1011,
  // A socket whose state predates a deploy: the client reconnects and gets a fresh one.
  serviceRestart: 1012,
} as const;

/**
 * Reasons of the 1008 closes that end a signed-in person's sockets, so a client can tell them
 * why they were signed out: their session ended (logout, token revoked), or their account was
 * disabled (then every credential of theirs is refused with 403 `disabled`); and of the closes
 * that end one room for them: removed, or banned (the client closes the room and says so).
 */
export const CLOSE_REASONS = {
  sessionEnded: "Session ended",
  accountDisabled: "Account disabled",
  removed: "Removed from the room",
  banned: "Banned from the room",
} as const;

export const ERROR_CODES = [
  "invalid",
  "too_long",
  "not_found",
  "forbidden",
  "conflict",
  "archived",
  "rate_limited",
  "too_many",
  // A 1:1 DM where one of the two blocked the other: nobody sends there (docs/api.md, "Blocking").
  "blocked",
] as const;
export type FrameErrorCode = (typeof ERROR_CODES)[number];

/** What an `archived` refusal says, over HTTP and sockets alike. */
export const ROOM_ARCHIVED = "This room is archived (read-only)";

/** What happened to someone's membership, as a room's open sockets hear it. */
export const ROOM_MEMBER_CHANGES = ["joined", "left", "role"] as const;

/** What happened to one of my memberships, as my inbox socket hears it. */
export const MEMBERSHIP_CHANGES = ["added", "removed", "role"] as const;
export type MembershipChange = (typeof MEMBERSHIP_CHANGES)[number];

/**
 * What is wrong with a message body as Body cleaned it, if anything: one rule for WS and HTTP.
 * A message with attachments may have an empty body.
 */
export function bodyProblem(
  body: string,
  attachments = 0,
): { code: "invalid" | "too_long"; message: string } | null {
  if (body.length === 0 && attachments === 0)
    return { code: "invalid", message: "Message is empty" };
  if ([...body].length > MESSAGE_LIMITS.bodyMaxChars) {
    return {
      code: "too_long",
      message: `Messages are at most ${MESSAGE_LIMITS.bodyMaxChars} characters`,
    };
  }
  return null;
}

/** `@handle` mentions in a body, lower-cased and unique, in order of appearance. */
export function mentionedHandles(body: string): string[] {
  const found = new Set<string>();
  for (const match of body.matchAll(/(?<![\w@])@([a-zA-Z0-9_]{3,32})\b/g)) {
    if (match[1]) found.add(match[1].toLowerCase());
  }
  return [...found];
}

/** Characters of text a room-list preview keeps (then `…`). */
const PREVIEW_CHARS = 140;

/** Characters of text a push notification carries (DESIGN: ≤ 120, the `…` included). */
export const PUSH_EXCERPT_CHARS = 120;

/**
 * A message's text on one line, cut to `maxChars` characters (the `…` included); a message of
 * files alone is told by its first file's name.
 */
export function messageExcerpt(
  body: string,
  files: readonly { name: string }[],
  maxChars: number,
): string {
  const first = files[0];
  const label = first ? `📎 ${first.name}${files.length > 1 ? ` +${files.length - 1}` : ""}` : "";
  const text = (body || label).replace(/\s+/g, " ").trim();
  const chars = [...text];
  return chars.length > maxChars ? `${chars.slice(0, maxChars - 1).join("")}…` : text;
}

/** The room list's "Name: text" line for a message. */
export function messagePreview(
  senderName: string,
  body: string,
  files: readonly { name: string }[] = [],
): string {
  return `${senderName}: ${messageExcerpt(body, files, PREVIEW_CHARS + 1)}`;
}
