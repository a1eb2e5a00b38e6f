// Threads and pins: replies in the room's one order and out of the main timeline, the root's
// summary, following, exact thread and mention counts (also through a D1 outage), my threads,
// and pins with their permissions and limit.
import { evictDurableObject } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import type { Message } from "../src/shared/protocol";
import { breakRoomD1, repairRoomD1 } from "./d1-outage";
import {
  addMember,
  call,
  createRoom,
  expectError,
  myRoom,
  register,
  roomStub,
  sendMessage,
  type TestUser,
  uniqueHandle,
} from "./helpers";
import { RoomClient } from "./room-client";

let admin: TestUser;
let ana: TestUser;
let bo: TestUser;
let cy: TestUser;

beforeAll(async () => {
  admin = await register(); // the instance's admin
  ana = await register(uniqueHandle("ana"), "Ana");
  bo = await register(uniqueHandle("bo"), "Bo");
  cy = await register(uniqueHandle("cy"), "Cy");
});

async function room(kind: "channel" | "private" = "channel") {
  const r = await createRoom(ana, kind, uniqueHandle("threads"));
  await addMember(ana, r.id, bo.id);
  await addMember(ana, r.id, cy.id);
  return r.id;
}

async function reply(user: TestUser, roomId: string, root: number, body: string) {
  const res = await call(
    "POST",
    `/api/rooms/${roomId}/messages`,
    { cid: crypto.randomUUID(), body, threadOf: root },
    { token: user.token },
  );
  if (res.status !== 201) throw new Error(`reply: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.message as Message;
}

const get = (user: TestUser, path: string) => call("GET", path, undefined, { token: user.token });

/** A call that waits out the send bucket (pins spend it too) as a client would: Retry-After. */
async function patiently(request: () => ReturnType<typeof call>) {
  for (;;) {
    const res = await request();
    if (res.status !== 429) return res;
    const seconds = Number(res.headers.get("retry-after") ?? "1");
    await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  }
}
const flush = (roomId: string) => roomStub(roomId).flush();

describe("thread replies", () => {
  it("take seqs in the room's order, stay out of the main timeline, and update the root", async () => {
    const roomId = await room();
    const root = await sendMessage(ana, roomId, "Plans for Friday?");
    const watcher = await RoomClient.open(roomId, cy.token);
    const first = await reply(bo, roomId, root.seq, "Pizza");
    expect(first).toMatchObject({ threadOf: root.seq, thread: null });
    const changed = await watcher.next("changed", (f) => f.message.seq === root.seq);
    expect(changed.message.thread).toMatchObject({ replies: 1, lastRepliers: [bo.id] });
    expect(changed.message.rev).toBeGreaterThan(root.rev);
    await watcher.next("message", (f) => f.message.seq === first.seq);
    const after = await sendMessage(ana, roomId, "Back in the main room");
    await reply(cy, roomId, root.seq, "Tacos");
    watcher.close();

    const main = await get(ana, `/api/rooms/${roomId}/messages`);
    expect(main.body.messages.map((m: Message) => m.seq)).toEqual([root.seq, after.seq]);
    expect(main.body.messages[0].thread).toMatchObject({
      replies: 2,
      lastRepliers: [cy.id, bo.id],
    });
    const thread = await get(ana, `/api/rooms/${roomId}/messages?threadOf=${root.seq}`);
    expect(thread.status).toBe(200);
    expect(thread.body.root.seq).toBe(root.seq);
    expect(thread.body.messages.map((m: Message) => m.body)).toEqual(["Pizza", "Tacos"]);
    const older = await get(
      ana,
      `/api/rooms/${roomId}/messages?threadOf=${root.seq}&before=${thread.body.messages[1].seq}&limit=1`,
    );
    expect(older.body.messages.map((m: Message) => m.body)).toEqual(["Pizza"]);
    // The changes feed replays everything: replies and roots alike.
    const changes = await get(ana, `/api/rooms/${roomId}/messages?sinceRev=0`);
    expect(changes.body.messages.filter((m: Message) => m.threadOf === root.seq)).toHaveLength(2);
  });

  it("only a top-level message that is not deleted takes replies", async () => {
    const roomId = await room();
    const root = await sendMessage(ana, roomId, "root");
    const r1 = await reply(bo, roomId, root.seq, "a reply");
    const send = (threadOf: number) =>
      call(
        "POST",
        `/api/rooms/${roomId}/messages`,
        { cid: crypto.randomUUID(), body: "x", threadOf },
        { token: bo.token },
      );
    expectError(await send(r1.seq), 400, "invalid");
    expectError(await send(999_999), 400, "invalid");
    const gone = await sendMessage(ana, roomId, "soon deleted");
    await call("DELETE", `/api/rooms/${roomId}/messages/${gone.seq}`, undefined, {
      token: ana.token,
    });
    expectError(await send(gone.seq), 400, "invalid");
    // Over the socket: an error frame, nothing stored.
    const socket = await RoomClient.open(roomId, bo.token);
    socket.send({ type: "send", cid: "bad-thread", body: "x", threadOf: r1.seq });
    expect((await socket.next("error", (f) => f.ref === "bad-thread")).code).toBe("invalid");
    socket.close();
    expectError(
      await get(ana, `/api/rooms/${roomId}/messages?threadOf=${r1.seq}`),
      404,
      "not_found",
    );
  });

  it("two repliers at once, with an eviction between: every reply counted once, in seq order", async () => {
    const roomId = await room();
    const root = await sendMessage(ana, roomId, "Count with me");
    const a = await RoomClient.open(roomId, bo.token);
    const b = await RoomClient.open(roomId, cy.token);
    const burst = (client: RoomClient, who: string, from: number) => {
      for (let i = from; i < from + 5; i++) {
        client.send({ type: "send", cid: `${who}-${i}`, body: `${who} ${i}`, threadOf: root.seq });
      }
    };
    burst(a, "bo", 0);
    burst(b, "cy", 0);
    await a.next("ack", (f) => f.cid === "bo-4");
    await b.next("ack", (f) => f.cid === "cy-4");
    await evictDurableObject(roomStub(roomId), { webSockets: "hibernate" });
    burst(a, "bo", 5);
    burst(b, "cy", 5);
    await a.next("ack", (f) => f.cid === "bo-9");
    await b.next("ack", (f) => f.cid === "cy-9");
    a.close();
    b.close();
    const thread = await get(ana, `/api/rooms/${roomId}/messages?threadOf=${root.seq}&limit=100`);
    const seqs = thread.body.messages.map((m: Message) => m.seq);
    expect(seqs).toHaveLength(20);
    expect([...seqs].sort((x, y) => x - y)).toEqual(seqs);
    expect(thread.body.root.thread.replies).toBe(20);
    expect(new Set(thread.body.root.thread.lastRepliers)).toEqual(new Set([bo.id, cy.id]));
  });

  it("a deleted reply leaves the count", async () => {
    const roomId = await room();
    const root = await sendMessage(ana, roomId, "root");
    const r1 = await reply(bo, roomId, root.seq, "one");
    await reply(bo, roomId, root.seq, "two");
    const del = await call("DELETE", `/api/rooms/${roomId}/messages/${r1.seq}`, undefined, {
      token: bo.token,
    });
    expect(del.status).toBe(200);
    const page = await get(ana, `/api/rooms/${roomId}/messages?threadOf=${root.seq}`);
    expect(page.body.root.thread.replies).toBe(1);
  });
});

describe("following and counts", () => {
  it("replies are out of the room's unread; followers count unread threads; mentions in threads count until read", async () => {
    const roomId = await room();
    const root = await sendMessage(ana, roomId, "Where do we meet?");
    await call("POST", `/api/rooms/${roomId}/read`, { seq: root.seq }, { token: bo.token });
    await call("POST", `/api/rooms/${roomId}/read`, { seq: root.seq }, { token: cy.token });
    await reply(bo, roomId, root.seq, `At the station, @${cy.handle}?`);
    await flush(roomId);
    expect(await myRoom(cy, roomId)).toMatchObject({ unread: 0, mentions: 1, threads: 1 });
    expect(await myRoom(ana, roomId)).toMatchObject({ unread: 0, threads: 1 }); // the root's author
    expect(await myRoom(bo, roomId)).toMatchObject({ unread: 0, threads: 0 }); // replied: read
    const mine = await get(ana, "/api/me/threads");
    expect(mine.body.threads[0]).toMatchObject({
      roomId,
      rootSeq: root.seq,
      replies: 1,
      unread: 1,
    });

    const last = (
      await get(cy, `/api/rooms/${roomId}/messages?threadOf=${root.seq}`)
    ).body.messages.at(-1);
    const read = await call(
      "POST",
      `/api/rooms/${roomId}/threads/${root.seq}/read`,
      { seq: last.seq },
      { token: cy.token },
    );
    expect(read.body).toEqual({ seq: last.seq });
    expect(await myRoom(cy, roomId)).toMatchObject({ mentions: 0, threads: 0 });
  });

  it("a thread read right after a reply (before D1 heard of it) takes, and stays read", async () => {
    const roomId = await room();
    const root = await sendMessage(ana, roomId, "Quick one");
    await flush(roomId);
    const r = await reply(bo, roomId, root.seq, "answer");
    const read = await call(
      "POST",
      `/api/rooms/${roomId}/threads/${root.seq}/read`,
      { seq: r.seq },
      { token: ana.token },
    );
    expect(read.body).toEqual({ seq: r.seq });
    await flush(roomId);
    expect(await myRoom(ana, roomId)).toMatchObject({ threads: 0 });
  });

  it("unfollowing sticks for the author; replying follows again", async () => {
    const roomId = await room();
    const root = await sendMessage(ana, roomId, "Topic");
    await reply(bo, roomId, root.seq, "first");
    await flush(roomId);
    const follow = (user: TestUser, following: boolean) =>
      call(
        "PUT",
        `/api/rooms/${roomId}/threads/${root.seq}/follow`,
        { following },
        { token: user.token },
      );
    expect((await follow(ana, false)).body).toEqual({ following: false });
    expect((await follow(bo, false)).status).toBe(200);
    await reply(cy, roomId, root.seq, "second");
    await flush(roomId);
    expect((await myRoom(ana, roomId)).threads).toBe(0);
    expect((await myRoom(bo, roomId)).threads).toBe(0);
    await reply(bo, roomId, root.seq, "third");
    await reply(cy, roomId, root.seq, "fourth");
    await flush(roomId);
    expect((await myRoom(bo, roomId)).threads).toBe(1);
    expect((await follow(ana, true)).status).toBe(200);
    expect((await myRoom(ana, roomId)).threads).toBe(1);
    expectError(
      await call(
        "PUT",
        `/api/rooms/${roomId}/threads/999999/follow`,
        { following: true },
        { token: ana.token },
      ),
      404,
      "not_found",
    );
  });

  it("counts are exact after a D1 outage: the outbox carries replies, follows and mentions", async () => {
    const roomId = await room();
    const root = await sendMessage(ana, roomId, "Outage thread");
    await call("POST", `/api/rooms/${roomId}/read`, { seq: root.seq }, { token: cy.token });
    await flush(roomId);
    await breakRoomD1(roomId);
    await reply(bo, roomId, root.seq, `one @${cy.handle}`);
    await reply(bo, roomId, root.seq, "two");
    await sendMessage(bo, roomId, "main timeline");
    await repairRoomD1(roomId);
    await flush(roomId);
    expect(await myRoom(cy, roomId)).toMatchObject({ unread: 1, mentions: 1, threads: 1 });
    expect(await myRoom(ana, roomId)).toMatchObject({ unread: 1, threads: 1 });
  });
});

describe("retention", () => {
  it("a thread whose root is purged leaves the counts; its later replies stay out of unread", async () => {
    const roomId = await room();
    const root = await sendMessage(ana, roomId, "Old question");
    for (const body of ["two", "three", "four"]) await sendMessage(ana, roomId, body);
    await reply(bo, roomId, root.seq, `late answer @${cy.handle}`);
    await flush(roomId);
    expect(await myRoom(cy, roomId)).toMatchObject({ unread: 4, mentions: 1, threads: 1 });
    const put = await call(
      "PUT",
      `/api/admin/rooms/${roomId}/retention`,
      { maxMessages: 4 },
      { token: admin.token },
    );
    expect(put.body.deleted).toMatchObject({ messages: 1, fromSeq: root.seq, toSeq: root.seq });
    expect(await myRoom(cy, roomId)).toMatchObject({ unread: 3, mentions: 0, threads: 0 });
    const mine = (await get(cy, "/api/me/threads")).body.threads as Array<{ roomId: string }>;
    expect(mine.filter((t) => t.roomId === roomId)).toEqual([]);
  });
});

describe("pins", () => {
  it("owners and moderators pin in channels; members may not; the list is newest pin first", async () => {
    const roomId = await room();
    const m1 = await sendMessage(bo, roomId, "first");
    const m2 = await sendMessage(bo, roomId, "second");
    expectError(
      await call("PUT", `/api/rooms/${roomId}/pins/${m1.seq}`, undefined, { token: bo.token }),
      403,
      "forbidden",
    );
    const watcher = await RoomClient.open(roomId, bo.token);
    const pinned = await call("PUT", `/api/rooms/${roomId}/pins/${m1.seq}`, undefined, {
      token: ana.token,
    });
    expect(pinned.body.message.pinned).toMatchObject({ by: ana.id });
    await watcher.next("changed", (f) => f.message.seq === m1.seq && f.message.pinned !== null);
    watcher.close();
    await call("PUT", `/api/rooms/${roomId}/pins/${m2.seq}`, undefined, { token: ana.token });
    const list = await get(cy, `/api/rooms/${roomId}/pins`);
    expect(list.body.messages.map((m: Message) => m.seq)).toEqual([m2.seq, m1.seq]);
    // Deleting unpins.
    await call("DELETE", `/api/rooms/${roomId}/messages/${m2.seq}`, undefined, { token: bo.token });
    expect(
      (await get(cy, `/api/rooms/${roomId}/pins`)).body.messages.map((m: Message) => m.seq),
    ).toEqual([m1.seq]);
    const unpinned = await call("DELETE", `/api/rooms/${roomId}/pins/${m1.seq}`, undefined, {
      token: ana.token,
    });
    expect(unpinned.body.message.pinned).toBeNull();
  });

  it("anyone in a DM pins; a room holds 50", async () => {
    const dm = (await call("POST", "/api/dms", { userId: bo.id }, { token: ana.token })).body.room
      .id as string;
    const seqs: number[] = [];
    for (let i = 0; i < 51; i++) {
      const res = await patiently(() =>
        call(
          "POST",
          `/api/rooms/${dm}/messages`,
          { cid: `pin-${i}`, body: `m${i}` },
          { token: i % 2 ? bo.token : ana.token },
        ),
      );
      seqs.push((res.body as { message: Message }).message.seq);
    }
    for (const [i, seq] of seqs.slice(0, 50).entries()) {
      const who = i % 2 ? ana : bo;
      const res = await patiently(() =>
        call("PUT", `/api/rooms/${dm}/pins/${seq}`, undefined, { token: who.token }),
      );
      expect(res.status).toBe(200);
    }
    expectError(
      await call("PUT", `/api/rooms/${dm}/pins/${seqs[50]}`, undefined, { token: bo.token }),
      409,
      "too_many",
    );
  });
});
