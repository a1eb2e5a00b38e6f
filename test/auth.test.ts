// Accounts and sessions as clients see them: register, login, logout, me, CSRF, login limits.
import { createExecutionContext, env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { app } from "../src/worker/app";
import {
  hashPassword,
  PBKDF2_ITERATIONS,
  PBKDF2_MAX_ITERATIONS,
  verifyPassword,
} from "../src/worker/auth/password";
import { BASE, call, expectError, register, uniqueHandle } from "./helpers";

const PASSWORD = "correct horse battery";

function sessionCookie(res: { headers: Headers }): string {
  const header = res.headers.get("set-cookie") ?? "";
  const match = /confab_session=([^;]+)/.exec(header);
  if (!match) throw new Error(`no session cookie in ${header}`);
  return `confab_session=${match[1]}`;
}

describe("register", () => {
  it("makes the first account admin, later ones users, and signs each in", async () => {
    const first = await call("POST", "/api/auth/register", {
      handle: "First_One",
      displayName: " Ana ",
      password: PASSWORD,
    });
    expect(first.status).toBe(201);
    expect(first.body.user).toMatchObject({
      handle: "first_one",
      displayName: "Ana",
      role: "admin",
    });
    expect(first.body.token).toMatch(/^cs_[A-Za-z0-9_-]{43}$/);
    const cookie = first.headers.get("set-cookie") ?? "";
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    // Plain http to a non-loopback host is not development: the cookie stays Secure.
    expect(cookie).toMatch(/Secure/i);

    const second = await register();
    expect(second.role).toBe("user");
    const me = await call("GET", "/api/me", undefined, { token: second.token });
    expect(me.status).toBe(200);
    expect(me.body.user).toMatchObject({ id: second.id, handle: second.handle, role: "user" });
    expect(me.body.user.passwordHash).toBeUndefined();
  });

  it("folds handle case, so a taken handle is taken in any case", async () => {
    await register("casey_jones");
    const again = await call("POST", "/api/auth/register", {
      handle: "CASEY_JONES",
      displayName: "C",
      password: PASSWORD,
    });
    expectError(again, 409, "conflict");
    // The field is named, so a form can show the problem where it is.
    expect(again.body.error.details).toEqual([
      { in: "json", path: "handle", message: "That handle is taken" },
    ]);
  });

  it.each([
    ["missing handle", { displayName: "A", password: PASSWORD }],
    ["short handle", { handle: "ab", displayName: "A", password: PASSWORD }],
    ["long handle", { handle: "a".repeat(33), displayName: "A", password: PASSWORD }],
    ["handle with spaces", { handle: "a b c", displayName: "A", password: PASSWORD }],
    ["handle with a dash", { handle: "a-b-c", displayName: "A", password: PASSWORD }],
    ["numeric handle type", { handle: 12345, displayName: "A", password: PASSWORD }],
    ["missing display name", { handle: "valid_one", password: PASSWORD }],
    ["blank display name", { handle: "valid_one", displayName: "   ", password: PASSWORD }],
    ["long display name", { handle: "valid_one", displayName: "x".repeat(65), password: PASSWORD }],
    ["short password", { handle: "valid_one", displayName: "A", password: "1234567" }],
    ["long password", { handle: "valid_one", displayName: "A", password: "p".repeat(257) }],
    ["password not a string", { handle: "valid_one", displayName: "A", password: 12345678 }],
  ])("rejects %s with 400 invalid and details", async (_name, body) => {
    const res = await call("POST", "/api/auth/register", body);
    expectError(res, 400, "invalid");
    expect(Array.isArray(res.body.error.details)).toBe(true);
    expect(res.body.error.details[0]).toHaveProperty("path");
    // Messages are for people, not zod internals.
    expect(res.body.error.details[0].message).not.toMatch(/expected|received|>=|<=/i);
  });

  it("rejects malformed JSON and oversize bodies", async () => {
    expectError(
      await call("POST", "/api/auth/register", undefined, { raw: "{not json" }),
      400,
      "invalid",
    );
    const huge = {
      handle: "big_body",
      displayName: "A",
      password: PASSWORD,
      pad: "x".repeat(70_000),
    };
    expectError(await call("POST", "/api/auth/register", huge), 413, "too_large");
  });

  it("can be closed by REGISTRATION=closed once the instance has its admin", async () => {
    const closed = { ...env, REGISTRATION: "closed" };
    const res = await app.request(
      "/api/auth/register",
      {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ handle: uniqueHandle(), displayName: "Late", password: PASSWORD }),
      },
      closed,
      createExecutionContext(),
    );
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe(
      "registration_closed",
    );
  });
});

describe("passwords", () => {
  it("use PBKDF2-SHA256 within the production ceiling, parameters stored with the hash", async () => {
    expect(PBKDF2_ITERATIONS).toBeLessThanOrEqual(PBKDF2_MAX_ITERATIONS);
    expect(PBKDF2_MAX_ITERATIONS).toBe(100_000);
    const hash = await hashPassword("hunter2hunter2");
    expect(hash).toMatch(
      new RegExp(`^pbkdf2-sha256\\$${PBKDF2_ITERATIONS}\\$[\\w-]{22}\\$[\\w-]{43}$`),
    );
    expect(await verifyPassword("hunter2hunter2", hash)).toBe(true);
    expect(await verifyPassword("hunter2hunter3", hash)).toBe(false);
    // Two hashes of one password differ (random salt).
    expect(await hashPassword("hunter2hunter2")).not.toBe(hash);
  });

  it("refuses stored hashes whose iterations production would reject", async () => {
    const hash = await hashPassword("pw-pw-pw-pw");
    const tooMany = hash.replace(`$${PBKDF2_ITERATIONS}$`, "$200000$");
    expect(await verifyPassword("pw-pw-pw-pw", tooMany)).toBe(false);
  });
});

describe("login and logout", () => {
  it("issues a new token per login; bearer and cookie both authenticate", async () => {
    const u = await register();
    const a = await call("POST", "/api/auth/login", {
      handle: u.handle.toUpperCase(),
      password: PASSWORD,
    });
    const b = await call("POST", "/api/auth/login", { handle: u.handle, password: PASSWORD });
    expect(a.status).toBe(200);
    expect(a.body.user.id).toBe(u.id);
    expect(a.body.token).not.toBe(b.body.token);
    expect((await call("GET", "/api/me", undefined, { token: a.body.token })).status).toBe(200);
    expect((await call("GET", "/api/me", undefined, { cookie: sessionCookie(a) })).status).toBe(
      200,
    );
  });

  it("answers 401 for a wrong password or unknown handle, the same way", async () => {
    const u = await register();
    const wrong = await call(
      "POST",
      "/api/auth/login",
      { handle: u.handle, password: "nope-nope-nope" },
      { ip: "10.9.0.1" },
    );
    const unknown = await call(
      "POST",
      "/api/auth/login",
      { handle: "nobody_here", password: PASSWORD },
      { ip: "10.9.0.2" },
    );
    expectError(wrong, 401, "unauthorized");
    expectError(unknown, 401, "unauthorized");
    expect(wrong.body.error.message).toBe(unknown.body.error.message);
  });

  it("rejects bad login bodies", async () => {
    expectError(await call("POST", "/api/auth/login", { handle: "x" }), 400, "invalid");
    expectError(await call("POST", "/api/auth/login", { handle: 1, password: 2 }), 400, "invalid");
    expectError(await call("POST", "/api/auth/login", {}), 400, "invalid");
  });

  it("logout revokes that session only and clears the cookie", async () => {
    const u = await register();
    const other = await call("POST", "/api/auth/login", { handle: u.handle, password: PASSWORD });
    const out = await call("POST", "/api/auth/logout", undefined, { token: u.token });
    expect(out.status).toBe(204);
    expect(out.headers.get("set-cookie")).toMatch(/confab_session=;/);
    expectError(await call("GET", "/api/me", undefined, { token: u.token }), 401, "unauthorized");
    expect((await call("GET", "/api/me", undefined, { token: other.body.token })).status).toBe(200);
    expectError(await call("POST", "/api/auth/logout"), 401, "unauthorized");
  });

  it("answers 401 for missing, malformed and made-up credentials", async () => {
    expectError(await call("GET", "/api/me"), 401, "unauthorized");
    expectError(
      await call("GET", "/api/me", undefined, { headers: { authorization: "Bearer" } }),
      401,
      "unauthorized",
    );
    expectError(
      await call("GET", "/api/me", undefined, { token: "cs_made_up" }),
      401,
      "unauthorized",
    );
    expectError(
      await call("GET", "/api/me", undefined, { token: "ct_made_up" }),
      401,
      "unauthorized",
    );
    expectError(
      await call("GET", "/api/me", undefined, { cookie: "confab_session=cs_nope" }),
      401,
      "unauthorized",
    );
  });
});

describe("login rate limit", () => {
  it("blocks a handle after 10 failures a minute, from any IP, with Retry-After", async () => {
    const u = await register();
    for (let i = 0; i < 10; i++) {
      const res = await call(
        "POST",
        "/api/auth/login",
        { handle: u.handle, password: `wrong-${i}-xxxx` },
        { ip: `10.1.0.${i}` },
      );
      expectError(res, 401, "unauthorized");
    }
    const blocked = await call(
      "POST",
      "/api/auth/login",
      { handle: u.handle, password: PASSWORD },
      { ip: "10.1.1.1" },
    );
    expectError(blocked, 429, "rate_limited");
    const retryAfter = Number(blocked.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
  });

  it("blocks an IP after 10 failures a minute across handles, and counts failures only", async () => {
    const u = await register();
    const ip = "10.2.0.1";
    // Successful sign-ins do not count.
    for (let i = 0; i < 12; i++) {
      expect(
        (await call("POST", "/api/auth/login", { handle: u.handle, password: PASSWORD }, { ip }))
          .status,
      ).toBe(200);
    }
    for (let i = 0; i < 10; i++) {
      await call("POST", "/api/auth/login", { handle: `ghost_${i}`, password: PASSWORD }, { ip });
    }
    expectError(
      await call("POST", "/api/auth/login", { handle: u.handle, password: PASSWORD }, { ip }),
      429,
      "rate_limited",
    );
    // Another IP is unaffected.
    expect(
      (
        await call(
          "POST",
          "/api/auth/login",
          { handle: u.handle, password: PASSWORD },
          { ip: "10.2.0.2" },
        )
      ).status,
    ).toBe(200);
  });
});

describe("CSRF on cookie-authenticated mutations", () => {
  async function cookieUser() {
    const u = await register();
    const login = await call("POST", "/api/auth/login", { handle: u.handle, password: PASSWORD });
    return sessionCookie(login);
  }
  const body = { kind: "channel", name: "csrf-check" };

  it("refuses a cookie mutation without Origin, whatever the content type", async () => {
    const cookie = await cookieUser();
    expectError(await call("POST", "/api/rooms", body, { cookie }), 403, "forbidden");
    const textPlain = await call("POST", "/api/rooms", undefined, {
      cookie,
      raw: JSON.stringify(body),
      headers: { "content-type": "text/plain" },
    });
    expectError(textPlain, 403, "forbidden");
  });

  it("refuses a foreign Origin, even without a cookie", async () => {
    const cookie = await cookieUser();
    expectError(
      await call("POST", "/api/rooms", body, { cookie, origin: "https://evil.example" }),
      403,
      "forbidden",
    );
    const loginCsrf = await call(
      "POST",
      "/api/auth/login",
      { handle: "whoever", password: PASSWORD },
      { origin: "https://evil.example" },
    );
    expectError(loginCsrf, 403, "forbidden");
  });

  it("accepts the instance's own Origin or Sec-Fetch-Site: same-origin", async () => {
    const cookie = await cookieUser();
    expect((await call("POST", "/api/rooms", body, { cookie, origin: BASE })).status).toBe(201);
    const fetchSite = await call("POST", "/api/rooms", body, {
      cookie,
      headers: { "sec-fetch-site": "same-origin" },
    });
    expect(fetchSite.status).toBe(201);
  });

  it("needs no Origin for bearer tokens, and none for safe methods", async () => {
    const u = await register();
    expect((await call("POST", "/api/rooms", body, { token: u.token })).status).toBe(201);
    const cookie = await cookieUser();
    expect((await call("GET", "/api/rooms", undefined, { cookie })).status).toBe(200);
  });
});

describe("people search", () => {
  it("finds people by handle or display name prefix, never disabled ones, paged", async () => {
    const login = await call("POST", "/api/auth/login", {
      handle: "first_one",
      password: PASSWORD,
    });
    const admin = { token: login.body.token as string };
    const zed = await register("zed_alpha", "Zed Alpha");
    await register("zed_beta", "Beta Zed");
    const res = await call("GET", "/api/users?q=zed", undefined, { token: admin.token });
    expect(res.status).toBe(200);
    expect(res.body.users.map((u: { handle: string }) => u.handle).sort()).toEqual([
      "zed_alpha",
      "zed_beta",
    ]);
    expect(Object.keys(res.body.users[0]).sort()).toEqual([
      "avatarUrl",
      "bot",
      "displayName",
      "handle",
      "id",
    ]);

    const page = await call("GET", "/api/users?q=zed&limit=1", undefined, { token: admin.token });
    expect(page.body.users).toHaveLength(1);
    const next = await call(
      "GET",
      `/api/users?q=zed&limit=1&cursor=${page.body.nextCursor}`,
      undefined,
      { token: admin.token },
    );
    expect(next.body.users).toHaveLength(1);
    expect(next.body.nextCursor).toBeNull();

    const wildcard = await call("GET", "/api/users?q=%25", undefined, { token: admin.token });
    expect(wildcard.body.users).toEqual([]);

    await call("PATCH", `/api/admin/users/${zed.id}`, { disabled: true }, { token: admin.token });
    const after = await call("GET", "/api/users?q=zed_", undefined, { token: admin.token });
    expect(after.body.users.map((u: { handle: string }) => u.handle)).toEqual(["zed_beta"]);

    expectError(
      await call("GET", "/api/users?limit=0", undefined, { token: admin.token }),
      400,
      "invalid",
    );
    expectError(
      await call("GET", "/api/users?limit=abc", undefined, { token: admin.token }),
      400,
      "invalid",
    );
    expectError(await call("GET", "/api/users"), 401, "unauthorized");
  });
});
