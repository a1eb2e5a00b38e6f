// "Mark all read" (`POST /api/me/read-all`): every room of mine with unread is read up to its
// last message, in the room (its read mark, a `read` receipt) and in D1 (the room list), in one
// request; rooms of others and rooms already read are left alone.
import { beforeAll, describe, expect, it } from "vitest";
import {
  addMember,
  call,
  createRoom,
  myRoom,
  register,
  roomStub,
  sendMessage,
  type TestUser,
  uniqueHandle,
} from "./helpers";

beforeAll(async () => {
  // The instance's first account is its admin: made here so the people below are plain users.
  await register(uniqueHandle("admin"), "Admin");
});

const readAll = (user: TestUser) =>
  call("POST", "/api/me/read-all", undefined, { token: user.token });

describe("mark all read", () => {
  it("reads every room with unread, in the rooms and in D1, in one request", async () => {
    const ann = await register(uniqueHandle("ann"), "Ann");
    const ben = await register(uniqueHandle("ben"), "Ben");
    const cy = await register(uniqueHandle("cy"), "Cy");
    const rooms: string[] = [];
    for (const name of ["one", "two", "three"]) {
      const room = await createRoom(ann, "private", `readall-${name}`);
      await addMember(ann, room.id, ben.id);
      await addMember(ann, room.id, cy.id);
      rooms.push(room.id);
    }
    for (const [i, roomId] of rooms.entries()) {
      for (let n = 0; n <= i; n++) await sendMessage(ann, roomId, `news ${n} @${ben.handle}`);
      await roomStub(roomId).flush();
    }
    for (const [i, roomId] of rooms.entries()) {
      expect(await myRoom(ben, roomId)).toMatchObject({ unread: i + 1 });
    }

    const res = await readAll(ben);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ rooms: 3, more: false });
    // D1 learned each mark before the answer: the list shows every room read, mentions too.
    for (const [i, roomId] of rooms.entries()) {
      expect(await myRoom(ben, roomId)).toMatchObject({
        unread: 0,
        mentions: 0,
        lastReadSeq: i + 1,
      });
      // Others' marks stay where they were.
      expect(await myRoom(cy, roomId)).toMatchObject({ unread: i + 1 });
    }
    // Nothing left to read: nothing to do.
    expect((await readAll(ben)).body).toEqual({ rooms: 0, more: false });
  });

  it("needs a session", async () => {
    const res = await call("POST", "/api/me/read-all");
    expect(res.status).toBe(401);
  });
});
