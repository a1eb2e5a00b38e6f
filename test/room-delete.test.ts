// Deleting a room for good: D1 forgets it, its sockets close, its storage is wiped.
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, createRoom, expectError, register } from "./helpers";
import { RoomClient } from "./room-client";

describe("DELETE /api/admin/rooms/:id", () => {
  it("closes sockets with 1008, wipes messages and answers 404 afterwards", async () => {
    const admin = await register("del_admin");
    const owner = await register();
    const room = await createRoom(owner, "channel", "doomed");
    const socket = await RoomClient.open(room.id, owner.token);
    await call(
      "POST",
      `/api/rooms/${room.id}/messages`,
      { cid: "a", body: "soon gone" },
      { token: owner.token },
    );

    expectError(
      await call("DELETE", `/api/admin/rooms/${room.id}`, undefined, { token: owner.token }),
      403,
      "forbidden",
    );
    expect(
      (await call("DELETE", `/api/admin/rooms/${room.id}`, undefined, { token: admin.token }))
        .status,
    ).toBe(204);

    expect((await socket.waitClosed()).code).toBe(1008);
    expectError(
      await call("GET", `/api/rooms/${room.id}`, undefined, { token: owner.token }),
      404,
      "not_found",
    );
    expectError(
      await call("GET", `/api/rooms/${room.id}/messages`, undefined, { token: admin.token }),
      404,
      "not_found",
    );
    expect((await call("GET", "/api/rooms", undefined, { token: owner.token })).body.rooms).toEqual(
      [],
    );
    const stub = env.ROOM.get(env.ROOM.idFromName(room.id));
    const left = await runInDurableObject(
      stub,
      (_instance, state) =>
        state.storage.sql
          .exec<{ n: number }>("SELECT count(*) AS n FROM sqlite_master WHERE name = 'messages'")
          .one().n,
    );
    expect(left).toBe(0);
    const audit = await call("GET", `/api/admin/audit?roomId=${room.id}`, undefined, {
      token: admin.token,
    });
    expect(audit.body.entries[0]).toMatchObject({ action: "room.delete", actorId: admin.id });
    expectError(
      await call("DELETE", `/api/admin/rooms/${room.id}`, undefined, { token: admin.token }),
      404,
      "not_found",
    );
  });
});
