// A hostile member floods every frame type and every REST mutation for 10 s. The room must stay
// responsive for everyone else: another member's send → ack stays fast and nothing of theirs is
// lost. What holds the flooder back is the per-actor limits, not luck: the counts show the flood
// was refused (frame budget at the Worker's relay, 429s, closes after repeated refusals).
//
// Here the flooder, the Worker and the room share one workerd thread, so the flood is paced
// (a round of every frame type each 80 ms — 5× the socket's frame budget — and REST calls back
// to back) to measure the room's limits rather than the test's own CPU; in production the
// flooder's frames die at its own connection's Worker, far from the room.
import { describe, expect, it } from "vitest";
import { addMember, call, createRoom, register, uniqueHandle } from "../helpers";
import { RoomClient } from "../room-client";

const FLOOD_MS = 10_000;
const VICTIM_EVERY_MS = 250;
/** The highest rev a socket has seen: where a resuming client would sync from. */
const lastRev = (socket: RoomClient) =>
  socket.frames.reduce(
    (rev, f) => (f.type === "message" || f.type === "changed" ? Math.max(rev, f.message.rev) : rev),
    0,
  );
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe("a hostile member", () => {
  // One retry: the p99 of ~110 sends on two shared cores is occasionally pushed past 100 ms by
  // the machine itself; a room that lets a flooder through misses by seconds, every time.
  const options = { timeout: 60_000, retry: 1 };
  it(
    "floods every frame type and REST mutation for 10 s; another member's acks stay fast and nothing is lost",
    options,
    async () => {
      const owner = await register(uniqueHandle("owner"), "Owner");
      const flooder = await register(uniqueHandle("flooder"), "Flooder");
      // Three other members send as people do, so the tail is measured over ~110 sends, not ~38.
      const victims = await Promise.all(
        [1, 2, 3].map((n) => register(uniqueHandle(`victim${n}`), `Victim ${n}`)),
      );
      const victim = victims[0] as (typeof victims)[number];
      const roomId = (await createRoom(owner, "private", "under fire")).id;
      await addMember(owner, roomId, flooder.id);
      for (const v of victims) await addMember(owner, roomId, v.id);
      const base = `/api/rooms/${roomId}`;
      const theirs = await call(
        "POST",
        `${base}/messages`,
        { cid: "target", body: "something to edit" },
        { token: flooder.token },
      );
      const target = theirs.body.message.seq as number;

      const victimSockets = await Promise.all(victims.map((v) => RoomClient.open(roomId, v.token)));
      const watcher = await RoomClient.open(roomId, owner.token);
      const deadline = Date.now() + FLOOD_MS;
      const counts = { frames: 0, requests: 0, closes: 0, refused: 0, connectsRefused: 0 };

      async function floodSockets(): Promise<void> {
        let socket = await RoomClient.open(roomId, flooder.token);
        for (let round = 0; Date.now() < deadline; round++) {
          if (socket.closed) {
            counts.closes++;
            // Reconnecting in a loop is limited too (429 before the upgrade): try again soon.
            const again = await RoomClient.open(roomId, flooder.token).catch(() => null);
            if (!again) {
              counts.connectsRefused++;
              await sleep(80);
              continue;
            }
            socket = again;
          }
          const frames = [
            { type: "send", cid: `f-${round}`, body: `@${victim.handle} spam ${round}` },
            { type: "edit", seq: target, body: `edit ${round}` },
            { type: "react", seq: target, emoji: "👍", on: round % 2 === 0 },
            { type: "delete", seq: 999_999 },
            { type: "typing", on: round % 2 === 0 },
            { type: "read", seq: round },
            // From the start of the room only over HTTP (one answer): a socket replay from rev 0
            // sends hundreds of frames that, in this harness, the Worker's relay and this test's
            // own client handle on the room's thread; in production they cost the room ~5 ms.
            { type: "sync", sinceRev: Math.max(0, lastRev(socket) - 20) },
          ];
          for (const frame of frames) socket.send(frame);
          socket.sendRaw("not json");
          counts.frames += frames.length + 1;
          await sleep(80);
        }
        socket.close();
      }

      async function floodRest(): Promise<void> {
        const auth = { token: flooder.token };
        for (let round = 0; Date.now() < deadline; round++) {
          // One request after another, as fast as the answers come.
          const answers = [];
          for (const request of [
            () =>
              call("POST", `${base}/messages`, { cid: `h-${round}`, body: `spam ${round}` }, auth),
            () => call("PATCH", `${base}/messages/${target}`, { body: `http edit ${round}` }, auth),
            () =>
              call(
                "PUT",
                `${base}/messages/${target}/reactions/${encodeURIComponent("🔥")}`,
                undefined,
                auth,
              ),
            () => call("DELETE", `${base}/messages/999999`, undefined, auth),
            () => call("GET", `${base}/messages?sinceRev=0`, undefined, auth),
            () => call("POST", `${base}/read`, { seq: round }, auth),
          ]) {
            answers.push(await request());
          }
          counts.requests += answers.length;
          counts.refused += answers.filter((a) => a.status === 429).length;
        }
      }

      async function victimSends(socket: RoomClient): Promise<number[]> {
        const latencies: number[] = [];
        for (let i = 0; Date.now() < deadline; i++) {
          const cid = `v-${i}`;
          const from = socket.frames.length;
          const started = performance.now();
          socket.send({ type: "send", cid, body: `honest message ${i}` });
          await socket.next("ack", (f) => f.cid === cid, { from, timeoutMs: 20_000 });
          latencies.push(performance.now() - started);
          await sleep(VICTIM_EVERY_MS);
        }
        return latencies;
      }

      const [perVictim] = await Promise.all([
        Promise.all(victimSockets.map(victimSends)),
        floodSockets(),
        floodRest(),
      ]);
      const latencies = perVictim.flat();

      const sorted = [...latencies].sort((a, b) => a - b);
      // Nearest rank: the smallest latency at or above which 1 % of the sends lie.
      const p99 = sorted[Math.ceil(sorted.length * 0.99) - 1] ?? Infinity;
      console.log(
        `hostile member: ${victims.length} members sent ${latencies.length}, p50 ${sorted[Math.floor(sorted.length / 2)]?.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms; flooder ${counts.frames} frames, ${counts.requests} requests (${counts.refused} refused 429), socket closed ${counts.closes} times, ${counts.connectsRefused} reconnects refused`,
      );
      // The flood was real, and the limits are what held it back.
      expect(counts.frames).toBeGreaterThan(600);
      expect(counts.requests).toBeGreaterThan(100);
      expect(counts.refused).toBeGreaterThan(0);

      expect(latencies.length).toBeGreaterThan(75);
      expect(p99).toBeLessThan(100);
      for (const socket of victimSockets) expect(socket.closed).toBeNull();

      // Nothing of theirs is lost or doubled: history holds each of their messages once, and the
      // watching owner received each of them live.
      const history: Array<{ sender: { id: string }; body: string }> = [];
      let after = 0;
      for (;;) {
        const page = await call("GET", `${base}/messages?after=${after}&limit=100`, undefined, {
          token: owner.token,
        });
        history.push(...page.body.messages);
        if (!page.body.hasMore) break;
        after = page.body.messages.at(-1).seq;
      }
      victims.forEach((v, n) => {
        const expected = (perVictim[n] ?? []).map((_, i) => `honest message ${i}`);
        expect(history.filter((m) => m.sender.id === v.id).map((m) => m.body)).toEqual(expected);
        const live = watcher.frames.flatMap((f) =>
          f.type === "message" && f.message.sender.id === v.id ? [f.message.body] : [],
        );
        expect(live).toEqual(expected);
      });
      for (const socket of victimSockets) socket.close();
      watcher.close();
    },
  );
});
