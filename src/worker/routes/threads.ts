// Threads and pins over HTTP (docs/api.md, "Threads and pins"): following a thread and reading
// it (D1: the room reports replies and the follows that come of them through its outbox), my
// followed threads, and a room's pins (a change in the room, like an edit).
import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { Id } from "../../../src/shared/api";
import { Message, type Message as MessageShape } from "../../../src/shared/protocol";
import { iso } from "../../db/client";
import { currentPrincipal, requireUser } from "../auth/principal";
import type { AppEnv } from "../context";
import { markThreadRead, myThreads, setFollowing } from "../directory/threads";
import { workspaceFilter } from "../directory/workspace-scope";
import { forbidden, notFound } from "../errors";
import { access, unwrap } from "../room-calls";
import {
  errors,
  jsonBody,
  ok,
  rateLimited,
  router,
  security,
  tooLarge,
  workspaceFilterParam,
} from "./openapi";

const SeqParams = z.object({ id: Id, seq: z.coerce.number().int().positive() });
const MessageBody = z.object({ message: Message });

/** Threads the Threads view lists at most. */
const MY_THREADS_MAX = 100;

const FollowedThread = z
  .object({
    roomId: z.string(),
    rootSeq: z.number().int(),
    root: z.object({
      sender: z.object({ id: z.string(), name: z.string() }),
      excerpt: z.string(),
    }),
    replies: z.number().int(),
    lastReplyAt: z.string(),
    lastReplySeq: z.number().int(),
    lastReadSeq: z.number().int(),
    /** Others' replies above my read mark, not deleted. */
    unread: z.number().int(),
  })
  .meta({ id: "FollowedThread" });

/** The member's own thread of a room (`:id`, `:seq` a top-level message); 404 otherwise. */
async function threadOf(c: Context<AppEnv>) {
  const ctx = await access(c, "member");
  if (!ctx.room.membership) throw forbidden("Only members follow and read threads");
  const { seq } = c.req.param() as { seq: string };
  const rootSeq = Number(seq);
  const { root, lastSeq } = await ctx.stub.threadRoot(rootSeq);
  if (!root) throw notFound("No such thread");
  return { target: { roomId: ctx.info.id, rootSeq, userId: ctx.actor.id }, lastSeq };
}

/** Pins or unpins; members per the room's rule (permissions.ts, canPin). */
async function setPin(c: Context<AppEnv>, seq: number, on: boolean) {
  const ctx = await access(c, "member");
  return unwrap<MessageShape>(await ctx.stub.pin(ctx.info, ctx.actor, seq, on));
}

export const threadRoutes = router([
  ["/rooms/*", requireUser()],
  ["/me/threads", requireUser()],
])
  .openapi(
    createRoute({
      method: "put",
      path: "/rooms/{id}/threads/{seq}/follow",
      operationId: "followThread",
      tags: ["threads"],
      summary: "Follow or unfollow a thread (its root's seq)",
      security,
      request: { params: SeqParams, ...jsonBody(z.object({ following: z.boolean() })) },
      responses: { 200: ok(z.object({ following: z.boolean() })), ...errors, 413: tooLarge },
    }),
    async (c) => {
      const { following } = c.req.valid("json");
      await setFollowing(c.get("db"), (await threadOf(c)).target, following, Date.now());
      return c.json({ following }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/rooms/{id}/threads/{seq}/read",
      operationId: "markThreadRead",
      tags: ["threads"],
      summary: "Move my read mark in a thread forward (never backwards)",
      security,
      request: {
        params: SeqParams,
        ...jsonBody(z.object({ seq: z.number().int().nonnegative() })),
      },
      responses: { 200: ok(z.object({ seq: z.number().int() })), ...errors, 413: tooLarge },
    }),
    async (c) => {
      const { seq } = c.req.valid("json");
      const { target, lastSeq } = await threadOf(c);
      return c.json(
        { seq: await markThreadRead(c.get("db"), target, Math.min(seq, lastSeq)) },
        200,
      );
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/me/threads",
      operationId: "listMyThreads",
      tags: ["threads"],
      summary:
        "Threads I follow (in every workspace of mine, or in `workspaceId`'s), those with unread replies first, then by last reply",
      security,
      parameters: [workspaceFilterParam],
      responses: {
        200: ok(z.object({ threads: z.array(FollowedThread) })),
        ...errors,
      },
    }),
    async (c) => {
      const principal = currentPrincipal(c);
      const db = c.get("db");
      const only = await workspaceFilter(db, principal, c.req.query("workspaceId") || undefined);
      const rows = await myThreads(db, principal.user.id, MY_THREADS_MAX, only);
      return c.json(
        {
          threads: rows.map((t) => ({
            roomId: t.roomId,
            rootSeq: t.rootSeq,
            root: {
              sender: { id: t.rootSenderId, name: t.rootSenderName },
              excerpt: t.rootExcerpt,
            },
            replies: t.replies,
            lastReplyAt: iso(t.lastReplyAt),
            lastReplySeq: t.lastReplySeq,
            lastReadSeq: t.lastReadSeq,
            unread: t.unread,
          })),
        },
        200,
      );
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/rooms/{id}/pins",
      operationId: "listPins",
      tags: ["messages"],
      summary: "The room's pinned messages, newest pin first",
      security,
      request: { params: z.object({ id: Id }) },
      responses: { 200: ok(z.object({ messages: z.array(Message) })), ...errors },
    }),
    async (c) => {
      const { stub, info } = await access(c, "view");
      return c.json(await stub.pins(info), 200);
    },
  )
  .openapi(
    createRoute({
      method: "put",
      path: "/rooms/{id}/pins/{seq}",
      operationId: "pinMessage",
      tags: ["messages"],
      summary: "Pin a message (any member in DMs; owners, moderators, admins elsewhere; ≤ 50)",
      security,
      request: { params: SeqParams },
      responses: { 200: ok(MessageBody), ...errors, 413: tooLarge, 429: rateLimited },
    }),
    async (c) => c.json({ message: await setPin(c, c.req.valid("param").seq, true) }, 200),
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/rooms/{id}/pins/{seq}",
      operationId: "unpinMessage",
      tags: ["messages"],
      summary: "Unpin a message",
      security,
      request: { params: SeqParams },
      responses: { 200: ok(MessageBody), ...errors, 413: tooLarge, 429: rateLimited },
    }),
    async (c) => c.json({ message: await setPin(c, c.req.valid("param").seq, false) }, 200),
  );
