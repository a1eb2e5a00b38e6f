// Data location: a workspace made with `dataLocation` keeps its rooms' Durable Objects in that
// jurisdiction (found from the room id, `room-eu_…`) and their files in that jurisdiction's R2
// bucket; the default workspace's rooms stay in the global namespace and FILES.
//
// workerd does not implement Durable Object jurisdictions: `env.ROOM.jurisdiction("eu")` throws
// "Jurisdiction restrictions are not implemented in workerd." (as does newUniqueId with one). So
// locally every request that reaches a located room's object fails, and this file proves the
// routing with a stand-in: the real Worker (its default export) runs with a ROOM namespace whose
// `jurisdiction(loc)` is recorded and answers objects of the global namespace named `<loc>:<id>`,
// a namespace of their own. Where the runtime does implement jurisdictions, the same assertions
// run against the real thing (see `jurisdictions`).
import {
  createExecutionContext,
  env,
  runInDurableObject,
  SELF,
  waitOnExecutionContext,
} from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import worker from "../src/index";
import type { RoomDO } from "../src/room/room-do";
import { BASE, createWorkspace, register, type TestUser, uniqueHandle } from "./helpers";

type Location = "eu" | "fedramp";
type RoomNamespace = typeof env.ROOM;

const WORKERD_SAYS = "Jurisdiction restrictions are not implemented in workerd.";

/** Whether this runtime has Durable Object jurisdictions (workerd: no, it throws). */
function runtimeHasJurisdictions(): boolean {
  try {
    env.ROOM.jurisdiction("eu");
    return true;
  } catch {
    return false;
  }
}
const REAL = runtimeHasJurisdictions();

/** Which jurisdictions the Worker asked for, in order (the stand-in records them). */
const asked: Location[] = [];

/** A namespace like env.ROOM whose jurisdictions are named sub-spaces of the global one. */
function standIn(real: RoomNamespace): RoomNamespace {
  const located = (loc: Location): RoomNamespace =>
    ({
      idFromName: (name: string) => real.idFromName(`${loc}:${name}`),
      get: (id: DurableObjectId) => real.get(id),
    }) as unknown as RoomNamespace;
  return new Proxy(real, {
    get(target, prop) {
      if (prop === "jurisdiction")
        return (loc: Location) => {
          asked.push(loc);
          return located(loc);
        };
      const value = Reflect.get(target, prop, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

/** The namespace a located room's object is really in: the runtime's, or the stand-in's. */
const jurisdictions = (loc: Location) =>
  REAL
    ? env.ROOM.jurisdiction(loc)
    : ({
        idFromName: (name: string) => env.ROOM.idFromName(`${loc}:${name}`),
        get: (id: DurableObjectId) => env.ROOM.get(id),
      } as unknown as RoomNamespace);

const appEnv = REAL ? env : { ...env, ROOM: standIn(env.ROOM) };

/** One request into the real Worker with `appEnv`. */
async function request(
  user: TestUser,
  method: string,
  path: string,
  body?: BodyInit,
  type = "application/json",
) {
  const ctx = createExecutionContext();
  const res = await worker.fetch(
    new Request(`${BASE}${path}`, {
      method,
      headers: { authorization: `Bearer ${user.token}`, "content-type": type },
      ...(body === undefined ? {} : { body }),
    }),
    appEnv,
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return { status: res.status, body: (await res.json()) as any };
}

let admin: TestUser;

beforeAll(async () => {
  admin = await register(uniqueHandle("admin"));
  expect(admin.role).toBe("admin");
});

async function newRoom(workspaceId?: string): Promise<string> {
  const res = await request(
    admin,
    "POST",
    "/api/rooms",
    JSON.stringify({ kind: "channel", name: "located", ...(workspaceId ? { workspaceId } : {}) }),
  );
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.room.id;
}

async function send(roomId: string, text: string) {
  const res = await request(
    admin,
    "POST",
    `/api/rooms/${roomId}/messages`,
    JSON.stringify({ cid: crypto.randomUUID(), body: text }),
  );
  expect(res.status, JSON.stringify(res.body)).toBe(201);
}

async function upload(roomId: string): Promise<string> {
  const res = await request(
    admin,
    "POST",
    `/api/rooms/${roomId}/attachments?name=notes.txt`,
    "kept where the workspace says",
    "text/plain",
  );
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return `rooms/${roomId}/${res.body.attachment.id}`;
}

/** The message bodies a room's Durable Object holds (none: an object never used). */
async function bodiesIn(stub: DurableObjectStub<RoomDO>): Promise<string[]> {
  return runInDurableObject(stub, (_room, state) => {
    const table = state.storage.sql
      .exec("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'messages'")
      .toArray();
    if (table.length === 0) return [];
    return state.storage.sql
      .exec<{ body: string }>("SELECT body FROM messages ORDER BY rev")
      .toArray()
      .map((r) => r.body);
  });
}

const keysIn = async (bucket: R2Bucket, roomId: string) =>
  (await bucket.list({ prefix: `rooms/${roomId}/` })).objects.map((o) => o.key);

describe.skipIf(REAL)("workerd", () => {
  it("does not implement Durable Object jurisdictions (what fails, exactly)", async () => {
    expect(() => env.ROOM.jurisdiction("eu")).toThrow(WORKERD_SAYS);
    expect(() => env.ROOM.newUniqueId({ jurisdiction: "eu" })).toThrow(WORKERD_SAYS);
    // So, without the stand-in, a send in a located room fails in the Worker (500).
    const ws = await createWorkspace(admin, { dataLocation: "eu" });
    const roomId = await newRoom(ws.id);
    const sent = await SELF.fetch(`${BASE}/api/rooms/${roomId}/messages`, {
      method: "POST",
      headers: { authorization: `Bearer ${admin.token}`, "content-type": "application/json" },
      body: JSON.stringify({ cid: "x", body: "nowhere to go" }),
    });
    expect(sent.status).toBe(500);
  });
});

describe.each(["eu", "fedramp"] as const)("a workspace in %s", (location) => {
  const bucketOf = { eu: () => env.FILES_EU, fedramp: () => env.FILES_FEDRAMP }[location];
  let roomId = "";

  beforeAll(async () => {
    const ws = await createWorkspace(admin, { dataLocation: location });
    expect(ws.dataLocation).toBe(location);
    roomId = await newRoom(ws.id);
  });

  it("makes rooms whose id names the location", () => {
    expect(roomId).toMatch(new RegExp(`^room-${location}_`));
  });

  it("keeps the room's messages in that jurisdiction's Durable Object, not the global one", async () => {
    asked.length = 0;
    await send(roomId, `hello from ${location}`);
    if (!REAL) expect(new Set(asked)).toEqual(new Set([location]));
    const id = jurisdictions(location).idFromName(roomId);
    // The id says its jurisdiction where the runtime exposes it.
    const said = (id as DurableObjectId & { jurisdiction?: string }).jurisdiction;
    if (REAL && said !== undefined) expect(said).toBe(location);
    expect(await bodiesIn(jurisdictions(location).get(id))).toEqual([`hello from ${location}`]);
    const globalId = env.ROOM.idFromName(roomId);
    expect(globalId.toString()).not.toBe(id.toString());
    expect(await bodiesIn(env.ROOM.get(globalId))).toEqual([]);
  });

  it("keeps the room's files in that jurisdiction's bucket, not FILES", async () => {
    const key = await upload(roomId);
    expect(await keysIn(bucketOf(), roomId)).toEqual([key]);
    expect(await keysIn(env.FILES, roomId)).toEqual([]);
  });
});

describe("the default workspace", () => {
  it("keeps its rooms in the global namespace and FILES", async () => {
    asked.length = 0;
    const roomId = await newRoom();
    expect(roomId).toMatch(/^room_/);
    await send(roomId, "hello from anywhere");
    expect(asked).toEqual([]);
    expect(await bodiesIn(env.ROOM.get(env.ROOM.idFromName(roomId)))).toEqual([
      "hello from anywhere",
    ]);
    const eu = jurisdictions("eu");
    expect(await bodiesIn(eu.get(eu.idFromName(roomId)))).toEqual([]);
    const key = await upload(roomId);
    expect(await keysIn(env.FILES, roomId)).toEqual([key]);
    expect(await keysIn(env.FILES_EU, roomId)).toEqual([]);
  });
});
