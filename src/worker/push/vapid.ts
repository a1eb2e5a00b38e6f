// VAPID (RFC 8292): the application server identifies itself to a push service with a JWT
// signed by its ES256 key, whose public half the browser was given when it subscribed.
import { toBase64Url } from "../auth/crypto";

/** The instance's VAPID key pair: the private key as a JWK, the public one raw (65 bytes). */
export interface VapidKeys {
  privateJwk: JsonWebKey;
  /** base64url of the uncompressed P-256 point, as `GET /api/push/vapid-key` gives it. */
  publicKey: string;
}

/** A JWT a push service accepts for at most 24 h; ours live 12 h. */
const TOKEN_SECONDS = 12 * 60 * 60;

const json64 = (value: unknown) => toBase64Url(new TextEncoder().encode(JSON.stringify(value)));

export async function newVapidKeys(): Promise<VapidKeys> {
  const pair = (await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, [
    "sign",
    "verify",
  ])) as CryptoKeyPair;
  const privateJwk = (await crypto.subtle.exportKey("jwk", pair.privateKey)) as JsonWebKey;
  const raw = new Uint8Array((await crypto.subtle.exportKey("raw", pair.publicKey)) as ArrayBuffer);
  return { privateJwk, publicKey: toBase64Url(raw) };
}

/** A header is reused while it has this long to live: one signature per push service an hour. */
const REUSE_MS = 60 * 60 * 1000;
/** Headers by public key, subject and push service origin (an isolate talks to a handful). */
const signed = new Map<string, { header: string; until: number }>();

/**
 * The `Authorization` header for one push service: `vapid t=<JWT>, k=<public key>`. `aud` is the
 * endpoint's origin; `sub` how the push service may reach the operator. One JWT serves every push
 * to that origin for an hour (it is valid for 12): a fan-out of pushes signs once, not per push.
 */
export async function vapidAuthorization(
  keys: VapidKeys,
  endpoint: string,
  subject: string,
  now = Date.now(),
): Promise<string> {
  const key = `${keys.publicKey} ${subject} ${new URL(endpoint).origin}`;
  const cached = signed.get(key);
  if (cached && cached.until > now) return cached.header;
  const header = await signVapid(keys, endpoint, subject, now);
  signed.set(key, { header, until: now + REUSE_MS });
  return header;
}

async function signVapid(
  keys: VapidKeys,
  endpoint: string,
  subject: string,
  now = Date.now(),
): Promise<string> {
  const header = json64({ typ: "JWT", alg: "ES256" });
  const claims = json64({
    aud: new URL(endpoint).origin,
    exp: Math.floor(now / 1000) + TOKEN_SECONDS,
    sub: subject,
  });
  const signingKey = await crypto.subtle.importKey(
    "jwk",
    keys.privateJwk,
    { name: "ECDSA", namedCurve: "P-256" },
    false,
    ["sign"],
  );
  // WebCrypto's ECDSA signature is r || s, 64 bytes: exactly JWS's ES256 form (RFC 7518 §3.4).
  const signature = await crypto.subtle.sign(
    { name: "ECDSA", hash: "SHA-256" },
    signingKey,
    new TextEncoder().encode(`${header}.${claims}`),
  );
  const jwt = `${header}.${claims}.${toBase64Url(new Uint8Array(signature))}`;
  return `vapid t=${jwt}, k=${keys.publicKey}`;
}
