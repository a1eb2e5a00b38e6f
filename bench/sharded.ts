// `node bench/sharded.ts [--clients 5000] [--users 200] [--threshold 1000] [--relays 4]
// [--rate 10] [--seconds 10]`: one room past ROOM_RELAY_THRESHOLD under wrangler dev — its own
// `threshold` sockets plus the rest spread over `relays` relay Durable Objects — driven by the
// fan-out load generator (bench/load.ts: open loop, every delivery checked exactly once, latency
// from each message's intended send time). Prints deliveries/s, latency, CPU and the Worker
// workerd's memory as JSON (docs/PERFORMANCE.md, "Rooms beyond one Durable Object").
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Confab, confabProtocol } from "./confab.ts";
import { closeAll, connectAll, runLoad } from "./load.ts";
import { machineInfo } from "./machine.ts";
import { snapshotRepo, startServer, stopAll, workerdRssKiB } from "./server.ts";

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  const value = at >= 0 ? Number(process.argv[at + 1]) : fallback;
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a number > 0`);
  return value;
}

const clients = option("clients", 5000);
const users = option("users", 200);
const threshold = option("threshold", 1000);
const relays = option("relays", 4);
const rate = option("rate", 10);
const seconds = option("seconds", 10);

const log = (line: string) =>
  process.stdout.write(`[sharded ${new Date().toISOString().slice(11, 19)}] ${line}\n`);

async function main(): Promise<void> {
  const tmp = await mkdtemp(join(tmpdir(), "confab-sharded-"));
  try {
    const app = join(tmp, "app");
    await snapshotRepo(app);
    const server = await startServer({
      name: "confab",
      dir: app,
      persistTo: join(tmp, "state"),
      migrateD1: true,
      direct: true,
      vars: {
        // Per-user and per-socket limits out of the way (configuration, not code), as in run.ts.
        SEND_RATE_PER_SEC: "1000000",
        SEND_BURST: "1000000",
        SOCKET_FRAMES_PER_SEC: "1000000",
        SOCKET_FRAME_BURST: "1000000",
        ROOM_CONNECTS_PER_MINUTE: "1000000",
        ROOM_SOCKETS_PER_USER: "1000000",
        REGISTRATIONS_PER_IP_PER_HOUR: "1000000",
        ROOM_RELAY_THRESHOLD: String(threshold),
        ROOM_RELAYS: String(relays),
      },
    });
    log(`wrangler dev: clients use ${server.url}`);
    const api = new Confab(server.url);
    log(`registering ${users} accounts`);
    await api.ensureAccounts(users);
    const members = api.accounts.slice(0, users);
    const roomId = await api.createRoom("sharded", members);
    // Several sockets per person (a user's sockets share a relay): people spread the relays.
    const endpoints = Array.from({ length: clients }, (_, i) =>
      api.endpoint(roomId, members[i % users] as (typeof members)[number]),
    );
    const protocol = confabProtocol();
    log(`connecting ${clients} sockets`);
    const connected = await connectAll(endpoints, protocol, 10);
    log(
      `connected in ${(connected.wallMs / 1000).toFixed(1)} s (p99 ${connected.connect?.p99.toFixed(0)} ms)`,
    );
    const rssBefore = await workerdRssKiB(server);
    const result = await runLoad(
      connected.clients,
      protocol,
      { rate, senders: 20, seconds, warmupSeconds: 2, maxDrainSeconds: 30, bodyChars: 100 },
      [server],
    );
    const rssAfter = await workerdRssKiB(server);
    await closeAll(connected.clients);
    const machine = await machineInfo();
    const summary = {
      command: `node bench/sharded.ts ${process.argv.slice(2).join(" ")}`.trim(),
      machine: {
        cpu: machine.cpuModel,
        cpus: machine.cpus,
        memGiB: machine.memoryGiB,
        workerd: machine.workerd,
        commit: machine.commit,
        loadAverage: machine.loadAverageStart,
      },
      clients,
      users,
      threshold,
      relays,
      rate,
      seconds,
      connectSeconds: connected.wallMs / 1000,
      connectP99Ms: connected.connect?.p99 ?? null,
      deliveriesPerSec: result.deliveriesPerSec,
      acceptedPerSec: result.acceptedPerSec,
      latency: result.latency,
      ackLatency: result.ackLatency,
      lost: result.lost,
      duplicated: result.duplicated,
      outOfOrder: result.outOfOrder,
      refused: result.refused,
      socketsClosed: result.socketsClosed,
      cores: result.cores,
      serverCpuPerDeliveryUs: result.serverCpuPerDeliveryUs,
      workerCpuPerDeliveryUs: result.workerCpuPerDeliveryUs,
      workerdRssMiB: { connected: rssBefore / 1024, afterLoad: rssAfter / 1024 },
    };
    process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  } finally {
    await stopAll();
    await rm(tmp, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : error}\n`);
  process.exit(1);
});
