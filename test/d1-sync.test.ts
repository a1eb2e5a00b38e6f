// The room → D1 sync (the outbox of docs/architecture.md): D1 work per message does not grow with the room, nothing
// is lost while D1 fails, and flushing again (alarms are at-least-once) changes nothing.
import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import type { RoomDO } from "../src/room/room-do";
import { breakD1, repairD1 } from "./d1-outage";
import {
  addMember,
  call,
  createRoom,
  myRoom,
  register,
  roomStub,
  sendMessage,
  type TestUser,
  uniqueHandle,
} from "./helpers";
import { RoomClient } from "./room-client";

/** Puts `count` people straight into D1 as members of the room (registering 500 would take minutes). */
async function seedMembers(roomId: string, count: number): Promise<void> {
  const now = Date.now();
  const statements = [];
  for (let i = 0; i < count; i++) {
    const id = `usr_seed_${roomId.slice(-6)}_${i}`;
    statements.push(
      env.DB.prepare(
        "INSERT INTO users (id, handle, display_name, password_hash, role, created_at) VALUES (?, ?, ?, 'x', 'user', ?)",
      ).bind(id, `seed_${roomId.slice(-6).toLowerCase()}_${i}`, `Seed ${i}`, now),
      env.DB.prepare(
        "INSERT INTO memberships (room_id, user_id, role, joined_at) VALUES (?, ?, 'member', ?)",
      ).bind(roomId, id, now),
    );
  }
  await env.DB.batch(statements);
}

/** Everything D1 knows about a room's reading state. */
async function d1State(roomId: string) {
  const [room, members, deleted, mentions] = await env.DB.batch([
    env.DB.prepare(
      "SELECT last_seq, first_seq, last_message_at, last_preview FROM rooms WHERE id = ?",
    ).bind(roomId),
    env.DB.prepare(
      "SELECT user_id, last_read_seq FROM memberships WHERE room_id = ? ORDER BY user_id",
    ).bind(roomId),
    env.DB.prepare("SELECT seq FROM deleted_messages WHERE room_id = ? ORDER BY seq").bind(roomId),
    env.DB.prepare(
      "SELECT user_id, seq FROM mentions WHERE room_id = ? ORDER BY user_id, seq",
    ).bind(roomId),
  ]);
  return {
    room: room?.results,
    members: members?.results,
    deleted: deleted?.results,
    mentions: mentions?.results,
  };
}

const syncStatus = (roomId: string) => roomStub(roomId).syncStatus();

let admin: TestUser;
beforeAll(async () => {
  // The first account of an instance is its admin: the operator of the sync status endpoint.
  admin = await register(uniqueHandle("admin"), "Admin");
});

describe("D1 writes per message", () => {
  it("are the same in a room of 2 members and a room of 500", async () => {
    const alice = await register(uniqueHandle("alice"), "Alice");
    const bob = await register(uniqueHandle("bob"), "Bob");
    const small = await createRoom(alice, "private", "small");
    const large = await createRoom(alice, "private", "large");
    await addMember(alice, small.id, bob.id);
    await addMember(alice, large.id, bob.id);
    await seedMembers(large.id, 498);

    const writesFor = async (roomId: string, body: string) => {
      const before = (await roomStub(roomId).flush()).rowsWritten;
      await sendMessage(alice, roomId, body);
      const after = await roomStub(roomId).flush();
      expect(after.pending).toBe(0);
      return after.rowsWritten - before;
    };

    const plain = [await writesFor(small.id, "hello"), await writesFor(large.id, "hello")];
    // The room's row and the sender's read mark; nothing per member.
    expect(plain[0]).toBeGreaterThan(0);
    expect(plain[0]).toBeLessThanOrEqual(3);
    expect(plain[1]).toBe(plain[0]);

    const mention = [
      await writesFor(small.id, `@${bob.handle} look`),
      await writesFor(large.id, `@${bob.handle} look`),
    ];
    // One mention row more (and its index entry), still the same for both rooms.
    expect(mention[0]).toBeGreaterThan(plain[0] ?? 0);
    expect(mention[0]).toBeLessThanOrEqual((plain[0] ?? 0) + 2);
    expect(mention[1]).toBe(mention[0]);

    // And the counts are right in both rooms.
    expect(await myRoom(bob, small.id)).toMatchObject({ unread: 2, mentions: 1 });
    expect(await myRoom(bob, large.id)).toMatchObject({ unread: 2, mentions: 1 });
    const seeded = await env.DB.prepare(
      `SELECT count(*) AS n FROM memberships WHERE room_id = ? AND last_read_seq = 0`,
    )
      .bind(large.id)
      .first<{ n: number }>();
    expect(seeded?.n).toBe(499);

    // A thread reply: its row, the thread's summary and the follows replying implies — the same
    // handful of rows in both rooms, whoever else is there.
    const rootIn = async (roomId: string) => (await sendMessage(alice, roomId, "root")).seq;
    const roots = [await rootIn(small.id), await rootIn(large.id)];
    const replyWrites = async (roomId: string, root: number) => {
      const before = (await roomStub(roomId).flush()).rowsWritten;
      const res = await call(
        "POST",
        `/api/rooms/${roomId}/messages`,
        { cid: crypto.randomUUID(), body: "in the thread", threadOf: root },
        { token: bob.token },
      );
      expect(res.status).toBe(201);
      return (await roomStub(roomId).flush()).rowsWritten - before;
    };
    const replies = [
      await replyWrites(small.id, roots[0] as number),
      await replyWrites(large.id, roots[1] as number),
    ];
    expect(replies[0]).toBeGreaterThan(0);
    expect(replies[0]).toBeLessThanOrEqual(12);
    expect(replies[1]).toBe(replies[0]);
  });

  it("a burst of messages coalesces into one flush", async () => {
    const alice = await register(uniqueHandle("alice"), "Alice");
    const room = await createRoom(alice, "private", "burst");
    const before = await roomStub(room.id).flush();
    for (let i = 0; i < 10; i++) await sendMessage(alice, room.id, `m${i}`);
    expect((await syncStatus(room.id)).pending).toBe(2);
    expect(await runDurableObjectAlarm(roomStub(room.id))).toBe(true);
    const after = await syncStatus(room.id);
    expect(after.flushes - before.flushes).toBe(1);
    expect(after.rowsWritten - before.rowsWritten).toBeLessThanOrEqual(3);
    expect(await myRoom(alice, room.id)).toMatchObject({ lastSeq: 10, unread: 0 });
  });
});

describe("with D1 failing", () => {
  async function roomWithSockets() {
    const alice = await register(uniqueHandle("alice"), "Alice");
    const bob = await register(uniqueHandle("bob"), "Bob");
    const carol = await register(uniqueHandle("carol"), "Carol");
    const room = await createRoom(alice, "private", "outage");
    await addMember(alice, room.id, bob.id);
    await addMember(alice, room.id, carol.id);
    const a = await RoomClient.open(room.id, alice.token);
    const b = await RoomClient.open(room.id, bob.token);
    return { alice, bob, carol, roomId: room.id, a, b };
  }

  async function sendOver(socket: RoomClient, cid: string, body: string) {
    const from = socket.frames.length;
    socket.send({ type: "send", cid, body });
    return socket.next("ack", (f) => f.cid === cid, { from });
  }

  it("messages are still sent, acked and delivered; D1 converges to the exact counts after", async () => {
    const { alice, bob, carol, roomId, a, b } = await roomWithSockets();
    const stub = roomStub(roomId);
    await breakD1(stub, "down");

    const acks = [];
    acks.push(await sendOver(a, "o1", "during the outage"));
    acks.push(await sendOver(a, "o2", `@${bob.handle} and @${carol.handle}, are you there?`));
    acks.push(await sendOver(b, "o3", "I am"));
    acks.push(await sendOver(a, "o4", "deleting the next one"));
    acks.push(await sendOver(a, "o5", `@${carol.handle} secret`));
    for (const ack of acks) await b.next("message", (f) => f.message.seq === ack.seq);
    a.send({ type: "delete", seq: 5 });
    await b.next("changed", (f) => f.message.seq === 5 && f.message.deleted);
    a.send({ type: "edit", seq: 4, body: "the next one is gone" });
    await b.next("changed", (f) => f.message.seq === 4);

    // The alarm runs and fails, backing off further each time; the outbox keeps everything.
    const waits = [];
    for (let i = 1; i <= 3; i++) {
      expect(await runDurableObjectAlarm(stub)).toBe(true);
      const status = await syncStatus(roomId);
      expect(status).toMatchObject({ attempts: i, lastError: expect.stringContaining("outage") });
      expect(status.pending).toBeGreaterThan(0);
      waits.push(Date.parse(status.nextAttemptAt ?? "") - Date.now());
    }
    expect(waits[1]).toBeGreaterThan(waits[0] ?? 0);
    expect(waits[2]).toBeGreaterThan(waits[1] ?? 0);
    expect((await d1State(roomId)).room).toEqual([
      { last_seq: 0, first_seq: 1, last_message_at: null, last_preview: null },
    ]);

    await repairD1(stub);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await syncStatus(roomId)).toMatchObject({ pending: 0, attempts: 0, lastError: null });

    // Alice sent 1, 2, 4, 5 (5 deleted); Bob sent 3 and so read up to it.
    expect(await myRoom(alice, roomId)).toMatchObject({ lastSeq: 5, unread: 0, lastReadSeq: 5 });
    expect(await myRoom(bob, roomId)).toMatchObject({ unread: 1, mentions: 0, lastReadSeq: 3 });
    expect(await myRoom(carol, roomId)).toMatchObject({ unread: 4, mentions: 1, lastReadSeq: 0 });
    expect((await myRoom(carol, roomId)).lastPreview).toBe("Alice: the next one is gone");

    // Alarms are at-least-once: running it again, and flushing again, changes nothing.
    const settled = await d1State(roomId);
    await runInDurableObject<RoomDO, void>(stub, (room) => room.alarm());
    await stub.flush();
    expect(await d1State(roomId)).toEqual(settled);
    a.close();
    b.close();
  });

  it("a flush that D1 committed but whose answer was lost is repeated without double counting", async () => {
    const { bob, carol, roomId, a, b } = await roomWithSockets();
    const stub = roomStub(roomId);
    await breakD1(stub, "answer-lost");
    await sendOver(a, "l1", `@${carol.handle} one`);
    await sendOver(a, "l2", `@${carol.handle} two`);
    await sendOver(b, "l3", "three");
    a.send({ type: "delete", seq: 1 });
    await b.next("changed", (f) => f.message.seq === 1);

    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect((await syncStatus(roomId)).attempts).toBe(1);
    // D1 already has it all; the room does not know and keeps its outbox.
    const committed = await d1State(roomId);
    expect(committed.deleted).toEqual([{ seq: 1 }]);
    expect(committed.mentions).toHaveLength(2);

    await repairD1(stub);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect((await syncStatus(roomId)).pending).toBe(0);
    expect(await d1State(roomId)).toEqual(committed);
    expect(await myRoom(carol, roomId)).toMatchObject({ unread: 2, mentions: 1 });
    expect(await myRoom(bob, roomId)).toMatchObject({ unread: 0 });
    a.close();
    b.close();
  });

  it("an operator sees the outage at GET /api/admin/rooms/:id/sync and flushes with POST", async () => {
    const { carol, roomId, a, b } = await roomWithSockets();
    const stub = roomStub(roomId);
    await breakD1(stub, "down");
    await sendOver(a, "op1", "while D1 is down");
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    const path = `/api/admin/rooms/${roomId}/sync`;
    const down = await call("GET", path, undefined, { token: admin.token });
    expect(down.status).toBe(200);
    expect(down.body.sync).toMatchObject({
      attempts: 1,
      lastError: expect.stringContaining("outage"),
      subscribers: 0,
    });
    expect(down.body.sync.pending).toBeGreaterThan(0);
    expect(Date.parse(down.body.sync.nextAttemptAt)).toBeGreaterThan(Date.now());

    await repairD1(stub);
    // No waiting for the backoff: the operator flushes now.
    const flushed = await call("POST", path, undefined, { token: admin.token });
    expect(flushed.body.sync).toMatchObject({ pending: 0, attempts: 0, lastError: null });
    expect(flushed.body.sync.rowsWritten).toBeGreaterThan(0);
    expect(await myRoom(carol, roomId)).toMatchObject({ unread: 1, lastSeq: 1 });
    a.close();
    b.close();
  });

  it("over HTTP, a read answers even when D1 cannot take it yet, and lands later", async () => {
    const { alice, bob, roomId, a, b } = await roomWithSockets();
    await sendMessage(alice, roomId, "hello");
    await roomStub(roomId).flush();
    const stub = roomStub(roomId);
    await breakD1(stub, "down");
    // The Worker's own D1 is fine (only the room's boundary is broken), so the route answers.
    const res = await call("POST", `/api/rooms/${roomId}/read`, { seq: 1 }, { token: bob.token });
    expect(res.body).toEqual({ seq: 1 });
    expect(await myRoom(bob, roomId)).toMatchObject({ unread: 1 });
    await repairD1(stub);
    await runDurableObjectAlarm(stub);
    expect(await myRoom(bob, roomId)).toMatchObject({ unread: 0, lastReadSeq: 1 });
    a.close();
    b.close();
  });
});
