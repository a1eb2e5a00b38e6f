// Pushes for new messages, end to end in workerd: a room hands its messages to the real queue
// (PUSH_QUEUE, miniflare's), the Worker's own consumer decides who is away and sends, and the
// push service played by test/push-service.ts verifies the VAPID JWT and decrypts each push with
// the subscription's private key, as a browser would.
import { env } from "cloudflare:test";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { toBase64Url } from "../src/worker/auth/crypto";
import {
  addMember,
  call,
  createRoom,
  register,
  roomStub,
  sendMessage,
  type TestUser,
  uniqueHandle,
} from "./helpers";
import {
  newSubscriber,
  PUSH_ORIGIN,
  pushService,
  type Received,
  type TestSubscriber,
} from "./push-service";
import { InboxClient, RoomClient } from "./room-client";

/** DESIGN: a push within 5 s of the message. */
const PUSH_WITHIN_MS = 5_000;

interface Person extends TestUser {
  name: string;
  path: string;
  subscriber: TestSubscriber;
  subscriptionId: string;
}

/** Someone with one browser subscribed at PUSH_ORIGIN/<handle>. */
async function person(name: string): Promise<Person> {
  return subscribed(await register(uniqueHandle(name.toLowerCase()), name), name);
}

async function subscribed(user: TestUser, name: string): Promise<Person> {
  const subscriber = await newSubscriber();
  const path = `/${user.handle}`;
  const res = await call(
    "POST",
    "/api/me/push-subscriptions",
    {
      endpoint: `${PUSH_ORIGIN}${path}`,
      keys: { p256dh: toBase64Url(subscriber.p256dh), auth: toBase64Url(subscriber.auth) },
    },
    { token: user.token },
  );
  expect(res.status).toBe(201);
  return { ...user, name, path, subscriber, subscriptionId: res.body.subscription.id };
}

const subscribers = (...people: Person[]) => new Map(people.map((p) => [p.path, p.subscriber]));

async function openDm(from: TestUser, to: TestUser): Promise<string> {
  const res = await call("POST", "/api/dms", { userId: to.id }, { token: from.token });
  expect([200, 201]).toContain(res.status);
  return res.body.room.id as string;
}

/** The pushes `who` received, decrypted. */
const pushesTo = (received: Received[], who: Person) =>
  received
    .filter((r) => new URL(r.url).pathname === who.path)
    .map((r) => ({ ...r, json: JSON.parse(r.payload) }));

async function waitForPushes(
  received: Received[],
  who: Person,
  count: number,
  timeout = PUSH_WITHIN_MS,
) {
  await vi.waitFor(() => expect(pushesTo(received, who).length).toBeGreaterThanOrEqual(count), {
    timeout,
    interval: 50,
  });
  return pushesTo(received, who);
}

let ana: Person;

beforeAll(async () => {
  await register(); // the instance's admin
  ana = await person("Ana");
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe("a DM to someone away", () => {
  it("reaches their browser within 5 s: one push, encrypted, with the room, sender and excerpt", async () => {
    const bo = await person("Bo");
    const received = pushService(subscribers(ana, bo));
    const dm = await openDm(ana, bo);
    const sent = await sendMessage(
      ana,
      dm,
      "Lunch at noon? I found a place with a view of the harbour",
    );
    const [push] = await waitForPushes(received, bo, 1);
    expect(push?.json).toEqual({
      type: "message",
      roomId: dm,
      roomName: "Ana",
      seq: sent.seq,
      threadOf: null,
      sender: { id: ana.id, name: "Ana" },
      excerpt: "Lunch at noon? I found a place with a view of the harbour",
      mention: false,
      count: 1,
    });
    expect(push?.headers.get("topic")).toBe(dm);
    expect(push?.headers.get("urgency")).toBe("high");
    expect(push?.headers.get("ttl")).toBe(String(24 * 3600));
    expect(push?.claims?.aud).toBe(PUSH_ORIGIN);
    expect(pushesTo(received, ana)).toEqual([]);
  });
});

describe("who is away", () => {
  it("nobody with a room or inbox socket open gets a push; the one away does", async () => {
    const [bo, cy, di] = [await person("Bo"), await person("Cy"), await person("Di")];
    const room = await createRoom(ana, "channel", uniqueHandle("away"));
    for (const p of [bo, cy, di]) {
      await addMember(ana, room.id, p.id);
      const level = await call(
        "PUT",
        `/api/rooms/${room.id}/notifications`,
        { level: "all" },
        { token: p.token },
      );
      expect(level.status).toBe(200);
    }
    const received = pushService(subscribers(ana, bo, cy, di));
    const inRoom = await RoomClient.open(room.id, bo.token);
    const inbox = await InboxClient.open(cy.token);
    try {
      await sendMessage(ana, room.id, "Standup in five");
      // Di is away: once her push is here, the others' would have been too.
      await waitForPushes(received, di, 1);
      expect(pushesTo(received, bo)).toEqual([]);
      expect(pushesTo(received, cy)).toEqual([]);
    } finally {
      inRoom.close();
      inbox.close();
    }
  });
});

describe("levels", () => {
  it("a channel tells of mentions by default; `all` of everything; `none` of nothing", async () => {
    const [bo, cy, di] = [await person("Bo"), await person("Cy"), await person("Di")];
    const room = await createRoom(ana, "channel", uniqueHandle("levels"));
    for (const p of [bo, cy, di]) await addMember(ana, room.id, p.id);
    const setLevel = (p: Person, level: string) =>
      call("PUT", `/api/rooms/${room.id}/notifications`, { level }, { token: p.token });
    expect((await setLevel(cy, "all")).status).toBe(200);
    expect((await setLevel(di, "none")).status).toBe(200);
    const received = pushService(subscribers(bo, cy, di));

    const plain = await sendMessage(ana, room.id, "Coffee is ready");
    const [forCy] = await waitForPushes(received, cy, 1);
    expect(forCy?.json).toMatchObject({ seq: plain.seq, mention: false, roomName: room.name });
    expect(forCy?.headers.get("urgency")).toBe("normal");
    expect(pushesTo(received, bo)).toEqual([]);

    // Past Cy's coalescing window, so only the mention is in question.
    const mention = await sendMessage(ana, room.id, `@${bo.handle} @${di.handle} the build is red`);
    const [forBo] = await waitForPushes(received, bo, 1);
    expect(forBo?.json).toMatchObject({ seq: mention.seq, mention: true, count: 1 });
    expect(forBo?.headers.get("urgency")).toBe("high");
    expect(pushesTo(received, di)).toEqual([]);
  });
});

describe("blocking", () => {
  it("someone I blocked never pushes me in a room we share; others still do", async () => {
    const [bo, cy] = [await person("Bo"), await person("Cy")];
    const room = await createRoom(ana, "channel", uniqueHandle("blocks"));
    for (const p of [bo, cy]) await addMember(ana, room.id, p.id);
    expect(
      (await call("PUT", `/api/me/blocks/${ana.id}`, undefined, { token: bo.token })).status,
    ).toBe(204);
    const received = pushService(subscribers(bo, cy));

    await sendMessage(ana, room.id, `@${bo.handle} @${cy.handle} are you there?`);
    await waitForPushes(received, cy, 1);
    // Cy's push went out, so the job that could have pushed Bo is done.
    expect(pushesTo(received, bo)).toEqual([]);

    const other = await sendMessage(cy, room.id, `@${bo.handle} lunch?`);
    const [forBo] = await waitForPushes(received, bo, 1);
    expect(forBo?.json).toMatchObject({ seq: other.seq, count: 1, sender: { id: cy.id } });
  });
});

describe("coalescing", () => {
  it("one push per room per 10 s: what follows is folded into the next, which counts it", async () => {
    const bo = await person("Bo");
    const received = pushService(subscribers(bo));
    const dm = await openDm(ana, bo);
    const first = await sendMessage(ana, dm, "one");
    await waitForPushes(received, bo, 1);
    await sendMessage(ana, dm, "two");
    const third = await sendMessage(ana, dm, "three");
    const pushes = await waitForPushes(received, bo, 2, 15_000);
    expect(pushes.map((p) => p.json)).toEqual([
      expect.objectContaining({ seq: first.seq, excerpt: "one", count: 1 }),
      expect.objectContaining({ seq: third.seq, excerpt: "three", count: 2 }),
    ]);
    // Nothing else was left over to send.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(pushesTo(received, bo)).toHaveLength(2);
  });
});

describe("push services that fail", () => {
  it("410 Gone deletes the subscription", async () => {
    const bo = await person("Bo");
    const received = pushService(subscribers(bo), () => 410);
    const dm = await openDm(ana, bo);
    await sendMessage(ana, dm, "are you there?");
    await waitForPushes(received, bo, 1);
    await vi.waitFor(async () => {
      const mine = await call("GET", "/api/me/push-subscriptions", undefined, { token: bo.token });
      expect(mine.body.subscriptions).toEqual([]);
    });
  });

  it("503 is retried by the queue consumer, and the retry is delivered", async () => {
    const bo = await person("Bo");
    const received = pushService(subscribers(bo), (_r, i) => (i === 0 ? 503 : 201));
    const dm = await openDm(ana, bo);
    const sent = await sendMessage(ana, dm, "retry me");
    const pushes = await waitForPushes(received, bo, 2, 15_000);
    expect(pushes.map((p) => p.json.seq)).toEqual([sent.seq, sent.seq]);
    const mine = await call("GET", "/api/me/push-subscriptions", undefined, { token: bo.token });
    expect(mine.body.subscriptions).toHaveLength(1);
  });

  it("a push service that hangs does not hold up sends", async () => {
    const bo = await person("Bo");
    let release = () => {};
    const hanging = new Promise<number>((resolve) => {
      release = () => resolve(201);
    });
    const received = pushService(subscribers(bo), () => hanging);
    try {
      const dm = await openDm(ana, bo);
      await sendMessage(ana, dm, "first");
      await waitForPushes(received, bo, 1);
      // The push is still hanging; the room takes and delivers more messages regardless.
      const watcher = await RoomClient.open(dm, ana.token);
      const more = await sendMessage(ana, dm, "second");
      await watcher.next("message", (f) => f.message.seq === more.seq);
      watcher.close();
    } finally {
      release();
    }
  });
});

describe("thread replies", () => {
  it("reach the thread's followers, not everyone at `all`; the link opens the thread's root", async () => {
    // Subscribed only once the thread exists, so the pushes before it cannot fold into windows.
    const [boUser, cyUser, di] = [await register(), await register(), await register()];
    const room = await createRoom(ana, "channel", uniqueHandle("thread-push"));
    for (const p of [boUser, cyUser, di]) await addMember(ana, room.id, p.id);
    const root = await sendMessage(ana, room.id, "Release notes draft");
    const replyAs = (p: TestUser, body: string) =>
      call(
        "POST",
        `/api/rooms/${room.id}/messages`,
        { cid: crypto.randomUUID(), body, threadOf: root.seq },
        { token: p.token },
      );
    expect((await replyAs(cyUser, "I'll take the API part")).status).toBe(201); // Cy follows now
    await roomStub(room.id).flush(); // hands the messages so far to the queue
    await new Promise((resolve) => setTimeout(resolve, 2_000)); // and the consumer has seen them
    const [bo, cy] = [await subscribed(boUser, "Bo"), await subscribed(cyUser, "Cy")];
    for (const p of [bo, cy]) {
      const set = await call(
        "PUT",
        `/api/rooms/${room.id}/notifications`,
        { level: "all" },
        { token: p.token },
      );
      expect(set.status).toBe(200);
    }
    const received = pushService(subscribers(bo, cy));
    const reply = await replyAs(di, "Screenshots are in");
    const [forCy] = await waitForPushes(received, cy, 1);
    expect(forCy?.json).toMatchObject({ seq: reply.body.message.seq, threadOf: root.seq });
    expect(pushesTo(received, bo)).toEqual([]);
  });
});

describe("a room with many away", () => {
  it("150 subscribed members away: each gets its pushes, at most one a window, no count lost", async () => {
    const room = await createRoom(ana, "channel", uniqueHandle("crowd-push"));
    const subscriber = await newSubscriber();
    const keys = { p256dh: toBase64Url(subscriber.p256dh), auth: toBase64Url(subscriber.auth) };
    const now = Date.now();
    const crowd = Array.from({ length: 150 }, (_, i) => `usr_crowdpush_${room.id}_${i}`);
    // Straight into D1 (registering 150 people would take minutes): people, memberships at
    // level `all`, one browser each.
    await env.DB.batch(
      crowd.flatMap((id, i) => [
        env.DB.prepare(
          "INSERT INTO users (id, handle, display_name, password_hash, created_at) VALUES (?, ?, ?, 'x', ?)",
        ).bind(id, `${room.id.slice(-12)}_${i}`, `Crowd ${i}`, now),
        env.DB.prepare(
          "INSERT INTO memberships (room_id, user_id, role, joined_at, notify) VALUES (?, ?, 'member', ?, 'all')",
        ).bind(room.id, id, now),
        env.DB.prepare(
          "INSERT INTO push_subscriptions (id, user_id, endpoint, p256dh, auth, created_at) VALUES (?, ?, ?, ?, ?, ?)",
        ).bind(`push_${id}`, id, `${PUSH_ORIGIN}/${id}`, keys.p256dh, keys.auth, now),
      ]),
    );
    const received = pushService(new Map(crowd.map((id) => [`/${id}`, subscriber])));
    const sent: number[] = [];
    for (const body of ["one", "two", "three", "four"]) {
      sent.push((await sendMessage(ana, room.id, body)).seq);
    }
    const byPerson = () => {
      const map = new Map<string, Array<{ seq: number; count: number }>>();
      for (const r of received) {
        const list = map.get(new URL(r.url).pathname) ?? [];
        list.push(JSON.parse(r.payload));
        map.set(new URL(r.url).pathname, list);
      }
      return map;
    };
    // Every message is accounted for in each person's pushes, the last one naming the newest.
    await vi.waitFor(
      () => {
        const map = byPerson();
        expect(map.size).toBe(crowd.length);
        for (const pushes of map.values()) {
          expect(pushes.reduce((n, p) => n + p.count, 0)).toBe(sent.length);
        }
      },
      { timeout: 20_000, interval: 200 },
    );
    for (const pushes of byPerson().values()) {
      expect(pushes.length).toBeLessThanOrEqual(2);
      expect(pushes.at(-1)?.seq).toBe(sent.at(-1));
    }
  }, 40_000);
});
