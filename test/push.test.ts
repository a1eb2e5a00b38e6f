// Web Push set-up over HTTP: the instance's VAPID key (made once, kept in D1), subscriptions
// (one per endpoint, https only), and a test push delivered to a push service played by this
// file: it verifies the VAPID JWT against the instance's key and decrypts the payload with the
// subscription's private key, as a browser's push service and the browser would.
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { toBase64Url } from "../src/worker/auth/crypto";
import { call, createRoom, expectError, register, type TestUser } from "./helpers";
import { newSubscriber, PUSH_ORIGIN, pushService, type TestSubscriber } from "./push-service";

let ana: TestUser;
let bo: TestUser;

beforeAll(async () => {
  await register(); // the instance's admin
  ana = await register();
  bo = await register();
});

afterEach(() => {
  vi.restoreAllMocks();
});

async function subscribe(user: TestUser, path: string, subscriber: TestSubscriber) {
  return call(
    "POST",
    "/api/me/push-subscriptions",
    {
      endpoint: `${PUSH_ORIGIN}${path}`,
      keys: { p256dh: toBase64Url(subscriber.p256dh), auth: toBase64Url(subscriber.auth) },
    },
    { token: user.token },
  );
}

describe("the VAPID key", () => {
  it("is made once and then always the same, an uncompressed P-256 point", async () => {
    const first = await call("GET", "/api/push/vapid-key");
    const again = await call("GET", "/api/push/vapid-key");
    expect(first.status).toBe(200);
    expect(again.body.publicKey).toBe(first.body.publicKey);
    expect(first.body.publicKey).toMatch(/^B[A-Za-z0-9_-]{86}$/);
  });
});

describe("subscriptions", () => {
  it("one per endpoint: the same endpoint again answers 200 with the same id", async () => {
    const subscriber = await newSubscriber();
    const created = await subscribe(ana, "/ana-1", subscriber);
    expect(created.status).toBe(201);
    expect(created.body.subscription).toMatchObject({ endpoint: `${PUSH_ORIGIN}/ana-1` });
    const again = await subscribe(ana, "/ana-1", subscriber);
    expect(again.status).toBe(200);
    expect(again.body.subscription.id).toBe(created.body.subscription.id);
    const mine = await call("GET", "/api/me/push-subscriptions", undefined, { token: ana.token });
    expect(mine.body.subscriptions.map((s: { id: string }) => s.id)).toContain(
      created.body.subscription.id,
    );
    const theirs = await call("GET", "/api/me/push-subscriptions", undefined, { token: bo.token });
    expect(theirs.body.subscriptions).toEqual([]);
  });

  it("refuses plain http endpoints off loopback and keys of the wrong shape", async () => {
    const subscriber = await newSubscriber();
    const keys = { p256dh: toBase64Url(subscriber.p256dh), auth: toBase64Url(subscriber.auth) };
    const post = (body: unknown) =>
      call("POST", "/api/me/push-subscriptions", body, { token: ana.token });
    expectError(await post({ endpoint: "http://push.example.com/x", keys }), 400, "invalid");
    expectError(
      await post({ endpoint: `${PUSH_ORIGIN}/k`, keys: { ...keys, auth: "c2hvcnQ" } }),
      400,
      "invalid",
    );
    expectError(
      await post({ endpoint: `${PUSH_ORIGIN}/k`, keys: { ...keys, p256dh: keys.auth } }),
      400,
      "invalid",
    );
  });

  it("are mine to delete; someone else's is 404", async () => {
    const created = await subscribe(ana, "/ana-2", await newSubscriber());
    const id = created.body.subscription.id as string;
    expectError(
      await call("DELETE", `/api/me/push-subscriptions/${id}`, undefined, { token: bo.token }),
      404,
      "not_found",
    );
    const gone = await call("DELETE", `/api/me/push-subscriptions/${id}`, undefined, {
      token: ana.token,
    });
    expect(gone.status).toBe(204);
  });
});

describe("a test push", () => {
  it("reaches the push service signed with the instance's key and decrypts to {type: 'test'}", async () => {
    const subscriber = await newSubscriber();
    const created = await subscribe(bo, "/bo-1", subscriber);
    const received = pushService(new Map([["/bo-1", subscriber]]));
    const res = await call(
      "POST",
      `/api/me/push-subscriptions/${created.body.subscription.id}/test`,
      undefined,
      { token: bo.token },
    );
    expect(res.body).toEqual({ delivered: true, status: 201 });
    expect(received).toHaveLength(1);
    const [push] = received;
    expect(push?.vapidKey).toBe((await call("GET", "/api/push/vapid-key")).body.publicKey);
    expect(push?.claims?.aud).toBe(PUSH_ORIGIN);
    expect(push?.claims?.sub).toMatch(/^(mailto:|https:)/);
    expect((push?.claims?.exp ?? 0) * 1000).toBeLessThanOrEqual(Date.now() + 24 * 3600 * 1000);
    expect(push?.headers.get("content-encoding")).toBe("aes128gcm");
    expect(Number(push?.headers.get("ttl"))).toBeGreaterThan(0);
    expect(JSON.parse(push?.payload ?? "null")).toEqual({ type: "test" });
  });

  it("a push service answering 410 Gone removes the subscription", async () => {
    const subscriber = await newSubscriber();
    const created = await subscribe(bo, "/bo-gone", subscriber);
    pushService(new Map([["/bo-gone", subscriber]]), () => 410);
    const id = created.body.subscription.id as string;
    const res = await call("POST", `/api/me/push-subscriptions/${id}/test`, undefined, {
      token: bo.token,
    });
    expect(res.body).toEqual({ delivered: false, status: 410 });
    const mine = await call("GET", "/api/me/push-subscriptions", undefined, { token: bo.token });
    expect(mine.body.subscriptions.map((s: { id: string }) => s.id)).not.toContain(id);
  });
});

describe("notification levels", () => {
  const levelIn = async (user: TestUser, roomId: string) => {
    const list = await call("GET", "/api/rooms", undefined, { token: user.token });
    return list.body.rooms.find((r: { room: { id: string } }) => r.room.id === roomId)?.notify;
  };

  it("default by kind: DMs all, other rooms mentions; a chosen level is kept", async () => {
    const channel = await createRoom(ana, "channel", "levels");
    const dm = await call("POST", "/api/dms", { userIds: [bo.id] }, { token: ana.token });
    expect(await levelIn(ana, channel.id)).toBe("mentions");
    expect(await levelIn(ana, dm.body.room.id)).toBe("all");
    const set = await call(
      "PUT",
      `/api/rooms/${channel.id}/notifications`,
      { level: "all" },
      { token: ana.token },
    );
    expect(set.body).toEqual({ notify: "all", muted: false });
    expect(await levelIn(ana, channel.id)).toBe("all");
  });

  it("muting is `none`; unmuting a room set to none brings back the default", async () => {
    const channel = await createRoom(ana, "channel", "quiet");
    await call("PUT", `/api/rooms/${channel.id}/mute`, { muted: true }, { token: ana.token });
    expect(await levelIn(ana, channel.id)).toBe("none");
    await call("PUT", `/api/rooms/${channel.id}/mute`, { muted: false }, { token: ana.token });
    expect(await levelIn(ana, channel.id)).toBe("mentions");
    const none = await call(
      "PUT",
      `/api/rooms/${channel.id}/notifications`,
      { level: "none" },
      { token: ana.token },
    );
    expect(none.body).toEqual({ notify: "none", muted: true });
    const list = await call("GET", "/api/rooms", undefined, { token: ana.token });
    const item = list.body.rooms.find((r: { room: { id: string } }) => r.room.id === channel.id);
    expect(item.muted).toBe(true);
    await call("PUT", `/api/rooms/${channel.id}/mute`, { muted: false }, { token: ana.token });
    expect(await levelIn(ana, channel.id)).toBe("mentions");
  });

  it("only members choose, and only the three levels", async () => {
    const room = await createRoom(ana, "private", "mine");
    expectError(
      await call(
        "PUT",
        `/api/rooms/${room.id}/notifications`,
        { level: "all" },
        { token: bo.token },
      ),
      404,
      "not_found",
    );
    expectError(
      await call(
        "PUT",
        `/api/rooms/${room.id}/notifications`,
        { level: "loud" },
        { token: ana.token },
      ),
      400,
      "invalid",
    );
  });
});
