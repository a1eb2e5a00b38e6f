// Reports and the moderation queue: members report a message once; the room's owners and
// moderators (and admins) see the room's queue and close reports with an action; admins see every
// room's queue and may also disable the author. Every step is audited.
import { beforeAll, describe, expect, it } from "vitest";
import {
  addMember,
  call,
  createRoom,
  expectError,
  register,
  sendMessage,
  type TestUser,
} from "./helpers";
import { RoomClient } from "./room-client";

let admin: TestUser;
let owner: TestUser;
let moderator: TestUser;
let member: TestUser;
let troll: TestUser;
let outsider: TestUser;

beforeAll(async () => {
  admin = await register(); // the instance's first account
  owner = await register();
  moderator = await register();
  member = await register();
  troll = await register();
  outsider = await register();
});

async function room(kind: "channel" | "private" = "private") {
  const r = await createRoom(owner, kind, "reported");
  await addMember(owner, r.id, moderator.id, "moderator");
  await addMember(owner, r.id, member.id);
  await addMember(owner, r.id, troll.id);
  return r.id;
}

const report = (who: TestUser, roomId: string, seq: number, body: unknown) =>
  call("POST", `/api/rooms/${roomId}/messages/${seq}/report`, body, { token: who.token });

const queue = (who: TestUser, roomId: string, status = "open") =>
  call("GET", `/api/rooms/${roomId}/reports?status=${status}`, undefined, { token: who.token });

const closeInRoom = (who: TestUser, roomId: string, id: string, body: unknown) =>
  call("PATCH", `/api/rooms/${roomId}/reports/${id}`, body, { token: who.token });

const closeAsAdmin = (id: string, body: unknown) =>
  call("PATCH", `/api/admin/reports/${id}`, body, { token: admin.token });

async function auditActions(roomId: string): Promise<string[]> {
  const res = await call("GET", `/api/admin/audit?roomId=${roomId}&limit=100`, undefined, {
    token: admin.token,
  });
  return (res.body.entries as Array<{ action: string }>).map((e) => e.action);
}

describe("reporting a message", () => {
  it("files a report with what the message said, once per person", async () => {
    const roomId = await room();
    const { seq } = await sendMessage(troll, roomId, "buy cheap watches");
    const res = await report(member, roomId, seq, { reason: "spam", note: " obvious " });
    expect(res.status).toBe(201);
    expect(res.body.report).toMatchObject({
      room: { id: roomId, kind: "private", name: "reported" },
      seq,
      reason: "spam",
      note: "obvious",
      excerpt: "buy cheap watches",
      status: "open",
      action: null,
      reporter: { id: member.id },
      author: { id: troll.id },
      closedBy: null,
      closedAt: null,
    });
    expectError(await report(member, roomId, seq, { reason: "abuse" }), 409, "conflict");
    // Someone else may report it too.
    expect((await report(moderator, roomId, seq, { reason: "abuse" })).status).toBe(201);
    expect(await auditActions(roomId)).toContain("report.create");
  });

  it("keeps the text as reported when the sender edits it afterwards", async () => {
    const roomId = await room();
    const { seq } = await sendMessage(troll, roomId, "something nasty");
    await report(member, roomId, seq, { reason: "abuse" });
    const edited = await call(
      "PATCH",
      `/api/rooms/${roomId}/messages/${seq}`,
      { body: "something nice" },
      { token: troll.token },
    );
    expect(edited.status).toBe(200);
    const [entry] = (await queue(owner, roomId)).body.reports;
    expect(entry.excerpt).toBe("something nasty");
  });

  it("refuses bad input, one's own message, deleted and unknown messages, and strangers", async () => {
    const roomId = await room();
    const { seq } = await sendMessage(troll, roomId, "hello");
    expectError(await report(member, roomId, seq, { reason: "rude" }), 400, "invalid");
    expectError(
      await report(member, roomId, seq, { reason: "other", note: "x".repeat(501) }),
      400,
      "invalid",
    );
    expectError(await report(troll, roomId, seq, { reason: "spam" }), 400, "invalid");
    expectError(await report(member, roomId, seq + 100, { reason: "spam" }), 404, "not_found");
    // A private room is invisible to people outside it.
    expectError(await report(outsider, roomId, seq, { reason: "spam" }), 404, "not_found");
    const gone = await sendMessage(troll, roomId, "soon gone");
    await call("DELETE", `/api/rooms/${roomId}/messages/${gone.seq}`, undefined, {
      token: troll.token,
    });
    expectError(await report(member, roomId, gone.seq, { reason: "spam" }), 404, "not_found");
  });

  it("lets anyone who can read a public channel report in it", async () => {
    const roomId = await room("channel");
    const { seq } = await sendMessage(troll, roomId, "public spam");
    expect((await report(outsider, roomId, seq, { reason: "spam" })).status).toBe(201);
  });
});

describe("the room's queue", () => {
  it("is for owners, moderators and admins; members and strangers may not look", async () => {
    const roomId = await room();
    const { seq } = await sendMessage(troll, roomId, "spam spam");
    await report(member, roomId, seq, { reason: "spam" });
    for (const who of [owner, moderator, admin]) {
      const res = await queue(who, roomId);
      expect(res.status).toBe(200);
      expect(res.body.reports.map((r: { seq: number }) => r.seq)).toEqual([seq]);
    }
    expectError(await queue(member, roomId), 403, "forbidden");
    expectError(await queue(outsider, roomId), 404, "not_found");
    // The room's details count them for those who work the queue only.
    const details = (who: TestUser) =>
      call("GET", `/api/rooms/${roomId}`, undefined, { token: who.token });
    expect((await details(moderator)).body.openReports).toBe(1);
    expect((await details(member)).body.openReports).toBeNull();
    expectError(await queue(owner, roomId, "pending"), 400, "invalid");
  });

  it("resolving with delete_message tombstones the message for everyone and closes every report of it", async () => {
    const roomId = await room();
    const { seq } = await sendMessage(troll, roomId, "awful words");
    const first = (await report(member, roomId, seq, { reason: "abuse" })).body.report;
    await report(moderator, roomId, seq, { reason: "abuse" });
    const socket = await RoomClient.open(roomId, member.token);
    const res = await closeInRoom(owner, roomId, first.id, {
      status: "resolved",
      action: "delete_message",
    });
    expect(res.status).toBe(200);
    expect(res.body.report).toMatchObject({
      status: "resolved",
      action: "delete_message",
      closedBy: { id: owner.id },
    });
    await socket.next("changed", (f) => f.message.seq === seq && f.message.deleted);
    socket.close();
    const history = await call("GET", `/api/rooms/${roomId}/messages?limit=10`, undefined, {
      token: member.token,
    });
    const message = history.body.messages.find((m: { seq: number }) => m.seq === seq);
    expect(message).toMatchObject({ deleted: true, body: "" });
    expect((await queue(owner, roomId)).body.reports).toEqual([]);
    const after = await call("GET", `/api/rooms/${roomId}`, undefined, { token: owner.token });
    expect(after.body.openReports).toBe(0);
    const resolved = (await queue(owner, roomId, "resolved")).body.reports;
    expect(resolved).toHaveLength(2);
    expectError(
      await closeInRoom(owner, roomId, first.id, { status: "dismissed" }),
      409,
      "conflict",
    );
    expect(await auditActions(roomId)).toContain("report.resolve");
  });

  it("resolving with ban_from_room bans the sender: out of the room, sockets closed, no way back", async () => {
    const roomId = await room("channel");
    const pest = await register();
    await call("POST", `/api/rooms/${roomId}/join`, undefined, { token: pest.token });
    const { seq } = await sendMessage(pest, roomId, "spam again");
    const filed = (await report(member, roomId, seq, { reason: "spam" })).body.report;
    const socket = await RoomClient.open(roomId, pest.token);
    const res = await closeInRoom(moderator, roomId, filed.id, {
      status: "resolved",
      action: "ban_from_room",
    });
    expect(res.body.report).toMatchObject({ status: "resolved", action: "ban_from_room" });
    expect((await socket.waitClosed()).code).toBe(1008);
    expectError(
      await call("POST", `/api/rooms/${roomId}/join`, undefined, { token: pest.token }),
      403,
      "banned",
    );
    const bans = await call("GET", `/api/rooms/${roomId}/bans`, undefined, { token: owner.token });
    expect(bans.body.bans).toMatchObject([{ user: { id: pest.id }, until: null }]);
  });

  it("a moderator cannot ban an owner through a report; the report stays open", async () => {
    const roomId = await room();
    const { seq } = await sendMessage(owner, roomId, "the owner's words");
    const filed = (await report(member, roomId, seq, { reason: "other" })).body.report;
    expectError(
      await closeInRoom(moderator, roomId, filed.id, {
        status: "resolved",
        action: "ban_from_room",
      }),
      403,
      "forbidden",
    );
    expect((await queue(moderator, roomId)).body.reports).toHaveLength(1);
  });

  it("dismissing leaves the message alone", async () => {
    const roomId = await room();
    const { seq } = await sendMessage(troll, roomId, "an opinion");
    const filed = (await report(member, roomId, seq, { reason: "other" })).body.report;
    const res = await closeInRoom(moderator, roomId, filed.id, { status: "dismissed" });
    expect(res.body.report).toMatchObject({ status: "dismissed", action: null });
    const history = await call("GET", `/api/rooms/${roomId}/messages?limit=10`, undefined, {
      token: member.token,
    });
    expect(history.body.messages.find((m: { seq: number }) => m.seq === seq).deleted).toBe(false);
    expect(await auditActions(roomId)).toContain("report.dismiss");
  });

  it("refuses what a room's moderators may not do, and reports of other rooms", async () => {
    const roomId = await room();
    const other = await room();
    const { seq } = await sendMessage(troll, roomId, "x");
    const filed = (await report(member, roomId, seq, { reason: "spam" })).body.report;
    expectError(
      await closeInRoom(owner, roomId, filed.id, { status: "resolved", action: "disable_user" }),
      403,
      "forbidden",
    );
    expectError(
      await closeInRoom(owner, roomId, filed.id, { status: "dismissed", action: "delete_message" }),
      400,
      "invalid",
    );
    expectError(
      await closeInRoom(member, roomId, filed.id, { status: "dismissed" }),
      403,
      "forbidden",
    );
    // A report is closed through its own room only.
    expectError(
      await closeInRoom(owner, other, filed.id, { status: "dismissed" }),
      404,
      "not_found",
    );
    // Still open after all that.
    expect((await queue(owner, roomId)).body.reports).toHaveLength(1);
  });
});

describe("the instance's queue", () => {
  it("lists every room's open reports for admins only", async () => {
    const a = await room();
    const b = await room("channel");
    const one = await sendMessage(troll, a, "one");
    const two = await sendMessage(troll, b, "two");
    const ra = (await report(member, a, one.seq, { reason: "spam" })).body.report;
    const rb = (await report(member, b, two.seq, { reason: "spam" })).body.report;
    const res = await call("GET", "/api/admin/reports", undefined, { token: admin.token });
    expect(res.status).toBe(200);
    const ids = res.body.reports.map((r: { id: string }) => r.id);
    expect(ids).toEqual(expect.arrayContaining([ra.id, rb.id]));
    // Newest first.
    expect(ids.indexOf(rb.id)).toBeLessThan(ids.indexOf(ra.id));
    expectError(
      await call("GET", "/api/admin/reports", undefined, { token: owner.token }),
      403,
      "forbidden",
    );
  });

  it("pages with nextCursor", async () => {
    const roomId = await room();
    for (const text of ["p1", "p2", "p3"]) {
      const { seq } = await sendMessage(troll, roomId, text);
      await report(member, roomId, seq, { reason: "spam" });
    }
    const first = await call("GET", `/api/rooms/${roomId}/reports?limit=2`, undefined, {
      token: owner.token,
    });
    expect(first.body.reports.map((r: { excerpt: string }) => r.excerpt)).toEqual(["p3", "p2"]);
    const next = await call(
      "GET",
      `/api/rooms/${roomId}/reports?limit=2&cursor=${first.body.nextCursor}`,
      undefined,
      { token: owner.token },
    );
    expect(next.body.reports.map((r: { excerpt: string }) => r.excerpt)).toEqual(["p1"]);
    expect(next.body.nextCursor).toBeNull();
  });

  it("disable_user disables the author, signs them out and closes their sockets", async () => {
    const roomId = await room();
    const spammer = await register();
    await addMember(owner, roomId, spammer.id);
    const { seq } = await sendMessage(spammer, roomId, "scam link");
    const filed = (await report(member, roomId, seq, { reason: "spam" })).body.report;
    const socket = await RoomClient.open(roomId, spammer.token);
    const res = await closeAsAdmin(filed.id, { status: "resolved", action: "disable_user" });
    expect(res.status).toBe(200);
    expect(res.body.report).toMatchObject({ status: "resolved", action: "disable_user" });
    expect(await socket.waitClosed()).toEqual({ code: 1008, reason: "Account disabled" });
    expectError(
      await call("GET", "/api/me", undefined, { token: spammer.token }),
      401,
      "unauthorized",
    );
    const people = await call("GET", `/api/admin/users?q=${spammer.handle}`, undefined, {
      token: admin.token,
    });
    expect(people.body.users[0]).toMatchObject({ id: spammer.id, disabled: true });
  });

  it("admins delete messages of rooms they are not in", async () => {
    const roomId = await room();
    const { seq } = await sendMessage(troll, roomId, "bad");
    const filed = (await report(member, roomId, seq, { reason: "abuse" })).body.report;
    const res = await closeAsAdmin(filed.id, { status: "resolved", action: "delete_message" });
    expect(res.status).toBe(200);
    const page = await call("GET", `/api/rooms/${roomId}/messages?limit=10`, undefined, {
      token: member.token,
    });
    expect(page.body.messages.find((m: { seq: number }) => m.seq === seq).deleted).toBe(true);
    expectError(await closeAsAdmin("rpt_nothing", { status: "dismissed" }), 404, "not_found");
  });
});
