// Blocking and hiding DMs (docs/api.md, "Blocking" and "Rooms"): who may open and write in a DM
// once one person blocked another, that the room enforces it by itself (also after an
// eviction), and that a hidden DM leaves my room list until its next message.
import { evictDurableObject } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import {
  addMember,
  call,
  createRoom,
  expectError,
  register,
  roomStub,
  sendMessage,
  type TestUser,
} from "./helpers";
import { RoomClient } from "./room-client";

const as = (user: TestUser) => ({ token: user.token });
const put = (user: TestUser, path: string, body?: unknown) => call("PUT", path, body, as(user));

async function openDm(opener: TestUser, ...others: TestUser[]) {
  const body =
    others.length === 1 ? { userId: others[0]?.id } : { userIds: others.map((o) => o.id) };
  return call("POST", "/api/dms", body, as(opener));
}

async function dmOf(opener: TestUser, ...others: TestUser[]): Promise<string> {
  const res = await openDm(opener, ...others);
  if (res.status >= 300) throw new Error(`dm: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.room.id;
}

const block = (blocker: TestUser, blocked: TestUser) =>
  put(blocker, `/api/me/blocks/${blocked.id}`);
const unblock = (blocker: TestUser, blocked: TestUser) =>
  call("DELETE", `/api/me/blocks/${blocked.id}`, undefined, as(blocker));
const send = (user: TestUser, roomId: string, body = "hello") =>
  call("POST", `/api/rooms/${roomId}/messages`, { cid: crypto.randomUUID(), body }, as(user));
const roomIds = async (user: TestUser): Promise<string[]> =>
  ((await call("GET", "/api/rooms", undefined, as(user))).body.rooms as any[]).map(
    (r) => r.room.id,
  );

let ana: TestUser;
let bo: TestUser;
let cy: TestUser;

beforeAll(async () => {
  ana = await register();
  bo = await register();
  cy = await register();
});

describe("the blocks list", () => {
  it("blocks, lists and unblocks; both idempotent", async () => {
    const me = await register();
    const other = await register(undefined, "Other Person");
    expect((await block(me, other)).status).toBe(204);
    expect((await block(me, other)).status).toBe(204);
    const list = await call("GET", "/api/me/blocks", undefined, as(me));
    expect(list.status).toBe(200);
    expect(list.body.users).toEqual([
      {
        id: other.id,
        handle: other.handle,
        displayName: "Other Person",
        avatarUrl: null,
        bot: false,
      },
    ]);
    // Nobody else sees my blocks, and the blocked person's own list is empty.
    expect((await call("GET", "/api/me/blocks", undefined, as(other))).body.users).toEqual([]);
    expect((await unblock(me, other)).status).toBe(204);
    expect((await unblock(me, other)).status).toBe(204);
    expect((await call("GET", "/api/me/blocks", undefined, as(me))).body.users).toEqual([]);
  });

  it("refuses blocking myself (400) and unknown people (404)", async () => {
    expectError(await block(ana, ana), 400, "invalid");
    expectError(await put(ana, "/api/me/blocks/usr_nobody"), 404, "not_found");
    expectError(
      await call("DELETE", "/api/me/blocks/usr_nobody", undefined, as(ana)),
      404,
      "not_found",
    );
  });

  it("is private: not in the audit log", async () => {
    // ana signed up first in this file's fresh instance: the admin.
    const me = await register();
    const other = await register();
    await block(me, other);
    await unblock(me, other);
    const audit = await call("GET", "/api/admin/audit?limit=100", undefined, as(ana));
    expect(audit.status).toBe(200);
    const entries = audit.body.entries as Array<{ action: string; actorId: string }>;
    expect(entries.filter((e) => e.actorId === me.id && e.action !== "auth.register")).toEqual([]);
  });
});

describe("a blocked person and DMs", () => {
  it("cannot open a DM with me, nor put me in a group DM (403 blocked)", async () => {
    const me = await register();
    const them = await register();
    expect((await block(me, them)).status).toBe(204);
    expectError(await openDm(them, me), 403, "blocked");
    expectError(await openDm(them, me, cy), 403, "blocked");
    // Others are unaffected: the blocked person still opens DMs with anyone else.
    expect((await openDm(them, cy)).status).toBeLessThan(300);
    // I may still open our DM (to read it); the room refuses sends both ways.
    const dm = await dmOf(me, them);
    expectError(await send(me, dm), 403, "blocked");
    // Unblocking lets them open it again.
    await unblock(me, them);
    expect((await openDm(them, me)).body.room.id).toBe(dm);
  });

  it("cannot send in our 1:1 DM over HTTP or the socket; neither can I", async () => {
    const me = await register();
    const them = await register();
    const dm = await dmOf(them, me);
    await sendMessage(them, dm, "before");
    await block(me, them);

    const refused = await send(them, dm);
    expectError(refused, 403, "blocked");
    expect(refused.body.error.message).not.toMatch(/block/i);
    const mine = await send(me, dm);
    expectError(mine, 403, "blocked");
    expect(mine.body.error.message).toMatch(/unblock/);

    const socket = await RoomClient.open(dm, them.token);
    socket.send({ type: "send", cid: "ws-1", body: "over the socket" });
    const error = await socket.next("error", (f) => f.ref === "ws-1");
    expect(error.code).toBe("blocked");
    socket.close();

    // Earlier messages can still be edited (only sends are refused).
    const edited = await call(
      "PATCH",
      `/api/rooms/${dm}/messages/1`,
      { body: "before!" },
      as(them),
    );
    expect(edited.status).toBe(200);

    // Nothing was stored: the last message is still the one from before.
    const history = await call("GET", `/api/rooms/${dm}/messages`, undefined, as(me));
    expect(history.body.messages.map((m: { body: string }) => m.body)).toEqual(["before!"]);
  });

  it("stays blocked after the room is evicted, and unblocking restores sending", async () => {
    const me = await register();
    const them = await register();
    const dm = await dmOf(me, them);
    await block(me, them);
    await evictDurableObject(roomStub(dm));
    expectError(await send(them, dm), 403, "blocked");
    const socket = await RoomClient.open(dm, them.token);
    socket.send({ type: "send", cid: "after-evict", body: "still?" });
    expect((await socket.next("error", (f) => f.ref === "after-evict")).code).toBe("blocked");
    socket.close();

    expect((await unblock(me, them)).status).toBe(204);
    await evictDurableObject(roomStub(dm));
    expect((await send(them, dm, "hi again")).status).toBe(201);
    expect((await send(me, dm, "hello")).status).toBe(201);
  });

  it("a DM opened by the blocker after blocking refuses sends from its start", async () => {
    const me = await register();
    const them = await register();
    await block(me, them);
    const dm = await dmOf(me, them);
    expectError(await send(them, dm), 403, "blocked");
    expectError(await send(me, dm), 403, "blocked");
  });

  it("needs both to unblock when both blocked", async () => {
    const me = await register();
    const them = await register();
    const dm = await dmOf(me, them);
    await block(me, them);
    await block(them, me);
    await unblock(me, them);
    expectError(await send(me, dm), 403, "blocked");
    await unblock(them, me);
    expect((await send(me, dm)).status).toBe(201);
  });

  it("leaves group DMs and channels as they were", async () => {
    const me = await register();
    const them = await register();
    const group = await dmOf(me, them, cy);
    const channel = await createRoom(me, "private", "shared");
    await addMember(me, channel.id, them.id);
    await block(me, them);
    expect((await send(them, group, "group")).status).toBe(201);
    expect((await send(me, group, "group")).status).toBe(201);
    expect((await send(them, channel.id, "channel")).status).toBe(201);
    // A 1:1 DM between other people is not touched either.
    const other = await dmOf(them, cy);
    expect((await send(them, other)).status).toBe(201);
  });
});

describe("hiding a DM", () => {
  it("only DMs and group DMs, members only", async () => {
    const channel = await createRoom(ana, "channel", "not hideable");
    expectError(
      await put(ana, `/api/rooms/${channel.id}/hidden`, { hidden: true }),
      400,
      "invalid",
    );
    const dm = await dmOf(ana, bo);
    expectError(await put(cy, `/api/rooms/${dm}/hidden`, { hidden: true }), 404, "not_found");
    expectError(await put(ana, `/api/rooms/${dm}/hidden`, { hidden: "yes" }), 400, "invalid");
  });

  it("leaves my list until the next message, for me only", async () => {
    const me = await register();
    const them = await register();
    const dm = await dmOf(me, them);
    await sendMessage(them, dm, "first");
    await roomStub(dm).flush();
    const res = await put(me, `/api/rooms/${dm}/hidden`, { hidden: true });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ hidden: true });
    expect(await roomIds(me)).not.toContain(dm);
    expect(await roomIds(them)).toContain(dm);

    // Reads and other changes do not bring it back; a new message does (mine or theirs).
    await call("POST", `/api/rooms/${dm}/read`, { seq: 1 }, as(them));
    await roomStub(dm).flush();
    expect(await roomIds(me)).not.toContain(dm);
    await sendMessage(them, dm, "second");
    await roomStub(dm).flush();
    expect(await roomIds(me)).toContain(dm);

    // Hidden again, then shown with hidden: false.
    await put(me, `/api/rooms/${dm}/hidden`, { hidden: true });
    expect(await roomIds(me)).not.toContain(dm);
    expect((await put(me, `/api/rooms/${dm}/hidden`, { hidden: false })).body).toEqual({
      hidden: false,
    });
    expect(await roomIds(me)).toContain(dm);
  });

  it("counts a message the room has but D1 does not yet", async () => {
    const me = await register();
    const them = await register();
    const group = await dmOf(me, them, cy);
    // No flush: D1's last_seq trails the room; hiding takes the room's.
    await sendMessage(them, group, "just sent");
    await put(me, `/api/rooms/${group}/hidden`, { hidden: true });
    await roomStub(group).flush();
    expect(await roomIds(me)).not.toContain(group);
    await sendMessage(cy, group, "next");
    await roomStub(group).flush();
    expect(await roomIds(me)).toContain(group);
  });
});
