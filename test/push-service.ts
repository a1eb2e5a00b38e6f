// A push service, as far as Confab's tests need one: it answers the Worker's requests to
// PUSH_ORIGIN, checks each one's VAPID JWT (RFC 8292) against the key it carries and decrypts the
// body (RFC 8291, aes128gcm) with the private key of a subscription the test made, as a browser
// would.
import { vi } from "vitest";
import { fromBase64Url } from "../src/worker/auth/crypto";

export const PUSH_ORIGIN = "https://push.test";

export interface Received {
  url: string;
  headers: Headers;
  claims: { aud: string; exp: number; sub: string } | null;
  vapidKey: string | null;
  /** The decrypted payload ("" for an endpoint without a known subscriber). */
  payload: string;
}

/**
 * Plays the push service at PUSH_ORIGIN (every other request goes out as usual): each request
 * is verified, decrypted for the subscriber its path names, recorded, and answered with what
 * `answer` says for it (a status, or a promise of one: a push service that hangs).
 */
export function pushService(
  subscribers: ReadonlyMap<string, TestSubscriber>,
  answer: (received: Received, index: number) => number | Promise<number> = () => 201,
): Received[] {
  const received: Received[] = [];
  const realFetch = globalThis.fetch;
  vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
    const request = new Request(input as RequestInfo, init);
    if (!request.url.startsWith(PUSH_ORIGIN)) return realFetch(input as RequestInfo, init);
    const subscriber = subscribers.get(new URL(request.url).pathname);
    const verified = await verifyVapid(request.headers.get("authorization") ?? "");
    const body = new Uint8Array(await request.arrayBuffer());
    const entry: Received = {
      url: request.url,
      headers: request.headers,
      claims: verified?.claims ?? null,
      vapidKey: verified?.publicKey ?? null,
      payload: subscriber ? await decryptPush(body, subscriber) : "",
    };
    received.push(entry);
    const status = await answer(entry, received.length - 1);
    return new Response(null, { status });
  });
  return received;
}

const decoder = new TextDecoder();
const text = (s: string) => new TextEncoder().encode(s);

/** Checks `vapid t=<JWT>, k=<key>`: the signature against `k`; returns the claims, or null. */
export async function verifyVapid(
  authorization: string,
): Promise<{ publicKey: string; claims: { aud: string; exp: number; sub: string } } | null> {
  const match = /^vapid t=([^,\s]+),\s*k=([A-Za-z0-9_-]+)$/.exec(authorization);
  if (!match?.[1] || !match[2]) return null;
  const [header, claims, signature] = match[1].split(".");
  if (!header || !claims || !signature) return null;
  const key = await crypto.subtle.importKey(
    "raw",
    fromBase64Url(match[2]),
    { name: "ECDSA", namedCurve: "P-256" },
    false,
    ["verify"],
  );
  const valid = await crypto.subtle.verify(
    { name: "ECDSA", hash: "SHA-256" },
    key,
    fromBase64Url(signature),
    text(`${header}.${claims}`),
  );
  const head = JSON.parse(decoder.decode(fromBase64Url(header))) as { alg?: string; typ?: string };
  if (!valid || head.alg !== "ES256") return null;
  return { publicKey: match[2], claims: JSON.parse(decoder.decode(fromBase64Url(claims))) };
}

/** A browser's side of a subscription: its ECDH key pair and auth secret. */
export interface TestSubscriber {
  privateKey: CryptoKey;
  p256dh: Uint8Array<ArrayBuffer>;
  auth: Uint8Array<ArrayBuffer>;
}

export async function newSubscriber(): Promise<TestSubscriber> {
  const pair = (await crypto.subtle.generateKey({ name: "ECDH", namedCurve: "P-256" }, true, [
    "deriveBits",
  ])) as CryptoKeyPair;
  return {
    privateKey: pair.privateKey,
    p256dh: new Uint8Array((await crypto.subtle.exportKey("raw", pair.publicKey)) as ArrayBuffer),
    auth: crypto.getRandomValues(new Uint8Array(16)),
  };
}

async function hkdf(
  salt: Uint8Array<ArrayBuffer>,
  ikm: Uint8Array<ArrayBuffer>,
  info: string | Uint8Array<ArrayBuffer>,
  bytes: number,
) {
  const key = await crypto.subtle.importKey("raw", ikm, "HKDF", false, ["deriveBits"]);
  const infoBytes = typeof info === "string" ? text(info) : info;
  return new Uint8Array(
    await crypto.subtle.deriveBits(
      { name: "HKDF", hash: "SHA-256", salt, info: infoBytes },
      key,
      bytes * 8,
    ),
  );
}

/** Decrypts an `aes128gcm` push body for `subscriber`, as its browser would; throws if it cannot. */
export async function decryptPush(
  body: Uint8Array<ArrayBuffer>,
  subscriber: TestSubscriber,
): Promise<string> {
  const salt = body.slice(0, 16);
  const idLength = body[20] ?? 0;
  const senderPublic = body.slice(21, 21 + idLength);
  const record = body.slice(21 + idLength);
  const sender = await crypto.subtle.importKey(
    "raw",
    senderPublic,
    { name: "ECDH", namedCurve: "P-256" },
    false,
    [],
  );
  const ecdh = new Uint8Array(
    await crypto.subtle.deriveBits({ name: "ECDH", public: sender }, subscriber.privateKey, 256),
  );
  const keyInfo = new Uint8Array([
    ...text("WebPush: info\0"),
    ...subscriber.p256dh,
    ...senderPublic,
  ]);
  const ikm = await hkdf(subscriber.auth, ecdh, keyInfo, 32);
  const cek = await hkdf(salt, ikm, "Content-Encoding: aes128gcm\0", 16);
  const nonce = await hkdf(salt, ikm, "Content-Encoding: nonce\0", 12);
  const key = await crypto.subtle.importKey("raw", cek, "AES-GCM", false, ["decrypt"]);
  const padded = new Uint8Array(
    await crypto.subtle.decrypt({ name: "AES-GCM", iv: nonce }, key, record),
  );
  // The last record ends with 0x02, then any zero padding.
  let end = padded.length - 1;
  while (end >= 0 && padded[end] === 0) end--;
  if (padded[end] !== 2) throw new Error("not a last record");
  return decoder.decode(padded.subarray(0, end));
}
