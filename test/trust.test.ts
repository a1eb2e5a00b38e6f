// Authority is checked now, not remembered: revocation reaches HTTP and open sockets at once,
// credentials never act beyond what their user may do now, and a newcomer's reading state is
// exact. Each test here was a defect seen from outside.
import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import type { RoomDO } from "../src/room/room-do";
import { breakRoomD1 } from "./d1-outage";
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
import { InboxClient, RoomClient } from "./room-client";

let admin: TestUser;

beforeAll(async () => {
  admin = await register(uniqueHandle("admin"), "Ada Admin");
  expect(admin.role).toBe("admin");
});

const person = (name = "Person") => register(uniqueHandle(name.toLowerCase()), name);
const asAdmin = (method: string, path: string, body?: unknown) =>
  call(method, path, body, { token: admin.token });

async function promote(user: TestUser, role: "admin" | "user") {
  const res = await asAdmin("PATCH", `/api/admin/users/${user.id}`, { role });
  expect(res.status).toBe(200);
}

async function mintToken(owner: TestUser, scopes: string[], by: TestUser = admin) {
  const res = await call(
    "POST",
    "/api/admin/tokens",
    { name: `t-${scopes.join("-")}`, scopes, userId: owner.id },
    { token: by.token },
  );
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return { id: res.body.token.id as string, secret: res.body.secret as string };
}

async function privateRoom(owner: TestUser, members: TestUser[], name = "private") {
  const room = await createRoom(owner, "private", name);
  for (const m of members) await addMember(owner, room.id, m.id);
  return room.id;
}

/** One frame's answer: the ack or error that carries `cid`, or the first error/answer after. */
async function sendFrame(socket: RoomClient, cid: string, body: string) {
  const from = socket.frames.length;
  socket.send({ type: "send", cid, body });
  for (;;) {
    const frame = await socket
      .next("ack", (f) => f.cid === cid, { from, timeoutMs: 100 })
      .catch(() => null);
    if (frame) return frame;
    const error = socket.frames.slice(from).find((f) => f.type === "error" && f.ref === cid);
    if (error) return error;
  }
}

async function errorAfter(socket: RoomClient, frame: Record<string, unknown>) {
  const from = socket.frames.length;
  socket.send(frame);
  return socket.next("error", () => true, { from });
}

describe("credentials act with what their user may do now", () => {
  it("an admin-scoped token of a demoted admin is a plain token and cannot promote its user back", async () => {
    const deputy = await person("Deputy");
    await promote(deputy, "admin");
    const token = await mintToken(deputy, ["admin"], deputy);
    expect((await call("GET", "/api/admin/users", undefined, { token: token.secret })).status).toBe(
      200,
    );
    await promote(deputy, "user");
    expectError(
      await call("GET", "/api/admin/users", undefined, { token: token.secret }),
      403,
      "forbidden",
    );
    expectError(
      await call(
        "PATCH",
        `/api/admin/users/${deputy.id}`,
        { role: "admin" },
        { token: token.secret },
      ),
      403,
      "forbidden",
    );
    const me = await asAdmin("GET", `/api/admin/users?q=${deputy.handle}`);
    expect(me.body.users[0]).toMatchObject({ id: deputy.id, role: "user" });
  });

  it("a token for someone who is not an admin cannot carry the admin scope", async () => {
    const plain = await person("Plain");
    const refused = await asAdmin("POST", "/api/admin/tokens", {
      name: "too much",
      scopes: ["admin"],
      userId: plain.id,
    });
    expectError(refused, 400, "invalid");
    const bot = await mintToken(plain, ["bot"]);
    expectError(
      await call("GET", "/api/admin/users", undefined, { token: bot.secret }),
      403,
      "forbidden",
    );
  });

  it("a ticket dies with the session that asked for it", async () => {
    const member = await person("Member");
    const roomId = await privateRoom(admin, [member], "tickets");
    const issued = await call("POST", `/api/rooms/${roomId}/ws-ticket`, undefined, {
      token: member.token,
    });
    expect(issued.status).toBe(201);
    expect(
      (await call("POST", "/api/auth/logout", undefined, { token: member.token })).status,
    ).toBe(204);
    const res = await RoomClient.upgrade(roomId, null, { ticket: issued.body.ticket });
    expect(res.status).toBe(401);
  });

  it("a ticket asked for with a bot-scoped token of an admin carries the bot's scope, not the admin's", async () => {
    const member = await person("Member");
    // The admin is a plain member of this room (not its owner), so only admin power could delete.
    const owner = await person("Owner");
    const roomId = await privateRoom(owner, [member, admin], "bot-ticket");
    const theirs = await sendMessage(member, roomId, "not yours to delete");
    const bot = await mintToken(admin, ["bot"]);
    const issued = await call("POST", `/api/rooms/${roomId}/ws-ticket`, undefined, {
      token: bot.secret,
    });
    expect(issued.status).toBe(201);
    const socket = await RoomClient.open(roomId, null, { ticket: issued.body.ticket });
    const error = await errorAfter(socket, { type: "delete", seq: theirs.seq });
    expect(error.code).toBe("forbidden");
    // The admin's own session may.
    const session = await RoomClient.open(roomId, admin.token);
    session.send({ type: "delete", seq: theirs.seq });
    await socket.next("changed", (f) => f.message.seq === theirs.seq && f.message.deleted);
    socket.close();
    session.close();
  });
});

describe("revocation reaches open sockets at once", () => {
  it("revoking an API token closes the room and inbox sockets opened with it, not the user's others", async () => {
    const botUser = await person("Robot");
    const roomId = await privateRoom(admin, [botUser], "bot-room");
    const token = await mintToken(botUser, ["bot"]);
    const viaToken = await RoomClient.open(roomId, token.secret);
    const inbox = await InboxClient.open(token.secret);
    const viaSession = await RoomClient.open(roomId, botUser.token);
    expect((await asAdmin("DELETE", `/api/admin/tokens/${token.id}`)).status).toBe(204);
    expect((await viaToken.waitClosed(2_000)).code).toBe(1008);
    expect((await inbox.waitClosed(2_000)).code).toBe(1008);
    expect((await sendFrame(viaSession, "still-here", "session lives")).type).toBe("ack");
    expect((await RoomClient.upgrade(roomId, token.secret)).status).toBe(401);
    expect((await call("GET", "/api/me", undefined, { token: token.secret })).status).toBe(401);
    viaSession.close();
  });

  it("a demoted admin's socket in a room they are not in closes; in their rooms they lose admin powers", async () => {
    const deputy = await person("Deputy");
    await promote(deputy, "admin");
    const owner = await person("Owner");
    const member = await person("Member");
    const notTheirs = await privateRoom(owner, [member], "not-theirs");
    const theirs = await privateRoom(owner, [member, deputy], "theirs");
    const message = await sendMessage(member, theirs, "moderate me");
    const visiting = await RoomClient.open(notTheirs, deputy.token);
    const own = await RoomClient.open(theirs, deputy.token);
    await promote(deputy, "user");
    expect((await visiting.waitClosed(2_000)).code).toBe(1008);
    expect((await RoomClient.upgrade(notTheirs, deputy.token)).status).toBe(404);
    expect((await errorAfter(own, { type: "delete", seq: message.seq })).code).toBe("forbidden");
    expect((await sendFrame(own, "member-still", "still a member")).type).toBe("ack");
    own.close();
  });

  it("disabling closes every socket of the person saying why; logging out says the session ended", async () => {
    const owner = await person("Owner");
    const doomed = await person("Doomed");
    const roomId = await privateRoom(owner, [doomed], "disabled");
    const room = await RoomClient.open(roomId, doomed.token);
    const inbox = await InboxClient.open(doomed.token);
    expect(
      (await asAdmin("PATCH", `/api/admin/users/${doomed.id}`, { disabled: true })).status,
    ).toBe(200);
    // The client tells "your account was disabled" from "your session ended" by the reason.
    expect(await room.waitClosed(2_000)).toEqual({ code: 1008, reason: "Account disabled" });
    expect(await inbox.waitClosed(2_000)).toEqual({ code: 1008, reason: "Account disabled" });

    const leaving = await RoomClient.open(roomId, owner.token);
    expect((await call("POST", "/api/auth/logout", undefined, { token: owner.token })).status).toBe(
      204,
    );
    expect(await leaving.waitClosed(2_000)).toEqual({ code: 1008, reason: "Session ended" });
  });

  it("a removed member's socket is closed and its next frames are not applied", async () => {
    const owner = await person("Owner");
    const member = await person("Member");
    const roomId = await privateRoom(owner, [member], "removal");
    const socket = await RoomClient.open(roomId, member.token);
    const res = await call("DELETE", `/api/rooms/${roomId}/members/${member.id}`, undefined, {
      token: owner.token,
    });
    expect(res.status).toBe(204);
    expect((await socket.waitClosed(2_000)).code).toBe(1008);
  });
});

describe("admins who are not members", () => {
  it("read and moderate over the socket but do not post there, as over HTTP", async () => {
    const owner = await person("Owner");
    const member = await person("Member");
    const roomId = await privateRoom(owner, [member], "watched");
    const message = await sendMessage(member, roomId, "hello");
    const socket = await RoomClient.open(roomId, admin.token);
    const refused = await sendFrame(socket, "admin-post", "I am not in this room");
    expect(refused).toMatchObject({ type: "error", code: "forbidden", ref: "admin-post" });
    expect(
      (await errorAfter(socket, { type: "react", seq: message.seq, emoji: "👍", on: true })).code,
    ).toBe("forbidden");
    socket.send({ type: "delete", seq: message.seq });
    await socket.next("changed", (f) => f.message.seq === message.seq && f.message.deleted);
    const history = await call("GET", `/api/rooms/${roomId}/messages`, undefined, {
      token: owner.token,
    });
    expect(history.body.messages.map((m: { body: string }) => m.body)).toEqual([""]);
    socket.close();
  });
});

describe("newcomers' reading state", () => {
  it("joining a channel is not unread: D1 and the room agree on the read mark", async () => {
    const owner = await person("Owner");
    const room = await createRoom(owner, "channel", "history");
    for (let i = 1; i <= 5; i++) await sendMessage(owner, room.id, `before you came ${i}`);
    const newcomer = await person("Newcomer");
    expect(
      (await call("POST", `/api/rooms/${room.id}/join`, undefined, { token: newcomer.token }))
        .status,
    ).toBeLessThan(300);
    expect(await myRoom(newcomer, room.id)).toMatchObject({ unread: 0, lastReadSeq: 5 });
    const socket = await RoomClient.open(room.id, newcomer.token);
    expect((socket.frames[0] as { readMarks: Record<string, number> }).readMarks[newcomer.id]).toBe(
      5,
    );
    await sendMessage(owner, room.id, "welcome");
    await waitFor(async () => (await myRoom(newcomer, room.id)).unread === 1);
    socket.close();
  });

  it("after removal and re-adding, counts are exact and the room's mark is D1's", async () => {
    const owner = await person("Owner");
    const member = await person("Member");
    const roomId = await privateRoom(owner, [member], "comeback");
    for (let i = 1; i <= 3; i++) await sendMessage(owner, roomId, `first ${i}`);
    expect(
      (await call("POST", `/api/rooms/${roomId}/read`, { seq: 2 }, { token: member.token })).status,
    ).toBe(200);
    await call("DELETE", `/api/rooms/${roomId}/members/${member.id}`, undefined, {
      token: owner.token,
    });
    // Someone who left is not listed among the read marks.
    const watcher = await RoomClient.open(roomId, owner.token);
    const ready = watcher.frames[0] as { readMarks: Record<string, number> };
    expect(ready.readMarks[member.id]).toBeUndefined();
    watcher.close();
    for (let i = 1; i <= 4; i++) await sendMessage(owner, roomId, `while away ${i}`);
    await addMember(owner, roomId, member.id);
    expect(await myRoom(member, roomId)).toMatchObject({ unread: 0, lastReadSeq: 7 });
    const socket = await RoomClient.open(roomId, member.token);
    expect((socket.frames[0] as { readMarks: Record<string, number> }).readMarks[member.id]).toBe(
      7,
    );
    await sendMessage(owner, roomId, "back again");
    await waitFor(async () => (await myRoom(member, roomId)).unread === 1);
    socket.send({ type: "read", seq: 8 });
    await waitFor(async () => (await myRoom(member, roomId)).unread === 0);
    socket.close();
  });
});

describe("membership reaches open room sockets", () => {
  it("joined, role and left frames, including the owner who inherits a room", async () => {
    const owner = await person("Owner");
    const bob = await person("Bob");
    const carol = await person("Carol");
    const room = await createRoom(owner, "channel", "lobby");
    const watcher = await RoomClient.open(room.id, owner.token);
    await addMember(owner, room.id, bob.id);
    await watcher.next("member", (f) => f.userId === bob.id && f.change === "joined");
    await call("POST", `/api/rooms/${room.id}/join`, undefined, { token: carol.token });
    expect(await watcher.next("member", (f) => f.userId === carol.id)).toEqual({
      type: "member",
      userId: carol.id,
      change: "joined",
      role: "member",
    });
    await call(
      "PATCH",
      `/api/rooms/${room.id}/members/${bob.id}`,
      { role: "moderator" },
      { token: owner.token },
    );
    await watcher.next(
      "member",
      (f) => f.userId === bob.id && f.change === "role" && f.role === "moderator",
    );
    const bobSocket = await RoomClient.open(room.id, bob.token);
    await call("POST", `/api/rooms/${room.id}/leave`, undefined, { token: owner.token });
    // The last owner left: the moderator inherits the room, and everyone sees it.
    await bobSocket.next("member", (f) => f.userId === owner.id && f.change === "left");
    await bobSocket.next(
      "member",
      (f) => f.userId === bob.id && f.change === "role" && f.role === "owner",
    );
    bobSocket.close();
  });
});

describe("room changes reach open room sockets", () => {
  it("a rename, a new topic and archiving are announced with the policy in force", async () => {
    const owner = await person("Owner");
    const room = await createRoom(owner, "channel", "before");
    const watcher = await RoomClient.open(room.id, owner.token);
    await call(
      "PATCH",
      `/api/rooms/${room.id}`,
      { name: "after", topic: "new topic" },
      {
        token: owner.token,
      },
    );
    expect(await watcher.next("room", (f) => f.room.name === "after")).toEqual({
      type: "room",
      room: { id: room.id, kind: "channel", name: "after", topic: "new topic", archived: false },
      retention: { maxAgeDays: 90, maxMessages: null, maxBytes: null },
    });
    await asAdmin("PATCH", `/api/admin/rooms/${room.id}`, { archived: true });
    await watcher.next("room", (f) => f.room.archived);
    watcher.close();
  });
});

describe("every kind of work is bounded per actor", () => {
  it("sync frames and sinceRev requests: 5 per 10 s per user per room, then rate_limited", async () => {
    const owner = await person("Owner");
    const other = await person("Other");
    const roomId = await privateRoom(owner, [other], "replays");
    await sendMessage(owner, roomId, "something to replay");
    const socket = await RoomClient.open(roomId, owner.token);
    for (let i = 0; i < 5; i++) {
      const from = socket.frames.length;
      socket.send({ type: "sync", sinceRev: 0 });
      await socket.next("synced", () => true, { from });
    }
    const error = await errorAfter(socket, { type: "sync", sinceRev: 0 });
    expect(error.code).toBe("rate_limited");
    expect(error.retryAfterMs).toBeGreaterThan(0);
    expect(error.retryAfterMs).toBeLessThanOrEqual(10_000);
    const http = await call("GET", `/api/rooms/${roomId}/messages?sinceRev=0`, undefined, {
      token: owner.token,
    });
    expectError(http, 429, "rate_limited");
    expect(Number(http.headers.get("retry-after"))).toBeGreaterThan(0);
    // Someone else in the same room is not affected.
    const theirs = await call("GET", `/api/rooms/${roomId}/messages?sinceRev=0`, undefined, {
      token: other.token,
    });
    expect(theirs.status).toBe(200);
    socket.close();
  });

  it("REST edits, deletes and reactions spend the sender's bucket", async () => {
    const owner = await person("Owner");
    const roomId = await privateRoom(owner, [], "bucket");
    const message = await sendMessage(owner, roomId, "react to me");
    const path = `/api/rooms/${roomId}/messages/${message.seq}/reactions/${encodeURIComponent("👍")}`;
    const statuses: number[] = [];
    for (let i = 0; i < 40 && !statuses.includes(429); i++) {
      const res = await call(i % 2 === 0 ? "PUT" : "DELETE", path, undefined, {
        token: owner.token,
      });
      statuses.push(res.status);
      if (res.status === 429) {
        expect(res.body.error.code).toBe("rate_limited");
        expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
      }
    }
    expect(statuses).toContain(429);
    expect(statuses.filter((s) => s === 200).length).toBeLessThan(30);
    // Edits too, in a room (and so a bucket) of their own.
    const other = await privateRoom(owner, [], "bucket-edits");
    const mine = await sendMessage(owner, other, "edit me");
    const edits: number[] = [];
    for (let i = 0; i < 40 && !edits.includes(429); i++) {
      const res = await call(
        "PATCH",
        `/api/rooms/${other}/messages/${mine.seq}`,
        { body: `edit ${i}` },
        { token: owner.token },
      );
      edits.push(res.status);
    }
    expect(edits).toContain(429);
    expect(edits.filter((s) => s === 200).length).toBeLessThan(30);
  });

  it("an HTTP-only sender's bucket is not refilled by the room's eviction", async () => {
    const owner = await person("Owner");
    const roomId = await privateRoom(owner, [], "evicted");
    let refused = false;
    for (let i = 0; i < 60 && !refused; i++) {
      const res = await call(
        "POST",
        `/api/rooms/${roomId}/messages`,
        { cid: `b-${i}`, body: `m ${i}` },
        { token: owner.token },
      );
      refused = res.status === 429;
    }
    expect(refused).toBe(true);
    await evictDurableObject(roomStub(roomId));
    const after: number[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await call(
        "POST",
        `/api/rooms/${roomId}/messages`,
        { cid: `a-${i}`, body: `after ${i}` },
        { token: owner.token },
      );
      after.push(res.status);
    }
    expect(after).toContain(429);
  });

  it("a socket's frames of any kind share a budget: past it rate_limited (with the cid), then 1008", async () => {
    const owner = await person("Owner");
    const roomId = await privateRoom(owner, [], "frame-budget");
    const socket = await RoomClient.open(roomId, owner.token);
    // The burst (60) of frames the room drops anyway (typing is throttled there), and ten more
    // (refused: the budget refills at 20/s, so a slow machine cannot refill it in time)...
    for (let i = 0; i < 70; i++) socket.send({ type: "typing", on: i % 2 === 0 });
    // ...then a send is refused before it reaches the room, and says which one.
    const refused = await sendFrame(socket, "over-budget", "one too many");
    expect(refused).toMatchObject({ type: "error", code: "rate_limited", ref: "over-budget" });
    expect((refused as { retryAfterMs: number }).retryAfterMs).toBeGreaterThan(0);
    // Keeping on past 50 refusals closes the socket.
    for (let i = 0; i < 80; i++) socket.send({ type: "typing", on: true });
    expect((await socket.waitClosed(2_000)).code).toBe(1008);
    const history = await call("GET", `/api/rooms/${roomId}/messages`, undefined, {
      token: owner.token,
    });
    expect(history.body.messages).toEqual([]);
  });

  it("reconnecting in a loop is limited: 30 upgrades a minute per user per room, then 429", async () => {
    const owner = await person("Owner");
    const roomId = await privateRoom(owner, [], "reconnects");
    for (let i = 0; i < 30; i++) (await RoomClient.open(roomId, owner.token)).close();
    const refused = await RoomClient.upgrade(roomId, owner.token);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("rate_limited");
    // Others are not affected.
    const other = await person("Other");
    await addMember(owner, roomId, other.id);
    (await RoomClient.open(roomId, other.token)).close();
  });

  it("at most 10 sockets per user in a room and 10 inbox sockets: the 11th closes the oldest with 1008", async () => {
    const owner = await person("Owner");
    const roomId = await privateRoom(owner, [], "sockets");
    const rooms: RoomClient[] = [];
    const inboxes: InboxClient[] = [];
    for (let i = 0; i < 10; i++) {
      rooms.push(await RoomClient.open(roomId, owner.token));
      inboxes.push(await InboxClient.open(owner.token));
    }
    expect(rooms.some((s) => s.closed) || inboxes.some((s) => s.closed)).toBe(false);
    const eleventh = await RoomClient.open(roomId, owner.token);
    const eleventhInbox = await InboxClient.open(owner.token);
    expect((await rooms[0]?.waitClosed(2_000))?.code).toBe(1008);
    expect((await inboxes[0]?.waitClosed(2_000))?.code).toBe(1008);
    expect(rooms.slice(1).some((s) => s.closed)).toBe(false);
    expect(inboxes.slice(1).some((s) => s.closed)).toBe(false);
    expect((await sendFrame(eleventh, "eleventh", "I am in")).type).toBe("ack");
    for (const s of [...rooms, eleventh]) s.close();
    for (const s of [...inboxes, eleventhInbox]) s.close();
  });
});

describe("the room's order and its alarm", () => {
  it("a pipelined sender's frames take seqs in send order, mentions or not, while D1 is unreachable", async () => {
    const alice = await person("Alice");
    const bob = await person("Bob");
    const roomId = await privateRoom(alice, [bob], "pipeline");
    const socket = await RoomClient.open(roomId, alice.token);
    await breakRoomD1(roomId);
    const cids = Array.from({ length: 18 }, (_, i) => `p-${i}`);
    cids.forEach((cid, i) => {
      socket.send({
        type: "send",
        cid,
        body: i % 3 === 0 ? `@${bob.handle} look ${i}` : `plain ${i}`,
      });
    });
    const acks: Array<{ seq: number }> = [];
    for (const cid of cids) acks.push(await socket.next("ack", (f) => f.cid === cid));
    const seqs = acks.map((a) => a.seq);
    expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
    const messages = socket.frames.flatMap((f) => (f.type === "message" ? [f.message] : []));
    for (const [i, cid] of cids.entries()) {
      const message = messages.find((m) => m.seq === acks[i]?.seq);
      expect(message?.body.endsWith(String(i)), cid).toBe(true);
      expect(message?.mentions).toEqual(i % 3 === 0 ? [bob.id] : []);
    }
    socket.close();
  });

  it("a room task that throws is retried and the alarm keeps running", async () => {
    const alice = await person("Alice");
    const bob = await person("Bob");
    const roomId = await privateRoom(alice, [bob], "alarm");
    // Make the next two reads of the outbox throw: the sync task fails twice.
    await runInDurableObject<RoomDO, void>(roomStub(roomId), (_room, state) => {
      const sql = state.storage.sql;
      const exec = sql.exec.bind(sql);
      let failures = 0;
      sql.exec = ((query: string, ...bindings: unknown[]) => {
        if (/FROM outbox/.test(query) && /SELECT topic/.test(query) && failures < 2) {
          failures++;
          throw new Error("storage hiccup (injected)");
        }
        return exec(query, ...bindings);
      }) as SqlStorage["exec"];
    });
    await sendMessage(alice, roomId, "counted once the task recovers");
    // The alarm handler does not fail, and the sync runs again by itself until D1 has it.
    expect(await runDurableObjectAlarm(roomStub(roomId))).toBe(true);
    await waitFor(async () => (await myRoom(bob, roomId)).unread === 1, 10_000);
  });
});

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
