// Sending one user's push to each of their browsers, and what follows from the answers: a
// delivery mark in the room when a push service accepted it, the subscription deleted when the
// push service says it is gone, and the next try queued when it failed for now (429, 5xx, no
// answer): at most PUSH_MAX_TRIES tries within an hour, with growing delays.
import type { Env } from "../../config/env";
import type { Db } from "../../db/client";
import type { MessagePayload, PushJob } from "../../realtime/push-jobs";
import { roomStub } from "../../realtime/stubs";
import { dropSubscriptions } from "./audience";
import { type PushAnswer, type PushTarget, sendPush } from "./send";
import type { VapidKeys } from "./vapid";

export const PUSH_MAX_TRIES = 5;
/** Seconds before try 2, 3, 4 and 5: 41 minutes in all, inside the hour. */
export const PUSH_RETRY_DELAYS_S = [5, 60, 600, 1800] as const;
const PUSH_RETRY_BUDGET_MS = 60 * 60 * 1000;
/** How long a push service keeps a message for a device that is offline. */
const PUSH_TTL_S = 24 * 60 * 60;

export interface PushContext {
  env: Env;
  db: Db;
  keys: VapidKeys;
  subject: string;
}

export type Urgency = "normal" | "high";

/**
 * The push of one message (or folded window) to every browser of one user; true when a push
 * service accepted it (the caller reports the delivery mark to the room, batched).
 */
export async function pushToUser(
  ctx: PushContext,
  userId: string,
  subscriptions: ReadonlyArray<PushTarget & { id: string }>,
  payload: MessagePayload,
  urgency: Urgency,
): Promise<boolean> {
  const now = Date.now();
  const answers = await Promise.all(
    subscriptions.map(async (target) => ({
      target,
      answer: await send(ctx, target, payload, urgency),
    })),
  );
  await settle(ctx, answers);
  for (const { target, answer } of answers) {
    if (answer.outcome !== "retry") continue;
    await queueRetry(ctx, answer, {
      type: "retry",
      subscriptionId: target.id,
      userId,
      payload,
      urgency,
      attempt: 1,
      firstAt: now,
    });
  }
  return answers.some((a) => a.answer.outcome === "accepted");
}

/** A queued next try for one subscription. */
export async function retryPush(
  ctx: PushContext,
  job: Extract<PushJob, { type: "retry" }>,
  target: (PushTarget & { id: string }) | null,
): Promise<void> {
  // Unsubscribed meanwhile: nothing to retry.
  if (!target) return;
  const answer = await send(ctx, target, job.payload, job.urgency);
  await settle(ctx, [{ target, answer }]);
  if (answer.outcome === "accepted") {
    await roomStub(ctx.env, job.payload.roomId).pushesDelivered([
      { userId: job.userId, seq: job.payload.seq },
    ]);
  }
  if (answer.outcome === "retry") await queueRetry(ctx, answer, job);
}

function send(ctx: PushContext, target: PushTarget, payload: MessagePayload, urgency: Urgency) {
  return sendPush(ctx.keys, ctx.subject, target, payload, {
    // A newer push for the room replaces one the device has not received yet.
    topic: topicOf(payload.roomId),
    urgency,
    ttlSeconds: PUSH_TTL_S,
  });
}

/** Gone subscriptions are deleted; refusals are logged (they will never be accepted). */
async function settle(
  ctx: PushContext,
  answers: ReadonlyArray<{ target: { id: string }; answer: PushAnswer }>,
): Promise<void> {
  const gone = answers.filter((a) => a.answer.outcome === "gone").map((a) => a.target.id);
  await dropSubscriptions(ctx.db, gone);
  for (const { answer } of answers) {
    if (answer.outcome === "refused") {
      console.error(`push refused by the push service (${answer.status}); not retried`);
    }
  }
}

/** Queues try `attempt + 1`, unless the tries or the hour are used up. */
async function queueRetry(
  ctx: PushContext,
  answer: PushAnswer,
  job: Extract<PushJob, { type: "retry" }>,
): Promise<void> {
  const planned = PUSH_RETRY_DELAYS_S[job.attempt - 1];
  if (job.attempt >= PUSH_MAX_TRIES || planned === undefined) {
    console.error(`push to ${job.subscriptionId} failed ${job.attempt} times; dropped`);
    return;
  }
  const delayS = Math.max(planned, answer.retryAfterS ?? 0);
  if (Date.now() + delayS * 1000 > job.firstAt + PUSH_RETRY_BUDGET_MS) {
    console.error(`push to ${job.subscriptionId} not accepted within the hour; dropped`);
    return;
  }
  await ctx.env.PUSH_QUEUE.send({ ...job, attempt: job.attempt + 1 } satisfies PushJob, {
    contentType: "json",
    delaySeconds: delayS,
  });
}

/** Topic header: ≤ 32 URL-safe characters (RFC 8030 §5.4); room ids are that already. */
function topicOf(roomId: string): string {
  return /^[A-Za-z0-9_-]{1,32}$/.test(roomId)
    ? roomId
    : roomId.replace(/[^A-Za-z0-9_-]/g, "").slice(-32);
}
