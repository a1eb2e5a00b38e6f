// Sending one push message (RFC 8030): the encrypted payload POSTed to the subscription's
// endpoint with VAPID authorization and the headers that tell the push service how to treat it.
import { fromBase64Url } from "../auth/crypto";
import { encryptPayload } from "./encrypt";
import { type VapidKeys, vapidAuthorization } from "./vapid";

export interface PushTarget {
  endpoint: string;
  /** base64url, as the browser's PushSubscription.toJSON() gives them. */
  p256dh: string;
  auth: string;
}

export interface PushOptions {
  /** A newer push with the same topic replaces an undelivered one (≤ 32 base64url chars). */
  topic?: string;
  urgency?: "very-low" | "low" | "normal" | "high";
  /** Seconds the push service keeps it for an offline device. */
  ttlSeconds?: number;
}

/** How long a push service may take to answer before the push counts as failed (retried). */
const PUSH_TIMEOUT_MS = 10_000;

/** What a push service's answer means for the push and the subscription. */
export type PushOutcome =
  /** 2xx: accepted; it will reach the device (a delivery mark). */
  | "accepted"
  /** 404, 410: the subscription is gone for good; delete it. */
  | "gone"
  /** 429, 5xx, or no answer: try again later. */
  | "retry"
  /** Any other 4xx: this push will never be accepted (too big, bad key); give up. */
  | "refused";

export interface PushAnswer {
  /** The push service's HTTP status; 0 when it did not answer in time or at all. */
  status: number;
  outcome: PushOutcome;
  /** Seconds the push service asked us to wait (Retry-After on a 429 or 503). */
  retryAfterS: number | null;
}

export function outcomeOf(status: number): PushOutcome {
  if (status >= 200 && status < 300) return "accepted";
  if (status === 404 || status === 410) return "gone";
  if (status === 0 || status === 429 || status >= 500) return "retry";
  return "refused";
}

/** Sends `payload` (JSON) to one subscription; never throws for the push service's failures. */
export async function sendPush(
  keys: VapidKeys,
  subject: string,
  target: PushTarget,
  payload: unknown,
  options: PushOptions = {},
): Promise<PushAnswer> {
  const body = await encryptPayload(new TextEncoder().encode(JSON.stringify(payload)), {
    p256dh: fromBase64Url(target.p256dh),
    auth: fromBase64Url(target.auth),
  });
  const headers = new Headers({
    authorization: await vapidAuthorization(keys, target.endpoint, subject),
    "content-encoding": "aes128gcm",
    "content-type": "application/octet-stream",
    ttl: String(options.ttlSeconds ?? 24 * 60 * 60),
    urgency: options.urgency ?? "normal",
  });
  if (options.topic) headers.set("topic", options.topic);
  let response: Response;
  try {
    response = await fetch(target.endpoint, {
      method: "POST",
      headers,
      body,
      signal: AbortSignal.timeout(PUSH_TIMEOUT_MS),
    });
  } catch {
    return { status: 0, outcome: "retry", retryAfterS: null };
  }
  // The body is the push service's business; cancelling it frees the connection.
  await response.body?.cancel();
  const retryAfter = Number(response.headers.get("retry-after"));
  return {
    status: response.status,
    outcome: outcomeOf(response.status),
    retryAfterS: Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : null,
  };
}
