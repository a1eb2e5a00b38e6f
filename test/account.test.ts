// My account: display name, password, sessions. Every rule of docs/api.md "Accounts" about them,
// seen from outside: HTTP for the answers, sockets for what a change ends.
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import {
  call,
  createRoom,
  expectError,
  register,
  sendMessage,
  type TestUser,
  uniqueHandle,
  uniqueIp,
} from "./helpers";
import { InboxClient, RoomClient } from "./room-client";

const PASSWORD = "correct horse battery";
const UA =
  "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36";

let admin: TestUser;

beforeAll(async () => {
  // The file's first account is its admin; the tests' people are plain users.
  admin = await register(uniqueHandle("admin"));
});

async function apiToken(user: TestUser): Promise<string> {
  const res = await call(
    "POST",
    "/api/admin/tokens",
    { name: "a script", scopes: ["bot"], userId: user.id },
    { token: admin.token },
  );
  if (res.status !== 201) throw new Error(`token: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.secret;
}

async function login(user: TestUser, opts: { ua?: string; password?: string } = {}) {
  const res = await call(
    "POST",
    "/api/auth/login",
    { handle: user.handle, password: opts.password ?? PASSWORD },
    { ip: uniqueIp(), headers: opts.ua ? { "user-agent": opts.ua } : {} },
  );
  return res;
}

async function session(user: TestUser, ua?: string): Promise<string> {
  const res = await login(user, ua === undefined ? {} : { ua });
  if (res.status !== 200) throw new Error(`login: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.token;
}

const sessionsOf = async (token: string) => {
  const res = await call("GET", "/api/me/sessions", undefined, { token });
  expect(res.status).toBe(200);
  return res.body.sessions as Array<{
    id: string;
    createdAt: string;
    lastSeenAt: string;
    userAgent: string | null;
    current: boolean;
  }>;
};

const auditOf = async (userId: string, action: string) => {
  const { results } = await env.DB.prepare(
    "SELECT target_id, detail_json FROM audit_log WHERE actor_id = ? AND action = ? ORDER BY id",
  )
    .bind(userId, action)
    .all<{ target_id: string | null; detail_json: string | null }>();
  return results;
};

describe("PATCH /api/me", () => {
  it("renames me: GET /api/me and my next message carry the new name", async () => {
    const me = await register(uniqueHandle("rena"), "Test Person");
    const { id: roomId } = await createRoom(me, "private", "renaming");
    const before = await RoomClient.open(roomId, me.token);
    const res = await call("PATCH", "/api/me", { displayName: "  New Name " }, { token: me.token });
    expect(res.status).toBe(200);
    expect(res.body.user).toMatchObject({ id: me.id, handle: me.handle, displayName: "New Name" });
    const again = await call("GET", "/api/me", undefined, { token: me.token });
    expect(again.body.user).toEqual(res.body.user);
    const message = (await sendMessage(me, roomId, "hello")) as unknown as {
      sender: { name: string };
    };
    expect(message.sender.name).toBe("New Name");
    // docs/api.md, Choice: a socket opened before the rename keeps its name until it reconnects.
    before.send({ type: "send", cid: "before-rename", body: "from the old socket" });
    const old = await before.next("message", (f) => f.message.body === "from the old socket");
    expect(old.message.sender.name).toBe("Test Person");
    before.close();
    // A socket opened after the rename speaks with the new name.
    const socket = await RoomClient.open(roomId, me.token);
    socket.send({ type: "send", cid: "after-rename", body: "over the socket" });
    const frame = await socket.next("message", (f) => f.message.body === "over the socket");
    expect(frame.message.sender.name).toBe("New Name");
    socket.close();
    expect(await auditOf(me.id, "user.rename")).toEqual([
      { target_id: me.id, detail_json: JSON.stringify({ from: "Test Person", to: "New Name" }) },
    ]);
  });

  it.each([
    ["blank", "   "],
    ["too long", "x".repeat(65)],
    ["a control character", "a\u0007b"],
    ["a bidi override", "admin\u202Egnp.exe"],
    ["nothing visible", "\u200B\u2800"],
    ["not a string", 42],
  ])("refuses a display name that is %s (400 invalid)", async (_why, displayName) => {
    const me = await register();
    const res = await call("PATCH", "/api/me", { displayName }, { token: me.token });
    expectError(res, 400, "invalid");
    expect(res.body.error.details[0].path).toBe("displayName");
  });
});

describe("PUT /api/me/password", () => {
  it("refuses a wrong current password with 403 and counts it as a failed sign-in", async () => {
    const me = await register();
    const res = await call(
      "PUT",
      "/api/me/password",
      { current: "not my password", password: "a brand new password" },
      { token: me.token },
    );
    expectError(res, 403, "forbidden");
    // The session is not ended by a typo, and the old password still works.
    expect((await call("GET", "/api/me", undefined, { token: me.token })).status).toBe(200);
    expect((await login(me)).status).toBe(200);
    const failures = await env.DB.prepare("SELECT count(*) AS n FROM rate_events WHERE key = ?")
      .bind(`login:handle:${me.handle}`)
      .first<{ n: number }>();
    expect(failures?.n).toBe(1);
    expect(await auditOf(me.id, "auth.login_failed")).toHaveLength(1);
  });

  it("answers 429 once the sign-in failures of my handle fill the login window", async () => {
    const me = await register();
    // LOGIN_MAX_FAILURES (10) wrong sign-ins of my handle, from anywhere.
    for (let i = 0; i < 10; i++) {
      expectError(await login(me, { password: "wrong wrong wrong" }), 401, "unauthorized");
    }
    const res = await call(
      "PUT",
      "/api/me/password",
      { current: PASSWORD, password: "a brand new password" },
      { token: me.token, ip: uniqueIp() },
    );
    expectError(res, 429, "rate_limited");
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
  });

  it.each([
    ["too short", { current: PASSWORD, password: "short" }],
    ["too long", { current: PASSWORD, password: "p".repeat(257) }],
    ["missing", { current: PASSWORD }],
    ["without current", { password: "a brand new password" }],
  ])("refuses a new password %s (400 invalid)", async (_why, body) => {
    const me = await register();
    expectError(await call("PUT", "/api/me/password", body, { token: me.token }), 400, "invalid");
  });

  it("ends my other sessions and their sockets, keeps this one; only the new password signs in", async () => {
    const me = await register();
    const { id: roomId } = await createRoom(me, "private", "devices");
    const other = await session(me);
    const otherRoom = await RoomClient.open(roomId, other);
    const otherInbox = await InboxClient.open(other);
    const mine = await RoomClient.open(roomId, me.token);

    const res = await call(
      "PUT",
      "/api/me/password",
      { current: PASSWORD, password: "a brand new password" },
      { token: me.token },
    );
    expect(res.status).toBe(204);
    expect(await otherRoom.waitClosed(2_000)).toEqual({ code: 1008, reason: "Session ended" });
    expect(await otherInbox.waitClosed(2_000)).toEqual({ code: 1008, reason: "Session ended" });
    expectError(await call("GET", "/api/me", undefined, { token: other }), 401, "unauthorized");

    expect((await call("GET", "/api/me", undefined, { token: me.token })).status).toBe(200);
    mine.send({ type: "send", cid: "still-here", body: "my socket stays" });
    expect((await mine.next("ack")).cid).toBe("still-here");
    mine.close();
    expect((await sessionsOf(me.token)).map((s) => s.current)).toEqual([true]);

    expectError(await login(me), 401, "unauthorized");
    expect((await login(me, { password: "a brand new password" })).status).toBe(200);
    expect(await auditOf(me.id, "user.password")).toHaveLength(1);
  });

  it("with an API token: every session of the user ends, the token keeps working", async () => {
    const me = await register();
    const token = await apiToken(me);
    const res = await call(
      "PUT",
      "/api/me/password",
      { current: PASSWORD, password: "a brand new password" },
      { token },
    );
    expect(res.status).toBe(204);
    expectError(await call("GET", "/api/me", undefined, { token: me.token }), 401, "unauthorized");
    expect(await sessionsOf(token)).toEqual([]);
  });
});

describe("GET /api/me/sessions", () => {
  it("lists my sessions with a public id, the user agent, times and which is this one", async () => {
    const me = await register();
    const first = await session(me, UA);
    const second = await session(me, "x".repeat(400));
    const sessions = await sessionsOf(first);
    expect(sessions).toHaveLength(3); // registration's, and two sign-ins
    for (const s of sessions) {
      expect(Object.keys(s).sort()).toEqual([
        "createdAt",
        "current",
        "id",
        "lastSeenAt",
        "userAgent",
      ]);
      expect(s.id).toMatch(/^ses_[0-9a-z]+$/);
      expect(Date.parse(s.createdAt)).toBeGreaterThan(0);
      expect(Date.parse(s.lastSeenAt)).toBeGreaterThanOrEqual(Date.parse(s.createdAt));
    }
    const current = sessions.filter((s) => s.current);
    expect(current).toHaveLength(1);
    expect(current[0]?.userAgent).toBe(UA);
    expect(sessions.some((s) => s.userAgent === "x".repeat(256))).toBe(true);
    // Never the secret nor its hash.
    const text = JSON.stringify(sessions);
    const { results } = await env.DB.prepare("SELECT token_hash FROM sessions WHERE user_id = ?")
      .bind(me.id)
      .all<{ token_hash: string }>();
    for (const row of results) expect(text).not.toContain(row.token_hash);
    expect(text).not.toContain(first);
    // Another session sees itself as current.
    const fromSecond = await sessionsOf(second);
    expect(fromSecond.find((s) => s.current)?.id).not.toBe(current[0]?.id);
  });

  it("has no current session for an API token", async () => {
    const me = await register();
    const sessions = await sessionsOf(await apiToken(me));
    expect(sessions).toHaveLength(1);
    expect(sessions[0]?.current).toBe(false);
  });

  it("moves lastSeenAt when a request uses the session, at most once per 10 minutes", async () => {
    const me = await register();
    const token = await session(me);
    const [{ id } = { id: "" }] = (await sessionsOf(token)).filter((s) => s.current);
    const setLastSeen = (at: number) =>
      env.DB.prepare("UPDATE sessions SET last_seen_at = ? WHERE id = ?").bind(at, id).run();
    const lastSeen = async () =>
      (
        await env.DB.prepare("SELECT last_seen_at AS at FROM sessions WHERE id = ?")
          .bind(id)
          .first<{ at: number }>()
      )?.at;
    const settle = async (until: (at: number | undefined) => boolean) => {
      for (let i = 0; i < 50 && !until(await lastSeen()); i++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    };

    // Seen 5 minutes ago: too recent to write again.
    const fiveMinutesAgo = Date.now() - 5 * 60_000;
    await setLastSeen(fiveMinutesAgo);
    expect((await call("GET", "/api/me", undefined, { token })).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await lastSeen()).toBe(fiveMinutesAgo);

    // Seen 11 minutes ago: the next request moves it to now (after the answer, not before).
    const before = Date.now();
    await setLastSeen(before - 11 * 60_000);
    expect((await call("GET", "/api/rooms", undefined, { token })).status).toBe(200);
    await settle((at) => (at ?? 0) >= before);
    expect(await lastSeen()).toBeGreaterThanOrEqual(before);
    const listed = (await sessionsOf(token)).find((s) => s.id === id);
    expect(Date.parse(listed?.lastSeenAt ?? "")).toBeGreaterThanOrEqual(before);
  });
});

describe("DELETE /api/me/sessions/:id", () => {
  it("ends another session of mine: its requests get 401 and its sockets close", async () => {
    const me = await register();
    const { id: roomId } = await createRoom(me, "private", "one device");
    const other = await session(me);
    const otherId = (await sessionsOf(other)).find((s) => s.current)?.id ?? "";
    const socket = await RoomClient.open(roomId, other);
    const res = await call("DELETE", `/api/me/sessions/${otherId}`, undefined, {
      token: me.token,
    });
    expect(res.status).toBe(204);
    expect(await socket.waitClosed(2_000)).toEqual({ code: 1008, reason: "Session ended" });
    expectError(await call("GET", "/api/me", undefined, { token: other }), 401, "unauthorized");
    expect((await call("GET", "/api/me", undefined, { token: me.token })).status).toBe(200);
    expect((await sessionsOf(me.token)).map((s) => s.id)).not.toContain(otherId);
    expect(await auditOf(me.id, "session.end")).toEqual([
      { target_id: otherId, detail_json: null },
    ]);
  });

  it("ends this session like logout: the cookie is cleared and the session is gone", async () => {
    const me = await register();
    const token = await session(me);
    const id = (await sessionsOf(token)).find((s) => s.current)?.id ?? "";
    const res = await call("DELETE", `/api/me/sessions/${id}`, undefined, { token });
    expect(res.status).toBe(204);
    expect(res.headers.get("set-cookie") ?? "").toMatch(/confab_session=;/);
    expectError(await call("GET", "/api/me", undefined, { token }), 401, "unauthorized");
  });

  it("answers 404 for someone else's session and for an unknown id", async () => {
    const me = await register();
    const someone = await register();
    const theirs = (await sessionsOf(someone.token))[0]?.id ?? "";
    expectError(
      await call("DELETE", `/api/me/sessions/${theirs}`, undefined, { token: me.token }),
      404,
      "not_found",
    );
    expect((await call("GET", "/api/me", undefined, { token: someone.token })).status).toBe(200);
    expectError(
      await call("DELETE", "/api/me/sessions/ses_nothing", undefined, { token: me.token }),
      404,
      "not_found",
    );
  });
});
