// Convergence over a sharded room (ROOM_RELAY_THRESHOLD = 2, ROOM_RELAYS = 3; vitest.config.ts,
// project `sharded`): the web client's real room state (test/live-room-client.ts, as in
// test/room-convergence.test.ts) for several people whose sockets land on the room and on
// different relays, with random drops and lost answers (each reconnect may land elsewhere), while
// the room and the relays are evicted. Every client must end with exactly the server's list; every
// acked message is there once; a socket that never dropped heard every message once, in order.
import { env, evictDurableObject } from "cloudflare:test";
import { expect, it } from "vitest";
import { relayOf } from "../../src/realtime/relays";
import { relayStub } from "../../src/realtime/stubs";
import type { ServerFrame } from "../../src/shared/protocol";
import { mulberry32, serverHistory, sleep, until } from "../convergence-kit";
import { addMember, createRoom, register, roomStub } from "../helpers";
import { liveRoomClient } from "../live-room-client";
import { RoomClient } from "../room-client";
import { peopleOnRelays, RELAYS } from "./kit";

const CLIENTS = 5;
const MESSAGES = 40;

/**
 * Wakes the object (`wake`), then evicts it (retrying while it is not running); answers whether
 * it happened.
 */
async function evict(
  stub: Parameters<typeof evictDurableObject>[0],
  webSockets: "hibernate" | "close",
  wake: () => Promise<unknown>,
): Promise<boolean> {
  for (let tries = 0; tries < 100; tries++) {
    try {
      await wake();
      await evictDurableObject(stub, { webSockets });
      return true;
    } catch (error) {
      if (tries === 0) console.log("eviction refused", String(error));
      await sleep(20);
    }
  }
  return false;
}

const messageSeqs = (client: RoomClient) =>
  client.frames
    .filter((f): f is Extract<ServerFrame, { type: "message" }> => f.type === "message")
    .map((f) => f.message.seq);

it.each([1, 2])(
  "seed %i: clients on the room and on relays, drops, evictions of the room and the relays; all converge",
  async (seed) => {
    const random = mulberry32(seed * 77);
    const owner = await register(undefined, `Shard owner ${seed}`);
    const users = await peopleOnRelays(`shard_conv${seed}_`, CLIENTS, `Shard ${seed}`);
    const roomId = (await createRoom(owner, "private", `sharded-${seed}`)).id;
    for (const u of users) await addMember(owner, roomId, u.id);
    // Two watchers of the owner fill the room's own places: everyone after them is on relays
    // until a drop frees a place. A third watcher sits on a relay and is never dropped.
    const watchers = [
      await RoomClient.open(roomId, owner.token),
      await RoomClient.open(roomId, owner.token),
    ];
    const relayWatcher = await RoomClient.open(roomId, owner.token, { batch: true });
    const watcherRelay = relayOf(owner.id, RELAYS);

    const chaos = { dropBefore: 0.02, loseAnswer: 0.02, dropInFlight: 0.02 };
    const clients = users.map((u, i) => ({
      user: u,
      live: liveRoomClient(u, roomId, mulberry32(seed * 1000 + i), chaos),
      sent: [] as Array<{ cid: string; seq: number }>,
      problems: [] as string[],
    }));
    // Everyone connects first: the room is full, so the clients are on relays, and on more than one.
    for (const c of clients) c.live.room.open();
    await until(
      () => clients.every((c) => c.live.room.connection.value === "connected"),
      10_000,
      "clients connected",
    );
    const onRelays: number[] = [];
    for (let i = 0; i < RELAYS; i++) onRelays.push(await relayStub(env, roomId, i).sockets());
    expect(onRelays.reduce((a, b) => a + b, 0)).toBe(CLIENTS + 1);
    expect(onRelays.filter((n) => n > 0).length).toBeGreaterThan(1);

    const total = CLIENTS * MESSAGES;
    let finished = false;
    const progress = () => clients.reduce((n, c) => n + c.sent.length, 0) / total;

    const evictions: string[] = [];
    const evicting = (async () => {
      // The room (hibernated, then closed), and each relay but the watcher's (hibernated or
      // closed at random) and the watcher's (hibernated), at points along the run.
      const plan: Array<{ at: number; what: string; run: () => Promise<boolean> }> = [
        {
          at: 0.2,
          what: "room:hibernate",
          run: () => evict(roomStub(roomId), "hibernate", () => roomStub(roomId).lastSeq()),
        },
        {
          at: 0.7,
          what: "room:close",
          run: () => evict(roomStub(roomId), "close", () => roomStub(roomId).lastSeq()),
        },
      ];
      for (let i = 0; i < RELAYS; i++) {
        const kind = i === watcherRelay || random() < 0.5 ? "hibernate" : "close";
        plan.push({
          at: 0.3 + random() * 0.5,
          what: `relay${i}:${kind}`,
          run: () =>
            evict(relayStub(env, roomId, i), kind, () => relayStub(env, roomId, i).sockets()),
        });
      }
      plan.sort((a, b) => a.at - b.at);
      for (const step of plan) {
        // A step the run outpaced still happens (after it, the clients must still converge).
        while (progress() < step.at && !finished) await sleep(10);
        if (await step.run()) evictions.push(step.what);
      }
    })();

    try {
      await Promise.all(
        clients.map(async (c, i) => {
          for (let n = 1; n <= MESSAGES; n++) {
            const body = `s${seed}c${i} #${n}`;
            const problem = c.live.room.send(body);
            if (problem) throw new Error(problem);
            const cid = (c.live.room.pending.value.at(-1) as { cid: string }).cid;
            await until(
              () => c.live.seen.acked.has(cid) || c.live.room.pending.value.some((p) => p.error),
              60_000,
              `ack of ${body}`,
            );
            const failed = c.live.room.pending.value.find((p) => p.error);
            if (failed) {
              c.problems.push(`${body} → ${failed.error}`);
              return;
            }
            c.sent.push({ cid, seq: c.live.seen.acked.get(cid) as number });
          }
        }),
      );
    } finally {
      finished = true;
    }
    await evicting;

    expect(clients.flatMap((c) => c.problems)).toEqual([]);
    expect(evictions).toEqual(expect.arrayContaining(["room:hibernate", "room:close"]));
    expect(evictions.filter((e) => e.startsWith("relay")).length).toBeGreaterThan(0);
    expect(clients.reduce((n, c) => n + c.live.seen.drops, 0)).toBeGreaterThan(0);

    // The server: seqs 1..N, every acked send once, in each sender's order.
    const server = await serverHistory(roomId, owner.token);
    expect(server.map((m) => m.seq)).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    const acked = clients.flatMap((c) => c.sent.map((s) => s.seq));
    expect(new Set(acked).size).toBe(total);
    for (const c of clients) {
      const seqs = c.sent.map((s) => s.seq);
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
      for (const seq of seqs) expect(server[seq - 1]?.sender.id).toBe(c.user.id);
    }

    // Every client holds exactly the server's list once it is connected again.
    for (const [i, c] of clients.entries()) {
      await until(
        () =>
          c.live.room.connection.value === "connected" &&
          JSON.stringify(c.live.room.messages.value) === JSON.stringify(server),
        20_000,
        `client ${i} converges`,
      ).catch(() => {});
      expect(c.live.room.messages.value, `client ${i}`).toEqual(server);
      expect(c.live.room.pending.value).toEqual([]);
    }

    // The watcher on a relay (hibernated with it, never closed) heard each message once, in order.
    await until(() => messageSeqs(relayWatcher).length >= total, 10_000, "the relay watcher");
    expect(relayWatcher.closed).toBeNull();
    expect(messageSeqs(relayWatcher)).toEqual(server.map((m) => m.seq));
    // The room's own watchers (closed by the room's eviction) never heard one twice or out of order.
    for (const w of watchers) {
      const seqs = messageSeqs(w);
      expect(seqs).toEqual([...new Set(seqs)].sort((a, b) => a - b));
    }
    for (const c of clients) c.live.room.close();
    for (const w of [...watchers, relayWatcher]) w.close();
    // The relays' last reports of these closes reach the room before the test ends.
    await sleep(1_000);
    console.log(`sharded seed ${seed}: ${total} messages, evictions ${evictions.join(",")}`);
  },
  120_000,
);
