// The limits on work a client can make the Worker and D1 do (sign-ups, rooms, DMs, socket
// tickets), at their wrangler.toml defaults; API-token logout; the cron purge of what expired.
import { createScheduledController, env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import worker from "../src/index";
import { PURGE_BATCH_ROWS, PURGE_MAX_BATCHES } from "../src/worker/maintenance/purge";
import {
  call,
  expectError,
  type Reply,
  register,
  type TestUser,
  uniqueHandle,
  uniqueIp,
} from "./helpers";

const PASSWORD = "correct horse battery";
const HOUR_S = 3600;

let admin: TestUser;

beforeAll(async () => {
  // The first account of the file's fresh instance is its admin.
  admin = await register(uniqueHandle("admin"));
  if (admin.role !== "admin") throw new Error("the first account should be the admin");
});

/** 429 `rate_limited` with a Retry-After of at least a second and at most the window. */
function expectLimited(res: Reply, windowSeconds: number) {
  expectError(res, 429, "rate_limited");
  const retryAfter = Number(res.headers.get("retry-after"));
  expect(retryAfter).toBeGreaterThan(0);
  expect(retryAfter).toBeLessThanOrEqual(windowSeconds);
}

const signUp = (ip: string, handle = uniqueHandle()) =>
  call(
    "POST",
    "/api/auth/register",
    { handle, displayName: "Someone", password: PASSWORD },
    { ip },
  );

describe("sign-ups: 20 an hour per client IP", () => {
  it("refuses the 21st from one address; other addresses go on", async () => {
    const ip = uniqueIp();
    for (let i = 0; i < 20; i++) expect((await signUp(ip)).status).toBe(201);
    expectLimited(await signUp(ip), HOUR_S);
    expect((await signUp(uniqueIp())).status).toBe(201);
  });

  it("counts attempts at taken handles (409) too, but not requests that fail validation", async () => {
    const ip = uniqueIp();
    for (let i = 0; i < 25; i++) {
      const short = await call(
        "POST",
        "/api/auth/register",
        { handle: uniqueHandle(), displayName: "A", password: "short" },
        { ip },
      );
      expectError(short, 400, "invalid");
    }
    const handle = uniqueHandle("taken");
    expect((await signUp(ip, handle)).status).toBe(201);
    for (let i = 0; i < 19; i++) expectError(await signUp(ip, handle), 409, "conflict");
    expectLimited(await signUp(ip), HOUR_S);
  });
});

describe("rooms: 30 created an hour per user", () => {
  const newRoom = (who: TestUser, i: number) =>
    call("POST", "/api/rooms", { kind: "private", name: `room ${i}` }, { token: who.token });

  it("refuses the 31st room of one user; other users go on", async () => {
    const ana = await register();
    for (let i = 0; i < 30; i++) expect((await newRoom(ana, i)).status).toBe(201);
    expectLimited(await newRoom(ana, 30), HOUR_S);
    expect((await newRoom(await register(), 0)).status).toBe(201);
  });

  it("says when a slot frees: the 30th newest room leaving the window, even past the cap", async () => {
    const bo = await register();
    const now = Date.now();
    // 32 rooms within the hour (a race, or a limit lowered since), one a minute from 55 min ago.
    const rows = Array.from({ length: 32 }, (_, i) => now - (55 - i) * 60_000);
    await env.DB.prepare("INSERT INTO rate_events (key, at) SELECT ?1, value FROM json_each(?2)")
      .bind(`rooms:user:${bo.id}`, JSON.stringify(rows))
      .run();
    const refused = await newRoom(bo, 0);
    expectLimited(refused, HOUR_S);
    // Three must age out before one fits: the third oldest (53 min ago) leaves in 7 minutes.
    expect(Math.abs(Number(refused.headers.get("retry-after")) - 7 * 60)).toBeLessThanOrEqual(1);
  });

  it("does not cap instance admins, on either API", async () => {
    for (let i = 0; i < 31; i++) expect((await newRoom(admin, i)).status).toBe(201);
    const viaAdminApi = await call(
      "POST",
      "/api/admin/rooms",
      { kind: "channel", name: "for another system" },
      { token: admin.token },
    );
    expect(viaAdminApi.status).toBe(201);
  });
});

describe("DMs: 30 new ones an hour per user", () => {
  it("counts only DMs it creates: re-opening one is free, even at the cap", async () => {
    const me = await register();
    const pool: TestUser[] = [];
    for (let i = 0; i < 6; i++) pool.push(await register());
    // 63 different groups of 1–6 people out of the pool; a group DM is one room per set.
    const groups = Array.from({ length: 63 }, (_, n) =>
      pool.filter((_, bit) => ((n + 1) >> bit) & 1).map((u) => u.id),
    );
    const open = (who: TestUser, userIds: string[]) =>
      call("POST", "/api/dms", { userIds }, { token: who.token });

    for (let i = 0; i < 29; i++) expect((await open(me, groups[i] ?? [])).status).toBe(201);
    for (let i = 0; i < 5; i++) expect((await open(me, groups[0] ?? [])).status).toBe(200);
    expect((await open(me, groups[29] ?? [])).status).toBe(201);
    expectLimited(await open(me, groups[30] ?? []), HOUR_S);
    // At the cap, an existing DM still opens.
    expect((await open(me, groups[3] ?? [])).status).toBe(200);
    // Someone else's new DM with me counts for them, not me.
    const other = await register();
    expect((await open(other, [me.id])).status).toBe(201);
  });
});

describe("room WebSocket tickets: 30 a minute per user", () => {
  it("refuses the 31st ticket of one user; other users go on", async () => {
    const owner = await register();
    const guest = await register();
    const room = await call(
      "POST",
      "/api/rooms",
      { kind: "channel", name: "tickets" },
      { token: owner.token },
    );
    const roomId = room.body.room.id as string;
    expect(
      (await call("POST", `/api/rooms/${roomId}/join`, undefined, { token: guest.token })).status,
    ).toBe(200);
    const ticket = (who: TestUser) =>
      call("POST", `/api/rooms/${roomId}/ws-ticket`, undefined, { token: who.token });

    for (let i = 0; i < 30; i++) expect((await ticket(owner)).status).toBe(201);
    expectLimited(await ticket(owner), 60);
    expect((await ticket(guest)).status).toBe(201);
  });
});

describe("logout with an API token", () => {
  it("is refused with 400, pointing at token revocation, and the token keeps working", async () => {
    const bot = await register();
    for (const [userId, scopes] of [
      [bot.id, ["bot"]],
      [admin.id, ["admin"]],
    ] as const) {
      const created = await call(
        "POST",
        "/api/admin/tokens",
        { name: "script", scopes, userId },
        { token: admin.token },
      );
      expect(created.status).toBe(201);
      const token = created.body.secret as string;
      const out = await call("POST", "/api/auth/logout", undefined, { token });
      expectError(out, 400, "invalid");
      expect(out.body.error.message).toContain("DELETE /api/admin/tokens/:id");
      expect((await call("GET", "/api/me", undefined, { token })).status).toBe(200);
    }
  });
});

describe("the cron purge", () => {
  const db = () => env.DB;
  const count = async (sql: string, ...params: unknown[]) =>
    (await db()
      .prepare(sql)
      .bind(...params)
      .first<number>("n")) ?? -1;

  /** What the Cron Trigger does: the Worker's own `scheduled` export, awaited. */
  const runCron = (now = Date.now()) =>
    worker.scheduled(createScheduledController({ scheduledTime: now, cron: "*/15 * * * *" }), env);

  it("deletes expired sessions and tickets, dead admin_sockets and old rate events only", async () => {
    const now = Date.now();
    const owner = await register();
    const room = await call(
      "POST",
      "/api/rooms",
      { kind: "private", name: "purged" },
      { token: owner.token },
    );
    const roomId = room.body.room.id as string;
    const token = await call(
      "POST",
      "/api/admin/tokens",
      { name: "live", scopes: ["admin"] },
      { token: admin.token },
    );
    const revoked = await call(
      "POST",
      "/api/admin/tokens",
      { name: "revoked", scopes: ["admin"] },
      { token: admin.token },
    );
    await call("DELETE", `/api/admin/tokens/${revoked.body.token.id}`, undefined, {
      token: admin.token,
    });
    const hashOf = async (id: string) =>
      (await db()
        .prepare("SELECT token_hash AS h FROM api_tokens WHERE id = ?")
        .bind(id)
        .first<string>("h")) ?? "";
    const liveTokenHash = await hashOf(token.body.token.id);
    const revokedTokenHash = await hashOf(revoked.body.token.id);

    await db().batch([
      db()
        .prepare(
          "INSERT INTO sessions (token_hash, id, user_id, created_at, expires_at, last_seen_at) VALUES (?1, 'ses_expired', ?3, 0, ?4, 0), (?2, 'ses_live', ?3, 0, ?5, 0)",
        )
        .bind("sess-expired", "sess-live", owner.id, now - 1, now + HOUR_S * 1000),
      db()
        .prepare(
          `INSERT INTO ws_tickets (token_hash, user_id, room_id, session_hash, expires_at)
           VALUES ('wt-expired', ?1, ?2, 'sess-live', ?3), ('wt-live', ?1, ?2, 'sess-live', ?4)`,
        )
        .bind(owner.id, roomId, now - 1, now + 30_000),
      db()
        .prepare(
          `INSERT INTO admin_sockets (session_hash, user_id, room_id) VALUES
             ('sess-live', ?1, ?2), (?3, ?1, ?2),
             ('sess-expired', ?1, ?2), ('sess-never', ?1, ?2), (?4, ?1, ?2)`,
        )
        .bind(admin.id, roomId, liveTokenHash, revokedTokenHash),
      db()
        .prepare(
          `INSERT INTO rate_events (key, at) VALUES
             ('rooms:user:old', ?1), ('login:ip:old', ?1), ('rooms:user:recent', ?2),
             ('ws-ticket:user:recent', ?3)`,
        )
        .bind(now - 2 * HOUR_S * 1000, now - HOUR_S * 1000 + 60_000, now - 1_000),
    ]);

    await runCron(now);

    const sessions = await db()
      .prepare("SELECT token_hash FROM sessions WHERE token_hash LIKE 'sess-%'")
      .all<{ token_hash: string }>();
    expect(sessions.results.map((r) => r.token_hash)).toEqual(["sess-live"]);
    const tickets = await db()
      .prepare("SELECT token_hash FROM ws_tickets WHERE token_hash LIKE 'wt-%'")
      .all();
    expect(tickets.results.map((r) => r.token_hash)).toEqual(["wt-live"]);
    const sockets = await db()
      .prepare("SELECT session_hash FROM admin_sockets ORDER BY session_hash")
      .all<{ session_hash: string }>();
    expect(sockets.results.map((r) => r.session_hash)).toEqual([liveTokenHash, "sess-live"].sort());
    const events = await db()
      .prepare("SELECT key FROM rate_events WHERE key LIKE '%:old' OR key LIKE '%:recent'")
      .all<{ key: string }>();
    expect(events.results.map((r) => r.key).sort()).toEqual([
      "rooms:user:recent",
      "ws-ticket:user:recent",
    ]);
    // The live credentials still work; the limits still count what is inside their windows.
    expect((await call("GET", "/api/me", undefined, { token: owner.token })).status).toBe(200);
  });

  it("deletes a bounded number of rows per run; the next run goes on with the rest", async () => {
    const perRun = PURGE_BATCH_ROWS * PURGE_MAX_BATCHES;
    const old = Date.now() - 2 * HOUR_S * 1000;
    await db()
      .prepare(
        `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1)
         INSERT INTO rate_events (key, at) SELECT 'backlog:' || i, ?2 FROM n`,
      )
      .bind(perRun + 100, old)
      .run();
    const backlog = "SELECT count(*) AS n FROM rate_events WHERE key LIKE 'backlog:%'";
    await runCron();
    expect(await count(backlog)).toBe(100);
    await runCron();
    expect(await count(backlog)).toBe(0);
  });
});
