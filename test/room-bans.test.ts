// Room bans (docs/api.md, "Bans"): who may ban whom, that a ban removes the person and closes
// their sockets at once, refuses them everywhere (join, being added, tickets, sockets, HTTP)
// until it is lifted or ends, that the room's alarm lifts an ended ban, and that all of it is
// audited.
import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { openDb } from "../src/db/client";
import { banFromRoom } from "../src/worker/directory/bans";
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
import { InboxClient, RoomClient } from "./room-client";

const as = (user: TestUser) => ({ token: user.token });
const ban = (actor: TestUser, roomId: string, body: Record<string, unknown>) =>
  call("POST", `/api/rooms/${roomId}/bans`, body, as(actor));
const unban = (actor: TestUser, roomId: string, userId: string) =>
  call("DELETE", `/api/rooms/${roomId}/bans/${userId}`, undefined, as(actor));
const bans = (actor: TestUser, roomId: string) =>
  call("GET", `/api/rooms/${roomId}/bans`, undefined, as(actor));
const join = (user: TestUser, roomId: string) =>
  call("POST", `/api/rooms/${roomId}/join`, undefined, as(user));
const memberIds = async (roomId: string): Promise<string[]> =>
  (
    await env.DB.prepare("SELECT user_id FROM memberships WHERE room_id = ?")
      .bind(roomId)
      .all<{ user_id: string }>()
  ).results.map((r) => r.user_id);
const auditOf = async (roomId: string, targetId: string) =>
  (
    await env.DB.prepare(
      `SELECT actor_id, action, detail_json FROM audit_log
       WHERE room_id = ? AND target_id = ? AND action LIKE 'member.%' ORDER BY id`,
    )
      .bind(roomId, targetId)
      .all<{ actor_id: string | null; action: string; detail_json: string | null }>()
  ).results;

let admin: TestUser;
let owner: TestUser;
let moderator: TestUser;
let member: TestUser;

beforeAll(async () => {
  admin = await register(); // the instance's admin
  owner = await register();
  moderator = await register();
  member = await register();
});

/** A room of `kind` with the owner, a moderator and a plain member. */
async function room(kind: "channel" | "private" = "channel") {
  const r = await createRoom(owner, kind, "bans");
  await addMember(owner, r.id, moderator.id, "moderator");
  await addMember(owner, r.id, member.id);
  return r.id;
}

describe("banning", () => {
  it("removes the member, closes their sockets with 1008, tells their inbox and lists the ban; audited", async () => {
    const roomId = await room();
    const socket = await RoomClient.open(roomId, member.token);
    const witness = await RoomClient.open(roomId, owner.token);
    const inbox = await InboxClient.open(member.token);
    const res = await ban(moderator, roomId, { userId: member.id, reason: "spam" });
    expect(res.status).toBe(201);
    expect(await socket.waitClosed()).toEqual({ code: 1008, reason: "Banned from the room" });
    // Their inbox hears the removal as a ban, so a client can say why whichever news comes first.
    await inbox.next(
      "membership",
      (f) => f.roomId === roomId && f.change === "removed" && f.banned === true,
    );
    inbox.close();
    await witness.next("member", (f) => f.userId === member.id && f.change === "left");
    witness.close();
    expect(await memberIds(roomId)).not.toContain(member.id);
    const listed = await bans(owner, roomId);
    expect(listed.status).toBe(200);
    expect(listed.body.bans).toEqual([
      {
        user: expect.objectContaining({ id: member.id, handle: member.handle }),
        reason: "spam",
        until: null,
        createdAt: expect.any(String),
        bannedBy: expect.objectContaining({ id: moderator.id, handle: moderator.handle }),
      },
    ]);
    expect(res.body.bans).toEqual(listed.body.bans);
    expect((await auditOf(roomId, member.id)).map((a) => [a.actor_id, a.action])).toEqual([
      [owner.id, "member.add"],
      [moderator.id, "member.ban"],
      [moderator.id, "member.remove"],
    ]);
  });

  it("refuses rejoining, being added again, tickets, sockets and HTTP (403 banned) until lifted", async () => {
    const roomId = await room();
    expect((await ban(owner, roomId, { userId: member.id })).status).toBe(201);
    expectError(await join(member, roomId), 403, "banned");
    expectError(
      await call("POST", `/api/rooms/${roomId}/members`, { userId: member.id }, as(owner)),
      403,
      "banned",
    );
    expectError(
      await call("POST", `/api/rooms/${roomId}/ws-ticket`, undefined, as(member)),
      403,
      "banned",
    );
    const upgrade = await RoomClient.upgrade(roomId, member.token);
    expect(upgrade.status).toBe(403);
    expectError(
      await call("GET", `/api/rooms/${roomId}/messages`, undefined, as(member)),
      403,
      "banned",
    );
    expectError(
      await call("POST", `/api/rooms/${roomId}/messages`, { cid: "b1", body: "hi" }, as(member)),
      403,
      "banned",
    );
    expectError(await call("GET", `/api/rooms/${roomId}`, undefined, as(member)), 403, "banned");
    // Lifted: they may join again and write.
    expect((await unban(moderator, roomId, member.id)).status).toBe(204);
    expect((await bans(owner, roomId)).body.bans).toEqual([]);
    expect((await join(member, roomId)).status).toBe(200);
    await sendMessage(member, roomId, "back");
    expect((await auditOf(roomId, member.id)).map((a) => [a.actor_id, a.action]).slice(-2)).toEqual(
      [
        [moderator.id, "member.unban"],
        [member.id, "member.add"],
      ],
    );
  });

  it("in a private room the banned person sees nothing (404) and cannot be added back (403 banned)", async () => {
    const roomId = await room("private");
    const socket = await RoomClient.open(roomId, member.token);
    expect((await ban(owner, roomId, { userId: member.id })).status).toBe(201);
    expect((await socket.waitClosed()).code).toBe(1008);
    expectError(await call("GET", `/api/rooms/${roomId}`, undefined, as(member)), 404, "not_found");
    expectError(
      await call("POST", `/api/rooms/${roomId}/ws-ticket`, undefined, as(member)),
      404,
      "not_found",
    );
    expect((await RoomClient.upgrade(roomId, member.token)).status).toBe(404);
    expectError(
      await call("POST", `/api/rooms/${roomId}/members`, { userId: member.id }, as(moderator)),
      403,
      "banned",
    );
  });

  it("bans someone who is not in the room: they cannot join, nor find it among channels", async () => {
    const roomId = await room();
    const outsider = await register();
    const discover = async () =>
      ((await call("GET", "/api/rooms/discover", undefined, as(outsider))).body.rooms as any[]).map(
        (r) => r.id,
      );
    expect(await discover()).toContain(roomId);
    expect((await ban(moderator, roomId, { userId: outsider.id })).status).toBe(201);
    expectError(await join(outsider, roomId), 403, "banned");
    expect(await discover()).not.toContain(roomId);
  });

  it("banning again replaces the reason and the end", async () => {
    const roomId = await room();
    const until = new Date(Date.now() + 3_600_000).toISOString();
    await ban(owner, roomId, { userId: member.id, reason: "first" });
    await ban(owner, roomId, { userId: member.id, reason: "second", until });
    const [only, ...rest] = (await bans(owner, roomId)).body.bans;
    expect(rest).toEqual([]);
    expect(only).toMatchObject({ reason: "second", until });
  });
});

describe("who may ban", () => {
  it("moderators ban plain members only; owners and admins anyone; members nobody", async () => {
    const roomId = await room();
    const owner2 = await register();
    await addMember(owner, roomId, owner2.id, "owner");
    const moderator2 = await register();
    await addMember(owner, roomId, moderator2.id, "moderator");
    expectError(await ban(moderator, roomId, { userId: owner.id }), 403, "forbidden");
    expectError(await ban(moderator, roomId, { userId: moderator2.id }), 403, "forbidden");
    expectError(await ban(member, roomId, { userId: moderator.id }), 403, "forbidden");
    expectError(await bans(member, roomId), 403, "forbidden");
    expectError(await unban(member, roomId, owner.id), 403, "forbidden");
    expect((await ban(owner, roomId, { userId: moderator2.id })).status).toBe(201);
    expect((await ban(admin, roomId, { userId: owner2.id })).status).toBe(201);
    expect((await bans(admin, roomId)).body.bans).toHaveLength(2);
  });

  it("an instance admin who is banned sees the room (as admins see every room) but cannot join", async () => {
    const roomId = await room();
    expect((await ban(owner, roomId, { userId: admin.id })).status).toBe(201);
    expect((await call("GET", `/api/rooms/${roomId}`, undefined, as(admin))).status).toBe(200);
    expectError(await join(admin, roomId), 403, "banned");
    expectError(
      await call("POST", `/api/rooms/${roomId}/members`, { userId: admin.id }, as(admin)),
      403,
      "banned",
    );
  });

  it("an admin banning the last owner hands the room to an heir", async () => {
    const roomId = await room();
    expect((await ban(admin, roomId, { userId: owner.id })).status).toBe(201);
    const roles = await env.DB.prepare("SELECT user_id, role FROM memberships WHERE room_id = ?")
      .bind(roomId)
      .all<{ user_id: string; role: string }>();
    expect(roles.results).toContainEqual({ user_id: moderator.id, role: "owner" });
  });

  it("refuses banning myself, an `until` in the past or not ISO 8601, and DMs (400)", async () => {
    const roomId = await room();
    expectError(await ban(owner, roomId, { userId: owner.id }), 400, "invalid");
    expectError(await ban(admin, roomId, { userId: admin.id }), 400, "invalid");
    const past = new Date(Date.now() - 1_000).toISOString();
    expectError(await ban(owner, roomId, { userId: member.id, until: past }), 400, "invalid");
    expectError(await ban(owner, roomId, { userId: member.id, until: "tomorrow" }), 400, "invalid");
    expectError(await ban(owner, roomId, { userId: member.id, until: 1e13 }), 400, "invalid");
    const dm = await call("POST", "/api/dms", { userId: member.id }, as(owner));
    expectError(await ban(owner, dm.body.room.id, { userId: member.id }), 400, "invalid");
    expectError(await bans(owner, dm.body.room.id), 400, "invalid");
    expect(await memberIds(roomId)).toContain(member.id);
  });

  it("404 for an unknown room, an unknown person, a ban that is not there, a private room I am not in", async () => {
    const roomId = await room("private");
    expectError(await ban(owner, "room_nope", { userId: member.id }), 404, "not_found");
    expectError(await bans(owner, "room_nope"), 404, "not_found");
    expectError(await ban(owner, roomId, { userId: "usr_nope" }), 404, "not_found");
    expectError(await unban(owner, roomId, member.id), 404, "not_found");
    const stranger = await register();
    expectError(await ban(stranger, roomId, { userId: member.id }), 404, "not_found");
    expectError(await bans(stranger, roomId), 404, "not_found");
  });
});

describe("a ban's end", () => {
  it("refuses nothing once `until` passed, and the room's alarm lifts it (audited, no actor)", async () => {
    const roomId = await room();
    const res = await ban(owner, roomId, {
      userId: member.id,
      until: new Date(Date.now() + 3_600_000).toISOString(),
      reason: "cool down",
    });
    expect(res.status).toBe(201);
    expectError(await join(member, roomId), 403, "banned");
    // The ban's end comes while the room's alarm is still an hour away (D1 moved, not the clock).
    const ended = Date.now() - 1;
    await env.DB.prepare("UPDATE room_bans SET until = ? WHERE room_id = ?")
      .bind(ended, roomId)
      .run();
    // Ended: not listed, and joining works before the alarm has run.
    expect((await bans(owner, roomId)).body.bans).toEqual([]);
    expect((await join(member, roomId)).status).toBe(200);
    // The alarm (the room's "bans" task) deletes the row and audits it.
    expect(await runDurableObjectAlarm(roomStub(roomId))).toBe(true);
    const left = await env.DB.prepare("SELECT count(*) AS n FROM room_bans WHERE room_id = ?")
      .bind(roomId)
      .first<{ n: number }>();
    expect(left?.n).toBe(0);
    const lifted = (await auditOf(roomId, member.id)).filter((a) => a.action === "member.unban");
    expect(lifted).toEqual([
      {
        actor_id: null,
        action: "member.unban",
        detail_json: JSON.stringify({ reason: "expired", until: new Date(ended).toISOString() }),
      },
    ]);
  });

  it("the alarm keeps waiting for a later ban's end", async () => {
    const roomId = await room();
    const other = await register();
    const soon = Date.now() + 60_000;
    const later = Date.now() + 3_600_000;
    await ban(owner, roomId, { userId: member.id, until: new Date(soon).toISOString() });
    await ban(owner, roomId, { userId: other.id, until: new Date(later).toISOString() });
    await env.DB.prepare("UPDATE room_bans SET until = ? WHERE user_id = ?")
      .bind(Date.now() - 1, member.id)
      .run();
    expect(await runDurableObjectAlarm(roomStub(roomId))).toBe(true);
    const listed = (await bans(owner, roomId)).body.bans.map(
      (b: { user: { id: string } }) => b.user.id,
    );
    expect(listed).toEqual([other.id]);
    const alarm = await runInDurableObject(roomStub(roomId), (_, state) =>
      state.storage.getAlarm(),
    );
    expect(alarm).toBe(later);
  });
});

describe("banFromRoom, for other callers", () => {
  it("bans as the given actor, with the same rules and effects", async () => {
    const roomId = await room();
    const socket = await RoomClient.open(roomId, member.token);
    const db = openDb(env.DB);
    await expect(
      banFromRoom(
        env,
        db,
        { userId: member.id, isAdmin: false, mayAdminister: true },
        roomId,
        moderator.id,
      ),
    ).rejects.toMatchObject({ code: "forbidden" });
    await banFromRoom(
      env,
      db,
      { userId: admin.id, isAdmin: true, mayAdminister: true },
      roomId,
      member.id,
      {
        reason: "reported",
      },
    );
    expect((await socket.waitClosed()).code).toBe(1008);
    expectError(await join(member, roomId), 403, "banned");
    expect((await bans(owner, roomId)).body.bans[0]).toMatchObject({
      reason: "reported",
      bannedBy: expect.objectContaining({ id: admin.id }),
    });
  });
});
