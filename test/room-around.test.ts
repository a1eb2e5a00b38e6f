// Pages centred on a message (`?around=SEQ`): what links, search results and notifications open.
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

let ana: TestUser;
let roomId: string;

beforeAll(async () => {
  await register(); // the instance's admin
  ana = await register();
  const bo = await register();
  roomId = (await createRoom(ana, "channel", "around")).id;
  await addMember(ana, roomId, bo.id);
  // Two people take turns: each one's send bucket allows a burst of 20.
  for (let i = 1; i <= 30; i++) {
    await sendMessage(i % 2 ? ana : bo, roomId, `message ${i}`, `c${i}`);
  }
});

const around = async (seq: number, limit: number) => {
  const res = await call(
    "GET",
    `/api/rooms/${roomId}/messages?around=${seq}&limit=${limit}`,
    undefined,
    { token: ana.token },
  );
  expect(res.status).toBe(200);
  return {
    seqs: (res.body.messages as Array<{ seq: number }>).map((m) => m.seq),
    before: res.body.hasMoreBefore as boolean,
    after: res.body.hasMoreAfter as boolean,
  };
};

const range = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe("GET /api/rooms/:id/messages?around=", () => {
  it("centres the page on the message, ascending, with more on both sides", async () => {
    expect(await around(15, 5)).toEqual({ seqs: range(13, 17), before: true, after: true });
    expect(await around(15, 4)).toEqual({ seqs: range(14, 17), before: true, after: true });
  });

  it("at the start the page runs on after it; at the end it reaches back before it", async () => {
    expect(await around(1, 5)).toEqual({ seqs: range(1, 5), before: false, after: true });
    expect(await around(2, 5)).toEqual({ seqs: range(1, 5), before: false, after: true });
    expect(await around(30, 5)).toEqual({ seqs: range(26, 30), before: true, after: false });
    expect(await around(29, 5)).toEqual({ seqs: range(26, 30), before: true, after: false });
  });

  it("a page larger than the room is the whole room", async () => {
    expect(await around(10, 100)).toEqual({ seqs: range(1, 30), before: false, after: false });
  });

  it("takes one position at a time", async () => {
    const res = await call("GET", `/api/rooms/${roomId}/messages?around=3&before=10`, undefined, {
      token: ana.token,
    });
    expectError(res, 400, "invalid");
  });
});
