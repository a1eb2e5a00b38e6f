// Search across my rooms (docs/api.md: Messages over HTTP): `GET /api/search` asks the room
// search of each room I am a member of — at most 20, the most recently active — and answers the
// results grouped by room. Rooms I may not read, or read without being a member, never answer.
import { env, runDurableObjectAlarm } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import type { MyRoomsSearch } from "../src/shared/api";
import {
  addMember,
  call,
  createRoom,
  expectError,
  register,
  roomStub,
  sendMessage,
  type TestUser,
} from "./helpers";

let admin: TestUser;
let me: TestUser;
let other: TestUser;

beforeAll(async () => {
  admin = await register("srch_admin", "Ada Admin");
  me = await register("srch_me", "Mia Member");
  other = await register("srch_other", "Oli Other");
  if (admin.role !== "admin") throw new Error("the first account of the file should be the admin");
});

async function searchAll(query: string, user: TestUser = me) {
  const res = await call<MyRoomsSearch>("GET", `/api/search?${query}`, undefined, {
    token: user.token,
  });
  return res;
}

const q = (text: string, extra = "") => `q=${encodeURIComponent(text)}${extra}`;
const roomIds = (body: MyRoomsSearch) => body.rooms.map((group) => group.room.id);

/**
 * Sets when a room last had a message, as the room's D1 sync would: the search's order. The
 * room's pending sync runs first, so that it cannot overwrite the time afterwards.
 */
async function activeAt(roomId: string, at: number) {
  for (let i = 0; i < 5 && (await runDurableObjectAlarm(roomStub(roomId))); i++);
  await env.DB.prepare("UPDATE rooms SET last_message_at = ? WHERE id = ?").bind(at, roomId).run();
}

describe("GET /api/search", () => {
  let channel: string;
  let privateRoom: string;
  let dm: string;
  const seqs: Record<string, number> = {};

  beforeAll(async () => {
    channel = (await createRoom(other, "channel", "Kumquat lovers")).id;
    await call("POST", `/api/rooms/${channel}/join`, undefined, { token: me.token });
    privateRoom = (await createRoom(other, "private", "Fruit plans")).id;
    await addMember(other, privateRoom, me.id);
    const opened = await call("POST", "/api/dms", { userId: other.id }, { token: me.token });
    dm = opened.body.room.id;

    seqs.channel1 = (await sendMessage(other, channel, "A kumquat is a tiny citrus")).seq;
    seqs.private1 = (await sendMessage(me, privateRoom, "Buy kumquats for the party")).seq;
    seqs.channel2 = (await sendMessage(me, channel, "Kumquat jam on toast")).seq;
    seqs.private2 = (await sendMessage(other, privateRoom, "Nothing to see here")).seq;
    await sendMessage(other, dm, "No fruit in this one");
  });

  it("answers the results grouped by room, each room's newest first, the room of the newest hit first", async () => {
    const res = await searchAll(q("kumquat"));
    expect(res.status).toBe(200);
    // The channel's "jam" message is the newest hit of all.
    expect(roomIds(res.body)).toEqual([channel, privateRoom]);
    const [first, second] = res.body.rooms;
    expect(first?.room).toEqual({ id: channel, kind: "channel", name: "Kumquat lovers" });
    expect(first?.results.map((r) => r.message.seq)).toEqual([seqs.channel2, seqs.channel1]);
    expect(second?.room).toEqual({ id: privateRoom, kind: "private", name: "Fruit plans" });
    expect(second?.results.map((r) => r.message.seq)).toEqual([seqs.private1]);
    for (const group of res.body.rooms) {
      expect(group.nextBefore).toBeNull();
      for (const result of group.results) {
        expect(result.message.roomId).toBe(group.room.id);
        // The same snippet as the room search: HTML, hits in <mark>.
        expect(result.snippet).toMatch(/<mark>kumquats?<\/mark>/i);
      }
    }
    // Every room of mine was asked (the DM too, which had nothing).
    expect(res.body.searchedRooms).toBe(3);
    expect(res.body.moreRooms).toBe(false);
    // A room's results are those of its own search.
    const inRoom = await call("GET", `/api/rooms/${channel}/search?${q("kumquat")}`, undefined, {
      token: me.token,
    });
    expect(inRoom.body.results.map((r: { message: { seq: number } }) => r.message.seq)).toEqual(
      first?.results.map((r) => r.message.seq),
    );
  });

  it("limits each room's results to `limit`, with where its own search goes on", async () => {
    const res = await searchAll(q("kumquat", "&limit=1"));
    expect(res.status).toBe(200);
    const channelGroup = res.body.rooms.find((group) => group.room.id === channel);
    expect(channelGroup?.results.map((r) => r.message.seq)).toEqual([seqs.channel2]);
    expect(channelGroup?.nextBefore).toBe(seqs.channel2);
    const rest = await call(
      "GET",
      `/api/rooms/${channel}/search?${q("kumquat")}&before=${channelGroup?.nextBefore}`,
      undefined,
      { token: me.token },
    );
    expect(rest.body.results.map((r: { message: { seq: number } }) => r.message.seq)).toEqual([
      seqs.channel1,
    ]);
  });

  it("finds nothing in rooms I left, others' private rooms or public channels I never joined", async () => {
    const left = (await createRoom(other, "private", "Left behind")).id;
    await addMember(other, left, me.id);
    await sendMessage(me, left, "durian notes from when I was here");
    const leaving = await call("POST", `/api/rooms/${left}/leave`, undefined, { token: me.token });
    expect(leaving.status).toBe(204);
    const secret = (await createRoom(other, "private", "Other's secret")).id;
    await sendMessage(other, secret, "durian is the secret");
    const unjoined = (await createRoom(other, "channel", "Open durian talk")).id;
    await sendMessage(other, unjoined, "durian for everyone who joins");
    // Every one of them is the most recently active room there is.
    for (const roomId of [left, secret, unjoined]) await activeAt(roomId, Date.now() + 60_000);

    const mine = await searchAll(q("durian"));
    expect(mine.status).toBe(200);
    expect(mine.body.rooms).toEqual([]);
    expect(mine.body.searchedRooms).toBe(3);
    // The room search of the channel I never joined does find it: readable is not mine.
    const direct = await call("GET", `/api/rooms/${unjoined}/search?${q("durian")}`, undefined, {
      token: me.token,
    });
    expect(direct.body.results).toHaveLength(1);
    // Its owner finds all three of theirs.
    const owner = await searchAll(q("durian"), other);
    expect(new Set(roomIds(owner.body))).toEqual(new Set([left, secret, unjoined]));
  });

  it("searches an instance admin's memberships only, though they may read every room", async () => {
    const res = await searchAll(q("kumquat"), admin);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ rooms: [], searchedRooms: 0, moreRooms: false });
    // The room search itself is open to them.
    const direct = await call(
      "GET",
      `/api/rooms/${privateRoom}/search?${q("kumquat")}`,
      undefined,
      {
        token: admin.token,
      },
    );
    expect(direct.body.results).toHaveLength(1);
  });

  it("asks at most 20 rooms, those with the latest messages, and says more were left", async () => {
    const busy = await register("srch_busy", "Busy Bee");
    const start = Date.now() - 3_600_000;
    const made: string[] = [];
    for (let i = 0; i < 22; i++) {
      const roomId = (await createRoom(busy, "private", `Room ${i}`)).id;
      await sendMessage(busy, roomId, `persimmon number ${i}`);
      made.push(roomId);
    }
    // Activity out of creation order: room i last had a message at start + ((i * 7) % 22) s.
    const order = made.map((roomId, i) => ({ roomId, at: start + ((i * 7) % 22) * 1000 }));
    for (const { roomId, at } of order) await activeAt(roomId, at);
    const newest = [...order].sort((a, b) => b.at - a.at).map((room) => room.roomId);

    const res = await searchAll(q("persimmon"), busy);
    expect(res.status).toBe(200);
    expect(res.body.searchedRooms).toBe(20);
    expect(res.body.moreRooms).toBe(true);
    expect(new Set(roomIds(res.body))).toEqual(new Set(newest.slice(0, 20)));
    for (const roomId of newest.slice(20)) expect(roomIds(res.body)).not.toContain(roomId);

    // A room that never had a message comes after every room that had one.
    const quiet = (await createRoom(busy, "private", "Quiet")).id;
    const again = await searchAll(q("persimmon"), busy);
    expect(again.body.searchedRooms).toBe(20);
    expect(new Set(roomIds(again.body))).toEqual(new Set(newest.slice(0, 20)));
    expect(roomIds(again.body)).not.toContain(quiet);
  });

  it("validates q and limit as the room search does: 400 invalid", async () => {
    for (const query of [
      "",
      "q=",
      "q=%20%20%20",
      q("x".repeat(201)),
      q("kumquat", "&limit=0"),
      q("kumquat", "&limit=21"),
      q("kumquat", "&limit=many"),
    ]) {
      const res = await searchAll(query);
      expectError(res as never, 400, "invalid");
      const room = await call("GET", `/api/rooms/${channel}/search?${query}`, undefined, {
        token: me.token,
      });
      // The same rules for q; the room search allows up to 50 results a page.
      if (!query.includes("limit=21")) expectError(room as never, 400, "invalid");
    }
    expect((await searchAll(q("x".repeat(200)))).status).toBe(200);
    // Punctuation alone is a valid query that matches nothing.
    const punctuation = await searchAll(q("!!!"));
    expect(punctuation.status).toBe(200);
    expect(punctuation.body.rooms).toEqual([]);
  });

  it("is for signed-in people only", async () => {
    expectError((await call("GET", `/api/search?${q("kumquat")}`)) as never, 401, "unauthorized");
  });
});
