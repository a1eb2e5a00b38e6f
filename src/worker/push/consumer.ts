// The push queue's consumer (PUSH_QUEUE, in this same Worker): decides who gets a push for a
// room's new messages — members other than the sender whose level admits the message (for a
// thread reply: who follow the thread or are mentioned), who have not blocked its sender, who
// have a browser subscribed and no room or inbox socket open — folds what comes within a user's
// window, and sends. Everything a room would otherwise pay per offline member is paid here.

import { and, eq, sql } from "drizzle-orm";
import { type Env, readConfig } from "../../config/env";
import { type Db, openDb } from "../../db/client";
import { blocks, threadFollows } from "../../db/schema";
import { inBatches } from "../../realtime/batches";
import type { MessagePayload, PushJob, PushNotice } from "../../realtime/push-jobs";
import { inboxStub, roomStub } from "../../realtime/stubs";
import { type Audience, pushAudience, subscriptionById } from "./audience";
import { type PushContext, pushToUser, retryPush, type Urgency } from "./deliver";
import { vapidKeys } from "./keys";
import { foldIntoWindows, takeFolded } from "./windows";

/** A job whose handling threw (D1 or a Durable Object unreachable) is delivered again. */
const JOB_RETRY_DELAY_S = 10;

/** The queue's batch; its messages are the PushJobs this Worker's rooms and consumer queued. */
export async function consumePushes(batch: MessageBatch, env: Env): Promise<void> {
  const db = openDb(env.DB);
  const ctx: PushContext = {
    env,
    db,
    keys: await vapidKeys(env, db),
    subject: readConfig(env).vapidSubject,
  };
  // Side by side: one slow push service must not hold up the other jobs of the batch. A room's
  // hand-overs in one batch go as one job (in seq order): one audience read, one fold.
  await Promise.all(
    groupByRoom(batch.messages).map(async ({ job, messages }) => {
      try {
        await handle(ctx, job);
        for (const message of messages) message.ack();
      } catch (error) {
        console.error(`push job ${job.type} failed`, error);
        for (const message of messages) message.retry({ delaySeconds: JOB_RETRY_DELAY_S });
      }
    }),
  );
}

/** The batch's jobs, a room's `messages` jobs merged into one; the others as they are. */
function groupByRoom(messages: readonly Message[]): Array<{ job: PushJob; messages: Message[] }> {
  const rooms = new Map<
    string,
    { job: Extract<PushJob, { type: "messages" }>; messages: Message[] }
  >();
  const others: Array<{ job: PushJob; messages: Message[] }> = [];
  for (const message of messages) {
    const job = message.body as PushJob;
    if (job.type !== "messages") {
      others.push({ job, messages: [message] });
      continue;
    }
    const group = rooms.get(job.roomId);
    if (!group) {
      rooms.set(job.roomId, { job: { ...job, notices: [...job.notices] }, messages: [message] });
      continue;
    }
    group.job.notices.push(...job.notices);
    group.messages.push(message);
  }
  for (const { job } of rooms.values()) job.notices.sort((a, b) => a.seq - b.seq);
  return [...rooms.values(), ...others];
}

async function handle(ctx: PushContext, job: PushJob): Promise<void> {
  switch (job.type) {
    case "messages":
      return newMessages(ctx, job);
    case "window":
      return windowEnded(ctx, job);
    case "retry":
      return retryPush(ctx, job, await subscriptionById(ctx.db, job.subscriptionId));
  }
}

async function newMessages(ctx: PushContext, job: Extract<PushJob, { type: "messages" }>) {
  const audience = await pushAudience(ctx.db, job.roomId);
  if (!audience || audience.subscribers.size === 0) return;
  const roots = [...new Set(job.notices.flatMap((n) => (n.threadOf === null ? [] : [n.threadOf])))];
  const [followers, blocked] = await Promise.all([
    followersOf(ctx.db, job.roomId, roots),
    blockersOf(ctx.db, job.notices),
  ]);
  const wanted = admitted(audience, job, followers, blocked);
  const away = await awayAmong(ctx.env, job.roomId, [...wanted.keys()]);
  for (const userId of wanted.keys()) if (!away.has(userId)) wanted.delete(userId);
  const now = Date.now();
  const decisions = await foldIntoWindows(ctx.db, job.roomId, wanted, now);
  const delivered: Array<{ userId: string; seq: number }> = [];
  await inBatches([...decisions], async ([userId, decision]) => {
    if (decision.send) {
      const subscriber = audience.subscribers.get(userId);
      if (!subscriber) return;
      const { payload } = decision;
      const urgency = urgencyOf(audience, payload);
      if (await pushToUser(ctx, userId, subscriber.subscriptions, payload, urgency)) {
        delivered.push({ userId, seq: payload.seq });
      }
    } else if (decision.flushAt !== null) {
      await ctx.env.PUSH_QUEUE.send(
        { type: "window", roomId: job.roomId, userId } satisfies PushJob,
        {
          contentType: "json",
          delaySeconds: Math.max(1, Math.ceil((decision.flushAt - now) / 1000)),
        },
      );
    }
  });
  // One call for the whole job: the room's cost does not grow with the pushes it caused.
  if (delivered.length > 0) await roomStub(ctx.env, job.roomId).pushesDelivered(delivered);
}

/**
 * For each subscriber, the push their level admits for these messages: the newest admitted one,
 * counting all admitted ones. A message of their own means they are here and have seen what
 * came before it. Messages of someone they blocked are never news to them.
 */
function admitted(
  audience: Audience,
  job: Extract<PushJob, { type: "messages" }>,
  followers: ReadonlySet<string>,
  blocked: ReadonlySet<string>,
): Map<string, MessagePayload> {
  const payloads = new Map<string, MessagePayload>();
  for (const { userId, level } of audience.subscribers.values()) {
    let newest: PushNotice | null = null;
    let count = 0;
    let mentioned = false;
    for (const notice of job.notices) {
      if (notice.senderId === userId) {
        [newest, count, mentioned] = [null, 0, false];
        continue;
      }
      if (blocked.has(`${userId}:${notice.senderId}`)) continue;
      const mention = notice.mentions.includes(userId);
      if (level === "mentions" && !mention) continue;
      // A thread reply is news to the thread's followers (and whoever it mentions) only.
      if (notice.threadOf !== null && !mention && !followers.has(`${notice.threadOf}:${userId}`)) {
        continue;
      }
      [newest, count, mentioned] = [notice, count + 1, mentioned || mention];
    }
    if (!newest) continue;
    payloads.set(userId, {
      type: "message",
      roomId: job.roomId,
      roomName: audience.titleFor(userId),
      seq: newest.seq,
      threadOf: newest.threadOf,
      sender: { id: newest.senderId, name: newest.senderName },
      excerpt: newest.excerpt,
      mention: mentioned,
      count,
    });
  }
  return payloads;
}

/** Who blocked the senders of these messages, as `${blocker}:${sender}`. */
async function blockersOf(db: Db, notices: readonly PushNotice[]): Promise<Set<string>> {
  const senders = [...new Set(notices.map((n) => n.senderId))];
  const rows = await db
    .select({ blocker: blocks.blockerId, sender: blocks.blockedId })
    .from(blocks)
    .where(sql`${blocks.blockedId} IN (SELECT value FROM json_each(${JSON.stringify(senders)}))`);
  return new Set(rows.map((r) => `${r.blocker}:${r.sender}`));
}

/** Who follows these threads of the room, as `${root}:${userId}`. */
async function followersOf(db: Db, roomId: string, roots: readonly number[]): Promise<Set<string>> {
  if (roots.length === 0) return new Set();
  const rows = await db
    .select({ root: threadFollows.rootSeq, userId: threadFollows.userId })
    .from(threadFollows)
    .where(
      and(
        eq(threadFollows.roomId, roomId),
        // One JSON parameter, not one bound value per root (D1 binds at most 100).
        sql`${threadFollows.rootSeq} IN (SELECT value FROM json_each(${JSON.stringify(roots)}))`,
        eq(threadFollows.following, true),
      ),
    );
  return new Set(rows.map((r) => `${r.root}:${r.userId}`));
}

/** A user's window in a room ended: what was folded into it goes out if they are still away. */
async function windowEnded(ctx: PushContext, job: Extract<PushJob, { type: "window" }>) {
  const folded = await takeFolded(ctx.db, job.roomId, job.userId, Date.now());
  if (!folded) return;
  if (!(await awayAmong(ctx.env, job.roomId, [job.userId])).has(job.userId)) return;
  // Read again: the level or the subscriptions may have changed during the window.
  const audience = await pushAudience(ctx.db, job.roomId);
  const subscriber = audience?.subscribers.get(job.userId);
  if (!audience || !subscriber) return;
  if (subscriber.level === "mentions" && !folded.mention) return;
  if (
    await pushToUser(ctx, job.userId, subscriber.subscriptions, folded, urgencyOf(audience, folded))
  ) {
    await roomStub(ctx.env, job.roomId).pushesDelivered([{ userId: job.userId, seq: folded.seq }]);
  }
}

/** DMs and mentions are what a person wants to hear of at once. */
const urgencyOf = (audience: Audience, payload: MessagePayload): Urgency =>
  audience.kind === "dm" || payload.mention ? "high" : "normal";

/** Of these users, those with neither a socket in the room nor an inbox socket open. */
async function awayAmong(
  env: Env,
  roomId: string,
  userIds: readonly string[],
): Promise<Set<string>> {
  if (userIds.length === 0) return new Set();
  const present = new Set(await roomStub(env, roomId).presentAmong(userIds));
  const away = new Set<string>();
  await inBatches(
    userIds.filter((id) => !present.has(id)),
    async (userId) => {
      if (!(await inboxStub(env, userId).listening())) away.add(userId);
    },
  );
  return away;
}
