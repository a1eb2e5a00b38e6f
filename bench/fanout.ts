// Fan-out in one room: the same open-loop load against Confab and the two baselines, side by
// side at each offered rate, and a search for the highest rate each one serves within bounds.
import { BASELINE_LABELS, type BaselineKind, baselineEndpoints, echoProtocol } from "./baseline.ts";
import { type Confab, confabProtocol } from "./confab.ts";
import { closeAll, connectAll, type LoadResult, type LoadSpec, runLoad } from "./load.ts";
import { type Server, settle, sleep, startServer } from "./server.ts";
import type { Summary } from "./stats.ts";

export type TargetName = "confab" | BaselineKind;

export const TARGET_LABELS: Record<TargetName, string> = {
  confab: "Confab",
  ...BASELINE_LABELS,
};

/** The running servers; a server that died (killed from outside) is replaced in place. */
export interface Targets {
  confab: { server: Server; api: Confab };
  baseline: { server: Server };
  log: Log;
}

/** Restarts a server on its state directory (accounts and rooms survive), optionally with vars. */
export async function restartServer(
  targets: Targets,
  which: "confab" | "baseline",
  vars?: Record<string, string>,
): Promise<Server> {
  const holder = which === "confab" ? targets.confab : targets.baseline;
  await holder.server.stop();
  const spec = holder.server.spec;
  holder.server = await startServer({
    ...spec,
    migrateD1: false,
    ...(vars ? { vars: { ...spec.vars, ...vars } } : {}),
  });
  if (which === "confab") targets.confab.api.url = holder.server.url;
  return holder.server;
}

/** Restarts a server that no longer answers (killed from outside: the machine is shared). */
export async function ensureAlive(
  targets: Targets,
  which: "confab" | "baseline",
): Promise<boolean> {
  const holder = which === "confab" ? targets.confab : targets.baseline;
  const reason = await notAnswering(holder.server);
  if (reason === null) return false;
  const alive = holder.server.alive() ? "its processes still run" : "its processes are gone";
  targets.log(`${which}: the server stopped answering (${reason}; ${alive}); restarting it`);
  for (const line of holder.server.log.slice(-8)) targets.log(`  ${which} | ${line}`);
  await restartServer(targets, which);
  return true;
}

export interface FanoutPoint {
  target: TargetName;
  rate: number;
  connect: Summary | null;
  connectWallMs: number;
  result: LoadResult;
}

export interface FanoutSettings {
  clients: number;
  senders: number;
  seconds: number;
  warmupSeconds: number;
  maxDrainSeconds: number;
  bodyChars: number;
}

const CONNECT_CONCURRENCY = 10;

/** Runs one point: a fresh room, N clients connected, the load, everyone closed, servers idle. */
export async function measurePoint(
  targets: Targets,
  target: TargetName,
  rate: number,
  settings: FanoutSettings,
  retry = false,
): Promise<FanoutPoint> {
  const spec: LoadSpec = {
    rate,
    senders: settings.senders,
    seconds: settings.seconds,
    warmupSeconds: settings.warmupSeconds,
    maxDrainSeconds: settings.maxDrainSeconds,
    bodyChars: settings.bodyChars,
  };
  const which = target === "confab" ? "confab" : "baseline";
  await ensureAlive(targets, which);
  let server: Server;
  let endpoints: ReturnType<typeof baselineEndpoints>;
  let protocol: ReturnType<typeof confabProtocol>;
  if (target === "confab") {
    const confab = targets.confab;
    server = confab.server;
    await confab.api.ensureAccounts(settings.clients);
    const members = confab.api.accounts.slice(0, settings.clients);
    const roomId = await confab.api.createRoom("fan-out", members);
    endpoints = members.map((account) => confab.api.endpoint(roomId, account));
    protocol = confabProtocol();
  } else {
    server = targets.baseline.server;
    endpoints = baselineEndpoints(server.url, target, settings.clients);
    protocol = echoProtocol();
  }
  const { clients, wallMs, connect } = await connectAll(endpoints, protocol, CONNECT_CONCURRENCY);
  let result: LoadResult;
  try {
    result = await runLoad(clients, protocol, spec, [server]);
  } finally {
    await closeAll(clients);
    await settle([server]);
  }
  if (result.socketsClosed > 0 && (await ensureAlive(targets, which))) {
    if (retry) throw new Error(`${which} died twice during R=${rate}`);
    return measurePoint(targets, target, rate, settings, true);
  }
  return { target, rate, connect, connectWallMs: wallMs, result };
}

/** Why a server does not answer, or null when it does (twice, a few seconds apart). */
async function notAnswering(server: Server): Promise<string | null> {
  let reason: string | null = null;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const response = await fetch(`${server.url}/__bench_probe`, {
        signal: AbortSignal.timeout(5_000),
      });
      await response.arrayBuffer();
      return null;
    } catch (error) {
      const cause = error instanceof Error ? (error.cause as Error | undefined) : undefined;
      reason = `${error instanceof Error ? error.message : String(error)}${cause ? ` (${cause.message})` : ""}`;
      await sleep(1_000);
    }
  }
  return reason;
}

/** Whether a point is served within bounds: p99 < 100 ms, everything offered delivered once. */
export function withinBounds(result: LoadResult, p99LimitMs = 100): boolean {
  return (
    result.latency !== null &&
    result.latency.p99 < p99LimitMs &&
    result.lost === 0 &&
    result.duplicated === 0 &&
    result.silentlyLost === 0 &&
    result.refused === 0 &&
    result.heldBack === 0 &&
    !result.drainTimedOut
  );
}

export type Log = (line: string) => void;

export function describePoint(point: FanoutPoint): string {
  const r = point.result;
  const l = r.latency;
  const fmt = (v: number | undefined) => (v === undefined ? "-" : v.toFixed(1));
  return [
    `${point.target.padEnd(9)} R=${String(point.rate).padStart(4)}/s`,
    `deliveries ${Math.round(r.deliveriesPerSec)}/s`,
    `p50 ${fmt(l?.p50)} p99 ${fmt(l?.p99)} max ${fmt(l?.max)} ms`,
    `lost ${r.lost} dup ${r.duplicated}`,
    r.refused || r.heldBack ? `refused ${r.refused} held ${r.heldBack}` : "",
    r.silentlyLost ? `SILENT ${r.silentlyLost}` : "",
    r.droppedWithSocket ? `dropped with closed sockets ${r.droppedWithSocket}` : "",
    r.drainTimedOut
      ? `cut off with ${r.inFlightAtCutoff} deliveries and ${r.unansweredAtCutoff} answers in flight`
      : "",
    r.socketsClosed ? `closed ${JSON.stringify(r.closeCodes)}` : "",
    `cpu srv ${r.cores.server.toFixed(2)} cli ${r.cores.client.toFixed(2)} other ${r.cores.other.toFixed(2)}`,
    `µs/delivery srv ${r.serverCpuPerDeliveryUs?.toFixed(0) ?? "-"} workerd ${r.workerCpuPerDeliveryUs?.toFixed(0) ?? "-"}`,
  ]
    .filter(Boolean)
    .join(" | ");
}

/** Every rate against every target, interleaved so drift hits all targets alike. */
export async function sweep(
  targets: Targets,
  names: TargetName[],
  rates: number[],
  settings: FanoutSettings,
  log: Log,
): Promise<FanoutPoint[]> {
  const points: FanoutPoint[] = [];
  for (const [i, rate] of rates.entries()) {
    // Rotate the order so no target always runs first (or right after the heaviest run).
    const order = names.map((_, j) => names[(i + j) % names.length] as TargetName);
    for (const target of order) {
      const point = await measurePoint(targets, target, rate, settings);
      log(describePoint(point));
      points.push(point);
    }
  }
  return points;
}

export interface SearchResult {
  target: TargetName;
  /** Highest rate found within bounds, or null if even the lowest probe failed. */
  best: number | null;
  probes: Array<{ rate: number; pass: boolean; p99: number | null; lost: number }>;
  /** The probes' full results (they count towards the saturation throughput too). */
  points: FanoutPoint[];
}

/**
 * The highest rate whose p99 stays under 100 ms with nothing lost (and nothing refused): the
 * sweep's points bracket it, then bisection narrows the bracket to within `precision`.
 */
export async function search(
  targets: Targets,
  target: TargetName,
  known: FanoutPoint[],
  settings: FanoutSettings,
  log: Log,
  options: { start: number; max: number; precision: number; maxProbes: number },
): Promise<SearchResult> {
  const probes: SearchResult["probes"] = [];
  const points: FanoutPoint[] = [];
  const record = (rate: number, result: LoadResult) => {
    const pass = withinBounds(result);
    probes.push({ rate, pass, p99: result.latency?.p99 ?? null, lost: result.lost });
    return pass;
  };
  let lo: number | null = null;
  let hi: number | null = null;
  for (const point of known.filter((p) => p.target === target)) {
    if (withinBounds(point.result)) lo = Math.max(lo ?? 0, point.rate);
    else hi = Math.min(hi ?? Number.POSITIVE_INFINITY, point.rate);
  }
  if (lo !== null && hi !== null && hi < lo) hi = null;
  let budget = options.maxProbes;
  const probe = async (rate: number) => {
    budget--;
    const point = await measurePoint(targets, target, rate, settings);
    log(`search ${describePoint(point)}`);
    points.push(point);
    return record(rate, point.result);
  };
  if (lo === null) {
    let rate = hi === null ? options.start : Math.max(1, Math.floor(hi / 2));
    while (budget > 0 && lo === null) {
      if (await probe(rate)) lo = rate;
      else {
        hi = rate;
        if (rate <= 1) break;
        rate = Math.max(1, Math.floor(rate / 2));
      }
    }
  }
  while (budget > 0 && lo !== null && hi === null && lo < options.max) {
    const rate = Math.min(options.max, lo * 2);
    if (await probe(rate)) lo = rate;
    else hi = rate;
  }
  while (budget > 0 && lo !== null && hi !== null && hi / lo > 1 + options.precision) {
    const rate = Math.round(Math.sqrt(lo * hi));
    if (rate <= lo || rate >= hi) break;
    if (await probe(rate)) lo = rate;
    else hi = rate;
  }
  return { target, best: lo, probes, points };
}

/** The baseline with the higher saturation throughput in these points (SQLite if none). */
export function fasterBaselineOf(points: FanoutPoint[]): BaselineKind {
  const peak = (target: TargetName) =>
    Math.max(0, ...points.filter((p) => p.target === target).map((p) => p.result.deliveriesPerSec));
  return peak("broadcast") > peak("sqlite") ? "broadcast" : "sqlite";
}
