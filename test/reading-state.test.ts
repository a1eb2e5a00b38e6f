// Unread and mention counts as a member sees them in `GET /api/rooms`: others'
// messages after my read mark, not deleted; sending marks read; mentions counted apart and
// cleared by reading; read marks never go backwards and reach the room as read receipts.
import { beforeAll, describe, expect, it } from "vitest";
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

let admin: TestUser;
beforeAll(async () => {
  // The first account of an instance is its admin; everyone else here is a plain user.
  admin = await register(uniqueHandle("admin"), "Admin");
});

async function threePeople() {
  const alice = await register(uniqueHandle("alice"), "Alice");
  const bob = await register(uniqueHandle("bob"), "Bob");
  const carol = await register(uniqueHandle("carol"), "Carol");
  const room = await createRoom(alice, "private", "reading");
  await addMember(alice, room.id, bob.id);
  await addMember(alice, room.id, carol.id);
  return { alice, bob, carol, roomId: room.id };
}

const flush = async (roomId: string) => {
  const sync = await roomStub(roomId).flush();
  expect(sync.pending).toBe(0);
};

const read = (user: TestUser, roomId: string, seq: number) =>
  call("POST", `/api/rooms/${roomId}/read`, { seq }, { token: user.token });

describe("unread counts", () => {
  it("count others' messages, not mine; sending marks read", async () => {
    const { alice, bob, carol, roomId } = await threePeople();
    for (const body of ["one", "two", "three"]) await sendMessage(alice, roomId, body);
    await flush(roomId);
    expect(await myRoom(alice, roomId)).toMatchObject({ unread: 0, lastSeq: 3, lastReadSeq: 3 });
    expect(await myRoom(bob, roomId)).toMatchObject({ unread: 3, mentions: 0, lastReadSeq: 0 });

    // Bob answers without reading first: his send marks everything up to it read.
    await sendMessage(bob, roomId, "four");
    await flush(roomId);
    expect(await myRoom(bob, roomId)).toMatchObject({ unread: 0, lastReadSeq: 4 });
    expect(await myRoom(alice, roomId)).toMatchObject({ unread: 1 });
    expect(await myRoom(carol, roomId)).toMatchObject({ unread: 4, lastSeq: 4 });
  });

  it("a deleted unread message stops counting; reading zeroes", async () => {
    const { alice, bob, carol, roomId } = await threePeople();
    const first = await sendMessage(alice, roomId, "oops");
    await sendMessage(bob, roomId, "hello");
    await sendMessage(alice, roomId, "fine");
    await flush(roomId);
    expect(await myRoom(carol, roomId)).toMatchObject({ unread: 3 });

    const deleted = await call("DELETE", `/api/rooms/${roomId}/messages/${first.seq}`, undefined, {
      token: alice.token,
    });
    expect(deleted.status).toBe(200);
    await flush(roomId);
    expect(await myRoom(carol, roomId)).toMatchObject({ unread: 2 });
    // Bob had read up to his own send (2): the deleted seq 1 was below his mark and changes nothing.
    expect(await myRoom(bob, roomId)).toMatchObject({ unread: 1 });

    expect((await read(carol, roomId, 3)).body).toEqual({ seq: 3 });
    // POST /read syncs D1 before answering: no flush needed to see it.
    expect(await myRoom(carol, roomId)).toMatchObject({ unread: 0, lastReadSeq: 3 });
  });

  it("the room list shows the newest visible message as preview and time", async () => {
    const { alice, bob, roomId } = await threePeople();
    await sendMessage(alice, roomId, "first   words\nacross lines");
    const second = await sendMessage(bob, roomId, "x".repeat(300));
    await flush(roomId);
    const item = await myRoom(alice, roomId);
    expect(item.lastPreview).toBe(`Bob: ${"x".repeat(140)}…`);
    expect(item.lastSenderId).toBe(bob.id);
    expect(item.lastMessageAt).not.toBeNull();

    await call("DELETE", `/api/rooms/${roomId}/messages/${second.seq}`, undefined, {
      token: bob.token,
    });
    await flush(roomId);
    expect(await myRoom(alice, roomId)).toMatchObject({
      lastPreview: "Alice: first words across lines",
      lastSenderId: alice.id,
      lastSeq: 2,
    });
  });
});

describe("mentions", () => {
  it("count separately, clear on read, and stop counting when the message is deleted", async () => {
    const { alice, bob, carol, roomId } = await threePeople();
    await sendMessage(alice, roomId, `hi @${bob.handle} and @${carol.handle}`);
    await sendMessage(alice, roomId, "no mention here");
    const third = await sendMessage(carol, roomId, `@${bob.handle} again`);
    await sendMessage(alice, roomId, `@${alice.handle} talking to myself, and @nobody_here`);
    await flush(roomId);
    expect(await myRoom(bob, roomId)).toMatchObject({ unread: 4, mentions: 2 });
    expect(await myRoom(carol, roomId)).toMatchObject({ unread: 1, mentions: 0 });
    expect(await myRoom(alice, roomId)).toMatchObject({ unread: 0, mentions: 0 });

    await call("DELETE", `/api/rooms/${roomId}/messages/${third.seq}`, undefined, {
      token: carol.token,
    });
    await flush(roomId);
    expect(await myRoom(bob, roomId)).toMatchObject({ unread: 3, mentions: 1 });

    await read(bob, roomId, 2);
    expect(await myRoom(bob, roomId)).toMatchObject({ unread: 1, mentions: 0 });
  });

  it("only members are mentioned: people outside the room get no count", async () => {
    const { alice, roomId } = await threePeople();
    const outsider = await register(uniqueHandle("out"), "Outsider");
    const other = await createRoom(outsider, "private", "elsewhere");
    await sendMessage(alice, roomId, `@${outsider.handle} can you see this?`);
    await flush(roomId);
    expect(await myRoom(outsider, other.id)).toMatchObject({ mentions: 0, unread: 0 });
    const list = await call("GET", "/api/rooms", undefined, { token: outsider.token });
    expect(list.body.rooms.map((r: any) => r.room.id)).toEqual([other.id]);
  });
});

describe("read marks", () => {
  it("never go backwards, over HTTP and over the socket", async () => {
    const { alice, bob, roomId } = await threePeople();
    for (let i = 0; i < 5; i++) await sendMessage(alice, roomId, `m${i}`);
    expect((await read(bob, roomId, 4)).body).toEqual({ seq: 4 });
    expect((await read(bob, roomId, 2)).body).toEqual({ seq: 4 });
    // A mark past the end is clamped to the last message.
    expect((await read(bob, roomId, 99)).body).toEqual({ seq: 5 });

    const socket = await RoomClient.open(roomId, bob.token);
    const watcher = await RoomClient.open(roomId, alice.token);
    expect((await watcher.next("ready")).readMarks).toMatchObject({ [bob.id]: 5 });
    socket.send({ type: "read", seq: 1 });
    await sendMessage(alice, roomId, "m5");
    await flush(roomId);
    expect(await myRoom(bob, roomId)).toMatchObject({ lastReadSeq: 5, unread: 1 });
    // The backwards read was not broadcast; only forward moves are.
    expect(watcher.frames.filter((f) => f.type === "read" && f.userId === bob.id)).toEqual([]);
    socket.close();
    watcher.close();
  });

  it("are broadcast to the room as read receipts, and reach D1 from the socket", async () => {
    const { alice, bob, carol, roomId } = await threePeople();
    const a = await RoomClient.open(roomId, alice.token);
    const b = await RoomClient.open(roomId, bob.token);
    a.send({ type: "send", cid: "r1", body: "did you see this?" });
    const { seq } = await a.next("ack");
    await b.next("message", (f) => f.message.seq === seq);
    const from = a.frames.length;
    b.send({ type: "read", seq });
    expect(await a.next("read", (f) => f.userId === bob.id, { from })).toEqual({
      type: "read",
      userId: bob.id,
      seq,
    });
    // The sender's own mark moved when sending: the message is that receipt, with no read frame.
    expect(b.frames.some((f) => f.type === "read" && f.userId === alice.id)).toBe(false);
    await flush(roomId);
    expect(await myRoom(bob, roomId)).toMatchObject({ unread: 0, lastReadSeq: seq });
    expect(await myRoom(carol, roomId)).toMatchObject({ unread: 1, lastReadSeq: 0 });
    a.close();
    b.close();
  });

  it("a read by an admin who is not a member changes no one's counts", async () => {
    expect(admin.role).toBe("admin");
    const { bob, carol, roomId } = await threePeople();
    await sendMessage(bob, roomId, "hello");
    // Only members keep read marks: over HTTP 403, over the socket the frame is ignored.
    expect((await read(admin, roomId, 1)).status).toBe(403);
    const socket = await RoomClient.open(roomId, admin.token);
    socket.send({ type: "read", seq: 1 });
    socket.send({ type: "sync", sinceRev: 0 });
    await socket.next("synced");
    expect(socket.frames.filter((f) => f.type === "read")).toEqual([]);
    socket.close();
    await flush(roomId);
    expect(await myRoom(bob, roomId)).toMatchObject({ unread: 0 });
    expect(await myRoom(carol, roomId)).toMatchObject({ unread: 1 });
  });
  it("each new socket's ready carries the marks as they are now: reads, removals, newcomers, an admin", async () => {
    const { alice, bob, carol, roomId } = await threePeople();
    const ready = async (user: TestUser) => {
      const socket = await RoomClient.open(roomId, user.token);
      const frame = await socket.next("ready");
      socket.close();
      return frame;
    };
    for (const body of ["m1", "m2", "m3"]) await sendMessage(alice, roomId, body);
    expect((await ready(alice)).readMarks).toEqual({ [alice.id]: 3 });
    // Between welcomes of the same room object, every change shows in the next one.
    expect((await read(bob, roomId, 2)).body).toEqual({ seq: 2 });
    expect((await ready(alice)).readMarks).toEqual({ [alice.id]: 3, [bob.id]: 2 });
    expect((await read(bob, roomId, 3)).body).toEqual({ seq: 3 });
    const afterRead = await ready(alice);
    expect(afterRead.readMarks).toEqual({ [alice.id]: 3, [bob.id]: 3 });
    expect(afterRead.deliveredMarks[bob.id]).toBeUndefined();
    // An admin who is not a member connects: their delivery is not a member's mark.
    await ready(admin);
    expect(Object.keys((await ready(alice)).deliveredMarks).sort()).toEqual([alice.id]);
    // bob connects (his devices have it all), then is removed: his marks go with him.
    await ready(bob);
    expect((await ready(alice)).deliveredMarks[bob.id]).toBe(3);
    const removed = await call("DELETE", `/api/rooms/${roomId}/members/${bob.id}`, undefined, {
      token: alice.token,
    });
    expect(removed.status).toBe(204);
    const afterRemoval = await ready(alice);
    expect(afterRemoval.readMarks).toEqual({ [alice.id]: 3 });
    expect(afterRemoval.deliveredMarks[bob.id]).toBeUndefined();
    // Someone added starts at the last message.
    await addMember(alice, roomId, bob.id);
    expect((await ready(carol)).readMarks).toEqual({ [alice.id]: 3, [bob.id]: 3 });
  });
});
