// Rooms, DMs and memberships as members see them.
import { beforeAll, describe, expect, it } from "vitest";
import { addMember, call, createRoom, expectError, register, type TestUser } from "./helpers";

let admin: TestUser;
beforeAll(async () => {
  admin = await register("rooms_admin");
});

describe("creating and listing rooms", () => {
  it("creates channels and private rooms with the creator as owner", async () => {
    const ana = await register();
    const res = await call(
      "POST",
      "/api/rooms",
      { kind: "private", name: "  Plans ", topic: "Q3" },
      { token: ana.token },
    );
    expect(res.status).toBe(201);
    expect(res.body.room).toMatchObject({
      kind: "private",
      name: "Plans",
      topic: "Q3",
      createdBy: ana.id,
      archived: false,
      ephemeral: false,
      lastSeq: 0,
      lastMessageAt: null,
    });
    const details = await call("GET", `/api/rooms/${res.body.room.id}`, undefined, {
      token: ana.token,
    });
    expect(details.body.me).toMatchObject({ role: "owner", muted: false, lastReadSeq: 0 });
    expect(details.body.members).toHaveLength(1);
    expect(details.body.memberCount).toBe(1);
  });

  it.each([
    ["no kind", { name: "x" }],
    ["dm kind", { kind: "dm", name: "x" }],
    ["unknown kind", { kind: "public", name: "x" }],
    ["no name", { kind: "channel" }],
    ["blank name", { kind: "channel", name: "   " }],
    ["long name", { kind: "channel", name: "n".repeat(81) }],
    ["long topic", { kind: "channel", name: "ok", topic: "t".repeat(251) }],
    ["name of wrong type", { kind: "channel", name: 42 }],
  ])("rejects %s", async (_name, body) => {
    const u = await register();
    expectError(await call("POST", "/api/rooms", body, { token: u.token }), 400, "invalid");
  });

  it("lists my rooms with role, counts and mute state; others' rooms never", async () => {
    const ana = await register();
    const bo = await register();
    const mine = await createRoom(ana, "channel", "ana-room");
    await createRoom(bo, "private", "bo-room");
    const res = await call("GET", "/api/rooms", undefined, { token: ana.token });
    expect(res.status).toBe(200);
    expect(res.body.rooms).toHaveLength(1);
    expect(res.body.rooms[0]).toMatchObject({
      room: { id: mine.id, name: "ana-room" },
      role: "owner",
      unread: 0,
      mentions: 0,
      lastSeq: 0,
      lastReadSeq: 0,
      lastMessageAt: null,
      lastPreview: null,
      muted: false,
      peers: [],
    });
  });
});

describe("discover, join, leave", () => {
  it("shows public channels I am not in, by name, never private rooms", async () => {
    const owner = await register();
    const seeker = await register();
    await createRoom(owner, "channel", "zz-disc-beta");
    await createRoom(owner, "channel", "zz-disc-alpha");
    await createRoom(owner, "private", "zz-disc-secret");
    const res = await call("GET", "/api/rooms/discover?q=zz-disc", undefined, {
      token: seeker.token,
    });
    expect(res.body.rooms.map((r: { name: string }) => r.name)).toEqual([
      "zz-disc-alpha",
      "zz-disc-beta",
    ]);
    const ownerView = await call("GET", "/api/rooms/discover?q=zz-disc", undefined, {
      token: owner.token,
    });
    expect(ownerView.body.rooms).toEqual([]);

    const first = await call("GET", "/api/rooms/discover?q=zz-disc&limit=1", undefined, {
      token: seeker.token,
    });
    expect(first.body.rooms).toHaveLength(1);
    const second = await call(
      "GET",
      `/api/rooms/discover?q=zz-disc&limit=1&cursor=${first.body.nextCursor}`,
      undefined,
      {
        token: seeker.token,
      },
    );
    expect(second.body.rooms[0].name).toBe("zz-disc-beta");
    expect(second.body.nextCursor).toBeNull();
  });

  it("joins a channel once (idempotent), then it is in my rooms and gone from discover", async () => {
    const owner = await register();
    const joiner = await register();
    const room = await createRoom(owner, "channel", "joinable");
    const a = await call("POST", `/api/rooms/${room.id}/join`, undefined, { token: joiner.token });
    const b = await call("POST", `/api/rooms/${room.id}/join`, undefined, { token: joiner.token });
    expect(a.status).toBe(200);
    expect(a.body.role).toBe("member");
    expect(b.status).toBe(200);
    const list = await call("GET", "/api/rooms", undefined, { token: joiner.token });
    expect(list.body.rooms.map((r: { room: { id: string } }) => r.room.id)).toEqual([room.id]);
    const details = await call("GET", `/api/rooms/${room.id}`, undefined, { token: owner.token });
    expect(details.body.memberCount).toBe(2);
  });

  it("hides private rooms and DMs from outsiders: 404, not 403", async () => {
    const owner = await register();
    const outsider = await register();
    const room = await createRoom(owner, "private", "hidden");
    expectError(
      await call("GET", `/api/rooms/${room.id}`, undefined, { token: outsider.token }),
      404,
      "not_found",
    );
    expectError(
      await call("POST", `/api/rooms/${room.id}/join`, undefined, { token: outsider.token }),
      404,
      "not_found",
    );
    const dm = await call("POST", "/api/dms", { userId: admin.id }, { token: owner.token });
    expectError(
      await call("GET", `/api/rooms/${dm.body.room.id}`, undefined, { token: outsider.token }),
      404,
      "not_found",
    );
    // The same answer as for a room that does not exist at all.
    const missing = await call("GET", "/api/rooms/room_doesnotexist", undefined, {
      token: outsider.token,
    });
    expectError(missing, 404, "not_found");
    expect(missing.body.error.message).toBe(
      (await call("GET", `/api/rooms/${room.id}`, undefined, { token: outsider.token })).body.error
        .message,
    );
  });

  it("hands the room to the longest-standing moderator when its last owner leaves", async () => {
    const owner = await register();
    const early = await register();
    const mod = await register();
    const room = await createRoom(owner, "private", "succession");
    await addMember(owner, room.id, early.id);
    await addMember(owner, room.id, mod.id, "moderator");
    expect(
      (await call("POST", `/api/rooms/${room.id}/leave`, undefined, { token: owner.token })).status,
    ).toBe(204);
    const details = await call("GET", `/api/rooms/${room.id}`, undefined, { token: mod.token });
    const roles = Object.fromEntries(
      details.body.members.map((m: { user: { id: string }; role: string }) => [m.user.id, m.role]),
    );
    expect(roles).toEqual({ [mod.id]: "owner", [early.id]: "member" });
    expectError(
      await call("GET", `/api/rooms/${room.id}`, undefined, { token: owner.token }),
      404,
      "not_found",
    );
    expectError(
      await call("POST", `/api/rooms/${room.id}/leave`, undefined, { token: owner.token }),
      404,
      "not_found",
    );
  });

  it("mutes and unmutes for me only", async () => {
    const owner = await register();
    const other = await register();
    const room = await createRoom(owner, "channel", "noisy");
    await call("POST", `/api/rooms/${room.id}/join`, undefined, { token: other.token });
    const res = await call(
      "PUT",
      `/api/rooms/${room.id}/mute`,
      { muted: true },
      { token: other.token },
    );
    expect(res.body).toEqual({ muted: true });
    const mine = await call("GET", "/api/rooms", undefined, { token: other.token });
    expect(mine.body.rooms[0].muted).toBe(true);
    const theirs = await call("GET", "/api/rooms", undefined, { token: owner.token });
    expect(theirs.body.rooms[0].muted).toBe(false);
    expectError(
      await call("PUT", `/api/rooms/${room.id}/mute`, { muted: "yes" }, { token: other.token }),
      400,
      "invalid",
    );
    expectError(
      await call("PUT", `/api/rooms/${room.id}/mute`, {}, { token: other.token }),
      400,
      "invalid",
    );
  });
});

describe("room settings", () => {
  it("lets owners and moderators rename and set the topic, not members", async () => {
    const owner = await register();
    const mod = await register();
    const member = await register();
    const room = await createRoom(owner, "private", "before");
    await addMember(owner, room.id, mod.id, "moderator");
    await addMember(owner, room.id, member.id);
    const byMod = await call(
      "PATCH",
      `/api/rooms/${room.id}`,
      { name: "after", topic: "new topic" },
      { token: mod.token },
    );
    expect(byMod.status).toBe(200);
    expect(byMod.body.room).toMatchObject({ name: "after", topic: "new topic" });
    expectError(
      await call("PATCH", `/api/rooms/${room.id}`, { topic: "mine now" }, { token: member.token }),
      403,
      "forbidden",
    );
    expectError(
      await call("PATCH", `/api/rooms/${room.id}`, {}, { token: owner.token }),
      400,
      "invalid",
    );
    expectError(
      await call("PATCH", `/api/rooms/${room.id}`, { name: "" }, { token: owner.token }),
      400,
      "invalid",
    );
  });

  it("pages members: owners first, then moderators, then by join time", async () => {
    const owner = await register();
    const room = await createRoom(owner, "private", "crowd");
    const people = [];
    for (let i = 0; i < 5; i++) people.push(await register());
    for (const p of people) await addMember(owner, room.id, p.id);
    await call(
      "PATCH",
      `/api/rooms/${room.id}/members/${people[4]?.id}`,
      { role: "moderator" },
      { token: owner.token },
    );
    const first = await call("GET", `/api/rooms/${room.id}?limit=3`, undefined, {
      token: owner.token,
    });
    expect(first.body.memberCount).toBe(6);
    expect(first.body.members.map((m: { user: { id: string } }) => m.user.id)).toEqual([
      owner.id,
      people[4]?.id,
      people[0]?.id,
    ]);
    const rest = await call(
      "GET",
      `/api/rooms/${room.id}?limit=3&cursor=${first.body.nextMembersCursor}`,
      undefined,
      {
        token: owner.token,
      },
    );
    expect(rest.body.members.map((m: { user: { id: string } }) => m.user.id)).toEqual([
      people[1]?.id,
      people[2]?.id,
      people[3]?.id,
    ]);
    expect(rest.body.nextMembersCursor).toBeNull();
  });
});

describe("members", () => {
  it("keeps a room from losing its last owner by a role change", async () => {
    const owner = await register();
    const room = await createRoom(owner, "private", "one-owner");
    const res = await call(
      "PATCH",
      `/api/rooms/${room.id}/members/${owner.id}`,
      { role: "member" },
      { token: owner.token },
    );
    expectError(res, 409, "conflict");
  });

  it("refuses to add someone twice, or someone who does not exist", async () => {
    const owner = await register();
    const other = await register();
    const room = await createRoom(owner, "private", "dupes");
    await addMember(owner, room.id, other.id);
    expectError(
      await call(
        "POST",
        `/api/rooms/${room.id}/members`,
        { userId: other.id },
        { token: owner.token },
      ),
      409,
      "conflict",
    );
    expectError(
      await call(
        "POST",
        `/api/rooms/${room.id}/members`,
        { userId: "usr_nobody" },
        { token: owner.token },
      ),
      404,
      "not_found",
    );
    expectError(
      await call(
        "POST",
        `/api/rooms/${room.id}/members`,
        { userId: other.id, role: "king" },
        { token: owner.token },
      ),
      400,
      "invalid",
    );
    expectError(
      await call("POST", `/api/rooms/${room.id}/members`, {}, { token: owner.token }),
      400,
      "invalid",
    );
    expectError(
      await call(
        "PATCH",
        `/api/rooms/${room.id}/members/usr_nobody`,
        { role: "member" },
        { token: owner.token },
      ),
      404,
      "not_found",
    );
    expectError(
      await call("DELETE", `/api/rooms/${room.id}/members/usr_nobody`, undefined, {
        token: owner.token,
      }),
      404,
      "not_found",
    );
  });

  it("removal takes the room out of the removed member's list", async () => {
    const owner = await register();
    const other = await register();
    const room = await createRoom(owner, "private", "removal");
    await addMember(owner, room.id, other.id);
    expect(
      (
        await call("DELETE", `/api/rooms/${room.id}/members/${other.id}`, undefined, {
          token: owner.token,
        })
      ).status,
    ).toBe(204);
    expect((await call("GET", "/api/rooms", undefined, { token: other.token })).body.rooms).toEqual(
      [],
    );
  });
});

describe("DMs", () => {
  it("opens the same room every time for the same people, from either side", async () => {
    const ana = await register("dm_ana", "Ana Lima");
    const bo = await register("dm_bo", "Bo Berg");
    const first = await call("POST", "/api/dms", { userId: bo.id }, { token: ana.token });
    expect(first.status).toBe(201);
    expect(first.body.room).toMatchObject({ kind: "dm", name: null });
    const again = await call("POST", "/api/dms", { userId: bo.id }, { token: ana.token });
    const reverse = await call("POST", "/api/dms", { userIds: [ana.id] }, { token: bo.token });
    expect(again.status).toBe(200);
    expect(again.body.room.id).toBe(first.body.room.id);
    expect(reverse.body.room.id).toBe(first.body.room.id);
    const list = await call("GET", "/api/rooms", undefined, { token: ana.token });
    const dm = list.body.rooms.find(
      (r: { room: { id: string } }) => r.room.id === first.body.room.id,
    );
    expect(dm.peers).toEqual([
      { id: bo.id, handle: "dm_bo", displayName: "Bo Berg", avatarUrl: null, bot: false },
    ]);
  });

  it("opens one group DM per set of people, whoever opens it and in any order", async () => {
    const [a, b, c] = [await register(), await register(), await register()];
    const one = await call("POST", "/api/dms", { userIds: [b.id, c.id] }, { token: a.token });
    const two = await call("POST", "/api/dms", { userIds: [a.id, b.id, b.id] }, { token: c.token });
    expect(one.status).toBe(201);
    expect(two.body.room.id).toBe(one.body.room.id);
    const pair = await call("POST", "/api/dms", { userId: b.id }, { token: a.token });
    expect(pair.body.room.id).not.toBe(one.body.room.id);
  });

  it("concurrent opens of a new DM converge on one room", async () => {
    const a = await register();
    const b = await register();
    const results = await Promise.all([
      call("POST", "/api/dms", { userId: b.id }, { token: a.token }),
      call("POST", "/api/dms", { userId: a.id }, { token: b.token }),
      call("POST", "/api/dms", { userId: b.id }, { token: a.token }),
    ]);
    expect(new Set(results.map((r) => r.body.room.id)).size).toBe(1);
  });

  it("has fixed members and cannot be renamed or left", async () => {
    const a = await register();
    const b = await register();
    const c = await register();
    const dm = (await call("POST", "/api/dms", { userId: b.id }, { token: a.token })).body.room;
    expectError(
      await call("POST", `/api/rooms/${dm.id}/members`, { userId: c.id }, { token: a.token }),
      403,
      "forbidden",
    );
    expectError(
      await call("PATCH", `/api/rooms/${dm.id}`, { name: "ours" }, { token: a.token }),
      403,
      "forbidden",
    );
    expectError(
      await call("POST", `/api/rooms/${dm.id}/leave`, undefined, { token: a.token }),
      403,
      "forbidden",
    );
  });

  it("rejects unknown people, empty and oversize groups", async () => {
    const a = await register();
    expectError(
      await call("POST", "/api/dms", { userId: "usr_nobody" }, { token: a.token }),
      404,
      "not_found",
    );
    expectError(
      await call("POST", "/api/dms", { userIds: [] }, { token: a.token }),
      400,
      "invalid",
    );
    expectError(await call("POST", "/api/dms", {}, { token: a.token }), 400, "invalid");
    const many = [];
    for (let i = 0; i < 10; i++) many.push((await register()).id);
    expectError(
      await call("POST", "/api/dms", { userIds: many }, { token: a.token }),
      400,
      "invalid",
    );
  });
});
