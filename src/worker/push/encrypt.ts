// Web Push payload encryption (RFC 8291) in the `aes128gcm` content coding (RFC 8188), with
// workerd's WebCrypto: an ephemeral ECDH P-256 key agreed with the subscription's key, both
// mixed with its auth secret through HKDF into a content key and nonce, one AES-128-GCM record.
import { toBase64Url } from "../auth/crypto";

/** A subscription's keys, as the browser's PushSubscription gives them (raw bytes). */
export interface SubscriptionKeys {
  /** The user agent's public key: uncompressed P-256, 65 bytes. */
  p256dh: Uint8Array<ArrayBuffer>;
  /** The shared auth secret: 16 bytes. */
  auth: Uint8Array<ArrayBuffer>;
}

/** The record size written in the header; one record holds any payload a push may carry. */
const RECORD_SIZE = 4096;
/** The most plaintext one record carries (RFC 8291 §4: 4096 minus tag, delimiter, header). */
export const MAX_PAYLOAD_BYTES = 3993;

const text = (s: string) => new TextEncoder().encode(s);

function concat(...parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** HKDF-SHA-256 (extract and expand) of `ikm` into `bytes` bytes. */
async function hkdf(
  salt: Uint8Array<ArrayBuffer>,
  ikm: Uint8Array<ArrayBuffer>,
  info: Uint8Array<ArrayBuffer>,
  bytes: number,
): Promise<Uint8Array<ArrayBuffer>> {
  const key = await crypto.subtle.importKey("raw", ikm, "HKDF", false, ["deriveBits"]);
  const bits = await crypto.subtle.deriveBits(
    { name: "HKDF", hash: "SHA-256", salt, info },
    key,
    bytes * 8,
  );
  return new Uint8Array(bits);
}

/** A P-256 public key's JWK coordinates from its uncompressed form (0x04 || x || y). */
export function publicJwk(raw: Uint8Array): JsonWebKey {
  if (raw.length !== 65 || raw[0] !== 4) throw new Error("Not an uncompressed P-256 key");
  return {
    kty: "EC",
    crv: "P-256",
    x: toBase64Url(raw.subarray(1, 33)),
    y: toBase64Url(raw.subarray(33, 65)),
  };
}

/** The application server's side of one message: an ECDH key pair (fresh for every message). */
export interface SenderKeys {
  privateKey: CryptoKey;
  /** Uncompressed P-256, 65 bytes: it travels in the header as the record's key id. */
  publicKey: Uint8Array<ArrayBuffer>;
}

export async function newSenderKeys(): Promise<SenderKeys> {
  const pair = (await crypto.subtle.generateKey({ name: "ECDH", namedCurve: "P-256" }, true, [
    "deriveBits",
  ])) as CryptoKeyPair;
  const publicKey = new Uint8Array(
    (await crypto.subtle.exportKey("raw", pair.publicKey)) as ArrayBuffer,
  );
  return { privateKey: pair.privateKey, publicKey };
}

/**
 * The encrypted body of a push message: header (salt, record size, key id = the sender's public
 * key) and one record. `salt` and `sender` are fresh unless given (the RFC's test vector gives
 * them).
 */
export async function encryptPayload(
  plaintext: Uint8Array,
  subscription: SubscriptionKeys,
  given: { salt?: Uint8Array<ArrayBuffer>; sender?: SenderKeys } = {},
): Promise<Uint8Array<ArrayBuffer>> {
  if (plaintext.length > MAX_PAYLOAD_BYTES) throw new Error("Push payload too large");
  const salt = given.salt ?? crypto.getRandomValues(new Uint8Array(16));
  const sender = given.sender ?? (await newSenderKeys());
  const uaPublic = await crypto.subtle.importKey(
    "jwk",
    publicJwk(subscription.p256dh),
    { name: "ECDH", namedCurve: "P-256" },
    false,
    [],
  );
  const ecdhSecret = new Uint8Array(
    await crypto.subtle.deriveBits({ name: "ECDH", public: uaPublic }, sender.privateKey, 256),
  );
  // RFC 8291 §3.3–3.4: the auth secret and both public keys bind the shared secret.
  const keyInfo = concat(text("WebPush: info\0"), subscription.p256dh, sender.publicKey);
  const ikm = await hkdf(subscription.auth, ecdhSecret, keyInfo, 32);
  const cek = await hkdf(salt, ikm, text("Content-Encoding: aes128gcm\0"), 16);
  const nonce = await hkdf(salt, ikm, text("Content-Encoding: nonce\0"), 12);
  const key = await crypto.subtle.importKey("raw", cek, "AES-GCM", false, ["encrypt"]);
  // One record, so it is the last: the delimiter is 0x02 and no padding follows.
  const record = new Uint8Array(
    await crypto.subtle.encrypt(
      { name: "AES-GCM", iv: nonce },
      key,
      concat(plaintext, Uint8Array.of(2)),
    ),
  );
  const header = new Uint8Array(16 + 4 + 1 + sender.publicKey.length);
  header.set(salt, 0);
  new DataView(header.buffer).setUint32(16, RECORD_SIZE);
  header[20] = sender.publicKey.length;
  header.set(sender.publicKey, 21);
  return concat(header, record);
}
