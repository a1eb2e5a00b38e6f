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

/** Sends `payload` (JSON) to one subscription; resolves with the push service's status. */
export async function sendPush(
  keys: VapidKeys,
  subject: string,
  target: PushTarget,
  payload: unknown,
  options: PushOptions = {},
): Promise<number> {
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
  const response = await fetch(target.endpoint, {
    method: "POST",
    headers,
    body,
    signal: AbortSignal.timeout(PUSH_TIMEOUT_MS),
  });
  // The body is the push service's business; reading it frees the connection.
  await response.body?.cancel();
  return response.status;
}
