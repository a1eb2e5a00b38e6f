// Workspaces (docs/api.md, "Workspaces"): who creates them, who sees them, settings and their
// defaults for new rooms, the people and their roles, removal and leaving (out of every room of
// the workspace, sockets closed), and the admin views scoped to one workspace. All audited.
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { openDb } from "../src/db/client";
import worker from "../src/index";
import { roomAccessQuery } from "../src/worker/directory/access";
import {
  addMember,
  addToWorkspace,
  BASE,
  call,
  createRoom,
  createWorkspace,
  expectError,
  register,
  sendMessage,
  type TestUser,
  uniqueHandle,
} from "./helpers";
import { InboxClient, RoomClient } from "./room-client";

const as = (user: TestUser) => ({ token: user.token });
const ws = (id: string, rest = "") => `/api/workspaces/${id}${rest}`;

/** The workspace's entries of `action` about `targetId`, oldest first. */
const auditOf = async (workspaceId: string, action: string, targetId: string) =>
  (
    await env.DB.prepare(
      `SELECT actor_id, room_id, detail_json FROM audit_log
       WHERE workspace_id = ? AND action = ? AND target_id = ? ORDER BY id`,
    )
      .bind(workspaceId, action, targetId)
      .all<{ actor_id: string | null; room_id: string | null; detail_json: string | null }>()
  ).results.map((r) => ({ ...r, detail: r.detail_json ? JSON.parse(r.detail_json) : null }));

const roomsOf = async (userId: string, workspaceId: string) =>
  (
    await env.DB.prepare(
      `SELECT m.room_id, m.role FROM memberships m JOIN rooms r ON r.id = m.room_id
       WHERE m.user_id = ? AND r.workspace_id = ?`,
    )
      .bind(userId, workspaceId)
      .all<{ room_id: string; role: string }>()
  ).results;

let admin: TestUser; // the instance's admin
let alice: TestUser;
let bob: TestUser;
let carol: TestUser;

beforeAll(async () => {
  admin = await register(uniqueHandle("admin"));
  if (admin.role !== "admin") throw new Error("the first account should be the admin");
  alice = await register(uniqueHandle("alice"), "Alice Liddell");
  bob = await register(uniqueHandle("bob"), "Bob Builder");
  carol = await register(uniqueHandle("carol"), "Carol Danvers");
});

/** A workspace the admin made, `owner` its owner (the admin leaves it), others as given. */
async function workspaceOf(
  owner: TestUser,
  others: Array<[TestUser, "owner" | "admin" | "member"]> = [],
) {
  const made = await createWorkspace(admin);
  await addToWorkspace(admin, made.id, owner.id, "owner");
  for (const [who, role] of others) await addToWorkspace(admin, made.id, who.id, role);
  const left = await call("DELETE", ws(made.id, `/members/${admin.id}`), undefined, as(admin));
  if (left.status !== 204) throw new Error(`admin leaves: ${left.status}`);
  return made.id;
}

/** A request into the real Worker with some [vars] changed, as a deploy with them would run. */
async function withVars(
  vars: Partial<typeof env>,
  method: string,
  path: string,
  body: unknown,
  user: TestUser,
) {
  const ctx = createExecutionContext();
  const res = await worker.fetch(
    new Request(`${BASE}${path}`, {
      method,
      headers: { authorization: `Bearer ${user.token}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    }),
    { ...env, ...vars },
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return { status: res.status, body: (await res.json()) as any };
}

describe("creating and seeing workspaces", () => {
  it("with WORKSPACE_CREATION=open anyone signed in creates one, and owns it", async () => {
    const slug = uniqueHandle("open").replace(/_/g, "-");
    const open = { WORKSPACE_CREATION: "open" };
    const made = await withVars(open, "POST", "/api/workspaces", { name: "Mine", slug }, alice);
    expect(made.status).toBe(201);
    expect(made.body.workspace).toMatchObject({ slug, role: "owner", memberCount: 1 });
    const config = await withVars(open, "GET", "/api/config", undefined, alice);
    expect(config.body.workspaceCreation).toBe("open");
    // An unknown mode is a configuration error, not a silent default.
    const wrong = await withVars(
      { WORKSPACE_CREATION: "everyone" },
      "GET",
      "/api/config",
      undefined,
      alice,
    );
    expect(wrong.status).toBe(500);
  });

  it("instance admins create (a plain user gets 403 while WORKSPACE_CREATION=admins)", async () => {
    const body = { name: "Acme", slug: uniqueHandle("acme").replace(/_/g, "-") };
    expectError(await call("POST", "/api/workspaces", body, as(alice)), 403, "forbidden");
    const res = await call("POST", "/api/workspaces", body, as(admin));
    expect(res.status).toBe(201);
    expect(res.body.workspace).toMatchObject({
      name: "Acme",
      slug: body.slug,
      role: "owner",
      isDefault: false,
      memberCount: 1,
      dataLocation: null,
      defaults: { retention: null, joinPolicy: "invite" },
    });
    expect(await auditOf(res.body.workspace.id, "workspace.create", res.body.workspace.id)).toEqual(
      [expect.objectContaining({ actor_id: admin.id })],
    );
  });

  it("refuses bad slugs (400) and taken ones (409)", async () => {
    for (const slug of ["-x", "Has Space", "a", "trailing-", "ü-ber"]) {
      expectError(
        await call("POST", "/api/workspaces", { name: "Bad", slug }, as(admin)),
        400,
        "invalid",
      );
    }
    const taken = await createWorkspace(admin);
    expectError(
      await call("POST", "/api/workspaces", { name: "Again", slug: taken.slug }, as(admin)),
      409,
      "conflict",
    );
  });

  it("lists mine only (the default first); instance admins see every one", async () => {
    const mine = await workspaceOf(alice);
    const notMine = await workspaceOf(bob);
    const list = await call("GET", "/api/workspaces", undefined, as(alice));
    const ids = (list.body.workspaces as Array<{ id: string }>).map((w) => w.id);
    expect(ids[0]).toBe("ws_default");
    expect(ids).toContain(mine);
    expect(ids).not.toContain(notMine);
    const all = await call("GET", "/api/workspaces", undefined, as(admin));
    const allIds = (all.body.workspaces as Array<{ id: string; role: string | null }>).map(
      (w) => w.id,
    );
    expect(allIds).toEqual(expect.arrayContaining([mine, notMine]));
  });

  it("answers 404 to people outside a workspace, for everything under it", async () => {
    const id = await workspaceOf(alice);
    expect((await call("GET", ws(id), undefined, as(alice))).status).toBe(200);
    for (const [method, path, body] of [
      ["GET", ws(id), undefined],
      ["PATCH", ws(id), { name: "Mine now" }],
      ["GET", ws(id, "/members"), undefined],
      ["POST", ws(id, "/members"), { userId: carol.id }],
      ["PATCH", ws(id, `/members/${alice.id}`), { role: "member" }],
      ["DELETE", ws(id, `/members/${alice.id}`), undefined],
      ["GET", ws(id, "/admin/rooms"), undefined],
      ["GET", ws(id, "/admin/audit"), undefined],
      ["GET", ws(id, "/admin/reports"), undefined],
    ] as const) {
      expectError(await call(method, path, body, as(bob)), 404, "not_found");
    }
  });
});

describe("PATCH /api/workspaces/:id", () => {
  it("is for its owners and admins (a member gets 403); audited with what changed", async () => {
    const id = await workspaceOf(alice, [
      [bob, "admin"],
      [carol, "member"],
    ]);
    expectError(await call("PATCH", ws(id), { name: "Nope" }, as(carol)), 403, "forbidden");
    const res = await call(
      "PATCH",
      ws(id),
      { name: "Renamed", defaults: { joinPolicy: "open" } },
      as(bob),
    );
    expect(res.status).toBe(200);
    expect(res.body.workspace).toMatchObject({
      name: "Renamed",
      role: "admin",
      memberCount: 3,
      defaults: { joinPolicy: "open", retention: null },
    });
    const entries = await auditOf(id, "workspace.update", id);
    expect(entries).toHaveLength(1);
    expect(entries[0]?.actor_id).toBe(bob.id);
    expect(entries[0]?.detail).toEqual({
      name: { from: expect.stringMatching(/^Workspace /), to: "Renamed" },
      joinPolicy: { from: "invite", to: "open" },
    });
    // The same again changes nothing and records nothing.
    await call("PATCH", ws(id), { name: "Renamed" }, as(bob));
    expect(await auditOf(id, "workspace.update", id)).toHaveLength(1);
  });

  it("does not take dataLocation: alone it is an empty change (400), beside others ignored", async () => {
    const id = await workspaceOf(alice);
    expectError(await call("PATCH", ws(id), { dataLocation: "eu" }, as(alice)), 400, "invalid");
    const res = await call(
      "PATCH",
      ws(id),
      { name: "Still anywhere", dataLocation: "eu" },
      as(alice),
    );
    expect(res.status).toBe(200);
    expect(res.body.workspace.dataLocation).toBeNull();
  });

  it("a default retention policy applies to rooms made afterwards", async () => {
    const id = await workspaceOf(alice);
    const retention = { maxAgeDays: 30, maxMessages: 1000 };
    const res = await call("PATCH", ws(id), { defaults: { retention } }, as(alice));
    expect(res.body.workspace.defaults.retention).toEqual(retention);
    const room = await createRoom(alice, "channel", "kept a month", id);
    const policy = await call("GET", `/api/rooms/${room.id}/retention`, undefined, as(alice));
    expect(policy.status).toBe(200);
    expect(policy.body.policy).toMatchObject(retention);
    // Back to the instance's: null.
    const cleared = await call("PATCH", ws(id), { defaults: { retention: null } }, as(alice));
    expect(cleared.body.workspace.defaults.retention).toBeNull();
  });
});

describe("members", () => {
  it("any member lists them, by handle, searched and paged", async () => {
    const id = await workspaceOf(alice, [
      [bob, "member"],
      [carol, "member"],
    ]);
    const page1 = await call("GET", ws(id, "/members?limit=2"), undefined, as(carol));
    expect(page1.status).toBe(200);
    expect(page1.body.members).toHaveLength(2);
    expect(page1.body.nextCursor).not.toBeNull();
    const page2 = await call(
      "GET",
      ws(id, `/members?limit=2&cursor=${page1.body.nextCursor}`),
      undefined,
      as(carol),
    );
    expect(page2.body.members).toHaveLength(1);
    expect(page2.body.nextCursor).toBeNull();
    const handles = [...page1.body.members, ...page2.body.members].map(
      (m: { user: { handle: string } }) => m.user.handle,
    );
    expect(handles).toEqual([alice.handle, bob.handle, carol.handle].sort());
    // A word of the display name ("Builder") finds Bob; a handle's start finds Carol.
    const byName = await call("GET", ws(id, "/members?q=builder"), undefined, as(carol));
    expect(byName.body.members.map((m: { user: { id: string } }) => m.user.id)).toEqual([bob.id]);
    const byHandle = await call("GET", ws(id, "/members?q=CAROL"), undefined, as(bob));
    expect(byHandle.body.members).toEqual([
      expect.objectContaining({ role: "member", user: expect.objectContaining({ id: carol.id }) }),
    ]);
  });

  it("its admins add people by handle; twice is 409, no such person 404, members 403", async () => {
    const id = await workspaceOf(alice, [[bob, "member"]]);
    const res = await call("POST", ws(id, "/members"), { handle: carol.handle }, as(alice));
    expect(res.status).toBe(201);
    expect(res.body.member).toMatchObject({ role: "member", user: { id: carol.id } });
    expectError(
      await call("POST", ws(id, "/members"), { handle: carol.handle }, as(alice)),
      409,
      "conflict",
    );
    expectError(
      await call("POST", ws(id, "/members"), { handle: "nobody_here" }, as(alice)),
      404,
      "not_found",
    );
    expectError(
      await call("POST", ws(id, "/members"), { userId: admin.id }, as(bob)),
      403,
      "forbidden",
    );
  });
});

describe("roles", () => {
  it("admins change members' roles; only owners make or unmake owners; audited", async () => {
    const id = await workspaceOf(alice, [
      [bob, "admin"],
      [carol, "member"],
    ]);
    const role = (actor: TestUser, who: TestUser, to: string) =>
      call("PATCH", ws(id, `/members/${who.id}`), { role: to }, as(actor));
    expectError(await role(carol, bob, "member"), 403, "forbidden");
    const promoted = await role(bob, carol, "admin");
    expect(promoted.status).toBe(200);
    expect(promoted.body.member).toMatchObject({ role: "admin", user: { id: carol.id } });
    expectError(await role(bob, carol, "owner"), 403, "forbidden");
    expectError(await role(bob, alice, "member"), 403, "forbidden");
    expect((await role(alice, carol, "owner")).status).toBe(200);
    expect(await auditOf(id, "workspace.member_role", carol.id)).toEqual([
      expect.objectContaining({ actor_id: bob.id, detail: { from: "member", to: "admin" } }),
      expect.objectContaining({ actor_id: alice.id, detail: { from: "admin", to: "owner" } }),
    ]);
    // Two owners: one may step down; the last one may not (409).
    expect((await role(carol, alice, "admin")).status).toBe(200);
    expectError(await role(carol, carol, "admin"), 409, "conflict");
    expectError(await role(bob, alice, "nobody"), 400, "invalid");
    expectError(await role(alice, admin, "member"), 404, "not_found");
  });
});

describe("removal and leaving", () => {
  it("removes them from every room of the workspace: sockets close, inbox told, then 404", async () => {
    const id = await workspaceOf(alice, [[bob, "member"]]);
    const channel = await createRoom(alice, "channel", "all hands", id);
    const secret = await createRoom(alice, "private", "secret", id);
    await addMember(alice, channel.id, bob.id);
    await addMember(alice, secret.id, bob.id, "moderator");
    // A room of another workspace (the default) stays his.
    const elsewhere = await createRoom(alice, "private", "elsewhere");
    await addMember(alice, elsewhere.id, bob.id);

    const socket = await RoomClient.open(secret.id, bob.token);
    const inbox = await InboxClient.open(bob.token);
    const res = await call("DELETE", ws(id, `/members/${bob.id}`), undefined, as(alice));
    expect(res.status).toBe(204);
    expect(await socket.waitClosed()).toEqual({ code: 1008, reason: "Removed from the room" });
    await inbox.next("membership", (f) => f.roomId === channel.id && f.change === "removed");
    inbox.close();

    expect(await roomsOf(bob.id, id)).toEqual([]);
    for (const room of [channel, secret]) {
      expectError(await call("GET", `/api/rooms/${room.id}`, undefined, as(bob)), 404, "not_found");
    }
    expect((await call("GET", `/api/rooms/${elsewhere.id}`, undefined, as(bob))).status).toBe(200);
    expectError(await call("GET", ws(id), undefined, as(bob)), 404, "not_found");

    expect(await auditOf(id, "workspace.member_remove", bob.id)).toEqual([
      expect.objectContaining({ actor_id: alice.id, detail: { role: "member", rooms: 2 } }),
    ]);
    const perRoom = await auditOf(id, "member.remove", bob.id);
    expect(perRoom.map((e) => [e.room_id, e.detail]).sort()).toEqual(
      [
        [channel.id, { role: "member", via: "workspace" }],
        [secret.id, { role: "moderator", via: "workspace" }],
      ].sort(),
    );
  });

  it("the default workspace is no exception: its admins remove people from its rooms", async () => {
    const dave = await register(uniqueHandle("dave"));
    const room = await createRoom(alice, "private", "default's", undefined);
    await addMember(alice, room.id, dave.id);
    const socket = await RoomClient.open(room.id, dave.token);
    // The instance's admins are the default workspace's admins.
    const res = await call("DELETE", ws("ws_default", `/members/${dave.id}`), undefined, as(admin));
    expect(res.status).toBe(204);
    await socket.waitClosed();
    expect(await roomsOf(dave.id, "ws_default")).toEqual([]);
    expectError(await call("GET", `/api/rooms/${room.id}`, undefined, as(dave)), 404, "not_found");
    expectError(await call("GET", ws("ws_default"), undefined, as(dave)), 404, "not_found");
  });

  it("takes someone out of more rooms than one batch holds", async () => {
    const id = await workspaceOf(alice, [[bob, "member"]]);
    const count = 105;
    for (let i = 0; i < count; i++) {
      // The admin API is not capped per hour, as POST /api/rooms is.
      const made = await call(
        "POST",
        "/api/admin/rooms",
        { workspaceId: id, kind: "private", name: `room ${i}`, members: [{ userId: bob.id }] },
        as(admin),
      );
      if (made.status !== 201) throw new Error(`room ${i}: ${made.status}`);
    }
    expect(await roomsOf(bob.id, id)).toHaveLength(count);
    expect((await call("DELETE", ws(id, `/members/${bob.id}`), undefined, as(alice))).status).toBe(
      204,
    );
    expect(await roomsOf(bob.id, id)).toEqual([]);
    expect(await auditOf(id, "member.remove", bob.id)).toHaveLength(count);
  });

  it("a room whose last owner goes passes to its longest-standing moderator", async () => {
    const id = await workspaceOf(alice, [
      [bob, "admin"],
      [carol, "member"],
    ]);
    const room = await createRoom(carol, "private", "carol's", id);
    await addMember(carol, room.id, bob.id, "moderator");
    expect((await call("DELETE", ws(id, `/members/${carol.id}`), undefined, as(bob))).status).toBe(
      204,
    );
    expect(await roomsOf(bob.id, id)).toEqual([{ room_id: room.id, role: "owner" }]);
  });

  it("admins remove anyone but owners; owners remove owners; the last owner stays (409)", async () => {
    const id = await workspaceOf(alice, [
      [bob, "admin"],
      [carol, "owner"],
    ]);
    const remove = (actor: TestUser, who: TestUser) =>
      call("DELETE", ws(id, `/members/${who.id}`), undefined, as(actor));
    expectError(await remove(bob, carol), 403, "forbidden");
    expect((await remove(alice, carol)).status).toBe(204);
    expectError(await remove(alice, alice), 409, "conflict");
    expectError(await remove(alice, carol), 404, "not_found");
  });

  it("anyone may leave (a member removing another is 403)", async () => {
    const id = await workspaceOf(alice, [
      [bob, "member"],
      [carol, "member"],
    ]);
    expectError(
      await call("DELETE", ws(id, `/members/${carol.id}`), undefined, as(bob)),
      403,
      "forbidden",
    );
    const room = await createRoom(alice, "channel", "lobby", id);
    await addMember(alice, room.id, bob.id);
    expect((await call("DELETE", ws(id, `/members/${bob.id}`), undefined, as(bob))).status).toBe(
      204,
    );
    expect(await roomsOf(bob.id, id)).toEqual([]);
    expect(await auditOf(id, "workspace.member_remove", bob.id)).toEqual([
      expect.objectContaining({
        actor_id: bob.id,
        detail: { role: "member", rooms: 1, via: "leave" },
      }),
    ]);
  });

  it("sockets a workspace admin holds in its rooms without membership close on removal", async () => {
    const id = await workspaceOf(alice, [[bob, "admin"]]);
    const room = await createRoom(alice, "private", "watched", id);
    const socket = await RoomClient.open(room.id, bob.token);
    expect((await call("DELETE", ws(id, `/members/${bob.id}`), undefined, as(alice))).status).toBe(
      204,
    );
    await socket.waitClosed();
    expectError(await call("GET", `/api/rooms/${room.id}`, undefined, as(bob)), 404, "not_found");
  });

  it("and on demotion to member", async () => {
    const id = await workspaceOf(alice, [[bob, "admin"]]);
    const room = await createRoom(alice, "private", "watched", id);
    const socket = await RoomClient.open(room.id, bob.token);
    const res = await call("PATCH", ws(id, `/members/${bob.id}`), { role: "member" }, as(alice));
    expect(res.status).toBe(200);
    await socket.waitClosed();
    expectError(await call("GET", `/api/rooms/${room.id}`, undefined, as(bob)), 404, "not_found");
  });
});

describe("admin views", () => {
  it("a workspace's admins see its rooms, audit and reports, and act through the room routes", async () => {
    const a = await workspaceOf(alice, [
      [bob, "admin"],
      [carol, "member"],
    ]);
    // Alice is in B too (a room of B takes only B's people), Bob is not.
    const b = await workspaceOf(carol, [[alice, "member"]]);
    // A private room of A that its admin Bob is not in, with a reported message.
    const room = await createRoom(alice, "private", "ops", a);
    await addMember(alice, room.id, carol.id);
    const message = await sendMessage(carol, room.id, "something reportable");
    const report = await call(
      "POST",
      `/api/rooms/${room.id}/messages/${message.seq}/report`,
      { reason: "abuse" },
      as(alice),
    );
    expect(report.status).toBe(201);
    const roomOfB = await createRoom(carol, "private", "b's", b);
    const otherMessage = await sendMessage(carol, roomOfB.id, "b's words");
    await addMember(carol, roomOfB.id, alice.id);
    await call(
      "POST",
      `/api/rooms/${roomOfB.id}/messages/${otherMessage.seq}/report`,
      {
        reason: "spam",
      },
      as(alice),
    );

    const rooms = await call("GET", ws(a, "/admin/rooms"), undefined, as(bob));
    expect(rooms.status).toBe(200);
    expect(rooms.body.rooms.map((r: { id: string }) => r.id)).toEqual([room.id]);
    expect(rooms.body.rooms[0]).toMatchObject({ workspaceId: a, name: "ops" });

    const reports = await call("GET", ws(a, "/admin/reports"), undefined, as(bob));
    expect(reports.body.reports.map((r: { id: string }) => r.id)).toEqual([report.body.report.id]);

    const audit = await call("GET", ws(a, "/admin/audit?limit=100"), undefined, as(bob));
    const entries = audit.body.entries as Array<{ action: string; room: { id: string } | null }>;
    expect(entries.map((e) => e.action)).toEqual(
      expect.arrayContaining(["workspace.member_add", "room.create", "report.create"]),
    );
    expect(entries.some((e) => e.room?.id === roomOfB.id)).toBe(false);

    // Bob, not in the room, archives it and resolves the report through the room routes.
    const archived = await call("PATCH", `/api/rooms/${room.id}`, { archived: true }, as(bob));
    expect(archived.status).toBe(200);
    expect(archived.body.room.archived).toBe(true);
    const closed = await call(
      "PATCH",
      `/api/rooms/${room.id}/reports/${report.body.report.id}`,
      { status: "resolved" },
      as(bob),
    );
    expect(closed.status).toBe(200);
    expect(closed.body.report.status).toBe("resolved");

    // Nothing of B: its rooms and its admin views are 404 to A's admin.
    expectError(
      await call("GET", `/api/rooms/${roomOfB.id}`, undefined, as(bob)),
      404,
      "not_found",
    );
    expectError(
      await call("PATCH", `/api/rooms/${roomOfB.id}`, { archived: true }, as(bob)),
      404,
      "not_found",
    );
    for (const view of ["rooms", "audit", "reports"]) {
      expectError(await call("GET", ws(b, `/admin/${view}`), undefined, as(bob)), 404, "not_found");
      // A plain member of A is refused its views.
      expectError(
        await call("GET", ws(a, `/admin/${view}`), undefined, as(carol)),
        403,
        "forbidden",
      );
    }
    // And deletes it for good, as a room's owners may.
    expect((await call("DELETE", `/api/rooms/${room.id}`, undefined, as(bob))).status).toBe(204);
    const after = await call("GET", ws(a, "/admin/rooms"), undefined, as(bob));
    expect(after.body.rooms).toEqual([]);

    // The instance's admin sees A's view, being no member of it.
    expect((await call("GET", ws(a, "/admin/rooms"), undefined, as(admin))).status).toBe(200);
  });
});

describe("room access in a D1 batch (the socket upgrade's)", () => {
  it("reads every column as a query alone does: the workspace role and a ban included", async () => {
    const id = await workspaceOf(alice, [[bob, "admin"]]);
    const room = await createRoom(alice, "channel", "batched", id);
    const db = openDb(env.DB);
    for (const who of [alice, bob]) {
      const alone = await roomAccessQuery(db, room.id, who.id).all();
      const [batched] = await db.batch([roomAccessQuery(db, room.id, who.id)]);
      expect(batched).toEqual(alone);
    }
    const [[row]] = await db.batch([roomAccessQuery(db, room.id, bob.id)]);
    expect(row).toMatchObject({ workspaceRole: "admin", banned: null, membership: null });
  });
});
