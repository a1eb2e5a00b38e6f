// The room's actions over a real room store, without sockets, the Worker or D1: each returns its
// answer and the frames the room would broadcast, and nothing else.
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import * as actions from "../src/room/actions";
import type { Actor, RoomInfo } from "../src/room/handlers";
import type { RoomDO } from "../src/room/room-do";
import { Roster } from "../src/room/roster";
import { RoomStore } from "../src/room/store";
import { READY_ONLINE_MAX } from "../src/shared/protocol";

const room: RoomInfo = {
  id: "room_actions",
  kind: "private",
  name: "actions",
  topic: "",
  archived: false,
  ephemeral: false,
  retention: null,
};
const ana: Actor = { id: "usr_ana", handle: "ana", name: "Ana", role: "owner", isAdmin: false };
const bo: Actor = { id: "usr_bo", handle: "bob", name: "Bo", role: "member", isAdmin: false };

let rooms = 0;

/** A fresh room's store and roster (its Durable Object ran the migrations; no socket opens). */
function withRoom<T>(run: (store: RoomStore, roster: Roster) => T): Promise<T> {
  const stub = env.ROOM.get(env.ROOM.idFromName(`actions-${rooms++}`));
  return runInDurableObject<RoomDO, T>(stub, (_instance, state) => {
    const store = new RoomStore(state.storage.sql, (fn) => state.storage.transactionSync(fn));
    const roster = new Roster(state.storage.sql);
    roster.load([
      { userId: ana.id, handle: ana.handle, role: "owner" },
      { userId: bo.id, handle: bo.handle, role: "member" },
    ]);
    return run(store, roster);
  });
}

describe("room actions", () => {
  it("a big room's welcome lists some of who is online, the newcomer first, and counts them all", async () => {
    const online = new Set(Array.from({ length: 500 }, (_, i) => `usr_${i}`));
    online.add(bo.id);
    const [ready] = await withRoom((store, roster) =>
      actions.welcome(
        store,
        roster,
        room,
        { actor: bo, room, sessionHash: "s", sinceRev: null, batch: false },
        online,
        {},
      ),
    );
    if (ready?.type !== "ready") throw new Error("no ready");
    expect(ready.onlineCount).toBe(501);
    expect(ready.online).toHaveLength(READY_ONLINE_MAX);
    expect(ready.online[0]).toBe(bo.id);
    expect(new Set(ready.online).size).toBe(READY_ONLINE_MAX);
  });

  it("a small room's welcome lists everyone online", async () => {
    const [ready] = await withRoom((store, roster) =>
      actions.welcome(
        store,
        roster,
        room,
        { actor: ana, room, sessionHash: "s", sinceRev: null, batch: true },
        new Set([bo.id, ana.id]),
        {},
      ),
    );
    expect(ready).toMatchObject({ type: "ready", online: [ana.id, bo.id], onlineCount: 2 });
  });

  it("a send answers the message and broadcasts it once; a repeated cid broadcasts nothing", async () => {
    const [first, again] = await withRoom((store, roster) => [
      actions.send(store, roster, room, ana, { cid: "c1", body: "hi @bob and @nobody" }, 1_000),
      actions.send(store, roster, room, ana, { cid: "c1", body: "hi @bob and @nobody" }, 2_000),
    ]);
    expect(first?.result).toMatchObject({ ok: true, value: { created: true } });
    expect(first?.frames).toHaveLength(1);
    expect(first?.frames[0]).toMatchObject({
      type: "message",
      message: { seq: 1, body: "hi @bob and @nobody", mentions: [bo.id] },
    });
    expect(again?.result).toMatchObject({ ok: true, value: { created: false } });
    expect(again?.frames).toEqual([]);
  });

  it("an edit that changes nothing broadcasts nothing; a real one broadcasts changed", async () => {
    const [same, edited, forbidden] = await withRoom((store, roster) => {
      actions.send(store, roster, room, ana, { cid: "c1", body: "first" }, 1_000);
      return [
        actions.change(store, room, ana, { type: "edit", seq: 1, body: "first" }, 2_000),
        actions.change(store, room, ana, { type: "edit", seq: 1, body: "second" }, 3_000),
        actions.change(store, room, bo, { type: "edit", seq: 1, body: "mine now" }, 4_000),
      ];
    });
    expect(same?.frames).toEqual([]);
    expect(edited?.frames).toEqual([
      expect.objectContaining({
        type: "changed",
        message: expect.objectContaining({ body: "second" }),
      }),
    ]);
    expect(forbidden?.result).toMatchObject({ ok: false, code: "forbidden" });
    expect(forbidden?.frames).toEqual([]);
  });

  it("a read broadcasts a receipt only when the mark moves forward", async () => {
    const [forward, backward] = await withRoom((store, roster) => {
      for (let i = 1; i <= 3; i++) {
        actions.send(store, roster, room, ana, { cid: `c${i}`, body: `m${i}` }, i);
      }
      return [actions.read(store, bo, 2, 10), actions.read(store, bo, 1, 11)];
    });
    expect(forward?.frames).toEqual([{ type: "read", userId: bo.id, seq: 2 }]);
    expect(backward?.result).toEqual({ ok: true, value: { seq: 2 } });
    expect(backward?.frames).toEqual([]);
  });

  it("newcomers join read up to the last message; leaving drops the mark and says so", async () => {
    const cy = { userId: "usr_cy", handle: "cyd", role: "member" as const };
    const result = await withRoom((store, roster) => {
      actions.send(store, roster, room, ana, { cid: "c1", body: "before cy" }, 1);
      actions.send(store, roster, room, ana, { cid: "c2", body: "@cyd hello" }, 2);
      const joined = actions.addMembers(store, roster, [cy], 3);
      const markAfterJoin = store.marks.of(cy.userId);
      const again = actions.addMembers(store, roster, [cy], 4);
      const mention = actions.send(store, roster, room, ana, { cid: "c3", body: "@cyd now" }, 5);
      const left = actions.removeMember(store, roster, cy.userId);
      return {
        joined,
        markAfterJoin,
        again,
        mention,
        left,
        markAfterLeave: store.marks.of(cy.userId),
      };
    });
    expect(result.joined).toEqual([
      { type: "member", userId: "usr_cy", change: "joined", role: "member" },
    ]);
    expect(result.markAfterJoin).toBe(2);
    expect(result.again).toEqual([]);
    expect(result.mention.frames[0]).toMatchObject({ message: { mentions: ["usr_cy"] } });
    expect(result.left).toEqual([{ type: "member", userId: "usr_cy", change: "left" }]);
    expect(result.markAfterLeave).toBe(0);
  });
});
