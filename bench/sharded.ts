// `node bench/sharded.ts [--clients 5000] [--users 200] [--threshold 1000] [--relays 4]
// [--rate 10] [--seconds 10]`: one room past ROOM_RELAY_THRESHOLD under wrangler dev — its own
// `threshold` sockets plus the rest spread over `relays` relay Durable Objects — driven by the
// fan-out load generator (bench/load.ts: open loop, every delivery checked exactly once, latency
// from each message's intended send time). Prints deliveries/s, latency, CPU and the Worker
// workerd's memory as JSON (docs/PERFORMANCE.md, "Rooms beyond one Durable Object").
import { confabProtocol } from "./confab.ts";
import { closeAll, connectAll, runLoad } from "./load.ts";
import { machineInfo } from "./machine.ts";
import { workerdRssKiB } from "./server.ts";
import { option, runBench, startShardedRoom } from "./sharded-room.ts";

const clients = option("clients", 5000);
const users = option("users", 200);
const threshold = option("threshold", 1000);
const relays = option("relays", 4);
const rate = option("rate", 10);
const seconds = option("seconds", 10);

const log = (line: string) =>
  process.stdout.write(`[sharded ${new Date().toISOString().slice(11, 19)}] ${line}\n`);

runBench("sharded", async (tmp) => {
  log(`wrangler dev, registering ${users} accounts`);
  const { server, endpoints } = await startShardedRoom({
    name: "confab",
    tmp,
    clients,
    users,
    threshold,
    relays,
  });
  log(`wrangler dev: clients use ${server.url}`);
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
    // The whole record: versions, commit, uncommitted changes, load at the start.
    machine,
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
  return summary;
});
