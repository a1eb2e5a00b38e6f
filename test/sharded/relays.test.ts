// Rooms beyond one Durable Object (docs/architecture.md, "Rooms beyond one Durable Object"), run
// with ROOM_RELAY_THRESHOLD = 2 and ROOM_RELAYS = 3 (vitest.config.ts, project `sharded`): the
// third socket of a room and those after it land on relay Durable Objects. Real sockets through
// the Worker, real room and relays.
import { env, evictDurableObject, runInDurableObject } from "cloudflare:test";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { relayOf } from "../../src/realtime/relays";
import { relayStub } from "../../src/realtime/stubs";
import { CLOSE_REASONS } from "../../src/shared/protocol";
import { addMember, call, createRoom, register, roomStub, type TestUser } from "../helpers";
import { RoomClient } from "../room-client";
import {
  fillRoom,
  messages,
  peopleOnRelays,
  RELAYS,
  reportsLanded,
  sendAcked,
  sleep,
  until,
} from "./kit";

let owner: TestUser;
const people: TestUser[] = [];

beforeAll(async () => {
  expect(env.ROOM_RELAY_THRESHOLD).toBe("2");
  owner = await register("shard_owner", "Olga Owner");
  people.push(...(await peopleOnRelays("shard_p", 9)));
});

afterAll(reportsLanded);

/** Two people who land on different relays, and one more on the first one's relay if any. */
function spread(): { a: TestUser; b: TestUser; others: TestUser[] } {
  const [a] = people as [TestUser];
  const b = people.find((p) => relayOf(p.id, RELAYS) !== relayOf(a.id, RELAYS));
  if (!b) throw new Error("everyone hashed to one relay");
  return { a, b, others: people.filter((p) => p !== a && p !== b) };
}

/** A private room of the owner with `members` in it. */
async function newRoom(name: string, members: TestUser[]): Promise<string> {
  const room = (await createRoom(owner, "private", name)).id;
  for (const m of members) await addMember(owner, room, m.id);
  return room;
}

/**
 * Where a room's open sockets are: the room's own count and each relay's. (workerd keeps a
 * socket the object closed itself in getWebSockets() until eviction: only open ones count.)
 */
async function placement(roomId: string): Promise<{ room: number; relays: number[] }> {
  const room = await runInDurableObject(roomStub(roomId), (_i, state) => {
    return state.getWebSockets().filter((ws) => ws.readyState === WebSocket.OPEN).length;
  });
  const relays: number[] = [];
  for (let i = 0; i < RELAYS; i++) relays.push(await relayStub(env, roomId, i).sockets());
  return { room, relays };
}

describe("routing", () => {
  it("the third socket and later land on relays; one user's sockets share a relay", async () => {
    const { a, b } = spread();
    const room = await newRoom("routing", [a, b]);
    const own = await fillRoom(owner, room);
    const a1 = await RoomClient.open(room, a.token);
    const a2 = await RoomClient.open(room, a.token);
    const b1 = await RoomClient.open(room, b.token);
    const where = await placement(room);
    expect(where.room).toBe(2);
    expect(where.relays[relayOf(a.id, RELAYS)]).toBe(2);
    expect(where.relays[relayOf(b.id, RELAYS)]).toBe(1);
    // The welcome is the room's, whichever object holds the socket.
    const ready = a1.frames.find((f) => f.type === "ready");
    expect(ready).toMatchObject({ type: "ready", me: { id: a.id } });
    if (ready?.type === "ready")
      expect(ready.online).toEqual(expect.arrayContaining([owner.id, a.id]));
    for (const c of [...own, a1, a2, b1]) c.close();
  });
});

describe("one cap over a person's sockets on the room and their relay", () => {
  it("the room's own close first when the relay brings them past it; later ones go to the relay", async () => {
    const cap = Number(env.ROOM_SOCKETS_PER_USER);
    const { a } = spread();
    const room = await newRoom("cap", [a]);
    // Their first two fill the room itself; the rest go to their relay.
    const onRoom = [await RoomClient.open(room, a.token), await RoomClient.open(room, a.token)];
    const onRelay: RoomClient[] = [];
    for (let i = 0; i < cap - 1; i++) onRelay.push(await RoomClient.open(room, a.token));
    // cap + 1 in all: the oldest, on the room, is closed.
    expect(await (onRoom[0] as RoomClient).waitClosed()).toEqual({
      code: 1008,
      reason: "Too many connections: this is the oldest",
    });
    await until(async () => {
      const where = await placement(room);
      return where.room === 1 && where.relays[relayOf(a.id, RELAYS)] === cap - 1;
    }, "one on the room, the rest on the relay");

    // The room has a place again, yet their next socket joins the others on the relay, where
    // the cap is counted (a full cap again: nothing more closes).
    (onRelay.shift() as RoomClient).close();
    await until(
      async () => (await placement(room)).relays[relayOf(a.id, RELAYS)] === cap - 2,
      "closed",
    );
    onRelay.push(await RoomClient.open(room, a.token));
    const where = await placement(room);
    expect(where.room).toBe(1);
    expect(where.relays[relayOf(a.id, RELAYS)]).toBe(cap - 1);
    expect((onRoom[1] as RoomClient).closed).toBeNull();
    for (const c of [...onRoom, ...onRelay]) c.close();
  });
});

describe("fan-out", () => {
  it("sends from relay and room sockets reach every socket once, in the room's order, acked after the write", async () => {
    const { a, b } = spread();
    const room = await newRoom("fanout", [a, b]);
    const own = await fillRoom(owner, room);
    const ca = await RoomClient.open(room, a.token, { batch: true });
    const cb = await RoomClient.open(room, b.token);
    const all = [...own, ca, cb];
    const senders = [ca, cb, own[0] as RoomClient];
    const cids: string[] = [];
    for (let i = 0; i < 6; i++) {
      const from = senders[i % senders.length] as RoomClient;
      const cid = `f-${i}`;
      cids.push(cid);
      from.send({ type: "send", cid, body: `message ${i}` });
    }
    for (const [i, cid] of cids.entries()) {
      const ack = await (senders[i % senders.length] as RoomClient).next(
        "ack",
        (f) => f.cid === cid,
      );
      expect(ack.seq).toBeGreaterThan(0);
    }
    await until(() => all.every((c) => messages(c).length >= 6), "every socket has six messages");
    await sleep(100);
    const order = messages(own[0] as RoomClient).map((f) => f.message.seq);
    expect(order).toEqual([...order].sort((x, y) => x - y));
    for (const c of all) expect(messages(c).map((f) => f.message.seq)).toEqual(order);
    // The ack comes after the message it acknowledges, on a relay socket too.
    const ackAt = ca.frames.findIndex((f) => f.type === "ack" && f.cid === "f-0");
    const msgAt = ca.frames.findIndex(
      (f) => f.type === "message" && f.message.body === "message 0",
    );
    expect(msgAt).toBeGreaterThanOrEqual(0);
    expect(ackAt).toBeGreaterThan(msgAt);
    // What was acked is written: history has it.
    const page = await call("GET", `/api/rooms/${room}/messages?limit=50`, undefined, {
      token: owner.token,
    });
    const bodies = cids.map((_, i) => `message ${i}`);
    expect(page.body.messages.map((m: { body: string }) => m.body).sort()).toEqual(bodies.sort());
    for (const c of all) c.close();
  });

  it("a repeated cid from a relay socket is answered with the original, never a second message", async () => {
    const { a } = spread();
    const room = await newRoom("dup", [a]);
    const own = await fillRoom(owner, room);
    const ca = await RoomClient.open(room, a.token);
    const first = await sendAcked(ca, "same", "once");
    const again = await sendAcked(ca, "same", "once");
    expect(again.seq).toBe(first.seq);
    await sleep(200);
    for (const c of [...own, ca])
      expect(messages(c).filter((f) => f.message.body === "once")).toHaveLength(1);
    for (const c of [...own, ca]) c.close();
  });

  it("a relay socket resumes by sinceRev: the replay follows its welcome, then live frames", async () => {
    const { a } = spread();
    const room = await newRoom("resume", [a]);
    const own = await fillRoom(owner, room);
    const first = await sendAcked(own[0] as RoomClient, "r-1", "before");
    await sendAcked(own[0] as RoomClient, "r-2", "missed");
    const ca = await RoomClient.open(room, a.token, { sinceRev: first.rev });
    const synced = await ca.next("synced");
    expect(messages(ca).map((f) => f.message.body)).toEqual(["missed"]);
    expect(synced.complete).toBe(true);
    await sendAcked(own[1] as RoomClient, "r-3", "live");
    await ca.next("message", (f) => f.message.body === "live");
    expect(messages(ca).map((f) => f.message.body)).toEqual(["missed", "live"]);
    // A sync frame from the relay socket: the page comes back to it alone.
    const from = own[0]?.frames.length ?? 0;
    ca.send({ type: "sync", sinceRev: 0 });
    await ca.next("synced", () => true, { from: ca.frames.length - 1 });
    await sleep(100);
    expect(own[0]?.frames.slice(from).some((f) => f.type === "synced")).toBe(false);
    for (const c of [...own, ca]) c.close();
  });
});

describe("presence and typing across relays", () => {
  it("typing from a relay socket reaches everyone but the sender; leaving a relay is offline news", async () => {
    const { a, b } = spread();
    const room = await newRoom("presence", [a, b]);
    const own = await fillRoom(owner, room);
    const ca = await RoomClient.open(room, a.token);
    const cb = await RoomClient.open(room, b.token);
    await (own[0] as RoomClient).nextPresence(b.id, true);
    const readyB = cb.frames.find((f) => f.type === "ready");
    if (readyB?.type === "ready") expect(readyB.online).toContain(a.id);
    ca.send({ type: "typing", on: true });
    await cb.next("typing", (f) => f.userId === a.id && f.on);
    await (own[1] as RoomClient).next("typing", (f) => f.userId === a.id && f.on);
    await sleep(100);
    expect(ca.frames.some((f) => f.type === "typing")).toBe(false);
    // Closing while typing: the others hear it stopped, and that a went offline.
    const from = cb.frames.length;
    ca.close();
    await cb.next("typing", (f) => f.userId === a.id && !f.on, { from });
    await cb.nextPresence(a.id, false, { from });
    await (own[0] as RoomClient).nextPresence(a.id, false);
    const online = await roomStub(room).onlineNow();
    expect(online.online.sort()).toEqual([owner.id, b.id].sort());
    for (const c of [...own, cb]) c.close();
  });

  it("who is online over room and relays follows each change: joins, the room's own closes, relay leaves", async () => {
    const { a, b, others } = spread();
    const c = others[0] as TestUser;
    const room = await newRoom("online", [a, b, c]);
    const onRoom = [await RoomClient.open(room, owner.token), await RoomClient.open(room, c.token)];
    const ca = await RoomClient.open(room, a.token);
    const cb = await RoomClient.open(room, b.token);
    expect((await placement(room)).room).toBe(2);
    const onlineNow = async () => (await roomStub(room).onlineNow()).online.sort();
    expect(await onlineNow()).toEqual([owner.id, a.id, b.id, c.id].sort());
    // The room closes c's own socket itself (logout): a relay socket hears c went offline, and
    // the room no longer counts c, though no relay changed.
    const from = ca.frames.length;
    expect((await call("POST", "/api/auth/logout", undefined, { token: c.token })).status).toBe(
      204,
    );
    await (onRoom[1] as RoomClient).waitClosed(3_000);
    await ca.nextPresence(c.id, false, { from });
    expect(await onlineNow()).toEqual([owner.id, a.id, b.id].sort());
    // b leaves a relay; a newcomer on the room is counted with everyone still there.
    cb.close();
    await ca.nextPresence(b.id, false, { from });
    const login = await call("POST", "/api/auth/login", {
      handle: c.handle,
      password: "correct horse battery",
    });
    c.token = login.body.token;
    const back = await RoomClient.open(room, c.token);
    const ready = back.frames.find((f) => f.type === "ready");
    if (ready?.type !== "ready") throw new Error("no ready");
    expect([...ready.online].sort()).toEqual([owner.id, a.id, c.id].sort());
    expect(ready.onlineCount).toBe(3);
    expect(await onlineNow()).toEqual([owner.id, a.id, c.id].sort());
    for (const client of [onRoom[0] as RoomClient, ca, back]) client.close();
  });
});

describe("closes reach every relay", () => {
  it("removal, ban and logout close the person's sockets on relays with the room's code and reason", async () => {
    const { a, b, others } = spread();
    const c = others[0] as TestUser;
    const room = await newRoom("closes", [a, b, c]);
    const own = await fillRoom(owner, room);
    const ca = await RoomClient.open(room, a.token);
    const cb = await RoomClient.open(room, b.token);
    const cc = await RoomClient.open(room, c.token);
    const removed = await call("DELETE", `/api/rooms/${room}/members/${a.id}`, undefined, {
      token: owner.token,
    });
    expect(removed.status).toBe(204);
    expect(await ca.waitClosed(3_000)).toEqual({ code: 1008, reason: CLOSE_REASONS.removed });
    const banned = await call(
      "POST",
      `/api/rooms/${room}/bans`,
      { userId: b.id },
      {
        token: owner.token,
      },
    );
    expect(banned.status).toBeLessThan(300);
    expect(await cb.waitClosed(3_000)).toEqual({ code: 1008, reason: CLOSE_REASONS.banned });
    expect((await call("POST", "/api/auth/logout", undefined, { token: c.token })).status).toBe(
      204,
    );
    expect(await cc.waitClosed(3_000)).toEqual({
      code: 1008,
      reason: CLOSE_REASONS.sessionEnded,
    });
    // The owner's sockets on the room stay.
    expect(own.every((o) => o.closed === null)).toBe(true);
    // Sign c back in for the other tests.
    const login = await call("POST", "/api/auth/login", {
      handle: c.handle,
      password: "correct horse battery",
    });
    c.token = login.body.token;
    for (const o of own) o.close();
  });
});

describe("eviction", () => {
  it("the room and a relay are evicted; relay sockets keep sending and receiving", async () => {
    const { a, b } = spread();
    const room = await newRoom("evict", [a, b]);
    const own = await fillRoom(owner, room);
    const ca = await RoomClient.open(room, a.token);
    const cb = await RoomClient.open(room, b.token);
    await sendAcked(ca, "e-1", "e-1");
    await evictDurableObject(roomStub(room));
    await sendAcked(ca, "e-2", "e-2");
    await cb.next("message", (f) => f.message.body === "e-2");
    await evictDurableObject(relayStub(env, room, relayOf(a.id, RELAYS)));
    await sendAcked(ca, "e-3", "e-3");
    await sendAcked(own[0] as RoomClient, "e-4", "e-4");
    for (const c of [...own, ca, cb]) {
      await c.next("message", (f) => f.message.body === "e-4");
      expect(messages(c).map((f) => f.message.body)).toEqual(["e-1", "e-2", "e-3", "e-4"]);
    }
    for (const c of [...own, ca, cb]) c.close();
  });
});

describe("folding back", () => {
  it("when the room is small again, relay sockets close with 1012 and resume on the room", async () => {
    const { a } = spread();
    const room = await newRoom("fold", [a]);
    const own = await fillRoom(owner, room);
    const ca = await RoomClient.open(room, a.token);
    const acked = await sendAcked(ca, "fold-1", "on a relay");
    for (const o of own) o.close();
    const closed = await ca.waitClosed(5_000);
    expect(closed).toEqual({ code: 1012, reason: "Reconnect, please" });
    const back = await RoomClient.open(room, a.token, { sinceRev: acked.rev });
    await back.next("synced");
    const where = await placement(room);
    expect(where.room).toBe(1);
    expect(where.relays.every((n) => n === 0)).toBe(true);
    back.close();
  });
});

describe("the room's end and its memory", () => {
  it("deleting the room closes the sockets on every relay (1008, Room deleted)", async () => {
    const { a, b } = spread();
    const room = await newRoom("deleted", [a, b]);
    const own = await fillRoom(owner, room);
    const ca = await RoomClient.open(room, a.token);
    const cb = await RoomClient.open(room, b.token);
    const res = await call("DELETE", `/api/admin/rooms/${room}`, undefined, { token: owner.token });
    expect(res.status).toBeLessThan(300);
    for (const c of [...own, ca, cb]) {
      expect(await c.waitClosed(3_000)).toEqual({ code: 1008, reason: "Room deleted" });
    }
  });

  it("an evicted room still knows who is online on its relays and who left them meanwhile", async () => {
    const { a, b } = spread();
    const room = await newRoom("memory", [a, b]);
    const own = await fillRoom(owner, room);
    const ca = await RoomClient.open(room, a.token);
    const cb = await RoomClient.open(room, b.token);
    await evictDurableObject(roomStub(room));
    expect((await roomStub(room).onlineNow()).online.sort()).toEqual([owner.id, a.id, b.id].sort());
    await evictDurableObject(relayStub(env, room, relayOf(b.id, RELAYS)));
    cb.close();
    await (own[0] as RoomClient).nextPresence(b.id, false);
    expect((await roomStub(room).onlineNow()).online.sort()).toEqual([owner.id, a.id].sort());
    for (const c of [...own, ca]) c.close();
  });
});

describe("one call per relay, and the room's authority on relays", () => {
  it("a relay gets one batch per flush of the room, however many sockets it holds", async () => {
    const { a } = spread();
    const room = await newRoom("batches", [a]);
    const own = await fillRoom(owner, room);
    const sockets: RoomClient[] = [];
    for (let i = 0; i < 6; i++) sockets.push(await RoomClient.open(room, a.token));
    const relay = relayStub(env, room, relayOf(a.id, RELAYS));
    expect((await relay.stats()).sockets).toBe(6);
    await sleep(700); // presence news of the joins settles
    const before = (await relay.stats()).batches;
    const sender = own[0] as RoomClient;
    for (let i = 0; i < 5; i++) sender.send({ type: "send", cid: `b-${i}`, body: `b ${i}` });
    for (const s of sockets) await s.next("message", (f) => f.message.body === "b 4");
    const batches = (await relay.stats()).batches - before;
    // Five messages (and their read receipts) for six sockets: at most a batch or two per
    // message, never one per socket.
    expect(batches).toBeGreaterThan(0);
    expect(batches).toBeLessThanOrEqual(10);
    for (const s of sockets)
      expect(messages(s).map((f) => f.message.body)).toEqual([0, 1, 2, 3, 4].map((i) => `b ${i}`));
    for (const c of [...own, ...sockets]) c.close();
  });

  it("a role change reaches relay sockets and applies to their next frame", async () => {
    const { a, b } = spread();
    const room = await newRoom("roles", [a, b]);
    const own = await fillRoom(owner, room);
    const ca = await RoomClient.open(room, a.token);
    const cb = await RoomClient.open(room, b.token);
    const mine = await sendAcked(cb, "mine", "b's message");
    ca.send({ type: "delete", seq: mine.seq });
    await ca.next("error", (f) => f.code === "forbidden");
    const res = await call(
      "PATCH",
      `/api/rooms/${room}/members/${a.id}`,
      { role: "moderator" },
      {
        token: owner.token,
      },
    );
    expect(res.status).toBe(200);
    await ca.next("member", (f) => f.userId === a.id && f.change === "role");
    ca.send({ type: "delete", seq: mine.seq });
    await cb.next("changed", (f) => f.message.seq === mine.seq && f.message.deleted);
    for (const c of [...own, ca, cb]) c.close();
  });

  it("revoking an admin closes their socket on a relay in a room they are not a member of", async () => {
    const { others } = spread();
    const admin = others[1] as TestUser;
    const room = await newRoom("revoked", []);
    const own = await fillRoom(owner, room);
    const promoted = await call(
      "PATCH",
      `/api/admin/users/${admin.id}`,
      { role: "admin" },
      {
        token: owner.token,
      },
    );
    expect(promoted.status).toBe(200);
    const login = await call("POST", "/api/auth/login", {
      handle: admin.handle,
      password: "correct horse battery",
    });
    const socket = await RoomClient.open(room, login.body.token);
    expect((await placement(room)).relays[relayOf(admin.id, RELAYS)]).toBe(1);
    const demoted = await call(
      "PATCH",
      `/api/admin/users/${admin.id}`,
      { role: "user" },
      {
        token: owner.token,
      },
    );
    expect(demoted.status).toBe(200);
    expect(await socket.waitClosed(3_000)).toEqual({
      code: 1008,
      reason: "No longer allowed in this room",
    });
    for (const o of own) o.close();
  });
});

describe("a woken room asks its relays", () => {
  it("someone the room still counts on a relay, but who is not there, goes offline when the room wakes", async () => {
    const { a } = spread();
    const room = await newRoom("ask", [a]);
    const own = await fillRoom(owner, room);
    const ca = await RoomClient.open(room, a.token);
    const relay = relayOf(a.id, RELAYS);
    // A record the relay never reported away (as after a relay lost its sockets in a restart).
    await runInDurableObject(roomStub(room), (_instance, state) => {
      state.storage.kv.put(`relay-user:${relay}:usr_phantom`, 1);
    });
    await evictDurableObject(roomStub(room));
    const from = (own[0] as RoomClient).frames.length;
    // Waking the room (any call) makes it ask; the phantom goes, the real person stays.
    await roomStub(room).lastSeq();
    await (own[0] as RoomClient).nextPresence("usr_phantom", false, { from }).catch(() => {});
    await until(async () => {
      const online = (await roomStub(room).onlineNow()).online;
      return !online.includes("usr_phantom");
    }, "the phantom is gone");
    expect((await roomStub(room).onlineNow()).online.sort()).toEqual([owner.id, a.id].sort());
    for (const c of [...own, ca]) c.close();
  });
});
