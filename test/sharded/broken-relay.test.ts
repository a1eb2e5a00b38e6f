// When a call between a room and one of its relays fails (docs/architecture.md, "Rooms beyond
// one Durable Object"): the room's batch to a relay, or a relay's frame to the room. The failure
// is real: the object on the other end is reset (DurableObjectState.abort()), as a deploy or a
// crash resets it. workerd then drops the reset object's own sockets (1011 "Connection lost")
// and fails every later call through a stub that reached the old instance, so each side must
// make a fresh stub after a failed call. Real sockets through the Worker, real room and relays;
// what is asserted is what the clients see.
import { env, runInDurableObject } from "cloudflare:test";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { relayOf } from "../../src/realtime/relays";
import { relayStub } from "../../src/realtime/stubs";
import { addMember, createRoom, register, roomStub, type TestUser } from "../helpers";
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

const RECONNECT = { code: 1012, reason: "Reconnect, please" };

let owner: TestUser;
let a: TestUser;
let b: TestUser;

beforeAll(async () => {
  expect(env.ROOM_RELAY_THRESHOLD).toBe("2");
  owner = await register("broken_owner", "Olga Owner");
  const people = await peopleOnRelays("broken_p", 6);
  a = people[0] as TestUser;
  const other = people.find((p) => relayOf(p.id, RELAYS) !== relayOf(a.id, RELAYS));
  if (!other) throw new Error("everyone hashed to one relay");
  b = other;
});

afterAll(reportsLanded);

async function newRoom(name: string): Promise<string> {
  const room = (await createRoom(owner, "private", name)).id;
  for (const m of [a, b]) await addMember(owner, room, m.id);
  return room;
}

/**
 * Resets a Durable Object as a crash would: abort() throws inside it (so the call rejects),
 * workerd drops its sockets and starts a new instance on the next call.
 */
async function reset(stub: DurableObjectStub): Promise<void> {
  await runInDurableObject(stub, (_instance, state) => state.abort()).catch(() => {});
}

const bodies = (...clients: RoomClient[]) =>
  clients.flatMap((c) => messages(c).map((f) => f.message.body));
/** What a client resumes from: the last rev its sockets saw. */
const lastRev = (...clients: RoomClient[]) =>
  Math.max(...clients.flatMap((c) => messages(c).map((f) => f.message.rev)));

describe("a batch to a relay fails", () => {
  it("the relay's sockets close with 1012 and resume by rev with every message once; others are untouched", async () => {
    const room = await newRoom("batch-fails");
    const own = await fillRoom(owner, room);
    const sender = own[0] as RoomClient;
    const a1 = await RoomClient.open(room, a.token);
    const b1 = await RoomClient.open(room, b.token);
    // A fresh stub each time: the test's own stub to a reset object is dead too.
    const relayA = () => relayStub(env, room, relayOf(a.id, RELAYS));
    expect(await relayA().sockets()).toBe(1);
    await sendAcked(sender, "m1", "m1");
    await a1.next("message", (f) => f.message.body === "m1");
    // Let the news that follows m1 (receipts, marks) reach the relays before the reset.
    await sleep(Number(env.PRESENCE_INTERVAL_MS));

    // Relay A is reset: workerd drops its socket, and the room's stub to it is now dead.
    await reset(relayA());
    expect((await a1.waitClosed()).code).toBe(1011); // workerd's "Connection lost"
    // The client resumes on the relay's new instance, before the room has noticed anything.
    const a2 = await RoomClient.open(room, a.token, { sinceRev: lastRev(a1) });
    expect(await relayA().sockets()).toBe(1);

    // The room's next batch to relay A fails; the one after it starts over and first closes
    // every socket there: a2 may have missed a message.
    await sendAcked(sender, "m2", "m2");
    await sendAcked(b1, "m3", "m3");
    await sleep(100);
    await sendAcked(sender, "m4", "m4");
    expect(await a2.waitClosed()).toEqual(RECONNECT);

    // Resuming by rev brings what a2 missed, then live messages, and its own sends work.
    const a3 = await RoomClient.open(room, a.token, { sinceRev: lastRev(a1, a2) });
    await a3.next("synced");
    await sendAcked(sender, "m5", "m5");
    await sendAcked(a3, "m6", "m6");
    const all = ["m1", "m2", "m3", "m4", "m5", "m6"];
    await a3.next("message", (f) => f.message.body === "m6");
    await until(() => [...own, b1].every((c) => messages(c).length >= all.length), "everyone");
    await sleep(100);
    expect(bodies(a1, a2, a3)).toEqual(all);
    // The room's own sockets and relay B's saw everything once, in order, and stayed open.
    for (const c of [...own, b1]) {
      expect(bodies(c)).toEqual(all);
      expect(c.closed).toBeNull();
    }
    for (const c of [...own, a3, b1]) c.close();
  });
});

describe("a relay's frame to the room fails", () => {
  it("that socket closes with 1012, resumes on the relay and its frames reach the room again", async () => {
    const room = await newRoom("frame-fails");
    const own = await fillRoom(owner, room);
    const a1 = await RoomClient.open(room, a.token);
    const b1 = await RoomClient.open(room, b.token);
    await sendAcked(a1, "m1", "m1");
    await until(() => [...own, b1].every((c) => messages(c).length >= 1), "m1 everywhere");
    await sleep(Number(env.PRESENCE_INTERVAL_MS));

    // The room is reset: workerd drops its own sockets, and relay A's stub to it is now dead.
    await reset(roomStub(room));
    for (const c of own) expect((await c.waitClosed()).code).toBe(1011);
    expect(a1.closed).toBeNull();
    // The owner's clients reconnect: the room is full again, so a's sockets stay on relays.
    const own2 = await fillRoom(owner, room);

    // a1's next frame fails on its way to the room: the relay closes it (its fate is unknown).
    a1.send({ type: "send", cid: "m2", body: "m2" });
    expect(await a1.waitClosed()).toEqual(RECONNECT);
    // The client resumes on the relay (relayJoin goes through) and sends m2 again by its cid.
    const a2 = await RoomClient.open(room, a.token, { sinceRev: lastRev(a1) });
    expect(await relayStub(env, room, relayOf(a.id, RELAYS)).sockets()).toBe(1);
    await a2.next("synced");
    await sendAcked(a2, "m2", "m2");
    await sendAcked(a2, "m3", "m3");
    await sendAcked(own2[0] as RoomClient, "m4", "m4");
    const all = ["m1", "m2", "m3", "m4"];
    await until(() => bodies(a1, a2).length >= all.length && bodies(b1).length >= 4, "everyone");
    await sleep(100);
    expect(bodies(a1, a2)).toEqual(all);
    // Relay B's socket never sent, so nothing failed for it: it stayed and saw everything once.
    expect(bodies(b1)).toEqual(all);
    expect(b1.closed).toBeNull();
    for (const c of own2) expect(bodies(c)).toEqual(["m2", "m3", "m4"]);
    // b leaves relay B, whose stub to the room died in the reset: its first report fails, the
    // next one (a new stub) tells the room, so b is not counted online for ever.
    b1.close();
    const online = async () => (await roomStub(room).onlineNow()).online;
    await until(async () => !(await online()).includes(b.id), "b offline", 4_000);
    expect(await online()).toContain(a.id);
    for (const c of [...own2, a2]) c.close();
  });
});
