// The limits on work a client can make the Worker and D1 do (sign-ups, rooms, DMs, socket
// tickets), at their wrangler.toml defaults; API-token logout.
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
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
