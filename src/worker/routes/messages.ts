// Messages over HTTP: history, changes, send, edit, delete, reactions, read, search, and who is
// online. Each use case is one call into the room's Durable Object (room-calls.ts).
import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { Id, LIMITS, RoomSearchPage, SearchText } from "../../../src/shared/api";
import type { Message as MessageShape } from "../../../src/shared/protocol";
import {
  AttachmentIds,
  Body,
  bodyProblem,
  Cid,
  Emoji,
  MESSAGE_LIMITS,
  Message,
} from "../../../src/shared/protocol";
import { inBatches } from "../../realtime/batches";
import { roomStub } from "../../realtime/stubs";
import type { Page as HistoryPage } from "../../room/handlers";
import { currentPrincipal, requireUser } from "../auth/principal";
import type { AppEnv } from "../context";
import type { RoomAccess } from "../directory/access";
import { roomsToMarkRead } from "../directory/rooms";
import { ApiError, forbidden } from "../errors";
import { access, roomInfo, unwrap } from "../room-calls";
import { errors, jsonBody, ok, rateLimited, router, security, tooLarge } from "./openapi";

const Params = z.object({ id: Id });
const SeqParams = z.object({ id: Id, seq: z.coerce.number().int().positive() });
const ReactionParams = SeqParams.extend({ emoji: Emoji });
const Page = z.object({ messages: z.array(Message), hasMore: z.boolean() });
const PageQuery = z
  .object({
    before: z.coerce.number().int().positive().optional(),
    after: z.coerce.number().int().nonnegative().optional(),
    sinceRev: z.coerce.number().int().nonnegative().optional(),
    around: z.coerce.number().int().positive().optional(),
    /** A thread's replies (with `before` or `after`) instead of the main timeline. */
    threadOf: z.coerce.number().int().positive().optional(),
    limit: z.coerce.number().int().min(1).max(MESSAGE_LIMITS.replayMax).optional(),
  })
  .refine(
    (q) => [q.before, q.after, q.sinceRev, q.around].filter((v) => v !== undefined).length <= 1,
    { message: "Use one of before, after, sinceRev, around" },
  )
  .refine((q) => q.threadOf === undefined || (q.sinceRev ?? q.around) === undefined, {
    message: "threadOf pages with before or after; sinceRev replays threads too",
  });
const SendBody = z.object({
  cid: Cid,
  body: Body,
  replyTo: z.number().int().positive().optional(),
  threadOf: z.number().int().positive().optional(),
  attachments: AttachmentIds.optional(),
});
const EditBody = z.object({ body: Body });
const MessageBody = z.object({ message: Message });

function checkBody(body: string, attachments = 0): void {
  const problem = bodyProblem(body, attachments);
  if (problem) throw new ApiError(problem.code, problem.message);
}

/** Sending and changing messages is for members; instance admins may moderate (delete) anywhere. */
function assertMember(access: RoomAccess): void {
  if (!access.membership) throw forbidden("Only members can do that here");
}

/** Adds (`on`) or removes my reaction; both routes share it. */
async function setReaction(
  c: Context<AppEnv>,
  target: { seq: number; emoji: string },
  on: boolean,
) {
  const ctx = await access(c, "member");
  assertMember(ctx.room);
  return unwrap<MessageShape>(await ctx.stub.react(ctx.info, ctx.actor, { ...target, on }));
}

/** Rooms one "mark all read" moves at most (each is a call to its room); `more` says if others wait. */
const READ_ALL_MAX = 200;

export const messageRoutes = router([
  ["/rooms/*", requireUser()],
  ["/me/read-all", requireUser()],
])
  .openapi(
    createRoute({
      method: "get",
      path: "/rooms/{id}/messages",
      operationId: "listMessages",
      tags: ["messages"],
      summary:
        "The main timeline's history (`before`, ascending, ≤100), polling (`after`), a page centred on a message (`around`), a thread's replies (`threadOf`) or the changes feed of everything (`sinceRev`, ≤500)",
      security,
      request: { params: Params, query: PageQuery },
      responses: {
        200: ok(
          Page.extend({
            rev: z.number().int().optional(),
            complete: z.boolean().optional(),
            firstSeq: z.number().int().optional(),
            hasMoreBefore: z.boolean().optional(),
            hasMoreAfter: z.boolean().optional(),
            /** With `threadOf`: the thread's root. */
            root: Message.optional(),
          }),
        ),
        ...errors,
        429: rateLimited,
      },
    }),
    async (c) => {
      const q = c.req.valid("query");
      const { stub, info, actor } = await access(c, "view");
      if (q.sinceRev !== undefined) {
        type Changes = HistoryPage & { rev: number; complete: boolean; firstSeq: number };
        const changes = unwrap<Changes>(
          await stub.changes(info, actor, q.sinceRev, q.limit ?? MESSAGE_LIMITS.replayMax),
        );
        return c.json(changes, 200);
      }
      const limit = Math.min(q.limit ?? 50, MESSAGE_LIMITS.historyPageMax);
      if (q.around !== undefined) return c.json(await stub.around(info, q.around, limit), 200);
      if (q.threadOf !== undefined) {
        const thread = unwrap<HistoryPage & { root: MessageShape }>(
          await stub.thread(info, q.threadOf, {
            limit,
            ...(q.before !== undefined ? { before: q.before } : {}),
            ...(q.after !== undefined ? { after: q.after } : {}),
          }),
        );
        return c.json(thread, 200);
      }
      const page = await stub.history(info, {
        limit,
        ...(q.before !== undefined ? { before: q.before } : {}),
        ...(q.after !== undefined ? { after: q.after } : {}),
      });
      return c.json(page, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/rooms/{id}/messages",
      operationId: "sendMessage",
      tags: ["messages"],
      summary: "Send a message (idempotent by `cid`: 201 new, 200 repeat, 409 changed body)",
      security,
      request: { params: Params, ...jsonBody(SendBody) },
      responses: {
        200: ok(MessageBody, "Repeat of an earlier send"),
        201: ok(MessageBody, "Sent"),
        ...errors,
        413: tooLarge,
        429: rateLimited,
      },
    }),
    async (c) => {
      const input = c.req.valid("json");
      checkBody(input.body, input.attachments?.length ?? 0);
      const ctx = await access(c, "member");
      assertMember(ctx.room);
      const sent = unwrap<{ message: MessageShape; created: boolean }>(
        await ctx.stub.send(ctx.info, ctx.actor, input),
      );
      return sent.created
        ? c.json({ message: sent.message }, 201)
        : c.json({ message: sent.message }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "patch",
      path: "/rooms/{id}/messages/{seq}",
      operationId: "editMessage",
      tags: ["messages"],
      summary: "Edit my message",
      security,
      request: { params: SeqParams, ...jsonBody(EditBody) },
      responses: { 200: ok(MessageBody), ...errors, 413: tooLarge, 429: rateLimited },
    }),
    async (c) => {
      const { seq } = c.req.valid("param");
      const { body } = c.req.valid("json");
      checkBody(body);
      const ctx = await access(c, "member");
      assertMember(ctx.room);
      return c.json(
        { message: unwrap<MessageShape>(await ctx.stub.edit(ctx.info, ctx.actor, seq, body)) },
        200,
      );
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/rooms/{id}/messages/{seq}",
      operationId: "deleteMessage",
      tags: ["messages"],
      summary: "Delete a message (sender, room owner/moderator, admin): it becomes a tombstone",
      security,
      request: { params: SeqParams },
      responses: { 200: ok(MessageBody), ...errors, 413: tooLarge, 429: rateLimited },
    }),
    async (c) => {
      const { seq } = c.req.valid("param");
      const ctx = await access(c, "member");
      return c.json(
        { message: unwrap<MessageShape>(await ctx.stub.delete(ctx.info, ctx.actor, seq)) },
        200,
      );
    },
  )
  .openapi(
    createRoute({
      method: "put",
      path: "/rooms/{id}/messages/{seq}/reactions/{emoji}",
      operationId: "addReaction",
      tags: ["messages"],
      summary: "Add my reaction",
      security,
      request: { params: ReactionParams },
      responses: { 200: ok(MessageBody), ...errors, 413: tooLarge, 429: rateLimited },
    }),
    async (c) => c.json({ message: await setReaction(c, c.req.valid("param"), true) }, 200),
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/rooms/{id}/messages/{seq}/reactions/{emoji}",
      operationId: "removeReaction",
      tags: ["messages"],
      summary: "Remove my reaction",
      security,
      request: { params: ReactionParams },
      responses: { 200: ok(MessageBody), ...errors, 413: tooLarge, 429: rateLimited },
    }),
    async (c) => c.json({ message: await setReaction(c, c.req.valid("param"), false) }, 200),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/rooms/{id}/read",
      operationId: "markRead",
      tags: ["messages"],
      summary: "Move my read mark forward (never backwards)",
      security,
      request: { params: Params, ...jsonBody(z.object({ seq: z.number().int().nonnegative() })) },
      responses: { 200: ok(z.object({ seq: z.number().int() })), ...errors, 413: tooLarge },
    }),
    async (c) => {
      const { seq } = c.req.valid("json");
      const ctx = await access(c, "member");
      assertMember(ctx.room);
      return c.json(await ctx.stub.read(ctx.info, ctx.actor, seq), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/me/read-all",
      operationId: "markAllRead",
      tags: ["messages"],
      summary:
        "Move my read mark to the last message in every room of mine with unread (the most recently active 200 per call)",
      security,
      responses: {
        200: ok(z.object({ rooms: z.number().int(), more: z.boolean() })),
        ...errors,
        413: tooLarge,
      },
    }),
    async (c) => {
      const principal = currentPrincipal(c);
      const { user } = principal;
      // D1 says where each room ends as my room list saw it; each room moves its own mark (the
      // single writer of read marks) and syncs D1 before answering, a bounded number at once.
      const { rooms, more } = await roomsToMarkRead(c.get("db"), user.id, READ_ALL_MAX);
      await inBatches(rooms, async ({ room, role }) => {
        const actor = {
          id: user.id,
          handle: user.handle,
          name: user.displayName,
          role,
          isAdmin: principal.isAdmin,
        };
        await roomStub(c.env, room.id).read(roomInfo(room), actor, room.lastSeq);
      });
      return c.json({ rooms: rooms.length, more }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/rooms/{id}/search",
      operationId: "searchMessages",
      tags: ["messages"],
      summary: "Full-text search in the room, newest first; snippets are HTML with hits in <mark>",
      security,
      request: {
        params: Params,
        query: z.object({
          q: SearchText,
          before: z.coerce.number().int().positive().optional(),
          limit: z.coerce.number().int().min(1).max(LIMITS.search.roomPage.max).optional(),
        }),
      },
      responses: { 200: ok(RoomSearchPage), ...errors },
    }),
    async (c) => {
      const { q, before, limit } = c.req.valid("query");
      const { stub, info } = await access(c, "view");
      const page = await stub.search(info, {
        q,
        limit: limit ?? LIMITS.search.roomPage.default,
        ...(before ? { before } : {}),
      });
      return c.json(page, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/rooms/{id}/online",
      operationId: "listOnline",
      tags: ["messages"],
      summary: "Everyone online in the room now (a big room's `ready` lists only 200)",
      security,
      request: { params: Params },
      responses: {
        200: ok(z.object({ online: z.array(z.string()), onlineCount: z.number().int() })),
        ...errors,
      },
    }),
    async (c) => {
      const { stub } = await access(c, "view");
      return c.json(await stub.onlineNow(), 200);
    },
  );
