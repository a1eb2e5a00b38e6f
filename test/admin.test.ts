// The admin API end to end: rooms for other systems (externalRef, members, archive), people
// (roles, disabling), the audit log, API tokens, and bad input on every admin endpoint.
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { call, expectError, type Reply, register, type TestUser, uniqueHandle } from "./helpers";

const PASSWORD = "correct horse battery";

// ---- helpers ----------------------------------------------------------------------------------

/** The first account of this file's fresh instance: the instance admin. */
let root: TestUser;

const asAdmin = (method: string, path: string, body?: unknown) =>
  call(method, path, body, { token: root.token });
const as = (user: TestUser, method: string, path: string, body?: unknown) =>
  call(method, path, body, { token: user.token });

interface RoomJson {
  id: string;
  kind: string;
  name: string | null;
  topic: string;
  createdBy: string | null;
  createdAt: string;
  archived: boolean;
  archivedAt: string | null;
  ephemeral: boolean;
  externalRef: string | null;
}

interface AuditJson {
  id: number;
  at: string;
  actorId: string | null;
  action: string;
  roomId: string | null;
  targetId: string | null;
  detail: Record<string, unknown> | null;
  actor: { id: string; handle: string; displayName: string } | null;
  room: {
    id: string;
    kind: string | null;
    name: string | null;
    participants: Array<{ id: string }>;
    gone: boolean;
  } | null;
  target: { id: string; kind: string; name: string; handle: string | null } | null;
}

/** 400 `invalid` with a non-empty `details` array of {in, path, message}. */
function expectInvalid(res: Reply) {
  expectError(res, 400, "invalid");
  expect(Array.isArray(res.body.error.details), JSON.stringify(res.body)).toBe(true);
  expect(res.body.error.details.length).toBeGreaterThan(0);
  for (const d of res.body.error.details)
    expect(d).toMatchObject({ in: expect.any(String), message: expect.any(String) });
}

function expectStatus(res: Reply, status: number) {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
}

async function adminRoom(body: Record<string, unknown>): Promise<RoomJson> {
  const res = await asAdmin("POST", "/api/admin/rooms", body);
  expectStatus(res, 201);
  return res.body.room;
}

async function membersOf(roomId: string): Promise<Record<string, string>> {
  const res = await asAdmin("GET", `/api/rooms/${roomId}?limit=100`);
  expectStatus(res, 200);
  return Object.fromEntries(
    res.body.members.map((m: { user: { id: string }; role: string }) => [m.user.id, m.role]),
  );
}

async function login(handle: string, ip = "10.0.0.1"): Promise<Reply> {
  return call("POST", "/api/auth/login", { handle, password: PASSWORD }, { ip });
}

/** Every audit entry matching `query`, walking the `before` pages. */
async function allAudit(query = ""): Promise<AuditJson[]> {
  const entries: AuditJson[] = [];
  let before: number | null = null;
  for (let page = 0; page < 100; page++) {
    const sep = query ? "&" : "";
    const res = await asAdmin(
      "GET",
      `/api/admin/audit?${query}${sep}limit=100${before ? `&before=${before}` : ""}`,
    );
    expectStatus(res, 200);
    entries.push(...res.body.entries);
    before = res.body.nextBefore;
    if (before == null) return entries;
  }
  throw new Error("audit paging did not end");
}

beforeAll(async () => {
  root = await register(uniqueHandle("root"));
  if (root.role !== "admin") throw new Error("the first account of the file should be the admin");
});

// ---- rooms for other systems ------------------------------------------------------------------

describe("POST /api/admin/rooms", () => {
  let alice: TestUser;
  let bob: TestUser;
  let carol: TestUser;
  let dave: TestUser;
  beforeAll(async () => {
    [alice, bob, carol, dave] = [
      await register(),
      await register(),
      await register(),
      await register(),
    ];
  });

  it("creates a room with as many members as the schema allows (1,000)", async () => {
    // People straight into D1: registering a thousand would take minutes of PBKDF2.
    const ids = Array.from({ length: 1000 }, (_, i) => `usr_many_${i}`);
    await env.DB.batch(
      ids.flatMap((id, i) => [
        env.DB.prepare(
          "INSERT INTO users (id, handle, display_name, password_hash, created_at) VALUES (?, ?, ?, 'x', ?)",
        ).bind(id, `many_${i}`, `Many ${i}`, Date.now()),
        // In the default workspace, as sign-up puts everyone: a room's people are its workspace's.
        env.DB.prepare(
          "INSERT INTO workspace_members (workspace_id, user_id, role, joined_at) VALUES ('ws_default', ?, 'member', ?)",
        ).bind(id, Date.now()),
      ]),
    );
    const room = await adminRoom({
      kind: "private",
      name: "everyone",
      members: ids.map((userId, i) => ({ userId, role: i === 0 ? "owner" : "member" })),
    });
    const details = await asAdmin("GET", `/api/rooms/${room.id}?limit=1`);
    expect(details.body).toMatchObject({ memberCount: 1000 });
    expect(details.body.members[0]).toMatchObject({ user: { id: ids[0] }, role: "owner" });
  });

  it("creates a room with externalRef, ephemeral, retention and members in their roles", async () => {
    const ref = uniqueHandle("task");
    const room = await adminRoom({
      kind: "private",
      name: "  Budget committee ",
      topic: "Q3 budget",
      externalRef: ref,
      ephemeral: true,
      retention: { maxAgeDays: 0.5, maxMessages: 1000, maxBytes: null },
      members: [
        { userId: alice.id, role: "owner" },
        { userId: bob.id, role: "moderator" },
        { userId: carol.id },
      ],
    });
    expect(room).toMatchObject({
      kind: "private",
      name: "Budget committee",
      topic: "Q3 budget",
      externalRef: ref,
      ephemeral: true,
      archived: false,
      archivedAt: null,
      createdBy: root.id,
      lastSeq: 0,
    });
    expect(room.id).toMatch(/^room_/);

    // Members have their roles; the admin who made it is not one of them.
    expect(await membersOf(room.id)).toEqual({
      [alice.id]: "owner",
      [bob.id]: "moderator",
      [carol.id]: "member",
    });
    expect((await asAdmin("GET", `/api/rooms/${room.id}`)).body.me).toBeNull();
    const mine = await as(alice, "GET", "/api/rooms");
    expect(
      mine.body.rooms.find((r: { room: { id: string } }) => r.room.id === room.id),
    ).toMatchObject({ role: "owner" });
    expect((await as(carol, "GET", `/api/rooms/${room.id}`)).body.me).toMatchObject({
      role: "member",
    });
    // Private: someone else does not see it.
    expectError(await as(dave, "GET", `/api/rooms/${room.id}`), 404, "not_found");
  });

  it("defaults to a plain room: no externalRef, not ephemeral, no members", async () => {
    const room = await adminRoom({ kind: "channel", name: "Lobby" });
    expect(room).toMatchObject({
      kind: "channel",
      name: "Lobby",
      topic: "",
      externalRef: null,
      ephemeral: false,
    });
    expect(await membersOf(room.id)).toEqual({});
  });

  it("answers 404 with details.userIds for unknown members, and creates nothing", async () => {
    const ref = uniqueHandle("ghosts");
    const res = await asAdmin("POST", "/api/admin/rooms", {
      kind: "private",
      name: "With ghosts",
      externalRef: ref,
      members: [
        { userId: alice.id },
        { userId: "usr_ghost_one" },
        { userId: "usr_ghost_two", role: "owner" },
      ],
    });
    expectError(res, 404, "not_found");
    expect([...res.body.error.details.userIds].sort()).toEqual(["usr_ghost_one", "usr_ghost_two"]);
    expectError(await asAdmin("GET", `/api/admin/rooms/by-ref/${ref}`), 404, "not_found");
  });

  it("refuses a duplicate externalRef with 409 conflict and leaves the first room alone", async () => {
    const ref = uniqueHandle("dup");
    const first = await adminRoom({ kind: "private", name: "First", externalRef: ref });
    const again = await asAdmin("POST", "/api/admin/rooms", {
      kind: "channel",
      name: "Second",
      externalRef: ref,
    });
    expectError(again, 409, "conflict");
    expect(again.body.error.details).toMatchObject({ roomId: first.id });
    const found = await asAdmin("GET", `/api/admin/rooms/by-ref/${ref}`);
    expect(found.body.room).toMatchObject({ id: first.id, name: "First" });
  });

  it("accepts the longest allowed name, topic and externalRef", async () => {
    const ref = `r${uniqueHandle("long")}`.padEnd(200, "x");
    const room = await adminRoom({
      kind: "channel",
      name: "n".repeat(80),
      topic: "t".repeat(250),
      externalRef: ref,
    });
    expect(room.name).toHaveLength(80);
    expect(room.topic).toHaveLength(250);
    expect((await asAdmin("GET", `/api/admin/rooms/by-ref/${ref}`)).body.room.id).toBe(room.id);
  });
});

describe("GET /api/admin/rooms/by-ref/:externalRef", () => {
  it("finds the room again by the other system's id; unknown refs are 404", async () => {
    const ref = uniqueHandle("byref");
    const room = await adminRoom({ kind: "private", name: "Task room", externalRef: ref });
    const found = await asAdmin("GET", `/api/admin/rooms/by-ref/${ref}`);
    expectStatus(found, 200);
    expect(found.body.room).toMatchObject({ id: room.id, externalRef: ref, name: "Task room" });
    expectError(await asAdmin("GET", `/api/admin/rooms/by-ref/${ref}_nope`), 404, "not_found");
  });

  it("finds refs with characters that need URL encoding", async () => {
    const ref = `gitlab:group/proj 42?#&${uniqueHandle("enc")}`;
    const room = await adminRoom({ kind: "private", name: "Encoded", externalRef: ref });
    const found = await asAdmin("GET", `/api/admin/rooms/by-ref/${encodeURIComponent(ref)}`);
    expectStatus(found, 200);
    expect(found.body.room.id).toBe(room.id);
  });
});

describe("GET /api/admin/rooms (paging and search)", () => {
  const prefix = uniqueHandle("pg"); // contains "_", a LIKE wildcard that must be matched literally
  const created: RoomJson[] = [];
  let refRoom: RoomJson;
  beforeAll(async () => {
    for (let i = 0; i < 5; i++)
      created.push(
        await adminRoom({ kind: i % 2 ? "private" : "channel", name: `${prefix} room ${i}` }),
      );
    refRoom = await adminRoom({
      kind: "private",
      name: "Unrelated name",
      externalRef: `ext-${prefix}`,
    });
  });

  it("pages with limit and cursor/nextCursor, newest first, without repeats", async () => {
    const seen: RoomJson[] = [];
    const sizes: number[] = [];
    let cursor: string | null = null;
    do {
      const res: Reply = await asAdmin(
        "GET",
        `/api/admin/rooms?q=${encodeURIComponent(prefix)}&limit=2${cursor ? `&cursor=${cursor}` : ""}`,
      );
      expectStatus(res, 200);
      sizes.push(res.body.rooms.length);
      seen.push(...res.body.rooms);
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(sizes).toEqual([2, 2, 1]);
    expect(seen.map((r) => r.id).sort()).toEqual(created.map((r) => r.id).sort());
    const times = seen.map((r) => Date.parse(r.createdAt));
    expect(times).toEqual([...times].sort((a, b) => b - a));
  });

  it("filters by name prefix (case-insensitive, wildcards literal) and by exact externalRef", async () => {
    const upper = await asAdmin(
      "GET",
      `/api/admin/rooms?q=${encodeURIComponent(prefix.toUpperCase())}`,
    );
    expect(upper.body.rooms).toHaveLength(5);
    expect(upper.body.nextCursor).toBeNull();

    const wildcard = prefix.replace("_", "%");
    const literal = await asAdmin("GET", `/api/admin/rooms?q=${encodeURIComponent(wildcard)}`);
    expect(literal.body.rooms).toEqual([]);

    const byRef = await asAdmin("GET", `/api/admin/rooms?q=${encodeURIComponent(`ext-${prefix}`)}`);
    expect(byRef.body.rooms.map((r: RoomJson) => r.id)).toEqual([refRoom.id]);
    // Only the whole externalRef matches; a part of it does not.
    const partial = await asAdmin(
      "GET",
      `/api/admin/rooms?q=${encodeURIComponent(`ext-${prefix}`.slice(0, -1))}`,
    );
    expect(partial.body.rooms).toEqual([]);
  });

  it("lists every room without q, limit bounding the page", async () => {
    const one = await asAdmin("GET", "/api/admin/rooms?limit=1");
    expect(one.body.rooms).toHaveLength(1);
    expect(one.body.nextCursor).toBe("1");
    const all = await asAdmin("GET", "/api/admin/rooms?limit=100");
    expect(all.body.rooms.length).toBeGreaterThanOrEqual(6);
  });
});

describe("GET /api/admin/rooms (what the admin page shows)", () => {
  it("names a DM's people and counts the messages a room stores, deleted and purged ones too", async () => {
    const [ana, bo] = [
      await register(uniqueHandle("ana"), "Ana"),
      await register(uniqueHandle("bo"), "Bo"),
    ];
    const dm = await as(ana, "POST", "/api/dms", { userId: bo.id });
    expectStatus(dm, 201);
    const roomId = dm.body.room.id as string;
    const seqs: number[] = [];
    for (const body of ["one", "two", "three", "four", "five"]) {
      const sent = await as(ana, "POST", `/api/rooms/${roomId}/messages`, { cid: body, body });
      expectStatus(sent, 201);
      seqs.push(sent.body.message.seq);
    }
    expectStatus(await as(ana, "DELETE", `/api/rooms/${roomId}/messages/${seqs[4]}`), 200);
    // Retention takes the two oldest: five stored, minus two, one of the rest a tombstone.
    const saved = await asAdmin("PUT", `/api/admin/rooms/${roomId}/retention`, { maxMessages: 3 });
    expect(saved.body.deleted).toMatchObject({ messages: 2, fromSeq: seqs[0], toSeq: seqs[1] });
    expectStatus(await asAdmin("POST", `/api/admin/rooms/${roomId}/sync`), 200);

    const listed = (await asAdmin("GET", "/api/admin/rooms?limit=100")).body.rooms.find(
      (r: { id: string }) => r.id === roomId,
    );
    expect(listed).toMatchObject({
      kind: "dm",
      name: null,
      lastSeq: 5,
      storedMessages: 3,
      deletedMessages: 1,
    });
    expect(listed.participants.map((p: { id: string }) => p.id).sort()).toEqual(
      [ana.id, bo.id].sort(),
    );
    expect(listed.participants[0]).toEqual({
      id: expect.any(String),
      handle: expect.any(String),
      displayName: expect.stringMatching(/^(Ana|Bo)$/),
      avatarUrl: null,
      bot: false,
    });
    // Other rooms have no participants listed (a channel may have thousands).
    const channel = await adminRoom({ kind: "channel", name: uniqueHandle("counted") });
    const again = (await asAdmin("GET", "/api/admin/rooms?limit=100")).body.rooms.find(
      (r: { id: string }) => r.id === channel.id,
    );
    expect(again).toMatchObject({ participants: [], storedMessages: 0, deletedMessages: 0 });
  });
});

describe("PATCH /api/admin/rooms/:id (rename, archive, unarchive)", () => {
  let alice: TestUser;
  let bob: TestUser;
  let carol: TestUser;
  beforeAll(async () => {
    [alice, bob, carol] = [await register(), await register(), await register()];
  });

  it("renames and sets the topic", async () => {
    const room = await adminRoom({ kind: "channel", name: "Old name" });
    const res = await asAdmin("PATCH", `/api/admin/rooms/${room.id}`, {
      name: " New name ",
      topic: "Fresh topic",
    });
    expectStatus(res, 200);
    expect(res.body.room).toMatchObject({
      id: room.id,
      name: "New name",
      topic: "Fresh topic",
      archived: false,
    });
  });

  it("archives: the room reads archived, and join, patch and invite answer 403 archived; unarchive reopens it", async () => {
    const room = await adminRoom({
      kind: "channel",
      name: uniqueHandle("archive"),
      members: [{ userId: alice.id, role: "owner" }, { userId: carol.id }],
    });
    const archived = await asAdmin("PATCH", `/api/admin/rooms/${room.id}`, { archived: true });
    expectStatus(archived, 200);
    expect(archived.body.room.archived).toBe(true);
    expect(Date.parse(archived.body.room.archivedAt)).not.toBeNaN();
    expect((await as(alice, "GET", `/api/rooms/${room.id}`)).body.room).toMatchObject({
      archived: true,
    });
    expect((await asAdmin("GET", `/api/admin/rooms?q=${room.name}`)).body.rooms[0]).toMatchObject({
      id: room.id,
      archived: true,
    });

    expectError(await as(bob, "POST", `/api/rooms/${room.id}/join`), 403, "archived");
    expectError(await as(alice, "PATCH", `/api/rooms/${room.id}`, { topic: "x" }), 403, "archived");
    expectError(
      await as(alice, "POST", `/api/rooms/${room.id}/members`, { userId: bob.id }),
      403,
      "archived",
    );
    expectError(
      await asAdmin("POST", `/api/admin/rooms/${room.id}/members`, { userId: bob.id }),
      403,
      "archived",
    );
    expectError(
      await as(alice, "PATCH", `/api/rooms/${room.id}/members/${carol.id}`, { role: "moderator" }),
      403,
      "archived",
    );
    const discover = await as(bob, "GET", `/api/rooms/discover?q=${room.name}`);
    expect(discover.body.rooms).toEqual([]);
    expect(await membersOf(room.id)).toEqual({ [alice.id]: "owner", [carol.id]: "member" });

    const reopened = await asAdmin("PATCH", `/api/admin/rooms/${room.id}`, { archived: false });
    expectStatus(reopened, 200);
    expect(reopened.body.room).toMatchObject({ archived: false, archivedAt: null });
    const joined = await as(bob, "POST", `/api/rooms/${room.id}/join`);
    expectStatus(joined, 200);
    expect(joined.body.role).toBe("member");
    expectStatus(await as(alice, "PATCH", `/api/rooms/${room.id}`, { topic: "open again" }), 200);
  });

  it("refuses an empty change (400), an unknown room (404) and a name for a DM (400)", async () => {
    const room = await adminRoom({ kind: "private", name: "Unchanged" });
    expectInvalid(await asAdmin("PATCH", `/api/admin/rooms/${room.id}`, {}));
    expectError(
      await asAdmin("PATCH", "/api/admin/rooms/room_doesnotexist", { topic: "x" }),
      404,
      "not_found",
    );
    const dm = await as(alice, "POST", "/api/dms", { userId: bob.id });
    expectError(
      await asAdmin("PATCH", `/api/admin/rooms/${dm.body.room.id}`, { name: "A DM" }),
      400,
      "invalid",
    );
  });
});

describe("admin room members", () => {
  it("adds with a role, changes roles and removes, in any room", async () => {
    const [owner, newcomer] = [await register(), await register()];
    const room = await adminRoom({
      kind: "private",
      name: "Managed",
      members: [{ userId: owner.id, role: "owner" }],
    });
    const added = await asAdmin("POST", `/api/admin/rooms/${room.id}/members`, {
      userId: newcomer.id,
      role: "moderator",
    });
    expectStatus(added, 201);
    expect(added.body.memberCount).toBe(2);
    expectStatus(
      await asAdmin("PATCH", `/api/admin/rooms/${room.id}/members/${newcomer.id}`, {
        role: "owner",
      }),
      200,
    );
    expect(await membersOf(room.id)).toEqual({ [owner.id]: "owner", [newcomer.id]: "owner" });
    expectStatus(await asAdmin("DELETE", `/api/admin/rooms/${room.id}/members/${owner.id}`), 204);
    expect(await membersOf(room.id)).toEqual({ [newcomer.id]: "owner" });
    expectError(
      await asAdmin("POST", `/api/admin/rooms/${room.id}/members`, { userId: newcomer.id }),
      409,
      "conflict",
    );
  });
});

// ---- people -----------------------------------------------------------------------------------

describe("admin users", () => {
  it("lists people with disabled ones included, filtered by q", async () => {
    const prefix = uniqueHandle("ppl").slice(0, 24);
    const active = await register(`${prefix}_a`, "Active Person");
    const gone = await register(`${prefix}_b`, "Gone Person");
    expectStatus(await asAdmin("PATCH", `/api/admin/users/${gone.id}`, { disabled: true }), 200);

    const res = await asAdmin("GET", `/api/admin/users?q=${prefix}`);
    expectStatus(res, 200);
    expect(res.body.users.map((u: { handle: string }) => u.handle)).toEqual([
      active.handle,
      gone.handle,
    ]);
    expect(res.body.users[0]).toMatchObject({
      id: active.id,
      role: "user",
      disabled: false,
      disabledAt: null,
    });
    expect(res.body.users[1]).toMatchObject({ id: gone.id, disabled: true });
    expect(Date.parse(res.body.users[1].disabledAt)).not.toBeNaN();
    expect(res.body.users[0].passwordHash).toBeUndefined();
    // The people search for everyone else leaves disabled accounts out.
    const pub = await as(active, "GET", `/api/users?q=${prefix}`);
    expect(pub.body.users.map((u: { id: string }) => u.id)).toEqual([active.id]);

    const page = await asAdmin("GET", `/api/admin/users?q=${prefix}&limit=1`);
    expect(page.body.users).toHaveLength(1);
    expect(page.body.nextCursor).toBe("1");
    expect((await asAdmin("GET", `/api/admin/users?q=${prefix}_zzz`)).body.users).toEqual([]);
  });

  it("disabling revokes sessions (401), refuses login (403 disabled); re-enabling lets them in again", async () => {
    const eve = await register();
    const second = await login(eve.handle);
    expectStatus(second, 200);

    const disabled = await asAdmin("PATCH", `/api/admin/users/${eve.id}`, { disabled: true });
    expectStatus(disabled, 200);
    expect(disabled.body.user).toMatchObject({ id: eve.id, disabled: true });
    expectError(await call("GET", "/api/me", undefined, { token: eve.token }), 401, "unauthorized");
    expectError(
      await call("GET", "/api/me", undefined, { token: second.body.token }),
      401,
      "unauthorized",
    );
    expectError(await login(eve.handle), 403, "disabled");

    const enabled = await asAdmin("PATCH", `/api/admin/users/${eve.id}`, { disabled: false });
    expectStatus(enabled, 200);
    expect(enabled.body.user).toMatchObject({ disabled: false, disabledAt: null });
    // The old sessions stay revoked; a new sign-in works.
    expectError(await call("GET", "/api/me", undefined, { token: eve.token }), 401, "unauthorized");
    const again = await login(eve.handle);
    expectStatus(again, 200);
    expectStatus(await call("GET", "/api/me", undefined, { token: again.body.token }), 200);
  });

  it("role changes take effect on the next request", async () => {
    const frank = await register();
    const promoted = await asAdmin("PATCH", `/api/admin/users/${frank.id}`, { role: "admin" });
    expect(promoted.body.user.role).toBe("admin");
    expectStatus(await as(frank, "GET", "/api/admin/users"), 200);
    expect((await as(frank, "GET", "/api/me")).body.user.role).toBe("admin");
    expectStatus(await asAdmin("PATCH", `/api/admin/users/${frank.id}`, { role: "user" }), 200);
    expectError(await as(frank, "GET", "/api/admin/users"), 403, "forbidden");
  });

  it("keeps at least one active admin: the last one cannot demote or disable themself (409)", async () => {
    expectError(
      await asAdmin("PATCH", `/api/admin/users/${root.id}`, { role: "user" }),
      409,
      "conflict",
    );
    expectError(
      await asAdmin("PATCH", `/api/admin/users/${root.id}`, { disabled: true }),
      409,
      "conflict",
    );
    // A disabled admin does not count as another admin.
    const gina = await register();
    expectStatus(await asAdmin("PATCH", `/api/admin/users/${gina.id}`, { role: "admin" }), 200);
    expectStatus(await asAdmin("PATCH", `/api/admin/users/${gina.id}`, { disabled: true }), 200);
    expectError(
      await asAdmin("PATCH", `/api/admin/users/${root.id}`, { role: "user" }),
      409,
      "conflict",
    );
    // With another active admin, demoting an admin is fine.
    expectStatus(await asAdmin("PATCH", `/api/admin/users/${gina.id}`, { disabled: false }), 200);
    expectStatus(await asAdmin("PATCH", `/api/admin/users/${gina.id}`, { role: "user" }), 200);
    // A no-op change is not a conflict.
    expectStatus(
      await asAdmin("PATCH", `/api/admin/users/${root.id}`, { role: "admin", disabled: false }),
      200,
    );
    const me = await asAdmin("GET", "/api/me");
    expect(me.body.user).toMatchObject({ id: root.id, role: "admin" });
  });
});

// ---- the audit log ----------------------------------------------------------------------------

describe("GET /api/admin/audit", () => {
  const ip = "192.0.2.77";
  let alice: TestUser;
  let bob: TestUser;
  let room: RoomJson;
  let channel: RoomJson;
  let tokenId = "";
  beforeAll(async () => {
    [alice, bob] = [await register(), await register()];
    expectError(
      await call(
        "POST",
        "/api/auth/login",
        { handle: alice.handle, password: "wrong password" },
        { ip },
      ),
      401,
      "unauthorized",
    );
    room = await adminRoom({
      kind: "private",
      name: "Audited",
      externalRef: uniqueHandle("aud"),
      members: [{ userId: alice.id, role: "owner" }],
    });
    expectStatus(
      await asAdmin("POST", `/api/admin/rooms/${room.id}/members`, { userId: bob.id }),
      201,
    );
    expectStatus(
      await as(alice, "PATCH", `/api/rooms/${room.id}/members/${bob.id}`, { role: "moderator" }),
      200,
    );
    expectStatus(
      await as(alice, "PATCH", `/api/rooms/${room.id}`, { name: "Audited (renamed)" }),
      200,
    );
    expectStatus(await as(alice, "DELETE", `/api/rooms/${room.id}/members/${bob.id}`), 204);
    expectStatus(await asAdmin("PATCH", `/api/admin/rooms/${room.id}`, { archived: true }), 200);
    channel = await adminRoom({ kind: "channel", name: "Audited channel" });
    expectStatus(await as(alice, "POST", `/api/rooms/${channel.id}/join`), 200);
    expectStatus(await asAdmin("PATCH", `/api/admin/users/${bob.id}`, { role: "admin" }), 200);
    expectStatus(await asAdmin("PATCH", `/api/admin/users/${bob.id}`, { role: "user" }), 200);
    const token = await asAdmin("POST", "/api/admin/tokens", { name: "audited", scopes: ["bot"] });
    tokenId = token.body.token.id;
    expectStatus(await asAdmin("DELETE", `/api/admin/tokens/${tokenId}`), 204);
  });

  it("records every kind of change under its dotted action name", async () => {
    const entries = await allAudit();
    const actions = new Set(entries.map((e) => e.action));
    for (const action of [
      "auth.register",
      "auth.login_failed",
      "room.create",
      "room.update",
      "room.archive",
      "member.add",
      "member.remove",
      "member.role",
      "user.update",
      "token.create",
      "token.delete",
    ]) {
      expect(actions, action).toContain(action);
    }
    const failed = entries.find((e) => e.action === "auth.login_failed" && e.targetId === alice.id);
    expect(failed).toMatchObject({ actorId: null, detail: { handle: alice.handle, ip } });
    expect(
      entries.find((e) => e.action === "auth.register" && e.targetId === alice.id),
    ).toMatchObject({ actorId: alice.id });
    expect(
      entries.find((e) => e.action === "token.create" && e.targetId === tokenId),
    ).toMatchObject({ actorId: root.id });
    expect(
      entries.find((e) => e.action === "token.delete" && e.targetId === tokenId),
    ).toMatchObject({ actorId: root.id });
    const userUpdates = entries
      .filter((e) => e.action === "user.update" && e.targetId === bob.id)
      .map((e) => e.detail);
    expect(userUpdates).toEqual([{ role: "user" }, { role: "admin" }]);
    // Newest first.
    const ids = entries.map((e) => e.id);
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
  });

  it("filters by roomId: that room's whole story, newest first", async () => {
    const entries = await allAudit(`roomId=${room.id}`);
    expect(entries.every((e) => e.roomId === room.id)).toBe(true);
    expect(entries.map((e) => e.action)).toEqual([
      "room.archive",
      "member.remove",
      "room.update",
      "member.role",
      "member.add",
      "room.create",
    ]);
    expect(entries.find((e) => e.action === "member.role")).toMatchObject({
      actorId: alice.id,
      targetId: bob.id,
      detail: { from: "member", to: "moderator" },
    });
    expect(entries.find((e) => e.action === "member.add")).toMatchObject({
      actorId: root.id,
      targetId: bob.id,
    });
    expect(entries.find((e) => e.action === "room.archive")).toMatchObject({
      actorId: root.id,
      detail: { archived: true },
    });
    expect(entries.find((e) => e.action === "room.update")).toMatchObject({
      detail: { name: "Audited (renamed)" },
    });
    expectStatus(await asAdmin("GET", "/api/admin/audit?roomId=room_nothing_here"), 200);
    expect((await asAdmin("GET", "/api/admin/audit?roomId=room_nothing_here")).body).toEqual({
      entries: [],
      nextBefore: null,
    });
  });

  it("filters by actorId", async () => {
    const entries = await allAudit(`actorId=${alice.id}`);
    expect(entries.every((e) => e.actorId === alice.id)).toBe(true);
    expect(entries.map((e) => e.action)).toEqual([
      "member.add", // joined the channel
      "member.remove",
      "room.update",
      "member.role",
      "auth.register",
    ]);
    expect(entries[0]).toMatchObject({ roomId: channel.id, targetId: alice.id });
  });

  it("names the people, rooms and tokens behind the ids", async () => {
    const entries = await allAudit();
    const role = entries.find((e) => e.action === "member.role" && e.roomId === room.id);
    expect(role).toMatchObject({
      actor: { id: alice.id, handle: alice.handle, displayName: "Test Person" },
      room: {
        id: room.id,
        kind: "private",
        name: "Audited (renamed)",
        participants: [],
        gone: false,
      },
      target: { id: bob.id, kind: "user", name: "Test Person", handle: bob.handle },
    });
    expect(entries.find((e) => e.action === "token.delete")).toMatchObject({
      target: { id: tokenId, kind: "token", name: "audited", handle: null },
    });
    const failed = entries.find((e) => e.action === "auth.login_failed");
    expect(failed).toMatchObject({ actor: null, room: null });

    // A DM is named by its people; a deleted room keeps the name it had.
    const dm = await as(alice, "POST", "/api/dms", { userId: bob.id });
    expectStatus(dm, 201);
    const dmId = dm.body.room.id as string;
    // Opening a DM is not audited; an admin's retention change to it is.
    expectStatus(await asAdmin("PUT", `/api/admin/rooms/${dmId}/retention`, {}), 200);
    const gone = await adminRoom({ kind: "channel", name: "Soon gone" });
    expectStatus(await asAdmin("DELETE", `/api/admin/rooms/${gone.id}`), 204);
    const latest = await allAudit();
    const dmEntry = latest.find((e) => e.roomId === dmId);
    expect(dmEntry?.room?.participants.map((p) => p.id).sort()).toEqual([alice.id, bob.id].sort());
    expect(latest.find((e) => e.action === "room.delete" && e.roomId === gone.id)?.room).toEqual({
      id: gone.id,
      kind: null,
      name: "Soon gone",
      participants: [],
      gone: true,
    });
  });

  it("pages with before/nextBefore without gaps or repeats", async () => {
    const full = await allAudit(`roomId=${room.id}`);
    const paged: AuditJson[] = [];
    let before: number | null = null;
    do {
      const res: Reply = await asAdmin(
        "GET",
        `/api/admin/audit?roomId=${room.id}&limit=2${before ? `&before=${before}` : ""}`,
      );
      expectStatus(res, 200);
      expect(res.body.entries.length).toBeLessThanOrEqual(2);
      if (before != null) for (const e of res.body.entries) expect(e.id).toBeLessThan(before);
      paged.push(...res.body.entries);
      before = res.body.nextBefore;
      if (before != null) expect(before).toBe(res.body.entries.at(-1).id);
    } while (before != null);
    expect(paged.map((e) => e.id)).toEqual(full.map((e) => e.id));
  });
});

// ---- API tokens -------------------------------------------------------------------------------

describe("API tokens", () => {
  it("shows the secret once, never in the list, and records lastUsedAt after use", async () => {
    const res = await asAdmin("POST", "/api/admin/tokens", {
      name: " ci admin ",
      scopes: ["admin"],
    });
    expectStatus(res, 201);
    const { token, secret } = res.body;
    expect(token).toMatchObject({
      name: "ci admin",
      scopes: ["admin"],
      userId: root.id,
      lastUsedAt: null,
      revokedAt: null,
    });
    expect(token.id).toMatch(/^tok_/);
    expect(Date.parse(token.createdAt)).not.toBeNaN();
    expect(secret).toMatch(/^ct_[A-Za-z0-9_-]{43}$/);
    expect(JSON.stringify(token)).not.toContain(secret);

    const list = await asAdmin("GET", "/api/admin/tokens");
    expectStatus(list, 200);
    const text = JSON.stringify(list.body);
    expect(text).not.toContain(secret);
    expect(text).not.toMatch(/"secret"|"tokenHash"|"token_hash"/);
    expect(list.body.tokens.find((t: { id: string }) => t.id === token.id)).toMatchObject({
      name: "ci admin",
      lastUsedAt: null,
    });

    // The secret works as a Bearer token, with admin rights.
    expectStatus(await call("GET", "/api/admin/users", undefined, { token: secret }), 200);
    await vi.waitFor(
      async () => {
        const again = await asAdmin("GET", "/api/admin/tokens");
        const row = again.body.tokens.find((t: { id: string }) => t.id === token.id);
        expect(row.lastUsedAt).not.toBeNull();
        expect(Date.parse(row.lastUsedAt)).toBeGreaterThanOrEqual(Date.parse(token.createdAt));
      },
      { timeout: 5_000, interval: 50 },
    );
  });

  it("a bot token acts as the user it was made for and is no admin", async () => {
    const hank = await register();
    const res = await asAdmin("POST", "/api/admin/tokens", {
      name: "hank's bot",
      scopes: ["bot"],
      userId: hank.id,
    });
    expectStatus(res, 201);
    expect(res.body.token).toMatchObject({ userId: hank.id, scopes: ["bot"] });
    const me = await call("GET", "/api/me", undefined, { token: res.body.secret });
    expect(me.body.user).toMatchObject({ id: hank.id, handle: hank.handle });
    expectError(
      await call("GET", "/api/admin/tokens", undefined, { token: res.body.secret }),
      403,
      "forbidden",
    );

    // The scope, not the owner's role, decides: a bot token of the admin is no admin either.
    const rootBot = await asAdmin("POST", "/api/admin/tokens", {
      name: "root's bot",
      scopes: ["bot"],
    });
    const rootBotMe = await call("GET", "/api/me", undefined, { token: rootBot.body.secret });
    expect(rootBotMe.body.user).toMatchObject({ id: root.id, role: "admin" });
    expectError(
      await call("GET", "/api/admin/users", undefined, { token: rootBot.body.secret }),
      403,
      "forbidden",
    );

    const both = await asAdmin("POST", "/api/admin/tokens", {
      name: "both",
      scopes: ["bot", "admin"],
    });
    expect(both.body.token.scopes).toEqual(["admin", "bot"]);
  });

  it("DELETE revokes: the secret answers 401 afterwards; unknown or revoked ids are 404", async () => {
    const res = await asAdmin("POST", "/api/admin/tokens", {
      name: "short-lived",
      scopes: ["admin"],
    });
    const { token, secret } = res.body;
    expectStatus(await call("GET", "/api/me", undefined, { token: secret }), 200);
    expectStatus(await asAdmin("DELETE", `/api/admin/tokens/${token.id}`), 204);
    expectError(await call("GET", "/api/me", undefined, { token: secret }), 401, "unauthorized");
    expectError(
      await call("GET", "/api/admin/users", undefined, { token: secret }),
      401,
      "unauthorized",
    );
    const list = await asAdmin("GET", "/api/admin/tokens");
    expect(list.body.tokens.map((t: { id: string }) => t.id)).not.toContain(token.id);
    expectError(await asAdmin("DELETE", `/api/admin/tokens/${token.id}`), 404, "not_found");
    expectError(await asAdmin("DELETE", "/api/admin/tokens/tok_unknown"), 404, "not_found");
  });

  it("accepts a 64-character name", async () => {
    const res = await asAdmin("POST", "/api/admin/tokens", {
      name: "t".repeat(64),
      scopes: ["bot"],
    });
    expectStatus(res, 201);
    expect(res.body.token.name).toHaveLength(64);
  });
});

// ---- bad input on every admin endpoint ---------------------------------------------------------

describe("bad input", () => {
  // {room}: a private room with {member} in it; {user}: someone in no room.
  const ids: Record<string, string> = {};
  beforeAll(async () => {
    const [member, user] = [await register(), await register()];
    const room = await adminRoom({
      kind: "private",
      name: "Target",
      members: [{ userId: member.id, role: "owner" }],
    });
    Object.assign(ids, { room: room.id, member: member.id, user: user.id });
  });
  const fill = (text: string) =>
    text.replace(/\{(\w+)\}/g, (_, name: string) => ids[name] ?? `{${name}}`);
  const long = (n: number) => "x".repeat(n);

  // [what, method, path, body]: each must answer 400 `invalid` with a `details` array.
  const INVALID: Array<[string, string, string, unknown?]> = [
    // POST /api/admin/rooms
    ["room: empty body", "POST", "/api/admin/rooms", {}],
    ["room: body is an array", "POST", "/api/admin/rooms", []],
    ["room: missing kind", "POST", "/api/admin/rooms", { name: "x" }],
    ["room: missing name", "POST", "/api/admin/rooms", { kind: "channel" }],
    ["room: kind dm", "POST", "/api/admin/rooms", { kind: "dm", name: "x" }],
    ["room: kind not a string", "POST", "/api/admin/rooms", { kind: 1, name: "x" }],
    ["room: name not a string", "POST", "/api/admin/rooms", { kind: "channel", name: 42 }],
    ["room: blank name", "POST", "/api/admin/rooms", { kind: "channel", name: "   " }],
    ["room: name > 80", "POST", "/api/admin/rooms", { kind: "channel", name: long(81) }],
    [
      "room: topic > 250",
      "POST",
      "/api/admin/rooms",
      { kind: "channel", name: "x", topic: long(251) },
    ],
    [
      "room: topic not a string",
      "POST",
      "/api/admin/rooms",
      { kind: "channel", name: "x", topic: ["t"] },
    ],
    [
      "room: externalRef > 200",
      "POST",
      "/api/admin/rooms",
      { kind: "channel", name: "x", externalRef: long(201) },
    ],
    [
      "room: empty externalRef",
      "POST",
      "/api/admin/rooms",
      { kind: "channel", name: "x", externalRef: "" },
    ],
    [
      "room: externalRef not a string",
      "POST",
      "/api/admin/rooms",
      { kind: "channel", name: "x", externalRef: 42 },
    ],
    [
      "room: ephemeral not a boolean",
      "POST",
      "/api/admin/rooms",
      { kind: "channel", name: "x", ephemeral: "yes" },
    ],
    [
      "room: retention not an object",
      "POST",
      "/api/admin/rooms",
      { kind: "channel", name: "x", retention: "90 days" },
    ],
    [
      "room: retention maxAgeDays 0",
      "POST",
      "/api/admin/rooms",
      { kind: "channel", name: "x", retention: { maxAgeDays: 0 } },
    ],
    [
      "room: retention maxMessages fractional",
      "POST",
      "/api/admin/rooms",
      { kind: "channel", name: "x", retention: { maxMessages: 2.5 } },
    ],
    [
      "room: retention maxBytes negative",
      "POST",
      "/api/admin/rooms",
      { kind: "channel", name: "x", retention: { maxBytes: -1 } },
    ],
    [
      "room: members not an array",
      "POST",
      "/api/admin/rooms",
      { kind: "channel", name: "x", members: "{user}" },
    ],
    [
      "room: member without userId",
      "POST",
      "/api/admin/rooms",
      { kind: "channel", name: "x", members: [{ role: "owner" }] },
    ],
    [
      "room: member userId not a string",
      "POST",
      "/api/admin/rooms",
      { kind: "channel", name: "x", members: [{ userId: 7 }] },
    ],
    [
      "room: member with a bad role",
      "POST",
      "/api/admin/rooms",
      { kind: "channel", name: "x", members: [{ userId: "{user}", role: "admin" }] },
    ],
    // GET /api/admin/rooms
    ["rooms: limit 0", "GET", "/api/admin/rooms?limit=0"],
    ["rooms: limit 101", "GET", "/api/admin/rooms?limit=101"],
    ["rooms: limit not a number", "GET", "/api/admin/rooms?limit=ten"],
    ["rooms: limit fractional", "GET", "/api/admin/rooms?limit=1.5"],
    ["rooms: q > 64", "GET", `/api/admin/rooms?q=${long(65)}`],
    ["rooms: cursor > 200", "GET", `/api/admin/rooms?cursor=${long(201)}`],
    // GET /api/admin/rooms/by-ref/:externalRef
    ["by-ref: externalRef > 200", "GET", `/api/admin/rooms/by-ref/${long(201)}`],
    // PATCH /api/admin/rooms/:id
    ["patch room: empty body", "PATCH", "/api/admin/rooms/{room}", {}],
    ["patch room: blank name", "PATCH", "/api/admin/rooms/{room}", { name: "" }],
    ["patch room: name > 80", "PATCH", "/api/admin/rooms/{room}", { name: long(81) }],
    ["patch room: name not a string", "PATCH", "/api/admin/rooms/{room}", { name: 5 }],
    ["patch room: topic > 250", "PATCH", "/api/admin/rooms/{room}", { topic: long(251) }],
    ["patch room: archived not a boolean", "PATCH", "/api/admin/rooms/{room}", { archived: "yes" }],
    ["patch room: archived null", "PATCH", "/api/admin/rooms/{room}", { archived: null }],
    ["patch room: id > 64", "PATCH", `/api/admin/rooms/${long(65)}`, { topic: "x" }],
    // /api/admin/rooms/:id/members
    ["add member: empty body", "POST", "/api/admin/rooms/{room}/members", {}],
    ["add member: userId not a string", "POST", "/api/admin/rooms/{room}/members", { userId: 5 }],
    [
      "add member: bad role",
      "POST",
      "/api/admin/rooms/{room}/members",
      { userId: "{user}", role: "admin" },
    ],
    ["change role: empty body", "PATCH", "/api/admin/rooms/{room}/members/{member}", {}],
    [
      "change role: bad role",
      "PATCH",
      "/api/admin/rooms/{room}/members/{member}",
      { role: "boss" },
    ],
    // GET /api/admin/users
    ["users: limit 0", "GET", "/api/admin/users?limit=0"],
    ["users: limit not a number", "GET", "/api/admin/users?limit=abc"],
    ["users: q > 64", "GET", `/api/admin/users?q=${long(65)}`],
    // PATCH /api/admin/users/:id
    ["patch user: empty body", "PATCH", "/api/admin/users/{user}", {}],
    ["patch user: bad role", "PATCH", "/api/admin/users/{user}", { role: "root" }],
    ["patch user: role not a string", "PATCH", "/api/admin/users/{user}", { role: 1 }],
    ["patch user: disabled not a boolean", "PATCH", "/api/admin/users/{user}", { disabled: "no" }],
    ["patch user: id > 64", "PATCH", `/api/admin/users/${long(65)}`, { disabled: true }],
    // GET /api/admin/audit
    ["audit: before 0", "GET", "/api/admin/audit?before=0"],
    ["audit: before negative", "GET", "/api/admin/audit?before=-3"],
    ["audit: before not a number", "GET", "/api/admin/audit?before=abc"],
    ["audit: limit 101", "GET", "/api/admin/audit?limit=101"],
    ["audit: roomId > 64", "GET", `/api/admin/audit?roomId=${long(65)}`],
    ["audit: actorId > 64", "GET", `/api/admin/audit?actorId=${long(65)}`],
    // POST /api/admin/tokens
    ["token: empty body", "POST", "/api/admin/tokens", {}],
    ["token: missing name", "POST", "/api/admin/tokens", { scopes: ["bot"] }],
    ["token: missing scopes", "POST", "/api/admin/tokens", { name: "x" }],
    ["token: blank name", "POST", "/api/admin/tokens", { name: "   ", scopes: ["bot"] }],
    ["token: name > 64", "POST", "/api/admin/tokens", { name: long(65), scopes: ["bot"] }],
    ["token: name not a string", "POST", "/api/admin/tokens", { name: 9, scopes: ["bot"] }],
    ["token: no scopes", "POST", "/api/admin/tokens", { name: "x", scopes: [] }],
    ["token: unknown scope", "POST", "/api/admin/tokens", { name: "x", scopes: ["root"] }],
    ["token: scopes not an array", "POST", "/api/admin/tokens", { name: "x", scopes: "admin" }],
    [
      "token: too many scopes",
      "POST",
      "/api/admin/tokens",
      { name: "x", scopes: ["admin", "bot", "admin"] },
    ],
    [
      "token: userId not a string",
      "POST",
      "/api/admin/tokens",
      { name: "x", scopes: ["bot"], userId: 5 },
    ],
    // DELETE /api/admin/tokens/:id
    ["delete token: id > 64", "DELETE", `/api/admin/tokens/${long(65)}`],
  ];

  it.each(INVALID)("%s → 400 invalid with details", async (_what, method, path, body) => {
    const res = await asAdmin(
      method,
      fill(path),
      body === undefined ? undefined : JSON.parse(fill(JSON.stringify(body))),
    );
    expectInvalid(res);
  });

  // [what, method, path, body?, status, code]: unknown ids and conflicts.
  const REFUSED: Array<[string, string, string, unknown, number, string]> = [
    [
      "room with an unknown member",
      "POST",
      "/api/admin/rooms",
      { kind: "private", name: "x", members: [{ userId: "usr_ghost" }] },
      404,
      "not_found",
    ],
    ["by-ref unknown", "GET", "/api/admin/rooms/by-ref/no-such-ref", undefined, 404, "not_found"],
    [
      "patch unknown room",
      "PATCH",
      "/api/admin/rooms/room_ghost",
      { topic: "x" },
      404,
      "not_found",
    ],
    [
      "add member to unknown room",
      "POST",
      "/api/admin/rooms/room_ghost/members",
      { userId: "{user}" },
      404,
      "not_found",
    ],
    [
      "add unknown user",
      "POST",
      "/api/admin/rooms/{room}/members",
      { userId: "usr_ghost" },
      404,
      "not_found",
    ],
    [
      "add an existing member",
      "POST",
      "/api/admin/rooms/{room}/members",
      { userId: "{member}" },
      409,
      "conflict",
    ],
    [
      "change role of a non-member",
      "PATCH",
      "/api/admin/rooms/{room}/members/{user}",
      { role: "member" },
      404,
      "not_found",
    ],
    [
      "change role in unknown room",
      "PATCH",
      "/api/admin/rooms/room_ghost/members/{member}",
      { role: "member" },
      404,
      "not_found",
    ],
    [
      "remove a non-member",
      "DELETE",
      "/api/admin/rooms/{room}/members/{user}",
      undefined,
      404,
      "not_found",
    ],
    [
      "remove from unknown room",
      "DELETE",
      "/api/admin/rooms/room_ghost/members/{member}",
      undefined,
      404,
      "not_found",
    ],
    [
      "patch unknown user",
      "PATCH",
      "/api/admin/users/usr_ghost",
      { disabled: true },
      404,
      "not_found",
    ],
    [
      "token for unknown user",
      "POST",
      "/api/admin/tokens",
      { name: "x", scopes: ["bot"], userId: "usr_ghost" },
      404,
      "not_found",
    ],
    ["delete unknown token", "DELETE", "/api/admin/tokens/tok_ghost", undefined, 404, "not_found"],
  ];

  it.each(REFUSED)("%s → %i", async (_what, method, path, body, status, code) => {
    const res = await asAdmin(
      method,
      fill(path),
      body === undefined ? undefined : JSON.parse(fill(JSON.stringify(body))),
    );
    expectError(res, status, code);
  });

  it.each([
    ["POST", "/api/admin/rooms"],
    ["PATCH", "/api/admin/rooms/{room}"],
    ["POST", "/api/admin/rooms/{room}/members"],
    ["PATCH", "/api/admin/users/{user}"],
    ["POST", "/api/admin/tokens"],
  ])("malformed JSON to %s %s → 400 invalid", async (method, path) => {
    const res = await call(method, fill(path), undefined, { token: root.token, raw: '{"name": ' });
    expectError(res, 400, "invalid");
  });

  it("a refused create leaves nothing behind", async () => {
    const before = await asAdmin("GET", "/api/admin/rooms?limit=100");
    await asAdmin("POST", "/api/admin/rooms", { kind: "channel", name: long(81) });
    await asAdmin("POST", "/api/admin/rooms", {
      kind: "private",
      name: "x",
      members: [{ userId: "usr_ghost" }],
    });
    const after = await asAdmin("GET", "/api/admin/rooms?limit=100");
    expect(after.body.rooms.length).toBe(before.body.rooms.length);
  });
});
