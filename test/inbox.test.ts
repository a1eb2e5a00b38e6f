// The inbox socket (docs/api.md, Inbox WebSocket): room activity with my counts within 2 s, membership changes,
// survival across eviction, and no cost to a room for members who are not online.
import { env, evictDurableObject, runDurableObjectAlarm } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import {
  addMember,
  addToWorkspace,
  BASE,
  call,
  createRoom,
  createWorkspace,
  myRoom,
  register,
  roomStub,
  sendMessage,
  type TestUser,
  uniqueHandle,
} from "./helpers";
import { InboxClient } from "./room-client";

let admin: TestUser;
beforeAll(async () => {
  admin = await register(uniqueHandle("admin"), "Admin");
});

const inboxStub = (userId: string) => env.INBOX.get(env.INBOX.idFromName(userId));

async function pair() {
  const alice = await register(uniqueHandle("alice"), "Alice");
  const bob = await register(uniqueHandle("bob"), "Bob");
  const room = await createRoom(alice, "private", "inbox");
  await addMember(alice, room.id, bob.id);
  return { alice, bob, roomId: room.id };
}

describe("the inbox socket", () => {
  it("refuses anonymous and foreign-origin upgrades, and non-upgrades", async () => {
    const bob = await register(uniqueHandle("bob"), "Bob");
    expect((await InboxClient.upgrade(null)).status).toBe(401);
    const foreign = await InboxClient.upgrade(bob.token, { origin: "https://evil.example" });
    expect(foreign.status).toBe(403);
    expect((await call("GET", "/api/me/ws", undefined, { token: bob.token })).status).toBe(400);
    const own = await InboxClient.open(bob.token, { origin: BASE });
    own.close();
  });

  it("gets the room frame within 2 s, with the counts GET /api/rooms gives", async () => {
    const { alice, bob, roomId } = await pair();
    const inbox = await InboxClient.open(bob.token);
    const started = Date.now();
    await sendMessage(alice, roomId, `hey @${bob.handle}`);
    await sendMessage(alice, roomId, "second");
    // No flush from the test: the room's own alarm carries it.
    const frame = await inbox.next("room", (f) => f.roomId === roomId && f.lastSeq === 2, {
      timeoutMs: 2_000,
    });
    expect(Date.now() - started).toBeLessThan(2_000);
    const listed = await myRoom(bob, roomId);
    expect(frame).toEqual({
      type: "room",
      roomId,
      lastSeq: listed.lastSeq,
      unread: listed.unread,
      mentions: listed.mentions,
      threads: listed.threads,
      lastPreview: listed.lastPreview,
      lastSenderId: listed.lastSenderId,
      lastMessageAt: listed.lastMessageAt,
      lastReadSeq: listed.lastReadSeq,
    });
    expect(frame).toMatchObject({
      unread: 2,
      mentions: 1,
      lastPreview: "Alice: second",
      lastSenderId: alice.id,
      lastReadSeq: 0,
    });
    // Both messages came in one coalesced frame.
    expect(inbox.frames.filter((f) => f.type === "room")).toHaveLength(1);
    inbox.close();
  });

  it("tells my other devices when I read, and not the other members", async () => {
    const { alice, bob, roomId } = await pair();
    await sendMessage(alice, roomId, "hello");
    await roomStub(roomId).flush();
    const bobInbox = await InboxClient.open(bob.token);
    const aliceInbox = await InboxClient.open(alice.token);
    const res = await call("POST", `/api/rooms/${roomId}/read`, { seq: 1 }, { token: bob.token });
    expect(res.status).toBe(200);
    expect(await bobInbox.next("room", (f) => f.roomId === roomId)).toMatchObject({
      unread: 0,
      lastSeq: 1,
    });
    await sendMessage(alice, roomId, "again");
    await bobInbox.next("room", (f) => f.lastSeq === 2);
    // Alice's inbox heard of the new message (her own: unread 0), never of Bob's read alone.
    const aliceFrames = aliceInbox.frames.filter((f) => f.type === "room");
    expect(aliceFrames.every((f) => f.type === "room" && f.lastSeq === 2 && f.unread === 0)).toBe(
      true,
    );
    bobInbox.close();
    aliceInbox.close();
  });

  it("carries my read mark and the preview's sender: a send of mine over HTTP moves both", async () => {
    const { alice, bob, roomId } = await pair();
    await sendMessage(alice, roomId, "one");
    await sendMessage(alice, roomId, "two");
    await roomStub(roomId).flush();
    const inbox = await InboxClient.open(bob.token);
    // Bob answers from another device, over HTTP: sending marks read up to his message.
    await sendMessage(bob, roomId, "from my phone");
    expect(await inbox.next("room", (f) => f.roomId === roomId && f.lastSeq === 3)).toMatchObject({
      unread: 0,
      lastReadSeq: 3,
      lastSenderId: bob.id,
      lastPreview: "Bob: from my phone",
    });
    await sendMessage(alice, roomId, "three");
    // The count and the mark agree: one unread, above seq 3 — not the two Bob had not opened.
    expect(await inbox.next("room", (f) => f.roomId === roomId && f.lastSeq === 4)).toMatchObject({
      unread: 1,
      lastReadSeq: 3,
      lastSenderId: alice.id,
    });
    expect(await myRoom(bob, roomId)).toMatchObject({
      unread: 1,
      lastReadSeq: 3,
      lastSenderId: alice.id,
    });
    inbox.close();
  });

  it("survives eviction of the inbox and of the room", async () => {
    const { alice, bob, roomId } = await pair();
    const inbox = await InboxClient.open(bob.token);
    await evictDurableObject(inboxStub(bob.id), { webSockets: "hibernate" });
    await evictDurableObject(roomStub(roomId), { webSockets: "hibernate" });
    await sendMessage(alice, roomId, "after the nap");
    expect(
      await inbox.next("room", (f) => f.roomId === roomId, { timeoutMs: 2_000 }),
    ).toMatchObject({ unread: 1, lastSeq: 1 });
    // The hibernated socket still answers the keep-alive.
    inbox.ws.send("ping");
    await waitFor(() => inbox.texts.includes("pong"));
    inbox.close();
  });

  it("answers frames other than ping with an error and stays open", async () => {
    const bob = await register(uniqueHandle("bob"), "Bob");
    const inbox = await InboxClient.open(bob.token);
    inbox.send({ type: "send", body: "hi" });
    expect(await inbox.next("error")).toMatchObject({ code: "invalid" });
    expect(inbox.closed).toBeNull();
    inbox.close();
  });

  it("closes with 1008 when an admin disables the account, and stays shut", async () => {
    const bob = await register(uniqueHandle("bob"), "Bob");
    const inbox = await InboxClient.open(bob.token);
    const res = await call(
      "PATCH",
      `/api/admin/users/${bob.id}`,
      { disabled: true },
      { token: admin.token },
    );
    expect(res.status).toBe(200);
    expect((await inbox.waitClosed()).code).toBe(1008);
    expect((await InboxClient.upgrade(bob.token)).status).toBe(401);
  });

  it("closes with 1008 when the session ends", async () => {
    const bob = await register(uniqueHandle("bob"), "Bob");
    const inbox = await InboxClient.open(bob.token);
    await call("POST", "/api/auth/logout", undefined, { token: bob.token });
    expect((await inbox.waitClosed()).code).toBe(1008);
  });
});

describe("membership frames", () => {
  it("added (and subscribed), role, removed (and unsubscribed)", async () => {
    const alice = await register(uniqueHandle("alice"), "Alice");
    const carol = await register(uniqueHandle("carol"), "Carol");
    const room = await createRoom(alice, "private", "circle");
    const inbox = await InboxClient.open(carol.token);

    await addMember(alice, room.id, carol.id);
    expect(await inbox.next("membership")).toEqual({
      type: "membership",
      roomId: room.id,
      change: "added",
      role: "member",
    });
    await sendMessage(alice, room.id, "welcome");
    expect(await inbox.next("room", (f) => f.roomId === room.id)).toMatchObject({ unread: 1 });

    await call(
      "PATCH",
      `/api/rooms/${room.id}/members/${carol.id}`,
      { role: "moderator" },
      { token: alice.token },
    );
    expect(await inbox.next("membership", (f) => f.change === "role")).toMatchObject({
      roomId: room.id,
      role: "moderator",
    });

    await call("DELETE", `/api/rooms/${room.id}/members/${carol.id}`, undefined, {
      token: alice.token,
    });
    await inbox.next("membership", (f) => f.change === "removed");
    expect((await roomStub(room.id).syncStatus()).subscribers).toBe(0);
    await sendMessage(alice, room.id, "she is gone");
    await roomStub(room.id).flush();
    expect(inbox.frames.filter((f) => f.type === "room")).toHaveLength(1);
    inbox.close();
  });

  it("being added to a workspace, a new role there and removal reach my inbox", async () => {
    const carol = await register(uniqueHandle("carol"), "Carol");
    const workspace = await createWorkspace(admin);
    const inbox = await InboxClient.open(carol.token);
    await addToWorkspace(admin, workspace.id, carol.id, "admin");
    expect(await inbox.next("workspace")).toEqual({
      type: "workspace",
      workspaceId: workspace.id,
      change: "added",
      role: "admin",
    });
    const path = `/api/workspaces/${workspace.id}/members/${carol.id}`;
    await call("PATCH", path, { role: "member" }, { token: admin.token });
    expect(await inbox.next("workspace", (f) => f.change === "role")).toMatchObject({
      workspaceId: workspace.id,
      role: "member",
    });
    await call("DELETE", path, undefined, { token: admin.token });
    expect(await inbox.next("workspace", (f) => f.change === "removed")).toEqual({
      type: "workspace",
      workspaceId: workspace.id,
      change: "removed",
    });
    inbox.close();
  });

  it("joining a channel and opening a DM reach my inbox", async () => {
    const alice = await register(uniqueHandle("alice"), "Alice");
    const bob = await register(uniqueHandle("bob"), "Bob");
    const channel = await createRoom(alice, "channel", "lobby");
    const inbox = await InboxClient.open(bob.token);
    await call("POST", `/api/rooms/${channel.id}/join`, undefined, { token: bob.token });
    expect(await inbox.next("membership", (f) => f.roomId === channel.id)).toMatchObject({
      change: "added",
    });
    const dm = await call("POST", "/api/dms", { userId: bob.id }, { token: alice.token });
    expect(await inbox.next("membership", (f) => f.roomId === dm.body.room.id)).toMatchObject({
      change: "added",
    });
    inbox.close();
  });
});

describe("only online members cost a room work", () => {
  it("a room of 500 notifies the one open inbox, and none once it closes", async () => {
    const alice = await register(uniqueHandle("alice"), "Alice");
    const bob = await register(uniqueHandle("bob"), "Bob");
    const room = await createRoom(alice, "private", "crowd");
    await addMember(alice, room.id, bob.id);
    const now = Date.now();
    const seed = [];
    for (let i = 0; i < 498; i++) {
      const id = `usr_crowd_${i}`;
      seed.push(
        env.DB.prepare(
          "INSERT INTO users (id, handle, display_name, password_hash, created_at) VALUES (?, ?, ?, 'x', ?)",
        ).bind(id, `crowd_${i}`, `Crowd ${i}`, now),
        env.DB.prepare(
          "INSERT INTO memberships (room_id, user_id, role, joined_at) VALUES (?, ?, 'member', ?)",
        ).bind(room.id, id, now),
      );
    }
    await env.DB.batch(seed);

    const inbox = await InboxClient.open(bob.token);
    expect((await roomStub(room.id).syncStatus()).subscribers).toBe(1);
    await sendMessage(alice, room.id, "hello crowd");
    expect(await runDurableObjectAlarm(roomStub(room.id))).toBe(true);
    expect(await roomStub(room.id).syncStatus()).toMatchObject({ subscribers: 1, notified: 1 });
    await inbox.next("room", (f) => f.roomId === room.id);

    inbox.close();
    await waitFor(async () => (await roomStub(room.id).syncStatus()).subscribers === 0);
    await sendMessage(alice, room.id, "anyone?");
    await runDurableObjectAlarm(roomStub(room.id));
    expect(await roomStub(room.id).syncStatus()).toMatchObject({ subscribers: 0, notified: 0 });
  });

  it("a second device keeps the subscription when the first one closes", async () => {
    const { alice, bob, roomId } = await pair();
    const phone = await InboxClient.open(bob.token);
    const laptop = await InboxClient.open(bob.token);
    phone.close();
    await phone.waitClosed();
    await sendMessage(alice, roomId, "still there?");
    expect(await laptop.next("room", (f) => f.roomId === roomId)).toMatchObject({ unread: 1 });
    expect((await roomStub(roomId).syncStatus()).subscribers).toBe(1);
    laptop.close();
  });
});

async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 3_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}
