// The existing routes, scoped to workspaces: my rooms (all, or one workspace's), discovery and
// people search (the default workspace without `workspaceId`), who may learn of whom, room
// members only from the room's workspace, search and threads filters, and invites that join a
// workspace (docs/api.md: "Workspaces" notes in each section).
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import {
  addToWorkspace,
  call,
  createRoom,
  createWorkspace,
  register,
  sendMessage,
  type TestUser,
  uniqueHandle,
  uniqueIp,
} from "./helpers";

const DEFAULT = "ws_default";
let admin: TestUser;
/** In the default workspace and in B. */
let both: TestUser;
/** In the default workspace only. */
let outsider: TestUser;
/** Only in B: added to B, then taken out of the default workspace everyone joins at sign-up. */
let onlyB: TestUser;
let wsB: { id: string; name: string };
let channelB: { id: string };
let channelDefault: { id: string };

/** Someone signed up with invite `code`: in its workspace (and in the default one, open). */
async function signUpWith(code: string) {
  const res = await call(
    "POST",
    "/api/auth/register",
    {
      handle: uniqueHandle("inv"),
      displayName: "Invited",
      password: "correct horse battery",
      invite: code,
    },
    { ip: uniqueIp() },
  );
  expect(res.status).toBe(201);
  return {
    id: res.body.user.id as string,
    token: res.body.token as string,
    roomIds: res.body.roomIds,
  };
}

const roomIds = (res: { body: { rooms: Array<{ room: { id: string } }> } }) =>
  res.body.rooms.map((r) => r.room.id);

beforeAll(async () => {
  admin = await register(uniqueHandle("admin"));
  both = await register(uniqueHandle("both"));
  outsider = await register(uniqueHandle("out"));
  onlyB = await register(uniqueHandle("onlyb"));
  wsB = await createWorkspace(admin, { name: "Acme B" });
  await addToWorkspace(admin, wsB.id, both.id, "admin");
  await addToWorkspace(admin, wsB.id, onlyB.id);
  // "Only in B": out of the default workspace, as someone who joined just B would be.
  await leaveDefaultWorkspace(onlyB.id);
  channelB = await createRoom(both, "channel", "b-general", wsB.id);
  channelDefault = await createRoom(both, "channel", "d-general");
});

/** Takes someone out of the default workspace straight in D1 (no route of this branch does). */
async function leaveDefaultWorkspace(userId: string) {
  await env.DB.prepare("DELETE FROM workspace_members WHERE workspace_id = ? AND user_id = ?")
    .bind(DEFAULT, userId)
    .run();
}

describe("my rooms", () => {
  it("lists every workspace's rooms without a filter, each carrying its workspace", async () => {
    const all = await call("GET", "/api/rooms", undefined, { token: both.token });
    expect(all.status).toBe(200);
    const byId = new Map(all.body.rooms.map((r: any) => [r.room.id, r.room.workspaceId]));
    expect(byId.get(channelB.id)).toBe(wsB.id);
    expect(byId.get(channelDefault.id)).toBe(DEFAULT);
  });

  it("filters to one workspace with ?workspaceId=", async () => {
    const onlyB = await call("GET", `/api/rooms?workspaceId=${wsB.id}`, undefined, {
      token: both.token,
    });
    expect(onlyB.status).toBe(200);
    expect(roomIds(onlyB)).toEqual([channelB.id]);
    const def = await call("GET", `/api/rooms?workspaceId=${DEFAULT}`, undefined, {
      token: both.token,
    });
    expect(roomIds(def)).toContain(channelDefault.id);
    expect(roomIds(def)).not.toContain(channelB.id);
  });

  it("answers 404 for a workspace I am not in", async () => {
    const res = await call("GET", `/api/rooms?workspaceId=${wsB.id}`, undefined, {
      token: outsider.token,
    });
    expect(res.status).toBe(404);
  });
});

describe("discovery", () => {
  it("shows the default workspace's channels without workspaceId, B's with it", async () => {
    const def = await call("GET", "/api/rooms/discover", undefined, { token: outsider.token });
    expect(def.status).toBe(200);
    const ids = def.body.rooms.map((r: any) => r.id);
    expect(ids).toContain(channelDefault.id);
    expect(ids).not.toContain(channelB.id);
    const b = await call("GET", `/api/rooms/discover?workspaceId=${wsB.id}`, undefined, {
      token: onlyB.token,
    });
    expect(b.status).toBe(200);
    expect(b.body.rooms.map((r: any) => r.id)).toEqual([channelB.id]);
    const refused = await call("GET", `/api/rooms/discover?workspaceId=${wsB.id}`, undefined, {
      token: outsider.token,
    });
    expect(refused.status).toBe(404);
  });

  it("joining B's channel needs being in B (404 outside)", async () => {
    const out = await call("POST", `/api/rooms/${channelB.id}/join`, undefined, {
      token: outsider.token,
    });
    expect(out.status).toBe(404);
    const inB = await call("POST", `/api/rooms/${channelB.id}/join`, undefined, {
      token: onlyB.token,
    });
    expect(inB.status).toBe(200);
  });
});

describe("people", () => {
  it("searches the default workspace without workspaceId, B with it", async () => {
    const def = await call("GET", `/api/users?q=${onlyB.handle}`, undefined, {
      token: outsider.token,
    });
    expect(def.status).toBe(200);
    expect(def.body.users).toEqual([]);
    const inB = await call("GET", `/api/users?q=${onlyB.handle}&workspaceId=${wsB.id}`, undefined, {
      token: both.token,
    });
    expect(inB.body.users.map((u: any) => u.id)).toEqual([onlyB.id]);
    const refused = await call("GET", `/api/users?q=a&workspaceId=${wsB.id}`, undefined, {
      token: outsider.token,
    });
    expect(refused.status).toBe(404);
  });

  it("hides someone's picture and blocking from people who share no workspace with them", async () => {
    const avatar = await call("GET", `/api/users/${onlyB.id}/avatar`, undefined, {
      token: outsider.token,
    });
    expect(avatar.status).toBe(404);
    const block = await call("PUT", `/api/me/blocks/${onlyB.id}`, undefined, {
      token: outsider.token,
    });
    expect(block.status).toBe(404);
    const sharing = await call("PUT", `/api/me/blocks/${onlyB.id}`, undefined, {
      token: both.token,
    });
    expect(sharing.status).toBe(204);
    await call("DELETE", `/api/me/blocks/${onlyB.id}`, undefined, { token: both.token });
    // Instance admins see everyone.
    const byAdmin = await call("PUT", `/api/me/blocks/${onlyB.id}`, undefined, {
      token: admin.token,
    });
    expect(byAdmin.status).toBe(204);
    await call("DELETE", `/api/me/blocks/${onlyB.id}`, undefined, { token: admin.token });
  });

  it("a DM needs everyone in its workspace", async () => {
    const refused = await call("POST", "/api/dms", { userId: onlyB.id }, { token: outsider.token });
    expect(refused.status).toBe(404);
    const inB = await call(
      "POST",
      "/api/dms",
      { userId: onlyB.id, workspaceId: wsB.id },
      { token: both.token },
    );
    expect(inB.status).toBe(201);
    expect(inB.body.room.workspaceId).toBe(wsB.id);
  });

  it("adds to a room only people of its workspace (404 No such user)", async () => {
    const room = await createRoom(both, "private", "b-private", wsB.id);
    const refused = await call(
      "POST",
      `/api/rooms/${room.id}/members`,
      { userId: outsider.id },
      { token: both.token },
    );
    expect(refused.status).toBe(404);
    expect(refused.body.error.message).toBe("No such user");
    // Not even the instance admin, through the admin API.
    const admins = await call(
      "POST",
      `/api/admin/rooms/${room.id}/members`,
      { userId: outsider.id },
      { token: admin.token },
    );
    expect(admins.status).toBe(404);
    const ok = await call(
      "POST",
      `/api/rooms/${room.id}/members`,
      { userId: onlyB.id },
      { token: both.token },
    );
    expect(ok.status).toBe(201);
  });
});

describe("search and threads", () => {
  it("search across my rooms takes a workspace filter", async () => {
    await sendMessage(both, channelB.id, "zebrafish in B");
    await sendMessage(both, channelDefault.id, "zebrafish at home");
    const all = await call("GET", "/api/search?q=zebrafish", undefined, { token: both.token });
    expect(all.status).toBe(200);
    expect(all.body.rooms.map((r: any) => r.room.id).sort()).toEqual(
      [channelB.id, channelDefault.id].sort(),
    );
    const inB = await call("GET", `/api/search?q=zebrafish&workspaceId=${wsB.id}`, undefined, {
      token: both.token,
    });
    expect(inB.body.rooms.map((r: any) => r.room.id)).toEqual([channelB.id]);
    expect(inB.body.searchedRooms).toBe(
      (await call("GET", `/api/rooms?workspaceId=${wsB.id}`, undefined, { token: both.token })).body
        .rooms.length,
    );
    const refused = await call("GET", `/api/search?q=zebrafish&workspaceId=${wsB.id}`, undefined, {
      token: outsider.token,
    });
    expect(refused.status).toBe(404);
  });

  it("my threads take a workspace filter", async () => {
    const res = await call("GET", `/api/me/threads?workspaceId=${DEFAULT}`, undefined, {
      token: both.token,
    });
    expect(res.status).toBe(200);
    const refused = await call("GET", `/api/me/threads?workspaceId=${wsB.id}`, undefined, {
      token: outsider.token,
    });
    expect(refused.status).toBe(404);
  });
});

describe("invites", () => {
  it("a workspace admin invites to their workspace; using it joins B (and its rooms)", async () => {
    const made = await call(
      "POST",
      "/api/invites",
      { workspaceId: wsB.id, roomIds: [channelB.id] },
      { token: both.token },
    );
    expect(made.status).toBe(201);
    expect(made.body.invite.workspaceId).toBe(wsB.id);
    const preview = await call("GET", `/api/invites/${made.body.invite.code}`);
    expect(preview.body).toMatchObject({ valid: true, rooms: 1, workspace: { name: wsB.name } });
    const newcomer = await signUpWith(made.body.invite.code);
    expect(newcomer.roomIds).toEqual([channelB.id]);
    const ws = await call("GET", `/api/workspaces/${wsB.id}`, undefined, {
      token: newcomer.token,
    });
    expect(ws.status).toBe(200);
    expect(ws.body.workspace.role).toBe("member");
  });

  it("the rooms' workspace is the default; a room elsewhere is 400; a plain member cannot invite to B alone", async () => {
    const fromRooms = await call(
      "POST",
      "/api/invites",
      { roomIds: [channelB.id] },
      { token: both.token },
    );
    expect(fromRooms.status).toBe(201);
    expect(fromRooms.body.invite.workspaceId).toBe(wsB.id);
    const mixed = await call(
      "POST",
      "/api/invites",
      { workspaceId: DEFAULT, roomIds: [channelB.id] },
      { token: both.token },
    );
    expect(mixed.status).toBe(400);
    const member = await call(
      "POST",
      "/api/invites",
      { workspaceId: wsB.id },
      { token: onlyB.token },
    );
    expect(member.status).toBe(403);
    const stranger = await call(
      "POST",
      "/api/invites",
      { workspaceId: wsB.id },
      { token: outsider.token },
    );
    expect(stranger.status).toBe(404);
  });

  it("a room owner's invite joins the room's workspace, then the room; accepting works signed in", async () => {
    const owner = await register(uniqueHandle("owner"));
    await addToWorkspace(admin, wsB.id, owner.id);
    const room = await createRoom(owner, "private", "owners room", wsB.id);
    const made = await call("POST", "/api/invites", { roomIds: [room.id] }, { token: owner.token });
    expect(made.status).toBe(201);
    const accepted = await call("POST", `/api/invites/${made.body.invite.code}/accept`, undefined, {
      token: outsider.token,
    });
    expect(accepted.status).toBe(200);
    expect(accepted.body.roomIds).toEqual([room.id]);
    const inB = await call("GET", `/api/rooms?workspaceId=${wsB.id}`, undefined, {
      token: outsider.token,
    });
    expect(roomIds(inB)).toEqual([room.id]);
    // Out of B again for the other tests of this file.
    await env.DB.batch([
      env.DB.prepare("DELETE FROM memberships WHERE user_id = ? AND room_id = ?").bind(
        outsider.id,
        room.id,
      ),
      env.DB.prepare("DELETE FROM workspace_members WHERE user_id = ? AND workspace_id = ?").bind(
        outsider.id,
        wsB.id,
      ),
    ]);
  });

  it("workspace admins list and delete their workspace's invites; others do not see them", async () => {
    const made = await call(
      "POST",
      "/api/invites",
      { workspaceId: wsB.id },
      { token: admin.token },
    );
    const code = made.body.invite.code;
    const listed = await call("GET", "/api/invites", undefined, { token: both.token });
    expect(listed.body.invites.map((i: any) => i.code)).toContain(code);
    const notListed = await call("GET", "/api/invites", undefined, { token: onlyB.token });
    expect(notListed.body.invites.map((i: any) => i.code)).not.toContain(code);
    expect(
      (await call("DELETE", `/api/invites/${code}`, undefined, { token: outsider.token })).status,
    ).toBe(404);
    expect(
      (await call("DELETE", `/api/invites/${code}`, undefined, { token: both.token })).status,
    ).toBe(204);
  });

  it("an invite to the workspace alone joins it, and counts no use once I am in it", async () => {
    const made = await call("POST", "/api/invites", { workspaceId: wsB.id }, { token: both.token });
    expect(made.status).toBe(201);
    const code = made.body.invite.code;
    const someone = await register(uniqueHandle("joiner"));
    const first = await call("POST", `/api/invites/${code}/accept`, undefined, {
      token: someone.token,
    });
    expect(first.body).toEqual({ roomIds: [] });
    const again = await call("POST", `/api/invites/${code}/accept`, undefined, {
      token: someone.token,
    });
    expect(again.status).toBe(200);
    const ws = await call("GET", `/api/workspaces/${wsB.id}`, undefined, { token: someone.token });
    expect(ws.body.workspace.role).toBe("member");
    const listed = await call("GET", "/api/invites", undefined, { token: both.token });
    expect(listed.body.invites.find((i: any) => i.code === code).uses).toBe(1);
  });

  it("an invite without workspace or rooms is the default workspace's", async () => {
    const made = await call("POST", "/api/invites", {}, { token: admin.token });
    expect(made.body.invite.workspaceId).toBe(DEFAULT);
    const preview = await call("GET", `/api/invites/${made.body.invite.code}`);
    expect(preview.body.workspace.name).toBe("Confab");
  });
});
