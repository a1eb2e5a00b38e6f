// Data location: a workspace made with `dataLocation` keeps its rooms' Durable Objects in that
// jurisdiction (found from the room id, `room-eu_…`) and their files in that jurisdiction's R2
// bucket; the default workspace's rooms stay in the global namespace and FILES.
//
// workerd — what runs here, as under `wrangler dev` — has no Durable Object jurisdictions:
// `jurisdiction()` throws. src/realtime/stubs.ts then keeps a located room's object in the global
// namespace (only for that error), so located rooms work locally end to end; on Cloudflare the
// same call returns the jurisdiction's namespace. Which namespace is asked for is checked on the
// routing function itself; the rest runs on the real runtime and the real local R2 buckets.
import { env, runInDurableObject, SELF } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { dataLocationOfRoom, roomNamespace, roomStub } from "../src/realtime/stubs";
import type { RoomDO } from "../src/room/room-do";
import {
  BASE,
  call,
  createRoom,
  createWorkspace,
  register,
  sendMessage,
  type TestUser,
  uniqueHandle,
} from "./helpers";

type Location = "eu" | "fedramp";
type RoomNamespace = typeof env.ROOM;

let admin: TestUser;

beforeAll(async () => {
  admin = await register(uniqueHandle("admin"));
  expect(admin.role).toBe("admin");
});

/** Uploads a file to the room; its R2 key. */
async function upload(roomId: string): Promise<string> {
  const res = await SELF.fetch(`${BASE}/api/rooms/${roomId}/attachments?name=notes.txt`, {
    method: "POST",
    headers: { authorization: `Bearer ${admin.token}`, "content-type": "text/plain" },
    body: "kept where the workspace says",
  });
  const body = (await res.json()) as { attachment: { id: string } };
  expect(res.status, JSON.stringify(body)).toBe(201);
  return `rooms/${roomId}/${body.attachment.id}`;
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

/** A namespace as Cloudflare's network has it: `jurisdiction(loc)` answers a namespace of its own. */
function namespaceWithJurisdictions() {
  const asked: string[] = [];
  const located = new Map<string, RoomNamespace>();
  const namespace = {
    jurisdiction(loc: Location) {
      asked.push(loc);
      const sub = located.get(loc) ?? ({ loc } as unknown as RoomNamespace);
      located.set(loc, sub);
      return sub;
    },
  } as unknown as RoomNamespace;
  return { namespace, asked, located };
}

describe("which namespace a room's object is in", () => {
  it("a located room's, its jurisdiction's; any other room's, the global one", () => {
    const cloud = namespaceWithJurisdictions();
    expect(roomNamespace({ ROOM: cloud.namespace }, "room-eu_abc")).toBe(cloud.located.get("eu"));
    expect(roomNamespace({ ROOM: cloud.namespace }, "room-fedramp_abc")).toBe(
      cloud.located.get("fedramp"),
    );
    expect(roomNamespace({ ROOM: cloud.namespace }, "room_abc")).toBe(cloud.namespace);
    expect(cloud.asked).toEqual(["eu", "fedramp"]);
    expect(dataLocationOfRoom("room-eu_abc")).toBe("eu");
    expect(dataLocationOfRoom("room_eu-abc")).toBeNull();
  });

  it("other failures of jurisdiction() are not taken for a runtime without jurisdictions", () => {
    const broken = {
      jurisdiction() {
        throw new Error("something else");
      },
    } as unknown as RoomNamespace;
    expect(() => roomNamespace({ ROOM: broken }, "room-eu_abc")).toThrow("something else");
  });

  it("workerd has no jurisdictions: located rooms run in its global namespace", () => {
    expect(() => env.ROOM.jurisdiction("eu")).toThrow(
      "Jurisdiction restrictions are not implemented in workerd",
    );
    expect(roomNamespace(env, "room-eu_abc")).toBe(env.ROOM);
  });
});

describe.each(["eu", "fedramp"] as const)("a workspace in %s", (location) => {
  const bucketOf = { eu: () => env.FILES_EU, fedramp: () => env.FILES_FEDRAMP }[location];
  let roomId = "";

  beforeAll(async () => {
    const ws = await createWorkspace(admin, { dataLocation: location });
    expect(ws.dataLocation).toBe(location);
    roomId = (await createRoom(admin, "channel", "located", ws.id)).id;
  });

  it("makes rooms whose id names the location, which work as any room", async () => {
    expect(roomId).toMatch(new RegExp(`^room-${location}_`));
    await sendMessage(admin, roomId, `hello from ${location}`);
    const history = await call("GET", `/api/rooms/${roomId}/messages`, undefined, {
      token: admin.token,
    });
    expect(history.body.messages.map((m: { body: string }) => m.body)).toEqual([
      `hello from ${location}`,
    ]);
    expect(await bodiesIn(roomStub(env, roomId))).toEqual([`hello from ${location}`]);
  });

  it("keeps the room's files in that jurisdiction's bucket, not FILES", async () => {
    const key = await upload(roomId);
    expect(await keysIn(bucketOf(), roomId)).toEqual([key]);
    expect(await keysIn(env.FILES, roomId)).toEqual([]);
    const served = await SELF.fetch(
      `${BASE}/api/rooms/${roomId}/attachments/${key.split("/")[2]}`,
      {
        headers: { authorization: `Bearer ${admin.token}` },
      },
    );
    expect(await served.text()).toBe("kept where the workspace says");
  });
});

describe("the default workspace", () => {
  it("keeps its rooms in the global namespace and FILES", async () => {
    const roomId = (await createRoom(admin, "channel", "anywhere")).id;
    expect(roomId).toMatch(/^room_/);
    await sendMessage(admin, roomId, "hello from anywhere");
    expect(await bodiesIn(env.ROOM.get(env.ROOM.idFromName(roomId)))).toEqual([
      "hello from anywhere",
    ]);
    const key = await upload(roomId);
    expect(await keysIn(env.FILES, roomId)).toEqual([key]);
    expect(await keysIn(env.FILES_EU, roomId)).toEqual([]);
  });
});
