// The inbox WebSocket protocol (docs/api.md, Inbox WebSocket): one socket per signed-in person
// that hears about every room of theirs.
import { z } from "zod";
import { ERROR_CODES, MEMBERSHIP_CHANGES, PROTOCOL_VERSION } from "./rules.ts";

/** A room of mine had activity: the same counts `GET /api/rooms` gives for it. */
export const InboxRoomFrame = z
  .object({
    type: z.literal("room"),
    roomId: z.string(),
    lastSeq: z.number().int(),
    unread: z.number().int(),
    mentions: z.number().int(),
    /** Followed threads with unread replies. */
    threads: z.number().int(),
    lastPreview: z.string().nullable(),
    /** Who wrote the preview's message: a client says "You: …" for its own. */
    lastSenderId: z.string().nullable(),
    lastMessageAt: z.string().nullable(),
    /** My read mark: where the unread count starts (the "New messages" line). */
    lastReadSeq: z.number().int(),
  })
  .meta({ id: "InboxRoomFrame" });

export const InboxFrame = z.discriminatedUnion("type", [
  z.object({ type: z.literal("ready"), v: z.literal(PROTOCOL_VERSION) }),
  InboxRoomFrame,
  z.object({
    type: z.literal("membership"),
    roomId: z.string(),
    change: z.enum(MEMBERSHIP_CHANGES),
    /** My role in the room after `added` or `role`. */
    role: z.enum(["owner", "moderator", "member"]).optional(),
    /** `removed` by a ban: the client says so (its room socket's close may come later). */
    banned: z.literal(true).optional(),
  }),
  /**
   * I was added to or removed from a workspace, or my role there changed: a client reloads its
   * workspaces (GET /api/workspaces). Removal from a workspace also removes me from its rooms,
   * each told by its own `membership` frame.
   */
  z.object({
    type: z.literal("workspace"),
    workspaceId: z.string(),
    change: z.enum(MEMBERSHIP_CHANGES),
    /** My role in the workspace after `added` or `role`. */
    role: z.enum(["owner", "admin", "member"]).optional(),
  }),
  z.object({
    type: z.literal("error"),
    code: z.enum(ERROR_CODES),
    message: z.string(),
    retryAfterMs: z.number().int().optional(),
  }),
]);
export type InboxFrame = z.infer<typeof InboxFrame>;
export type InboxRoomFrame = z.infer<typeof InboxRoomFrame>;
