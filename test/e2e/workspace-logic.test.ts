// The workspace switcher's logic, pure: each workspace's badge from the room list's items, which
// workspace is current (remembered per person on this device), the rooms it shows, the slug a
// name suggests and who may manage a workspace.
import { describe, expect, test } from "vitest";
import type { RoomListItem, Workspace } from "../../src/shared/api";
import { createApi } from "../../web/net/api";
import { workspaceAdmin } from "../../web/net/workspace-admin";
import {
  canManage,
  countsByWorkspace,
  createWorkspaces,
  inWorkspace,
  pickCurrent,
  slugFrom,
} from "../../web/state/workspaces";

const item = (id: string, workspaceId: string, unread = 0, mentions = 0, muted = false) =>
  ({ room: { id, workspaceId }, unread, mentions, muted }) as unknown as RoomListItem;

const workspace = (id: string, extra: Partial<Workspace> = {}) =>
  ({ id, name: id, isDefault: false, role: "member", ...extra }) as Workspace;

function memoryStorage(): Storage {
  const map = new Map<string, string>();
  return {
    get length() {
      return map.size;
    },
    key: (i) => [...map.keys()][i] ?? null,
    getItem: (k) => map.get(k) ?? null,
    setItem: (k, v) => void map.set(k, String(v)),
    removeItem: (k) => void map.delete(k),
    clear: () => map.clear(),
  };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("workspace badges", () => {
  test("sum unread (muted rooms aside) and mentions per workspace", () => {
    const counts = countsByWorkspace([
      item("r1", "w1", 2),
      item("r2", "w1", 3, 1),
      item("r3", "w2", 5, 0, true),
      item("r4", "w2", 0, 2, true),
      item("r5", "w3"),
    ]);
    expect(counts.get("w1")).toEqual({ unread: 5, mentions: 1 });
    expect(counts.get("w2")).toEqual({ unread: 0, mentions: 2 });
    expect(counts.get("w3")).toEqual({ unread: 0, mentions: 0 });
    expect(counts.has("w4")).toBe(false);
  });

  test("the room list shows the current workspace's rooms, all while none is known", () => {
    const items = [item("r1", "w1"), item("r2", "w2"), item("r3", "w1")];
    expect(inWorkspace(items, "w1").map((i) => i.room.id)).toEqual(["r1", "r3"]);
    expect(inWorkspace(items, null)).toBe(items);
  });
});

describe("the current workspace", () => {
  const list = [workspace("w1"), workspace("w2", { isDefault: true }), workspace("w3")];

  test("the remembered one while it is mine, else the default, else the first", () => {
    expect(pickCurrent(list, "w3")?.id).toBe("w3");
    expect(pickCurrent(list, "gone")?.id).toBe("w2");
    expect(pickCurrent(list, null)?.id).toBe("w2");
    expect(pickCurrent([workspace("w1"), workspace("w3")], null)?.id).toBe("w1");
    expect(pickCurrent([], "w1")).toBeNull();
  });

  test("is remembered per person on this device, and forgotten on sign-out", async () => {
    const storage = memoryStorage();
    const source = {
      list: async () => ({ workspaces: list }),
      creation: async () => "open" as const,
    };
    const a = createWorkspaces(source, storage);
    a.start("usr_1");
    await settle();
    expect(a.current.value?.id).toBe("w2");
    expect(a.creation.value).toBe("open");
    a.select("w3");
    expect(a.current.value?.id).toBe("w3");

    // Another load (a reload of the page) starts where this person left it.
    const b = createWorkspaces(source, storage);
    b.start("usr_1");
    await settle();
    expect(b.current.value?.id).toBe("w3");
    // Someone else on the same device starts at the default.
    b.reset();
    b.start("usr_2");
    await settle();
    expect(b.current.value?.id).toBe("w2");
    b.reset();
    expect(b.current.value).toBeNull();
    expect(b.creation.value).toBe("admins");
  });

  test("a server without workspaces leaves the list empty, and every room shown", async () => {
    const ws = createWorkspaces(
      {
        list: () => Promise.reject(new Error("404")),
        creation: () => Promise.reject(new Error("down")),
      },
      null,
    );
    ws.start("usr_1");
    await settle();
    expect(ws.list.value).toEqual([]);
    expect(ws.currentId()).toBeUndefined();
  });

  test("a workspace created or renamed here is in the list at once", async () => {
    const ws = createWorkspaces(
      { list: async () => ({ workspaces: [workspace("w1")] }), creation: async () => "admins" },
      null,
    );
    ws.start("usr_1");
    await settle();
    ws.put(workspace("w9", { name: "New" }));
    ws.put(workspace("w1", { name: "Renamed" }));
    expect(ws.list.value.map((w) => `${w.id}:${w.name}`)).toEqual(["w1:Renamed", "w9:New"]);
  });
});

describe("workspace forms", () => {
  test("a slug is suggested from the name", () => {
    expect(slugFrom("Acme Research (EU)")).toBe("acme-research-eu");
    expect(slugFrom("  Café  Zürich ")).toBe("cafe-zurich");
    expect(slugFrom(`${"x".repeat(39)} y`)).toBe("x".repeat(39));
    expect(slugFrom("!!!")).toBe("");
  });

  test("owners, admins and the instance's admins manage a workspace", () => {
    expect(canManage(workspace("w", { role: "owner" }), false)).toBe(true);
    expect(canManage(workspace("w", { role: "admin" }), false)).toBe(true);
    expect(canManage(workspace("w", { role: "member" }), false)).toBe(false);
    expect(canManage(workspace("w", { role: null }), true)).toBe(true);
    expect(canManage(null, true)).toBe(false);
  });
});

describe("requests in a workspace", () => {
  /** An API over a fetch that records each request and answers `{}` (204 for DELETE). */
  function recorded() {
    const sent: { method: string; url: string; body: unknown }[] = [];
    const api = createApi(async (input, init) => {
      const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
      const method = init?.method ?? "GET";
      sent.push({
        method,
        url: url.replace(/^https?:\/\/[^/]+/, ""),
        body: typeof init?.body === "string" ? JSON.parse(init.body) : null,
      });
      return method === "DELETE"
        ? new Response(null, { status: 204 })
        : Response.json({ rooms: [], users: [], room: { id: "r" }, invite: {} });
    });
    return { api, sent };
  }

  test("searches, new rooms, DMs and invites name the workspace", async () => {
    const { api, sent } = recorded();
    await api.findPeople("ann", "ws_1");
    await api.discoverChannels("", "ws_1");
    await api.createRoom({ kind: "channel", name: "x", workspaceId: "ws_1" });
    await api.openDm("usr_2", "ws_1");
    await api.openDm(["usr_2", "usr_3"], "ws_1");
    await api.invites.create({ roomIds: [] }, "ws_1");
    expect(sent.map((r) => `${r.method} ${r.url}`)).toEqual([
      "GET /api/users?q=ann&workspaceId=ws_1",
      "GET /api/rooms/discover?workspaceId=ws_1",
      "POST /api/rooms",
      "POST /api/dms",
      "POST /api/dms",
      "POST /api/invites",
    ]);
    expect(sent.slice(2).map((r) => (r.body as { workspaceId?: string }).workspaceId)).toEqual([
      "ws_1",
      "ws_1",
      "ws_1",
      "ws_1",
    ]);
    // Without one, the requests are as before: the server takes the default workspace.
    sent.length = 0;
    await api.findPeople("ann");
    await api.openDm("usr_2");
    expect(sent[0]?.url).toBe("/api/users?q=ann");
    expect(sent[1]?.body).toEqual({ userId: "usr_2" });
  });

  test("a workspace's settings, members, rooms and audit log", async () => {
    const { api, sent } = recorded();
    const admin = workspaceAdmin(api, "ws_1");
    await admin.update({ name: "Renamed", defaults: { joinPolicy: "invite", retention: null } });
    await admin.members("bo", "c1");
    await admin.add({ handle: "bo" }, "admin");
    await admin.setRole("usr_2", "member");
    await admin.remove("usr_2");
    await admin.rooms("gen");
    await admin.audit(42);
    expect(sent.map((r) => `${r.method} ${r.url}`)).toEqual([
      "PATCH /api/workspaces/ws_1",
      "GET /api/workspaces/ws_1/members?q=bo&cursor=c1",
      "POST /api/workspaces/ws_1/members",
      "PATCH /api/workspaces/ws_1/members/usr_2",
      "DELETE /api/workspaces/ws_1/members/usr_2",
      "GET /api/workspaces/ws_1/admin/rooms?q=gen",
      "GET /api/workspaces/ws_1/admin/audit?before=42",
    ]);
    expect(sent[2]?.body).toEqual({ handle: "bo", role: "admin" });
    expect(sent[3]?.body).toEqual({ role: "member" });
  });
});
