// Onboarding: the first admin's bootstrap token, the REGISTRATION modes, invite links (uses,
// expiry, deletion, the maxUses race, rooms joined, who may make them), admin-made people and
// bots, and one-time password links. Every rule of docs/api.md "Registration and invites".
import { createExecutionContext, env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { readConfig } from "../src/config/env";
import { app } from "../src/worker/app";
import { purgeExpired } from "../src/worker/maintenance/purge";
import {
  addMember,
  BASE,
  call,
  createRoom,
  expectError,
  register,
  sendMessage,
  type TestUser,
  uniqueHandle,
  uniqueIp,
} from "./helpers";

const PASSWORD = "correct horse battery";
const BOOTSTRAP = "bootstrap-secret-for-tests-0123456789";

/** A request to the Worker with some [vars] or secrets changed (a fresh bindings object). */
async function withEnv(
  overrides: Record<string, string>,
  method: string,
  path: string,
  body?: unknown,
  token?: string,
) {
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "cf-connecting-ip": uniqueIp(),
  };
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await app.request(
    path,
    { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) },
    { ...env, ...overrides },
    createExecutionContext(),
  );
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

const signUp = (extra: Record<string, unknown> = {}, handle = uniqueHandle("new")) => ({
  handle,
  displayName: "New Person",
  password: PASSWORD,
  ...extra,
});

const asUser = (body: {
  user: { id: string; handle: string; role: "admin" | "user" };
  token: string;
}) =>
  ({
    id: body.user.id,
    handle: body.user.handle,
    token: body.token,
    role: body.user.role,
  }) as TestUser;

async function invite(by: TestUser, body: Record<string, unknown> = {}) {
  const res = await call("POST", "/api/invites", body, { token: by.token });
  if (res.status !== 201) throw new Error(`invite: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.invite as {
    code: string;
    url: string;
    uses: number;
    maxUses: number | null;
    expiresAt: string | null;
    roomIds: string[];
  };
}

const auditRows = async (action: string) =>
  (
    await env.DB.prepare(
      "SELECT actor_id, target_id, room_id, detail_json FROM audit_log WHERE action = ? ORDER BY id",
    )
      .bind(action)
      .all<{
        actor_id: string | null;
        target_id: string | null;
        room_id: string | null;
        detail_json: string | null;
      }>()
  ).results;

const tokenOf = (url: string) => decodeURIComponent(url.split("#token=")[1] ?? "");

let admin: TestUser;

// This file's D1 starts empty: the bootstrap rules run first, and make the file's admin.
describe("ADMIN_BOOTSTRAP_TOKEN", () => {
  const withToken = { ADMIN_BOOTSTRAP_TOKEN: BOOTSTRAP };

  it("GET /api/config says the first account is still to come, and needs the token", async () => {
    expect((await withEnv(withToken, "GET", "/api/config")).body).toEqual({
      registration: "open",
      firstAccount: true,
      bootstrap: true,
      workspaceCreation: "admins",
    });
  });

  it("refuses the first account without the token (403 bootstrap_required)", async () => {
    const res = await withEnv(withToken, "POST", "/api/auth/register", signUp());
    expectError(res as never, 403, "bootstrap_required");
  });

  it("refuses the first account with a wrong token (403 bootstrap_invalid)", async () => {
    const wrong = signUp({ bootstrap: `${BOOTSTRAP}x` });
    expectError(
      (await withEnv(withToken, "POST", "/api/auth/register", wrong)) as never,
      403,
      "bootstrap_invalid",
    );
    const short = signUp({ bootstrap: "b" });
    expectError(
      (await withEnv(withToken, "POST", "/api/auth/register", short)) as never,
      403,
      "bootstrap_invalid",
    );
    expect(
      (await env.DB.prepare("SELECT count(*) AS n FROM users").first<{ n: number }>())?.n,
    ).toBe(0);
  });

  it("makes the first account that presents it admin, whatever REGISTRATION says", async () => {
    const res = await withEnv(
      { ...withToken, REGISTRATION: "closed" },
      "POST",
      "/api/auth/register",
      signUp({ bootstrap: BOOTSTRAP }, uniqueHandle("admin")),
    );
    expect(res.status).toBe(201);
    expect(res.body.user.role).toBe("admin");
    admin = asUser(res.body);
  });

  it("is not asked of later accounts, which are plain users", async () => {
    const res = await withEnv(withToken, "POST", "/api/auth/register", signUp());
    expect(res.status).toBe(201);
    expect(res.body.user.role).toBe("user");
  });
});

describe("REGISTRATION modes", () => {
  let owner: TestUser;
  let room: { id: string };
  beforeAll(async () => {
    owner = await register(uniqueHandle("owner"));
    room = await createRoom(owner, "private", "invited");
  });

  it("open: anyone signs up, no invite needed", async () => {
    const res = await withEnv({ REGISTRATION: "open" }, "POST", "/api/auth/register", signUp());
    expect(res.status).toBe(201);
  });

  it("invite: no invite is 403 invite_required; an invite signs up and joins its rooms", async () => {
    const mode = { REGISTRATION: "invite" };
    expectError(
      (await withEnv(mode, "POST", "/api/auth/register", signUp())) as never,
      403,
      "invite_required",
    );
    const { code } = await invite(owner, { roomIds: [room.id] });
    const res = await withEnv(mode, "POST", "/api/auth/register", signUp({ invite: code }));
    expect(res.status).toBe(201);
    const rooms = await call("GET", "/api/rooms", undefined, { token: res.body.token });
    expect(rooms.body.rooms.map((r: { room: { id: string } }) => r.room.id)).toEqual([room.id]);
  });

  it("closed: no invite is 403 registration_closed; an invite still lets people in", async () => {
    const mode = { REGISTRATION: "closed" };
    expectError(
      (await withEnv(mode, "POST", "/api/auth/register", signUp())) as never,
      403,
      "registration_closed",
    );
    const { code } = await invite(admin);
    expect(
      (await withEnv(mode, "POST", "/api/auth/register", signUp({ invite: code }))).status,
    ).toBe(201);
  });

  it("open: a valid invite joins its rooms; an unknown one is 403 invite_invalid", async () => {
    const { code } = await invite(owner, { roomIds: [room.id] });
    const res = await call("POST", "/api/auth/register", signUp({ invite: code }), {
      ip: uniqueIp(),
    });
    expect(res.status).toBe(201);
    const details = await call("GET", `/api/rooms/${room.id}`, undefined, {
      token: res.body.token,
    });
    expect(details.status).toBe(200);
    expect(details.body.me.role).toBe("member");
    const bad = await call("POST", "/api/auth/register", signUp({ invite: "nope" }), {
      ip: uniqueIp(),
    });
    expectError(bad, 403, "invite_invalid");
  });

  it("an unknown REGISTRATION value is a configuration error, said by name", async () => {
    const res = await withEnv({ REGISTRATION: "sometimes" }, "GET", "/api/config");
    expect(res.status).toBe(500);
  });

  it("GET /api/config tells sign-up forms the mode, without a session", async () => {
    expect((await withEnv({ REGISTRATION: "invite" }, "GET", "/api/config")).body).toEqual({
      registration: "invite",
      firstAccount: false,
      bootstrap: false,
      workspaceCreation: "admins",
    });
    const withToken = { ADMIN_BOOTSTRAP_TOKEN: BOOTSTRAP };
    expect((await withEnv(withToken, "GET", "/api/config")).body).toEqual({
      registration: "open",
      firstAccount: false,
      bootstrap: true,
      workspaceCreation: "admins",
    });
  });
});

describe("invites", () => {
  let owner: TestUser;
  let member: TestUser;
  let room: { id: string };
  let hidden: { id: string };
  let channel: { id: string };
  beforeAll(async () => {
    [owner, member] = [await register(uniqueHandle("owner"), "Olga Owner"), await register()];
    room = await createRoom(owner, "private", "team");
    channel = await createRoom(owner, "channel", "lobby");
    await addMember(owner, room.id, member.id);
    hidden = await createRoom(await register(), "private", "elsewhere");
  });

  it("answer {invite: {code, url, uses, maxUses, expiresAt, roomIds}} with an unguessable code", async () => {
    const before = Date.now();
    const made = await invite(owner, { roomIds: [room.id], maxUses: 3, expiresInHours: 2 });
    expect(made.code).toMatch(/^[A-Za-z0-9_-]{22,}$/); // ≥ 128 bits of base64url
    expect(made).toMatchObject({
      url: `${BASE}/invite/${made.code}`,
      uses: 0,
      maxUses: 3,
      roomIds: [room.id],
    });
    const expires = Date.parse(made.expiresAt ?? "");
    expect(expires).toBeGreaterThanOrEqual(before + 2 * 3_600_000);
    expect(expires).toBeLessThan(before + 2 * 3_600_000 + 60_000);
    expect((await invite(owner, { roomIds: [room.id] })).code).not.toBe(made.code);
  });

  it("owners invite only to rooms they own and must name one; others may not invite", async () => {
    expectError(await call("POST", "/api/invites", {}, { token: owner.token }), 403, "forbidden");
    expectError(
      await call("POST", "/api/invites", { roomIds: [room.id] }, { token: member.token }),
      403,
      "forbidden",
    );
    expectError(await call("POST", "/api/invites", {}, { token: member.token }), 403, "forbidden");
    expectError(
      await call("POST", "/api/invites", { roomIds: [room.id, hidden.id] }, { token: owner.token }),
      404,
      "not_found",
    );
    const { body: dm } = await call(
      "POST",
      "/api/dms",
      { userId: member.id },
      { token: owner.token },
    );
    expectError(
      await call("POST", "/api/invites", { roomIds: [dm.room.id] }, { token: owner.token }),
      403,
      "forbidden",
    );
    // Admins: to the instance alone, or to any room.
    expect((await invite(admin)).roomIds).toEqual([]);
    expect((await invite(admin, { roomIds: [hidden.id] })).roomIds).toEqual([hidden.id]);
  });

  it("GET /api/invites/:code needs no session: {valid, inviter: {name}, rooms, workspace: {name}}", async () => {
    const { code } = await invite(owner, { roomIds: [room.id, channel.id] });
    const res = await call("GET", `/api/invites/${code}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      valid: true,
      inviter: { name: "Olga Owner" },
      rooms: 2,
      workspace: { name: "Confab" },
    });
    expectError(await call("GET", "/api/invites/not-a-code"), 404, "not_found");
  });

  it("count uses; past maxUses the invite is invalid (403 invite_invalid), and says so", async () => {
    const { code } = await invite(owner, { roomIds: [channel.id], maxUses: 2 });
    for (let i = 0; i < 2; i++) {
      const res = await call("POST", "/api/auth/register", signUp({ invite: code }), {
        ip: uniqueIp(),
      });
      expect(res.status).toBe(201);
    }
    const third = await call("POST", "/api/auth/register", signUp({ invite: code }), {
      ip: uniqueIp(),
    });
    expectError(third, 403, "invite_invalid");
    expect((await call("GET", `/api/invites/${code}`)).body.valid).toBe(false);
    const listed = await call("GET", "/api/invites", undefined, { token: owner.token });
    expect(listed.body.invites.find((i: { code: string }) => i.code === code)).toMatchObject({
      uses: 2,
      maxUses: 2,
    });
  });

  it("a sign-up that fails (handle taken) gives its use back", async () => {
    const { code } = await invite(admin, { maxUses: 1 });
    const taken = await call("POST", "/api/auth/register", signUp({ invite: code }, owner.handle), {
      ip: uniqueIp(),
    });
    expectError(taken, 409, "conflict");
    expect(
      (await call("POST", "/api/auth/register", signUp({ invite: code }), { ip: uniqueIp() }))
        .status,
    ).toBe(201);
  });

  it("maxUses 1 and many concurrent sign-ups: exactly one wins", async () => {
    const { code } = await invite(admin, { maxUses: 1 });
    const results = await Promise.all(
      Array.from({ length: 6 }, () =>
        call("POST", "/api/auth/register", signUp({ invite: code }), { ip: uniqueIp() }),
      ),
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    for (const loser of results.filter((r) => r.status !== 201))
      expectError(loser, 403, "invite_invalid");
    const row = await env.DB.prepare("SELECT uses FROM invites WHERE code = ?")
      .bind(code)
      .first<{ uses: number }>();
    expect(row?.uses).toBe(1);
  });

  it("expire: an expired invite is invalid", async () => {
    const { code } = await invite(admin, { expiresInHours: 1 });
    await env.DB.prepare("UPDATE invites SET expires_at = ? WHERE code = ?")
      .bind(Date.now() - 1, code)
      .run();
    expect((await call("GET", `/api/invites/${code}`)).body.valid).toBe(false);
    const res = await call("POST", "/api/auth/register", signUp({ invite: code }), {
      ip: uniqueIp(),
    });
    expectError(res, 403, "invite_invalid");
  });

  it("DELETE: admins any, makers their own (others 404); a deleted invite no longer works", async () => {
    const { code } = await invite(owner, { roomIds: [room.id] });
    expectError(
      await call("DELETE", `/api/invites/${code}`, undefined, { token: member.token }),
      404,
      "not_found",
    );
    expect(
      (await call("DELETE", `/api/invites/${code}`, undefined, { token: owner.token })).status,
    ).toBe(204);
    expectError(await call("GET", `/api/invites/${code}`), 404, "not_found");
    const res = await call("POST", "/api/auth/register", signUp({ invite: code }), {
      ip: uniqueIp(),
    });
    expectError(res, 403, "invite_invalid");
    const other = await invite(owner, { roomIds: [room.id] });
    expect(
      (await call("DELETE", `/api/invites/${other.code}`, undefined, { token: admin.token }))
        .status,
    ).toBe(204);
  });

  it("GET /api/invites: admins see all, owners their own", async () => {
    const mine = await invite(owner, { roomIds: [room.id] });
    const admins = await invite(admin);
    const ownerList = (await call("GET", "/api/invites", undefined, { token: owner.token })).body
      .invites;
    const adminList = (await call("GET", "/api/invites", undefined, { token: admin.token })).body
      .invites;
    const codes = (list: Array<{ code: string }>) => list.map((i) => i.code);
    expect(codes(ownerList)).toContain(mine.code);
    expect(codes(ownerList)).not.toContain(admins.code);
    expect(codes(adminList)).toEqual(expect.arrayContaining([mine.code, admins.code]));
    expect(
      (await call("GET", "/api/invites", undefined, { token: member.token })).body.invites,
    ).toEqual([]);
  });

  it("joined rooms know their new member: the newcomer writes at once, and is listed", async () => {
    const { code } = await invite(owner, { roomIds: [room.id] });
    const res = await call("POST", "/api/auth/register", signUp({ invite: code }), {
      ip: uniqueIp(),
    });
    const newcomer = asUser(res.body);
    const sent = await sendMessage(newcomer, room.id, "hello, I was invited");
    expect(sent.body).toBe("hello, I was invited");
    const details = await call("GET", `/api/rooms/${room.id}`, undefined, { token: owner.token });
    expect(details.body.members.map((m: { user: { id: string } }) => m.user.id)).toContain(
      newcomer.id,
    );
  });

  it("POST /api/invites/:code/accept: someone signed in joins the rooms; again costs no use", async () => {
    const someone = await register();
    const { code } = await invite(owner, { roomIds: [room.id, channel.id], maxUses: 5 });
    const res = await call("POST", `/api/invites/${code}/accept`, undefined, {
      token: someone.token,
    });
    expect(res.status).toBe(200);
    expect(res.body.roomIds).toEqual([room.id, channel.id]);
    const rooms = await call("GET", "/api/rooms", undefined, { token: someone.token });
    expect(rooms.body.rooms.map((r: { room: { id: string } }) => r.room.id).sort()).toEqual(
      [room.id, channel.id].sort(),
    );
    expect(
      (await call("POST", `/api/invites/${code}/accept`, undefined, { token: someone.token }))
        .status,
    ).toBe(200);
    const row = await env.DB.prepare("SELECT uses FROM invites WHERE code = ?")
      .bind(code)
      .first<{ uses: number }>();
    expect(row?.uses).toBe(1);
    expectError(
      await call("POST", "/api/invites/unknown/accept", undefined, { token: someone.token }),
      403,
      "invite_invalid",
    );
    expectError(await call("POST", `/api/invites/${code}/accept`), 401, "unauthorized");
  });

  it("joins only rooms its maker still owns (or any, for an admin's): a demoted owner's link stops adding", async () => {
    const maker = await register(uniqueHandle("maker"));
    const kept = await createRoom(maker, "private", "kept");
    const lost = await createRoom(maker, "private", "lost");
    const { code } = await invite(maker, { roomIds: [kept.id, lost.id] });
    // Someone else becomes owner of `lost`, and the maker is made a plain member there.
    const heir = await register();
    await addMember(maker, lost.id, heir.id, "owner");
    const demoted = await call(
      "PATCH",
      `/api/rooms/${lost.id}/members/${maker.id}`,
      { role: "member" },
      { token: heir.token },
    );
    expect(demoted.status).toBe(200);
    const res = await call("POST", "/api/auth/register", signUp({ invite: code }), {
      ip: uniqueIp(),
    });
    expect(res.status).toBe(201);
    expect(res.body.roomIds).toEqual([kept.id]);
    const rooms = await call("GET", "/api/rooms", undefined, { token: res.body.token });
    expect(rooms.body.rooms.map((r: { room: { id: string } }) => r.room.id)).toEqual([kept.id]);
  });

  it("an invite whose maker is disabled stops working", async () => {
    const maker = await register();
    const mine = await createRoom(maker, "channel", "mine");
    const { code } = await invite(maker, { roomIds: [mine.id] });
    await call("PATCH", `/api/admin/users/${maker.id}`, { disabled: true }, { token: admin.token });
    expect((await call("GET", `/api/invites/${code}`)).body.valid).toBe(false);
    const res = await call("POST", "/api/auth/register", signUp({ invite: code }), {
      ip: uniqueIp(),
    });
    expectError(res, 403, "invite_invalid");
  });

  it("are audited: invite.create, invite.use (with member.add via invite), invite.delete", async () => {
    const creates = await auditRows("invite.create");
    expect(creates.some((r) => r.actor_id === owner.id)).toBe(true);
    const uses = await auditRows("invite.use");
    expect(uses.length).toBeGreaterThan(3);
    expect(JSON.parse(uses[0]?.detail_json ?? "{}")).toHaveProperty("code");
    const adds = await auditRows("member.add");
    expect(adds.some((r) => JSON.parse(r.detail_json ?? "{}").via === "invite")).toBe(true);
    const deletes = await auditRows("invite.delete");
    expect(deletes.map((r) => r.actor_id)).toEqual(expect.arrayContaining([owner.id, admin.id]));
  });
});

describe("POST /api/admin/users", () => {
  it("makes a person without a password: a one-time setPasswordUrl, then they sign in", async () => {
    const handle = uniqueHandle("made");
    const res = await call(
      "POST",
      "/api/admin/users",
      { handle, displayName: "Made Person" },
      { token: admin.token },
    );
    expect(res.status).toBe(201);
    expect(res.body.user).toMatchObject({ handle, bot: false, role: "user" });
    expect(res.body.token).toBeUndefined();
    expect(res.body.setPasswordUrl).toMatch(new RegExp(`^${BASE}/set-password#token=`));
    // No password yet: nothing signs in.
    expectError(
      await call("POST", "/api/auth/login", { handle, password: PASSWORD }),
      401,
      "unauthorized",
    );
    const token = tokenOf(res.body.setPasswordUrl);
    expect(
      (await call("POST", "/api/auth/password-reset", { token, password: "my own password" }))
        .status,
    ).toBe(204);
    expect(
      (await call("POST", "/api/auth/login", { handle, password: "my own password" })).status,
    ).toBe(200);
    expectError(
      await call("POST", "/api/auth/password-reset", { token, password: "another one!" }),
      403,
      "reset_invalid",
    );
  });

  it("makes a person with a password, who signs in at once", async () => {
    const handle = uniqueHandle("made");
    const res = await call(
      "POST",
      "/api/admin/users",
      { handle, displayName: "Pat", password: PASSWORD },
      { token: admin.token },
    );
    expect(res.status).toBe(201);
    expect(res.body.setPasswordUrl).toBeUndefined();
    expect((await call("POST", "/api/auth/login", { handle, password: PASSWORD })).status).toBe(
      200,
    );
  });

  it("makes a bot: its API token is shown once and works; `bot` shows in /api/me and member lists", async () => {
    const owner = await register();
    const room = await createRoom(owner, "private", "with a bot");
    const handle = uniqueHandle("bot");
    const res = await call(
      "POST",
      "/api/admin/users",
      { handle, displayName: "Robo", bot: true },
      { token: admin.token },
    );
    expect(res.status).toBe(201);
    expect(res.body.user.bot).toBe(true);
    expect(res.body.setPasswordUrl).toBeUndefined();
    const token = res.body.token as string;
    expect(token).toMatch(/^ct_/);
    const me = await call("GET", "/api/me", undefined, { token });
    expect(me.body.user).toMatchObject({ handle, bot: true });
    const ownMe = await call("GET", "/api/me", undefined, { token: owner.token });
    expect(ownMe.body.user.bot).toBe(false);
    // The token is stored as a hash: the token list never shows it again.
    const tokens = await call("GET", "/api/admin/tokens", undefined, { token: admin.token });
    expect(JSON.stringify(tokens.body)).not.toContain(token);
    expect(
      tokens.body.tokens.find((t: { userId: string }) => t.userId === res.body.user.id).scopes,
    ).toEqual(["bot"]);
    await addMember(owner, room.id, res.body.user.id);
    const details = await call("GET", `/api/rooms/${room.id}`, undefined, { token: owner.token });
    const bot = details.body.members.find(
      (m: { user: { id: string } }) => m.user.id === res.body.user.id,
    );
    expect(bot.user.bot).toBe(true);
    const human = details.body.members.find(
      (m: { user: { id: string } }) => m.user.id === owner.id,
    );
    expect(human.user.bot).toBe(false);
    const sent = await call(
      "POST",
      `/api/rooms/${room.id}/messages`,
      { cid: "bot-1", body: "beep" },
      { token },
    );
    expect(sent.status).toBe(201);
  });

  it("refuses a taken handle (409) and non-admins (403)", async () => {
    const someone = await register();
    expectError(
      await call(
        "POST",
        "/api/admin/users",
        { handle: someone.handle, displayName: "Dup" },
        { token: admin.token },
      ),
      409,
      "conflict",
    );
    expectError(
      await call(
        "POST",
        "/api/admin/users",
        { handle: uniqueHandle(), displayName: "X" },
        { token: someone.token },
      ),
      403,
      "forbidden",
    );
  });

  it("is audited as user.create (and a bot's token as token.create)", async () => {
    const rows = await auditRows("user.create");
    expect(rows.length).toBeGreaterThanOrEqual(3);
    expect(rows.every((r) => r.actor_id === admin.id)).toBe(true);
    expect(rows.some((r) => JSON.parse(r.detail_json ?? "{}").bot === true)).toBe(true);
  });
});

describe("password reset links", () => {
  const resetLink = async (userId: string) => {
    const res = await call("POST", `/api/admin/users/${userId}/password-reset`, undefined, {
      token: admin.token,
    });
    expect(res.status).toBe(200);
    expect(res.body.resetUrl).toMatch(new RegExp(`^${BASE}/set-password#token=`));
    return tokenOf(res.body.resetUrl);
  };

  it("set the password once and end every session of the account", async () => {
    const person = await register();
    const second = await call(
      "POST",
      "/api/auth/login",
      { handle: person.handle, password: PASSWORD },
      { ip: uniqueIp() },
    );
    const token = await resetLink(person.id);
    // The link alone changes nothing.
    expect((await call("GET", "/api/me", undefined, { token: person.token })).status).toBe(200);
    expect(
      (await call("POST", "/api/auth/password-reset", { token, password: "a brand new one" }))
        .status,
    ).toBe(204);
    expectError(
      await call("GET", "/api/me", undefined, { token: person.token }),
      401,
      "unauthorized",
    );
    expectError(
      await call("GET", "/api/me", undefined, { token: second.body.token }),
      401,
      "unauthorized",
    );
    expectError(
      await call(
        "POST",
        "/api/auth/login",
        { handle: person.handle, password: PASSWORD },
        { ip: uniqueIp() },
      ),
      401,
      "unauthorized",
    );
    expect(
      (
        await call(
          "POST",
          "/api/auth/login",
          { handle: person.handle, password: "a brand new one" },
          { ip: uniqueIp() },
        )
      ).status,
    ).toBe(200);
    expectError(
      await call("POST", "/api/auth/password-reset", { token, password: "yet another one" }),
      403,
      "reset_invalid",
    );
  });

  it("expire after 24 hours", async () => {
    const person = await register();
    const before = Date.now();
    const token = await resetLink(person.id);
    const row = await env.DB.prepare("SELECT expires_at FROM password_tokens WHERE user_id = ?")
      .bind(person.id)
      .first<{ expires_at: number }>();
    expect(row?.expires_at).toBeGreaterThanOrEqual(before + 24 * 3_600_000);
    expect(row?.expires_at).toBeLessThan(before + 24 * 3_600_000 + 60_000);
    await env.DB.prepare("UPDATE password_tokens SET expires_at = ? WHERE user_id = ?")
      .bind(Date.now() - 1, person.id)
      .run();
    expectError(
      await call("POST", "/api/auth/password-reset", { token, password: "too late now" }),
      403,
      "reset_invalid",
    );
    // The purge (Cron Trigger) takes expired links away.
    const report = await purgeExpired(env.DB, readConfig(env));
    expect(report.deleted.passwordTokens).toBeGreaterThanOrEqual(1);
    const left = await env.DB.prepare("SELECT count(*) AS n FROM password_tokens WHERE user_id = ?")
      .bind(person.id)
      .first<{ n: number }>();
    expect(left?.n).toBe(0);
    expect((await call("GET", "/api/me", undefined, { token: person.token })).status).toBe(200);
  });

  it("store only the token's SHA-256; unknown tokens and short passwords are refused", async () => {
    const person = await register();
    const token = await resetLink(person.id);
    const stored = await env.DB.prepare("SELECT token_hash FROM password_tokens WHERE user_id = ?")
      .bind(person.id)
      .first<{ token_hash: string }>();
    expect(stored?.token_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(stored?.token_hash).not.toContain(token);
    expectError(
      await call("POST", "/api/auth/password-reset", {
        token: "cp_nothing",
        password: "long enough",
      }),
      403,
      "reset_invalid",
    );
    expectError(
      await call("POST", "/api/auth/password-reset", { token, password: "short" }),
      400,
      "invalid",
    );
    expectError(
      await call("POST", `/api/admin/users/usr_nobody/password-reset`, undefined, {
        token: admin.token,
      }),
      404,
      "not_found",
    );
  });

  it("are audited: user.password_reset_link by the admin, user.password_reset by the person", async () => {
    const links = await auditRows("user.password_reset_link");
    expect(links.length).toBeGreaterThanOrEqual(3);
    expect(links.every((r) => r.actor_id === admin.id)).toBe(true);
    const resets = await auditRows("user.password_reset");
    expect(resets.length).toBeGreaterThanOrEqual(2);
    expect(resets.every((r) => r.actor_id === r.target_id)).toBe(true);
  });
});
