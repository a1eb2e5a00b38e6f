// Owners archive and delete their own rooms (as instance admins can): archived is read-only
// until unarchived; deleting ends the room for everyone at once. Moderators and members cannot.
import { beforeAll, describe, expect, it } from "vitest";
import {
  addMember,
  call,
  createRoom,
  expectError,
  register,
  sendMessage,
  type TestUser,
} from "./helpers";
import { RoomClient } from "./room-client";

let owner: TestUser;
let moderator: TestUser;
let member: TestUser;

beforeAll(async () => {
  await register(); // the instance's admin
  owner = await register();
  moderator = await register();
  member = await register();
});

async function room() {
  const r = await createRoom(owner, "private", "closing");
  await addMember(owner, r.id, moderator.id, "moderator");
  await addMember(owner, r.id, member.id);
  return r.id;
}

const patch = (who: TestUser, roomId: string, body: unknown) =>
  call("PATCH", `/api/rooms/${roomId}`, body, { token: who.token });

describe("owners close their rooms", () => {
  it("archive: open sockets hear it, sends are refused, only unarchiving is allowed, then all is back", async () => {
    const roomId = await room();
    expectError(await patch(moderator, roomId, { archived: true }), 403, "forbidden");
    const socket = await RoomClient.open(roomId, member.token);
    const archived = await patch(owner, roomId, { archived: true });
    expect(archived.body.room.archived).toBe(true);
    await socket.next("room", (f) => f.room.archived);
    socket.close();
    expectError(
      await call(
        "POST",
        `/api/rooms/${roomId}/messages`,
        { cid: "a1", body: "hi" },
        { token: member.token },
      ),
      403,
      "archived",
    );
    expectError(await patch(owner, roomId, { topic: "still?" }), 403, "archived");
    expect((await patch(owner, roomId, { archived: false })).body.room.archived).toBe(false);
    await sendMessage(member, roomId, "back");
  });

  it("delete: sockets close at once, the room is gone for everyone; moderators and members may not", async () => {
    const roomId = await room();
    await sendMessage(member, roomId, "last words");
    for (const who of [moderator, member]) {
      expectError(
        await call("DELETE", `/api/rooms/${roomId}`, undefined, { token: who.token }),
        403,
        "forbidden",
      );
    }
    const socket = await RoomClient.open(roomId, member.token);
    const res = await call("DELETE", `/api/rooms/${roomId}`, undefined, { token: owner.token });
    expect(res.status).toBe(204);
    expect((await socket.waitClosed()).code).toBe(1008);
    expectError(
      await call("GET", `/api/rooms/${roomId}`, undefined, { token: member.token }),
      404,
      "not_found",
    );
    const list = await call("GET", "/api/rooms", undefined, { token: member.token });
    expect(list.body.rooms.map((r: { room: { id: string } }) => r.room.id)).not.toContain(roomId);
  });
});
