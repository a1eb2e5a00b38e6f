// Web Push set-up (docs/api.md, "Push notifications"): the instance's VAPID public key, my
// browsers' subscriptions, and a test push to one of them.
import { createRoute, z } from "@hono/zod-openapi";
import { and, asc, eq } from "drizzle-orm";
import { Id } from "../../../src/shared/api";
import { iso } from "../../db/client";
import { pushSubscriptions } from "../../db/schema";
import type { PushPayload } from "../../realtime/push-jobs";
import { fromBase64Url, newId } from "../auth/crypto";
import { currentPrincipal, requireUser } from "../auth/principal";
import { ApiError, notFound } from "../errors";
import { dropSubscriptions } from "../push/audience";
import { vapidKeys } from "../push/keys";
import { sendPush } from "../push/send";
import {
  failures,
  jsonBody,
  noContent,
  ok,
  publicRoute,
  router,
  security,
  tooLarge,
} from "./openapi";

/** Browsers one person may have subscribed at once; a new one past it replaces the oldest. */
const SUBSCRIPTIONS_PER_USER = 20;

const LOOPBACK = new Set(["localhost", "127.0.0.1", "[::1]"]);

const base64urlOf = (bytes: number, what: string) =>
  z
    .string()
    .regex(/^[A-Za-z0-9_-]+=*$/, `${what} is base64url`)
    .refine((value) => {
      try {
        return fromBase64Url(value.replace(/=+$/, "")).length === bytes;
      } catch {
        return false;
      }
    }, `${what} is ${bytes} bytes`);

const SubscribeBody = z.object({
  endpoint: z.string().url().max(2048),
  keys: z.object({
    p256dh: base64urlOf(65, "p256dh").refine(
      (v) => fromBase64Url(v.replace(/=+$/, ""))[0] === 4,
      "p256dh is an uncompressed P-256 point",
    ),
    auth: base64urlOf(16, "auth"),
  }),
});

const Subscription = z
  .object({ id: z.string(), endpoint: z.string(), createdAt: z.string() })
  .meta({ id: "PushSubscription" });

type Row = typeof pushSubscriptions.$inferSelect;
const subscription = (row: Row) => ({
  id: row.id,
  endpoint: row.endpoint,
  createdAt: iso(row.createdAt),
});

/**
 * Push endpoints are https; plain http only on loopback, and only while this instance is itself
 * served from loopback (local development and tests), so no deployment posts to a plain URL.
 */
function checkEndpoint(endpoint: string, requestUrl: string): void {
  const url = new URL(endpoint);
  if (url.protocol === "https:") return;
  const local = LOOPBACK.has(new URL(requestUrl).hostname);
  if (url.protocol === "http:" && local && LOOPBACK.has(url.hostname)) return;
  throw new ApiError("invalid", "A push endpoint must be an https: URL");
}

const IdParams = z.object({ id: Id });

export const pushRoutes = router([
  ["/me/push-subscriptions", requireUser()],
  ["/me/push-subscriptions/*", requireUser()],
])
  .openapi(
    createRoute({
      method: "get",
      path: "/push/vapid-key",
      operationId: "getVapidKey",
      tags: ["push"],
      summary: "The instance's VAPID public key (uncompressed P-256, base64url) for subscribing",
      security: publicRoute,
      responses: { 200: ok(z.object({ publicKey: z.string() })) },
    }),
    async (c) => {
      const keys = await vapidKeys(c.env, c.get("db"));
      return c.json({ publicKey: keys.publicKey }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/me/push-subscriptions",
      operationId: "subscribePush",
      tags: ["push"],
      summary: "Subscribe this browser (PushSubscription.toJSON()); the same endpoint again is 200",
      security,
      request: jsonBody(SubscribeBody),
      responses: {
        200: ok(z.object({ subscription: Subscription }), "Already subscribed: the same id"),
        201: ok(z.object({ subscription: Subscription }), "Subscribed"),
        ...failures(400, 401, 403),
        413: tooLarge,
      },
    }),
    async (c) => {
      const { user } = currentPrincipal(c);
      const input = c.req.valid("json");
      checkEndpoint(input.endpoint, c.req.url);
      const db = c.get("db");
      const existing = await db
        .select()
        .from(pushSubscriptions)
        .where(eq(pushSubscriptions.endpoint, input.endpoint))
        .get();
      if (existing) {
        // The browser's subscription is one per endpoint: whoever signs in there now owns it.
        const [updated] = await db
          .update(pushSubscriptions)
          .set({ userId: user.id, p256dh: input.keys.p256dh, auth: input.keys.auth })
          .where(eq(pushSubscriptions.id, existing.id))
          .returning();
        return c.json({ subscription: subscription(updated ?? existing) }, 200);
      }
      const mine = await db
        .select({ id: pushSubscriptions.id })
        .from(pushSubscriptions)
        .where(eq(pushSubscriptions.userId, user.id))
        .orderBy(asc(pushSubscriptions.createdAt))
        .all();
      const row: Row = {
        id: newId("push"),
        userId: user.id,
        endpoint: input.endpoint,
        p256dh: input.keys.p256dh,
        auth: input.keys.auth,
        createdAt: Date.now(),
      };
      const excess = mine.slice(0, Math.max(0, mine.length - SUBSCRIPTIONS_PER_USER + 1));
      await db.batch([
        db.insert(pushSubscriptions).values(row),
        ...excess.map((old) =>
          db.delete(pushSubscriptions).where(eq(pushSubscriptions.id, old.id)),
        ),
      ]);
      return c.json({ subscription: subscription(row) }, 201);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/me/push-subscriptions",
      operationId: "listPushSubscriptions",
      tags: ["push"],
      summary: "My browsers' push subscriptions",
      security,
      responses: {
        200: ok(z.object({ subscriptions: z.array(Subscription) })),
        ...failures(401, 403),
      },
    }),
    async (c) => {
      const { user } = currentPrincipal(c);
      const rows = await c
        .get("db")
        .select()
        .from(pushSubscriptions)
        .where(eq(pushSubscriptions.userId, user.id))
        .orderBy(asc(pushSubscriptions.createdAt))
        .all();
      return c.json({ subscriptions: rows.map(subscription) }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/me/push-subscriptions/{id}",
      operationId: "deletePushSubscription",
      tags: ["push"],
      summary: "Unsubscribe one of my browsers",
      security,
      request: { params: IdParams },
      responses: { ...noContent, ...failures(401, 403, 404), 413: tooLarge },
    }),
    async (c) => {
      const { user } = currentPrincipal(c);
      const { id } = c.req.valid("param");
      const gone = await c
        .get("db")
        .delete(pushSubscriptions)
        .where(and(eq(pushSubscriptions.id, id), eq(pushSubscriptions.userId, user.id)))
        .returning({ id: pushSubscriptions.id });
      if (gone.length === 0) throw notFound("No such subscription");
      return c.body(null, 204);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/me/push-subscriptions/{id}/test",
      operationId: "testPushSubscription",
      tags: ["push"],
      summary:
        "Send a test notification (`{type: 'test'}`) to one of my browsers now; says whether its push service took it",
      security,
      request: { params: IdParams },
      responses: {
        200: ok(
          z.object({ delivered: z.boolean(), status: z.number().int() }),
          "The push service's answer; a subscription it no longer knows (404, 410) is removed",
        ),
        ...failures(401, 403, 404),
        413: tooLarge,
      },
    }),
    async (c) => {
      const { user } = currentPrincipal(c);
      const { id } = c.req.valid("param");
      const db = c.get("db");
      const row = await db
        .select()
        .from(pushSubscriptions)
        .where(and(eq(pushSubscriptions.id, id), eq(pushSubscriptions.userId, user.id)))
        .get();
      if (!row) throw notFound("No such subscription");
      const answer = await sendPush(
        await vapidKeys(c.env, db),
        c.get("config").vapidSubject,
        row,
        { type: "test" } satisfies PushPayload,
        { urgency: "high", ttlSeconds: 60 },
      );
      if (answer.outcome === "gone") await dropSubscriptions(db, [row.id]);
      return c.json({ delivered: answer.outcome === "accepted", status: answer.status }, 200);
    },
  );
