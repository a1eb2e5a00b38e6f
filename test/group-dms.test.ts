// Group DMs (docs/api.md, "Group DMs"): any member adds people (up to DM_MAX_MEMBERS, never past
// a block), names it and leaves it; the room's roster follows; a changed group is no longer the
// room `POST /api/dms` finds for its former people; a 1:1 DM stays fixed.
import { beforeAll, describe, expect, it } from "vitest";
import { call, expectError, myRoom, register, sendMessage, type TestUser } from "./helpers";
import { RoomClient } from "./room-client";

const as = (user: TestUser) => ({ token: user.token });

async function openDm(opener: TestUser, ...others: TestUser[]) {
  const res = await call("POST", "/api/dms", { userIds: others.map((o) => o.id) }, as(opener));
  if (res.status >= 300) throw new Error(`dm: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.room as { id: string; name: string | null; group: boolean };
}

const add = (actor: TestUser, roomId: string, who: TestUser, role?: string) =>
  call(
    "POST",
    `/api/rooms/${roomId}/members`,
    { userId: who.id, ...(role ? { role } : {}) },
    as(actor),
  );
const leave = (user: TestUser, roomId: string) =>
  call("POST", `/api/rooms/${roomId}/leave`, undefined, as(user));
const rename = (user: TestUser, roomId: string, name: string) =>
  call("PATCH", `/api/rooms/${roomId}`, { name }, as(user));
const memberIds = async (user: TestUser, roomId: string): Promise<string[]> => {
  const res = await call("GET", `/api/rooms/${roomId}`, undefined, as(user));
  if (res.status !== 200) throw new Error(`room: ${res.status} ${JSON.stringify(res.body)}`);
  return (res.body.members as Array<{ user: { id: string } }>).map((m) => m.user.id).sort();
};
const ids = (...people: TestUser[]) => people.map((p) => p.id).sort();

let ana: TestUser;
let bo: TestUser;
let cy: TestUser;

beforeAll(async () => {
  ana = await register();
  bo = await register();
  cy = await register();
});

describe("adding people to a group DM", () => {
  it("lets any member add someone, who then reads its history and writes in it", async () => {
    const group = await openDm(ana, bo, cy);
    await sendMessage(ana, group.id, "before you came");
    const dee = await register();

    const res = await add(cy, group.id, dee);
    expect(res.status).toBe(201);
    expect(res.body.memberCount).toBe(4);
    expect(await memberIds(dee, group.id)).toEqual(ids(ana, bo, cy, dee));

    const history = await call("GET", `/api/rooms/${group.id}/messages`, undefined, as(dee));
    expect(history.status).toBe(200);
    expect(history.body.messages.map((m: { body: string }) => m.body)).toEqual(["before you came"]);
    // Joining is not unread, and the room's own roster took them: their socket opens and sends.
    expect((await myRoom(dee, group.id)).unread).toBe(0);
    const socket = await RoomClient.open(group.id, dee.token);
    socket.send({ type: "send", cid: "dee-1", body: "hi all" });
    expect((await socket.next("ack", (f) => f.cid === "dee-1")).seq).toBe(2);
    socket.close();
  });

  it("refuses roles, people already in it, unknown people and non-members", async () => {
    const group = await openDm(ana, bo, cy);
    const dee = await register();
    expectError(await add(ana, group.id, dee, "owner"), 403, "forbidden");
    expectError(await add(ana, group.id, bo), 409, "conflict");
    const nobody = await call(
      "POST",
      `/api/rooms/${group.id}/members`,
      { userId: "usr_nobody" },
      as(ana),
    );
    expectError(nobody, 404, "not_found");
    expectError(await add(dee, group.id, dee), 404, "not_found");
  });

  it("holds at most DM_MAX_MEMBERS (10) people", async () => {
    const others = await Promise.all(Array.from({ length: 8 }, () => register()));
    const group = await openDm(ana, ...others);
    expect((await add(ana, group.id, bo)).status).toBe(201);
    expectError(await add(ana, group.id, cy), 400, "invalid");
  });

  it("refuses someone a member blocked, or who blocked a member (403 blocked)", async () => {
    const group = await openDm(ana, bo, cy);
    const dee = await register();
    const eve = await register();
    expect((await call("PUT", `/api/me/blocks/${dee.id}`, undefined, as(bo))).status).toBe(204);
    expect((await call("PUT", `/api/me/blocks/${cy.id}`, undefined, as(eve))).status).toBe(204);
    expectError(await add(ana, group.id, dee), 403, "blocked");
    expectError(await add(ana, group.id, eve), 403, "blocked");
    expect(await memberIds(ana, group.id)).toEqual(ids(ana, bo, cy));
  });

  it("keeps a 1:1 DM fixed: no adding, leaving, renaming", async () => {
    const res = await call("POST", "/api/dms", { userId: bo.id }, as(ana));
    const dm = res.body.room.id as string;
    expect(res.body.room.group).toBe(false);
    expectError(await add(ana, dm, cy), 403, "forbidden");
    expectError(await leave(ana, dm), 403, "forbidden");
    expectError(await rename(ana, dm, "us two"), 403, "forbidden");
  });
});

describe("a group DM whose people changed", () => {
  it("is no longer the room POST /api/dms opens for its former people", async () => {
    const group = await openDm(ana, bo, cy);
    const dee = await register();
    expect((await add(ana, group.id, dee)).status).toBe(201);

    const again = await call("POST", "/api/dms", { userIds: [bo.id, cy.id] }, as(ana));
    expect(again.status).toBe(201);
    expect(again.body.room.id).not.toBe(group.id);
    expect(await memberIds(ana, again.body.room.id)).toEqual(ids(ana, bo, cy));
    // Nor for its new people: each open of a set finds the room of exactly that set.
    const four = await call("POST", "/api/dms", { userIds: [bo.id, cy.id, dee.id] }, as(ana));
    expect(four.body.room.id).not.toBe(group.id);
  });

  it("stays a group DM when it is down to two people", async () => {
    const group = await openDm(ana, bo, cy);
    expect(group.group).toBe(true);
    expect((await leave(cy, group.id)).status).toBe(204);
    // Clients are told so (`group`): two people's titles alone would say 1:1.
    const details = await call("GET", `/api/rooms/${group.id}`, undefined, as(ana));
    expect(details.body.room.group).toBe(true);
    expect((await rename(ana, group.id, "still a group")).status).toBe(200);
    expect((await add(bo, group.id, cy)).status).toBe(201);
  });
});

describe("naming and leaving", () => {
  it("lets any member name it; everyone's list shows the name", async () => {
    const group = await openDm(ana, bo, cy);
    const res = await rename(bo, group.id, "Weekend plans");
    expect(res.status).toBe(200);
    expect(res.body.room.name).toBe("Weekend plans");
    const list = await call("GET", "/api/rooms", undefined, as(cy));
    const listed = (list.body.rooms as Array<{ room: { id: string; name: string | null } }>).find(
      (r) => r.room.id === group.id,
    );
    expect(listed?.room.name).toBe("Weekend plans");
    const archive = await call("PATCH", `/api/rooms/${group.id}`, { archived: true }, as(ana));
    expectError(archive, 403, "forbidden");
    // The same people open it again by name or not: it is the same room.
    const again = await call("POST", "/api/dms", { userIds: [bo.id, cy.id] }, as(ana));
    expect(again.status).toBe(200);
    expect(again.body.room.id).toBe(group.id);
  });

  it("lets a member leave (not remove others); the room closes their socket", async () => {
    const group = await openDm(ana, bo, cy);
    const remove = await call(
      "DELETE",
      `/api/rooms/${group.id}/members/${bo.id}`,
      undefined,
      as(ana),
    );
    expectError(remove, 403, "forbidden");

    const socket = await RoomClient.open(group.id, cy.token);
    expect((await leave(cy, group.id)).status).toBe(204);
    expect((await socket.waitClosed()).code).toBe(1008);
    expect(await memberIds(ana, group.id)).toEqual(ids(ana, bo));
    expectError(await call("GET", `/api/rooms/${group.id}`, undefined, as(cy)), 404, "not_found");
  });

  it("keeps the room when the last one leaves: nobody finds it again but admins", async () => {
    const group = await openDm(ana, bo, cy);
    await sendMessage(bo, group.id, "for the record");
    for (const who of [ana, bo, cy]) expect((await leave(who, group.id)).status).toBe(204);
    const again = await call("POST", "/api/dms", { userIds: [bo.id, cy.id] }, as(ana));
    expect(again.status).toBe(201);
    expect(again.body.room.id).not.toBe(group.id);
  });
});
