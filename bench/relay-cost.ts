// `node bench/relay-cost.ts [--clients 800] [--users 200] [--threshold 250] [--relays 1,64]
// [--rate 10] [--seconds 10] [--repeats 4] [--rejoin 400] [--no-profile] [--profiles DIR]`:
// what a sharded room itself pays per relay (docs/PERFORMANCE.md, "Rooms beyond one Durable
// Object"). `--profiles DIR` keeps the CPU profiles, with the bundle and its source map.
//
// One wrangler dev per relay count, the same sockets in each (the room's own `threshold`, the rest
// on relays), so the delivery work is the same and only the number of relays differs:
// Δ(workerd CPU per message) / Δ(active relays) is what one more relay costs per message, room
// and relay side together (an upper bound for the room's part). At a low rate each message is a
// batch of its own: that is the cost per relay per batch. The configurations run alternately, in a
// rotating order, `repeats` times. A V8 CPU profile of the isolate per configuration then says
// which share of that CPU ran in src/room/ (bench/profile-split.ts).
//
// Joins: the first `users` sockets bring everyone online (unmeasured); the room's own sockets
// after them and the sockets that join relays are measured apart (workerd CPU per join, same
// online list, no presence change). Each repeat then closes `rejoin` relay sockets and reconnects
// them (a reconnect storm in small): CPU per relay join, and its room share under the profiler.
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { relayOf } from "../src/realtime/relays.ts";
import { confabProtocol } from "./confab.ts";
import { cpuProfile } from "./inspect.ts";
import { type Client, closeAll, connectAll, type LoadResult, runLoad } from "./load.ts";
import { machineInfo } from "./machine.ts";
import { keepBundle, type Split, splitProfile } from "./profile-split.ts";
import { processCpuTicks, settle, sleep, workerProcess } from "./server.ts";
import { option, runBench, type ShardedRoom, startShardedRoom } from "./sharded-room.ts";

const clients = option("clients", 800);
const users = option("users", 200);
const threshold = option("threshold", 250);
const rate = option("rate", 10);
const seconds = option("seconds", 10);
const repeats = option("repeats", 4);
const rejoin = option("rejoin", 400);
const profile = !process.argv.includes("--no-profile");
/** Where the .cpuprofile files go (open them in DevTools); a temporary directory by default. */
const profilesAt = process.argv.indexOf("--profiles");
const profilesDir = profilesAt >= 0 ? process.argv[profilesAt + 1] : undefined;
const relayCounts = (() => {
  const at = process.argv.indexOf("--relays");
  const list = (at >= 0 ? (process.argv[at + 1] ?? "") : "1,64").split(",").map(Number);
  if (list.length < 2 || list.some((n) => !Number.isInteger(n) || n < 1)) {
    throw new Error("--relays: two or more relay counts, e.g. 1,16");
  }
  return list;
})();
const SENDERS = 20;
// Load runs send from room sockets of people who have not sent yet (see `load`).
if (threshold <= users || users < (repeats + 1) * SENDERS || clients - threshold < rejoin) {
  throw new Error("need (repeats + 1) × 20 ≤ users < threshold and clients − threshold ≥ rejoin");
}

const TICK_US = 10_000; // /proc CPU times are in 1/100 s
const protocol = confabProtocol();
const log = (line: string) =>
  process.stdout.write(`[relay-cost ${new Date().toISOString().slice(11, 19)}] ${line}\n`);

interface Config {
  relays: number;
  /** Relays that hold sockets (a relay nobody hashes to gets no batches). */
  active: number;
  room: ShardedRoom;
  pid: number;
  sockets: Client[];
  roomJoinUs: number;
  relayJoinUs: number[];
  /** Workerd CPU per accepted message, µs, one per repeat. */
  messageUs: number[];
  runs: Array<
    Pick<LoadResult, "acked" | "deliveriesPerSec" | "lost" | "duplicated"> & {
      p99: number | null;
      profiled?: boolean;
    }
  >;
  profileLoad?: Split;
  profileRejoin?: Split;
}

/** Workerd CPU (µs) that `work` takes, the server idle before it. */
async function measured<T>(config: Config, work: () => Promise<T>): Promise<[T, number]> {
  await settle([config.room.server]);
  const before = await processCpuTicks([config.pid]);
  const result = await work();
  return [result, ((await processCpuTicks([config.pid])) - before) * TICK_US];
}

async function connectRange(config: Config, from: number, to: number): Promise<void> {
  const { clients: opened } = await connectAll(config.room.endpoints.slice(from, to), protocol, 10);
  opened.forEach((client, i) => {
    config.sockets[from + i] = client;
  });
}

/** Closes relay sockets [threshold, threshold + rejoin) and waits until the room has heard. */
async function closeSome(config: Config): Promise<void> {
  await closeAll(config.sockets.slice(threshold, threshold + rejoin));
  await sleep(1_000);
}

/** Workerd CPU per message (µs) of one load run, drain included (all of each message's work). */
async function load(config: Config): Promise<number> {
  // Each run's senders are other people's room sockets: a cid the room has seen from a sender
  // is a resend (acked again, not delivered), and every run numbers its cids from m0.
  const shift = config.runs.length * SENDERS;
  const sockets = [...config.sockets.slice(shift), ...config.sockets.slice(0, shift)];
  const [result, us] = await measured(config, () =>
    runLoad(
      sockets,
      protocol,
      { rate, senders: SENDERS, seconds, warmupSeconds: 0, maxDrainSeconds: 30, bodyChars: 100 },
      [config.room.server],
    ),
  );
  config.runs.push({
    acked: result.acked,
    deliveriesPerSec: result.deliveriesPerSec,
    lost: result.lost,
    duplicated: result.duplicated,
    p99: result.latency?.p99 ?? null,
  });
  return us / Math.max(1, result.acked);
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length / 2;
  return sorted.length % 2
    ? (sorted[Math.floor(mid)] ?? 0)
    : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
};
const round = (value: number) => Math.round(value);

runBench("relay-cost", async (tmp) => {
  const machine = await machineInfo();
  const configs: Config[] = [];
  for (const relays of relayCounts) {
    log(`wrangler dev with ROOM_RELAYS=${relays}, ${users} accounts`);
    const room = await startShardedRoom({
      name: `relays-${relays}`,
      tmp,
      clients,
      users,
      threshold,
      relays,
    });
    const pid = await workerProcess(room.server);
    if (pid === null) throw new Error("no workerd for the Worker");
    const active = new Set(room.userIds.map((id) => relayOf(id, relays))).size;
    configs.push({
      relays,
      active,
      room,
      pid,
      sockets: [],
      roomJoinUs: 0,
      relayJoinUs: [],
      messageUs: [],
      runs: [],
    });
  }
  for (const config of configs) {
    log(`relays=${config.relays}: connecting ${clients} sockets`);
    await connectRange(config, 0, users);
    const [, roomUs] = await measured(config, () => connectRange(config, users, threshold));
    const [, relayUs] = await measured(config, () => connectRange(config, threshold, clients));
    config.roomJoinUs = roomUs / (threshold - users);
    config.relayJoinUs.push(relayUs / (clients - threshold));
  }
  for (let repeat = 0; repeat < repeats; repeat++) {
    // A rotating order, so neither configuration always runs first (or after the other).
    const order = configs.map((_, i) => configs[(i + repeat) % configs.length] as Config);
    for (const config of order) {
      const us = await load(config);
      config.messageUs.push(us);
      log(
        `repeat ${repeat + 1}, relays=${config.relays}: ${round(us)} µs of workerd CPU per message`,
      );
    }
    for (const config of order) {
      await closeSome(config);
      const [, us] = await measured(config, () =>
        connectRange(config, threshold, threshold + rejoin),
      );
      config.relayJoinUs.push(us / rejoin);
      log(
        `repeat ${repeat + 1}, relays=${config.relays}: ${round(us / rejoin)} µs per relay rejoin`,
      );
    }
  }
  if (profile) {
    const dir = profilesDir ?? join(tmp, "profiles");
    await mkdir(dir, { recursive: true });
    for (const config of configs) {
      const loadFile = join(dir, `load-${config.relays}.cpuprofile`);
      await settle([config.room.server]);
      await cpuProfile(config.room.server, loadFile, () => load(config));
      const run = config.runs.at(-1);
      if (run) run.profiled = true; // its CPU is not comparable
      config.profileLoad = await splitProfile(loadFile, config.room.app);
      await closeSome(config);
      const joinFile = join(dir, `rejoin-${config.relays}.cpuprofile`);
      await settle([config.room.server]);
      await cpuProfile(config.room.server, joinFile, () =>
        connectRange(config, threshold, threshold + rejoin),
      );
      config.profileRejoin = await splitProfile(joinFile, config.room.app);
      // Every configuration serves the same snapshot: one copy of the bundle serves all.
      if (profilesDir && config === configs[0]) await keepBundle(config.room.app, dir);
    }
  }
  for (const config of configs) await closeAll(config.sockets);

  const roomPerMessage = (config: Config) => {
    const share = config.profileLoad?.share.room;
    return share === undefined ? null : share * median(config.messageUs);
  };
  // Every configuration against the first (fewest relays): what one more active relay costs
  // per message. Each repeat ran them back to back: the per-repeat differences show the spread.
  const base = configs[0] as Config;
  const perExtraRelay = (config: Config) => {
    if (config === base) return null;
    const extra = config.active - base.active;
    const workerd = config.messageUs.map((us, i) => (us - (base.messageUs[i] ?? 0)) / extra);
    const [room, baseRoom] = [roomPerMessage(config), roomPerMessage(base)];
    return {
      workerd: workerd.map(round),
      median: round(median(workerd)),
      // The room's part: its profiled share of each configuration's CPU per message.
      room: room === null || baseRoom === null ? null : round((room - baseRoom) / extra),
    };
  };
  const summary = {
    command: `node bench/relay-cost.ts ${process.argv.slice(2).join(" ")}`.trim(),
    date: new Date().toISOString(),
    // The whole record: versions, commit, uncommitted changes, load at the start.
    machine,
    clients,
    users,
    threshold,
    rate,
    seconds,
    configs: configs.map((config) => ({
      relays: config.relays,
      active: config.active,
      messageUs: config.messageUs.map(round),
      runs: config.runs,
      roomJoinUs: round(config.roomJoinUs),
      relayJoinUs: config.relayJoinUs.map(round),
      profileLoad: config.profileLoad,
      profileRejoin: config.profileRejoin,
      roomUsPerMessage: roomPerMessage(config),
      perExtraRelayPerMessageUs: perExtraRelay(config),
      roomUsPerRelayJoin:
        config.profileRejoin === undefined
          ? null
          : config.profileRejoin.share.room * median(config.relayJoinUs.slice(1)),
    })),
  };
  return summary;
});
