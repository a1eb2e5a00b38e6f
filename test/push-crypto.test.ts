// The Web Push primitives against the RFCs: payload encryption reproduces RFC 8291's worked
// example byte for byte (Appendix A), a push body decrypts as a browser would decrypt it, and a
// VAPID header (RFC 8292) verifies against the key it carries, with the claims a push service
// checks.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { openDb } from "../src/db/client";
import { fromBase64Url, toBase64Url } from "../src/worker/auth/crypto";
import { encryptPayload, publicJwk } from "../src/worker/push/encrypt";
import { vapidKeys } from "../src/worker/push/keys";
import { newVapidKeys, vapidAuthorization } from "../src/worker/push/vapid";
import { decryptPush, newSubscriber, verifyVapid } from "./push-service";

// RFC 8291, Appendix A: "When I grow up, I want to be a watermelon".
const RFC8291 = {
  plaintext: "When I grow up, I want to be a watermelon",
  asPrivate: "yfWPiYE-n46HLnH0KqZOF1fJJU3MYrct3AELtAQ-oRw",
  asPublic:
    "BP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A8",
  uaPublic:
    "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4",
  authSecret: "BTBZMqHH6r4Tts7J_aSIgg",
  salt: "DGv6ra1nlYgDCS1FRnbzlw",
  body: "DGv6ra1nlYgDCS1FRnbzlwAAEABBBP4z9KsN6nGRTbVYI_c7VJSPQTBtkgcy27mlmlMoZIIgDll6e3vCYLocInmYWAmS6TlzAC8wEqKK6PBru3jl7A_yl95bQpu6cVPTpK4Mqgkf1CXztLVBSt2Ks3oZwbuwXPXLWyouBWLVWGNWQexSgSxsj_Qulcy4a-fN",
};

describe("RFC 8291 payload encryption", () => {
  it("reproduces the RFC's example exactly, given its keys and salt", async () => {
    const asPublic = fromBase64Url(RFC8291.asPublic);
    const privateKey = await crypto.subtle.importKey(
      "jwk",
      { ...publicJwk(asPublic), d: RFC8291.asPrivate },
      { name: "ECDH", namedCurve: "P-256" },
      false,
      ["deriveBits"],
    );
    const body = await encryptPayload(
      new TextEncoder().encode(RFC8291.plaintext),
      { p256dh: fromBase64Url(RFC8291.uaPublic), auth: fromBase64Url(RFC8291.authSecret) },
      { salt: fromBase64Url(RFC8291.salt), sender: { privateKey, publicKey: asPublic } },
    );
    expect(toBase64Url(body)).toBe(RFC8291.body);
  });

  it("a fresh body decrypts with the subscription's keys only, and never repeats", async () => {
    const subscriber = await newSubscriber();
    const payload = JSON.stringify({ type: "message", excerpt: "héllo 👋" });
    const keys = { p256dh: subscriber.p256dh, auth: subscriber.auth };
    const first = await encryptPayload(new TextEncoder().encode(payload), keys);
    const second = await encryptPayload(new TextEncoder().encode(payload), keys);
    expect(toBase64Url(first)).not.toBe(toBase64Url(second));
    expect(await decryptPush(first, subscriber)).toBe(payload);
    const stranger = await newSubscriber();
    await expect(decryptPush(first, stranger)).rejects.toThrow();
  });
});

describe("RFC 8292 VAPID", () => {
  it("signs a JWT for the endpoint's origin that verifies against the key it names", async () => {
    const keys = await newVapidKeys();
    expect(fromBase64Url(keys.publicKey)).toHaveLength(65);
    const now = Date.UTC(2026, 10, 29, 12);
    const header = await vapidAuthorization(
      keys,
      "https://push.example.net/wpush/v2/abc?x=1",
      "mailto:ops@confab.example",
      now,
    );
    const verified = await verifyVapid(header);
    expect(verified?.publicKey).toBe(keys.publicKey);
    expect(verified?.claims).toEqual({
      aud: "https://push.example.net",
      sub: "mailto:ops@confab.example",
      exp: Math.floor(now / 1000) + 12 * 60 * 60,
    });
  });

  it("one signature serves a push service for an hour, then a fresh one", async () => {
    const keys = await newVapidKeys();
    const at = Date.UTC(2026, 10, 29, 12);
    const sign = (endpoint: string, now: number) =>
      vapidAuthorization(keys, endpoint, "mailto:a@b.c", now);
    const first = await sign("https://push.example.net/a", at);
    expect(await sign("https://push.example.net/b", at + 59 * 60_000)).toBe(first);
    expect(await sign("https://other.example.org/a", at)).not.toBe(first);
    const later = await sign("https://push.example.net/a", at + 61 * 60_000);
    expect(later).not.toBe(first);
    expect((await verifyVapid(later))?.claims.exp).toBe(
      Math.floor((at + 61 * 60_000) / 1000) + 12 * 3600,
    );
  });

  it("a token signed by another key does not verify", async () => {
    const [ours, theirs] = [await newVapidKeys(), await newVapidKeys()];
    const header = await vapidAuthorization(ours, "https://push.example.net/x", "mailto:a@b.c");
    const forged = header.replace(/k=.*$/, `k=${theirs.publicKey}`);
    expect(await verifyVapid(forged)).toBeNull();
  });
});

describe("the instance's VAPID keys", () => {
  it("come from the secrets when set (raw base64url, as key generators print them)", async () => {
    const pair = await newVapidKeys();
    const withSecrets = {
      ...env,
      VAPID_PUBLIC_KEY: pair.publicKey,
      VAPID_PRIVATE_KEY: pair.privateJwk.d,
    };
    const keys = await vapidKeys(withSecrets, openDb(env.DB));
    expect(keys.publicKey).toBe(pair.publicKey);
    const header = await vapidAuthorization(keys, "https://push.example.net/x", "mailto:a@b.c");
    expect((await verifyVapid(header))?.publicKey).toBe(pair.publicKey);
  });

  it("without secrets are made once and kept: every later use gets the same pair", async () => {
    const db = openDb(env.DB);
    const first = await vapidKeys(env, db);
    const again = await vapidKeys(env, db);
    expect(again).toEqual(first);
  });
});
