// Room metadata (docs/api.md, "Admin API"): the system that creates a room keeps a JSON object of
// at most 4 KiB with it through the admin API; every answer that carries the room returns it.
import { beforeAll, describe, expect, it } from "vitest";
import { call, expectError, register, type TestUser } from "./helpers";

let admin: TestUser;
let member: TestUser;

beforeAll(async () => {
  admin = await register(); // the instance's first account
  member = await register();
});

const asAdmin = (method: string, path: string, body?: unknown) =>
  call(method, path, body, { token: admin.token });

async function roomWith(metadata: unknown, externalRef?: string) {
  return asAdmin("POST", "/api/admin/rooms", {
    kind: "private",
    name: "committee",
    metadata,
    ...(externalRef ? { externalRef } : {}),
    members: [{ userId: member.id }],
  });
}

describe("room metadata", () => {
  it("is kept as given and returned wherever the room is", async () => {
    const metadata = { committee: "FIN-7", task: { id: 42, tags: ["budget", "q3"] } };
    const ref = `task-${crypto.randomUUID()}`;
    const created = await roomWith(metadata, ref);
    expect(created.status).toBe(201);
    expect(created.body.room.metadata).toEqual(metadata);
    const id = created.body.room.id as string;

    const details = await call("GET", `/api/rooms/${id}`, undefined, { token: member.token });
    expect(details.body.room.metadata).toEqual(metadata);
    const mine = await call("GET", "/api/rooms", undefined, { token: member.token });
    const item = mine.body.rooms.find((r: { room: { id: string } }) => r.room.id === id);
    expect(item.room.metadata).toEqual(metadata);
    expect((await asAdmin("GET", `/api/admin/rooms/by-ref/${ref}`)).body.room.metadata).toEqual(
      metadata,
    );
  });

  it("is replaced by the admin API and removed with null; rooms without it say null", async () => {
    const id = (await roomWith({ v: 1 })).body.room.id as string;
    const replaced = await asAdmin("PATCH", `/api/admin/rooms/${id}`, { metadata: { v: 2 } });
    expect(replaced.body.room.metadata).toEqual({ v: 2 });
    const cleared = await asAdmin("PATCH", `/api/admin/rooms/${id}`, { metadata: null });
    expect(cleared.body.room.metadata).toBeNull();
    const plain = await call(
      "POST",
      "/api/rooms",
      { kind: "channel", name: "plain" },
      {
        token: member.token,
      },
    );
    expect(plain.body.room.metadata).toBeNull();
  });

  it("must be a JSON object of at most 4,096 bytes", async () => {
    expectError(await roomWith(["a", "list"]), 400, "invalid");
    expectError(await roomWith("text"), 400, "invalid");
    // 4,096 bytes exactly pass; one more is refused. `{"x":"…"}` is 8 bytes around the text.
    expect((await roomWith({ x: "a".repeat(4_088) })).status).toBe(201);
    expectError(await roomWith({ x: "a".repeat(4_089) }), 400, "invalid");
    // Bytes, not characters: 1,400 × "é" is 2,800 bytes; × "😀" is 5,600.
    expect((await roomWith({ x: "é".repeat(1_400) })).status).toBe(201);
    expectError(await roomWith({ x: "😀".repeat(1_400) }), 400, "invalid");
  });

  it("is the admin API's: members and owners cannot set it", async () => {
    const room = await call(
      "POST",
      "/api/rooms",
      { kind: "private", name: "mine" },
      {
        token: member.token,
      },
    );
    const id = room.body.room.id as string;
    const patched = await call(
      "PATCH",
      `/api/rooms/${id}`,
      { topic: "t", metadata: { x: 1 } },
      {
        token: member.token,
      },
    );
    expect(patched.status).toBe(200);
    expect(patched.body.room.metadata).toBeNull();
    expectError(
      await call(
        "PATCH",
        `/api/admin/rooms/${id}`,
        { metadata: { x: 1 } },
        { token: member.token },
      ),
      403,
      "forbidden",
    );
  });
});
