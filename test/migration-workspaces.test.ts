// Migration 0017 (workspaces) on a database that lived before it: LEGACY_DB (a second D1, for
// tests only: vitest.config.ts) gets every migration before 0017 and data written as that schema
// had it, then 0017; then the real Worker runs against it (its default export, with DB swapped)
// and everything that worked before still does, now in the default workspace.
import {
  applyD1Migrations,
  createExecutionContext,
  env,
  waitOnExecutionContext,
} from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import worker from "../src/index";
import { hashPassword } from "../src/worker/auth/password";
import { uniqueIp } from "./helpers";

const WORKSPACES_MIGRATION = "0017_workspaces.sql";
const PASSWORD = "correct horse battery";
const T0 = Date.UTC(2026, 0, 1);

const legacyEnv = { ...env, DB: env.LEGACY_DB };

/** One request into the real Worker, against the migrated database. */
async function fetchLegacy(method: string, path: string, body?: unknown, token?: string) {
  const headers = new Headers({ "cf-connecting-ip": uniqueIp() });
  if (token) headers.set("authorization", `Bearer ${token}`);
  if (body !== undefined) headers.set("content-type", "application/json");
  const ctx = createExecutionContext();
  const res = await worker.fetch(
    new Request(`http://confab.test${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    }),
    legacyEnv,
    ctx,
  );
  await waitOnExecutionContext(ctx);
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

async function signIn(handle: string): Promise<string> {
  const res = await fetchLegacy("POST", "/api/auth/login", { handle, password: PASSWORD });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.token;
}

// The people and rooms of the old instance, as the old schema stored them.
const people = {
  ada: { id: "usr_ada", handle: "ada", role: "admin" },
  bob: { id: "usr_bob", handle: "bob", role: "user" },
  cy: { id: "usr_cy", handle: "cy", role: "user" },
} as const;
const CHANNEL = "room_oldchannel";
const PRIVATE = "room_oldprivate";
const DM = "room_olddm";
const DM_KEY = [people.ada.id, people.bob.id].sort().join(",");

beforeAll(async () => {
  // The database as it was before 0017; then 0017 and whatever came after it, as a deploy runs them.
  const before = env.TEST_MIGRATIONS.filter((m) => m.name < WORKSPACES_MIGRATION);
  const after = env.TEST_MIGRATIONS.filter((m) => m.name >= WORKSPACES_MIGRATION);
  expect(after).toHaveLength(1);
  await applyD1Migrations(env.LEGACY_DB, before);
  // The old schema has no workspaces at all: the data below could not mention one.
  const tables = await env.LEGACY_DB.prepare(
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'workspace%'",
  ).all();
  expect(tables.results).toEqual([]);

  const hash = await hashPassword(PASSWORD);
  const db = env.LEGACY_DB;
  await db.batch([
    ...Object.values(people).map((p, i) =>
      db
        .prepare(
          "INSERT INTO users (id, handle, display_name, password_hash, role, created_at) VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(p.id, p.handle, p.handle.toUpperCase(), hash, p.role, T0 + i),
    ),
    db
      .prepare(
        "INSERT INTO rooms (id, kind, name, topic, created_by, created_at) VALUES (?, 'channel', 'general', 'old talk', ?, ?)",
      )
      .bind(CHANNEL, people.bob.id, T0 + 10),
    db
      .prepare(
        "INSERT INTO rooms (id, kind, name, created_by, created_at) VALUES (?, 'private', 'secret', ?, ?)",
      )
      .bind(PRIVATE, people.cy.id, T0 + 11),
    db
      .prepare(
        "INSERT INTO rooms (id, kind, dm_key, created_by, created_at) VALUES (?, 'dm', ?, ?, ?)",
      )
      .bind(DM, DM_KEY, people.ada.id, T0 + 12),
    ...[
      [CHANNEL, people.bob.id, "owner"],
      [CHANNEL, people.cy.id, "moderator"],
      [CHANNEL, people.ada.id, "member"],
      [PRIVATE, people.cy.id, "owner"],
      [PRIVATE, people.bob.id, "member"],
      [DM, people.ada.id, "member"],
      [DM, people.bob.id, "member"],
    ].map(([room, user, role]) =>
      db
        .prepare("INSERT INTO memberships (room_id, user_id, role, joined_at) VALUES (?, ?, ?, ?)")
        .bind(room, user, role, T0 + 20),
    ),
    db
      .prepare(
        "INSERT INTO audit_log (at, actor_id, action, room_id, target_id) VALUES (?, ?, 'room.create', ?, ?)",
      )
      .bind(T0 + 10, people.bob.id, CHANNEL, CHANNEL),
    db
      .prepare(
        "INSERT INTO audit_log (at, actor_id, action, target_id) VALUES (?, ?, 'auth.register', ?)",
      )
      .bind(T0, people.ada.id, people.ada.id),
  ]);

  await applyD1Migrations(env.LEGACY_DB, after);
});

describe("migration 0017 on a lived-in database", () => {
  it("puts every room and person in the default workspace, and room audit entries too", async () => {
    const rooms = await env.LEGACY_DB.prepare(
      "SELECT id, workspace_id FROM rooms ORDER BY id",
    ).all();
    expect(rooms.results.every((r) => r.workspace_id === "ws_default")).toBe(true);
    expect(rooms.results).toHaveLength(3);
    const members = await env.LEGACY_DB.prepare(
      "SELECT user_id, role FROM workspace_members WHERE workspace_id = 'ws_default' ORDER BY user_id",
    ).all();
    expect(members.results).toEqual([
      { user_id: people.ada.id, role: "admin" },
      { user_id: people.bob.id, role: "member" },
      { user_id: people.cy.id, role: "member" },
    ]);
    const audit = await env.LEGACY_DB.prepare(
      "SELECT action, workspace_id FROM audit_log ORDER BY id",
    ).all();
    expect(audit.results).toEqual([
      { action: "room.create", workspace_id: "ws_default" },
      { action: "auth.register", workspace_id: null },
    ]);
  });

  it("signs in with the old password, and lists the same rooms in the default workspace", async () => {
    const bob = await signIn(people.bob.handle);
    const rooms = await fetchLegacy("GET", "/api/rooms", undefined, bob);
    expect(rooms.status).toBe(200);
    const mine = rooms.body.rooms
      .map((r: any) => ({ id: r.room.id, workspaceId: r.room.workspaceId, role: r.role }))
      .sort((a: any, b: any) => (a.id < b.id ? -1 : 1));
    expect(mine).toEqual([
      { id: CHANNEL, workspaceId: "ws_default", role: "owner" },
      { id: DM, workspaceId: "ws_default", role: "member" },
      { id: PRIVATE, workspaceId: "ws_default", role: "member" },
    ]);
    const filtered = await fetchLegacy("GET", "/api/rooms?workspaceId=ws_default", undefined, bob);
    expect(filtered.body.rooms).toHaveLength(3);
  });

  it("keeps members' roles, and the private room private", async () => {
    const cy = await signIn(people.cy.handle);
    const channel = await fetchLegacy("GET", `/api/rooms/${CHANNEL}`, undefined, cy);
    expect(channel.status).toBe(200);
    const roles = Object.fromEntries(channel.body.members.map((m: any) => [m.user.id, m.role]));
    expect(roles).toEqual({
      [people.bob.id]: "owner",
      [people.cy.id]: "moderator",
      [people.ada.id]: "member",
    });
    const ada = await signIn(people.ada.handle);
    // The instance admin sees the private room without being in it, as before.
    const secret = await fetchLegacy("GET", `/api/rooms/${PRIVATE}`, undefined, ada);
    expect(secret.status).toBe(200);
    expect(secret.body.me).toBeNull();
  });

  it("sends a message in an old room", async () => {
    const bob = await signIn(people.bob.handle);
    const sent = await fetchLegacy(
      "POST",
      `/api/rooms/${CHANNEL}/messages`,
      { cid: crypto.randomUUID(), body: "still here after the migration" },
      bob,
    );
    expect(sent.status, JSON.stringify(sent.body)).toBe(201);
    expect(sent.body.message.body).toBe("still here after the migration");
  });

  it("finds the same DM again (200), by its old key", async () => {
    const ada = await signIn(people.ada.handle);
    const dm = await fetchLegacy("POST", "/api/dms", { userId: people.bob.id }, ada);
    expect(dm.status, JSON.stringify(dm.body)).toBe(200);
    expect(dm.body.room.id).toBe(DM);
    const inDefault = await fetchLegacy(
      "POST",
      "/api/dms",
      { userId: people.bob.id, workspaceId: "ws_default" },
      ada,
    );
    expect(inDefault.status).toBe(200);
    expect(inDefault.body.room.id).toBe(DM);
  });

  it("keeps the admin an admin, of the instance and of the default workspace", async () => {
    const ada = await signIn(people.ada.handle);
    const me = await fetchLegacy("GET", "/api/me", undefined, ada);
    expect(me.body.user.role).toBe("admin");
    const users = await fetchLegacy("GET", "/api/admin/users", undefined, ada);
    expect(users.status).toBe(200);
    const workspaces = await fetchLegacy("GET", "/api/workspaces", undefined, ada);
    expect(workspaces.status).toBe(200);
    expect(workspaces.body.workspaces).toHaveLength(1);
    expect(workspaces.body.workspaces[0]).toMatchObject({
      id: "ws_default",
      isDefault: true,
      role: "admin",
      memberCount: 3,
    });
  });

  it("lets a new sign-up join the default workspace, and find the old people and channels", async () => {
    const res = await fetchLegacy("POST", "/api/auth/register", {
      handle: "newcomer",
      displayName: "New Comer",
      password: PASSWORD,
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.user.role).toBe("user");
    const token = res.body.token;
    const workspaces = await fetchLegacy("GET", "/api/workspaces", undefined, token);
    expect(workspaces.body.workspaces.map((w: any) => [w.id, w.role, w.memberCount])).toEqual([
      ["ws_default", "member", 4],
    ]);
    const discover = await fetchLegacy("GET", "/api/rooms/discover", undefined, token);
    expect(discover.body.rooms.map((r: any) => r.id)).toEqual([CHANNEL]);
    const found = await fetchLegacy("GET", "/api/users?q=bo", undefined, token);
    expect(found.body.users.map((u: any) => u.id)).toEqual([people.bob.id]);
    const joined = await fetchLegacy("POST", `/api/rooms/${CHANNEL}/join`, undefined, token);
    expect(joined.status).toBe(200);
  });
});
