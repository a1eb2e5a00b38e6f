// The load generator: N WebSocket clients in one room, S of them sending at a fixed total rate R
// for T seconds, open loop (a message goes out when it is due, answered or not). Each body
// carries its message number and its *intended* send time, so a late sender cannot hide its
// own lateness (no coordinated omission). Every client checks it gets every accepted message
// exactly once.
import { performance } from "node:perf_hooks";
import {
  groupCpuTicks,
  machineTicks,
  processCpuTicks,
  type Server,
  sleep,
  workerProcess,
} from "./server.ts";
import { type Summary, summarize } from "./stats.ts";
import { WsClient } from "./ws-client.ts";

/** Where one client connects. */
export interface Endpoint {
  url: string;
  headers?: Record<string, string>;
}

/** A server frame as the load generator cares about it. */
export type Decoded =
  | { kind: "ready" }
  | { kind: "delivery"; body: string }
  | { kind: "ack"; cid: string }
  | { kind: "refused"; cid: string | undefined; code: string; retryAfterMs: number | undefined }
  | { kind: "other" };

/** How a target speaks: Confab's protocol, or a baseline's echo of the raw frame. */
export interface Protocol {
  /** Whether the server acknowledges sends (Confab) or only broadcasts them (baselines). */
  acks: boolean;
  /** The frames one WebSocket message carries (Confab batches several under load). */
  decode(text: string): Decoded[];
  /** Frames that failed validation against the shared protocol schemas. */
  invalidFrames(): number;
}

export interface Client {
  index: number;
  ws: WsClient;
  /** From opening the TCP connection to the first (`ready`) frame. */
  connectMs: number;
  closed: { code: number; at: number } | null;
  onFrame: (text: string, at: number) => void;
}

const CONNECT_TIMEOUT_MS = 30_000;

/** Opens one socket and resolves at its first frame (`ready`). */
export function connect(index: number, endpoint: Endpoint, protocol: Protocol): Promise<Client> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    let client: Client | null = null;
    let ready = false;
    let closed: Client["closed"] = null;
    const timer = setTimeout(() => {
      if (ready) return;
      client?.ws.close();
      reject(new Error(`socket ${index}: no ready frame after ${CONNECT_TIMEOUT_MS} ms`));
    }, CONNECT_TIMEOUT_MS);
    WsClient.open(endpoint.url, endpoint.headers ?? {}, {
      onText: (text, at) => {
        if (!client) return;
        if (!ready) {
          if (!protocol.decode(text).some((frame) => frame.kind === "ready")) return;
          ready = true;
          clearTimeout(timer);
          client.connectMs = at - started;
          resolve(client);
          return;
        }
        client.onFrame(text, at);
      },
      onClose: (code, reason) => {
        closed = { code, at: performance.now() };
        if (client) client.closed = closed;
        if (!ready) {
          clearTimeout(timer);
          reject(new Error(`socket ${index} closed before ready (${code} ${reason})`));
        }
      },
    }).then(
      (ws) => {
        client = { index, ws, connectMs: 0, closed, onFrame: () => {} };
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

/** Opens sockets with at most `concurrency` handshakes in flight. */
export async function connectAll(
  endpoints: Endpoint[],
  protocol: Protocol,
  concurrency: number,
): Promise<{ clients: Client[]; wallMs: number; connect: Summary | null; retried: number }> {
  const started = performance.now();
  const clients: Client[] = new Array(endpoints.length);
  let next = 0;
  let retried = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, endpoints.length) }, async () => {
      while (next < endpoints.length) {
        const i = next++;
        const endpoint = endpoints[i];
        if (!endpoint) continue;
        try {
          clients[i] = await connect(i, endpoint, protocol);
        } catch {
          // One more try: on a shared machine a handshake can starve; twice is a real failure.
          retried++;
          await sleep(500);
          clients[i] = await connect(i, endpoint, protocol);
        }
      }
    }),
  );
  return {
    clients,
    wallMs: performance.now() - started,
    connect: summarize(clients.map((c) => c.connectMs)),
    retried,
  };
}

export async function closeAll(clients: Client[]): Promise<void> {
  for (const client of clients) {
    client.onFrame = () => {};
    if (client.closed === null) client.ws.close(1000, "bench done");
  }
  const deadline = Date.now() + 3_000;
  while (clients.some((c) => c.closed === null) && Date.now() < deadline) await sleep(50);
}

// ---- the open-loop run ------------------------------------------------------------------------

export interface LoadSpec {
  /** Offered messages per second, all senders together. */
  rate: number;
  senders: number;
  seconds: number;
  /** Leading seconds left out of throughput and latency figures. */
  warmupSeconds: number;
  /** Longest wait for late deliveries after the last send. */
  maxDrainSeconds: number;
  /** The drain also ends after this long without a frame (default 2 s): what is missing then is lost. */
  quietSeconds?: number;
  /** Characters of each message body (at least what the bookkeeping needs). */
  bodyChars: number;
}

export interface LoadResult {
  rate: number;
  clients: number;
  senders: number;
  seconds: number;
  /** When message 0 was due (performance.now() of this process): where the run's clock starts. */
  firstDueAt: number;
  /** Messages due in the run. */
  offered: number;
  /** Due while their sender had been told to wait (`rate_limited` with `retryAfterMs`). */
  heldBack: number;
  sent: number;
  acked: number;
  refused: number;
  refusedCodes: Record<string, number>;
  /** Sent, neither acknowledged nor refused by the end of the drain. */
  unanswered: number;
  /** Unanswered and delivered to nobody: the silent loss the design forbids. */
  silentlyLost: number;
  /** Accepted messages × clients that never arrived (the drain ended with nothing arriving). */
  lost: number;
  /**
   * When the drain was cut off while frames still arrived: deliveries (and unanswered sends)
   * not there yet. Late, not known to be lost.
   */
  inFlightAtCutoff: number;
  unansweredAtCutoff: number;
  /**
   * Unanswered, undelivered sends on sockets the server closed (e.g. 1008 for flooding): the
   * client knows the socket is gone and resends unacked cids (idempotent), so not silent.
   */
  droppedWithSocket: number;
  duplicated: number;
  refusedButDelivered: number;
  outOfOrder: number;
  deliveries: number;
  expectedDeliveries: number;
  /** Deliveries received per second inside the measuring window. */
  deliveriesPerSec: number;
  /** Messages accepted per second (acked, or sent for targets without acks). */
  acceptedPerSec: number;
  drainMs: number;
  drainTimedOut: boolean;
  /** Intended send time → arrival at each client, for messages due in the measuring window. */
  latency: Summary | null;
  /** Intended send time → ack at the sender. */
  ackLatency: Summary | null;
  socketsClosed: number;
  closeCodes: Record<string, number>;
  invalidFrames: number;
  /**
   * Cores busy during the sending window: the server (wrangler, its proxy, the Worker's
   * workerd), of which the Worker's own workerd; this process; everything else on the machine.
   */
  cores: { server: number; worker: number; client: number; other: number };
  /** Server CPU per delivery made while sending, in µs: all of it, and the Worker's workerd. */
  serverCpuPerDeliveryUs: number | null;
  workerCpuPerDeliveryUs: number | null;
}

const PENDING = 0;
const SENT = 1;
const ACKED = 2;
const REFUSED = 3;
const HELD = 4;

/** Body: "bench m<k> t<intended ms> " + filler; parsed back by every receiver. */
function messageBody(k: number, intendedAt: number, chars: number): string {
  const head = `bench m${k} t${intendedAt.toFixed(3)} `;
  return head.length >= chars ? head : head + "x".repeat(chars - head.length);
}

function parseBody(body: string): { k: number; intendedAt: number } | null {
  if (!body.startsWith("bench m")) return null;
  const space = body.indexOf(" ", 7);
  const end = body.indexOf(" ", space + 1);
  const k = Number(body.slice(7, space));
  const intendedAt = Number(body.slice(space + 2, end));
  return Number.isInteger(k) && Number.isFinite(intendedAt) ? { k, intendedAt } : null;
}

/**
 * A message's cid: its number in this run and the run's own tag, so a room driven again by the
 * same senders does not take the next run's messages for resends of the last (idempotent cids).
 */
function cids(run: string) {
  const suffix = `-${run}`;
  return {
    of: (k: number) => `m${k}${suffix}`,
    k: (cid: string | undefined) =>
      cid?.startsWith("m") && cid.endsWith(suffix) ? Number.parseInt(cid.slice(1), 10) : -1,
  };
}

/**
 * Drives connected clients: clients[0..senders-1] send, everyone receives. The clients stay
 * open (the caller closes them), so a room can be driven several times.
 */
export async function runLoad(
  clients: Client[],
  protocol: Protocol,
  spec: LoadSpec,
  servers: Server[],
): Promise<LoadResult> {
  const n = clients.length;
  const senders = Math.min(spec.senders, n);
  const total = Math.max(1, Math.floor(spec.rate * spec.seconds));
  const interval = 1000 / spec.rate;
  const invalidBefore = protocol.invalidFrames();
  const cid = cids(Math.random().toString(36).slice(2, 8));

  const status = new Uint8Array(total);
  const receipts = new Uint8Array(n * total);
  const lastSeen = new Int32Array(n * senders).fill(-1);
  const latencies = new Float32Array(n * total);
  const ackLatencies = new Float32Array(total);
  const blockedUntil = new Float64Array(senders);
  const refusedCodes: Record<string, number> = {};
  let nLatency = 0;
  let nAck = 0;
  let deliveries = 0;
  let windowDeliveries = 0;
  let sending = true;
  let sendingDeliveries = 0;
  let duplicated = 0;
  let outOfOrder = 0;
  let acked = 0;
  let refused = 0;
  let answeredSent = 0;
  let lastFrameAt = performance.now();

  const t0 = performance.now() + 50;
  const windowStart = t0 + spec.warmupSeconds * 1000;
  const windowEnd = t0 + spec.seconds * 1000;
  const inWindow = (t: number) => t >= windowStart && t < windowEnd;

  const onFrame = (i: number) => (text: string, at: number) => {
    lastFrameAt = at;
    for (const frame of protocol.decode(text)) onDecoded(i, frame, at);
  };

  const onDecoded = (i: number, frame: Decoded, at: number) => {
    switch (frame.kind) {
      case "delivery": {
        const parsed = parseBody(frame.body);
        if (!parsed || parsed.k < 0 || parsed.k >= total) return;
        const { k, intendedAt } = parsed;
        const slot = i * total + k;
        const seen = receipts[slot] ?? 0;
        receipts[slot] = Math.min(255, seen + 1);
        if (seen > 0) {
          duplicated++;
          return;
        }
        deliveries++;
        if (sending && at >= t0) sendingDeliveries++;
        if (inWindow(at)) windowDeliveries++;
        if (inWindow(intendedAt)) latencies[nLatency++] = at - intendedAt;
        const order = i * senders + (k % senders);
        if (k < (lastSeen[order] ?? -1)) outOfOrder++;
        else lastSeen[order] = k;
        return;
      }
      case "ack": {
        const k = cid.k(frame.cid);
        if (k < 0 || k >= total || status[k] !== SENT) return;
        status[k] = ACKED;
        acked++;
        answeredSent++;
        const intendedAt = t0 + k * interval;
        if (inWindow(intendedAt)) ackLatencies[nAck++] = at - intendedAt;
        return;
      }
      case "refused": {
        refusedCodes[frame.code] = (refusedCodes[frame.code] ?? 0) + 1;
        const k = cid.k(frame.cid);
        if (frame.retryAfterMs !== undefined && k >= 0) {
          const sender = k % senders;
          blockedUntil[sender] = Math.max(blockedUntil[sender] ?? 0, at + frame.retryAfterMs);
        }
        if (k < 0 || k >= total || status[k] !== SENT) return;
        status[k] = REFUSED;
        refused++;
        answeredSent++;
        return;
      }
      default:
        return;
    }
  };
  clients.forEach((client, i) => {
    client.onFrame = onFrame(i);
  });

  const pgids = servers.map((s) => s.pgid);
  const workers = (await Promise.all(servers.map(workerProcess))).filter(
    (pid): pid is number => pid !== null,
  );
  const cpuBefore = {
    server: await groupCpuTicks(pgids),
    worker: await processCpuTicks(workers),
    client: process.cpuUsage(),
    machine: await machineTicks(),
  };

  // The open loop: message k is due at t0 + k/R, from sender k mod S.
  let sent = 0;
  let heldBack = 0;
  let k = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      while (k < total && t0 + k * interval <= now) {
        const sender = k % senders;
        const intendedAt = t0 + k * interval;
        if ((blockedUntil[sender] ?? 0) > now) {
          status[k] = HELD;
          heldBack++;
        } else {
          const client = clients[sender];
          if (client && client.closed === null) {
            client.ws.send(
              JSON.stringify({
                type: "send",
                cid: cid.of(k),
                body: messageBody(k, intendedAt, spec.bodyChars),
              }),
            );
            status[k] = SENT;
            sent++;
          } else {
            status[k] = HELD;
            heldBack++;
          }
        }
        k++;
      }
      if (k >= total) resolve();
      else setTimeout(tick, 1);
    };
    setTimeout(tick, Math.max(0, t0 - performance.now()));
  });

  const sendEnd = performance.now();
  sending = false;
  const cpuAfter = {
    server: await groupCpuTicks(pgids),
    worker: await processCpuTicks(workers),
    client: process.cpuUsage(cpuBefore.client),
    machine: await machineTicks(),
  };

  // Drain: wait for answers and deliveries, until nothing more arrives.
  const expected = () => (protocol.acks ? acked : sent) * n;
  const deadline = sendEnd + spec.maxDrainSeconds * 1000;
  let drainTimedOut = false;
  while (true) {
    const now = performance.now();
    const answered = !protocol.acks || answeredSent >= sent;
    if (answered && deliveries >= expected()) break;
    if (now - lastFrameAt > (spec.quietSeconds ?? 2) * 1000) break;
    if (now > deadline) {
      drainTimedOut = true;
      break;
    }
    await sleep(50);
  }
  const drainMs = performance.now() - sendEnd;
  for (const client of clients) client.onFrame = () => {};

  // Bookkeeping per message and client.
  const live = clients.map((c) => c.closed === null);
  let missing = 0;
  let unanswered = 0;
  let unansweredUndelivered = 0;
  let droppedWithSocket = 0;
  let refusedButDelivered = 0;
  let expectedDeliveries = 0;
  for (let m = 0; m < total; m++) {
    const state = status[m];
    if (state === PENDING || state === HELD) continue;
    let reached = 0;
    let absent = 0;
    for (let i = 0; i < n; i++) {
      if ((receipts[i * total + m] ?? 0) > 0) reached++;
      else if (live[i]) absent++;
    }
    if (state === REFUSED) {
      if (reached > 0) refusedButDelivered++;
      continue;
    }
    if (state === SENT && protocol.acks) {
      unanswered++;
      if (reached === 0) {
        if (clients[m % senders]?.closed) droppedWithSocket++;
        else unansweredUndelivered++;
        continue;
      }
    }
    expectedDeliveries += reached + absent;
    missing += absent;
  }

  const closeCodes: Record<string, number> = {};
  for (const client of clients) {
    if (client.closed) closeCodes[client.closed.code] = (closeCodes[client.closed.code] ?? 0) + 1;
  }
  const windowSeconds = (windowEnd - windowStart) / 1000;
  const sendSeconds = (sendEnd - t0) / 1000;
  const ticksPerSec = 100;
  // A server process that died meanwhile takes its ticks with it: never report negative CPU.
  const serverCores = Math.max(0, (cpuAfter.server - cpuBefore.server) / ticksPerSec / sendSeconds);
  const workerCores = Math.max(0, (cpuAfter.worker - cpuBefore.worker) / ticksPerSec / sendSeconds);
  const clientCores = (cpuAfter.client.user + cpuAfter.client.system) / 1e6 / sendSeconds;
  const machineCores =
    (cpuAfter.machine.busy - cpuBefore.machine.busy) / ticksPerSec / Math.max(0.001, sendSeconds);
  const acceptedInWindow = countAccepted(status, protocol.acks, t0, interval, inWindow);
  return {
    rate: spec.rate,
    clients: n,
    senders,
    seconds: spec.seconds,
    firstDueAt: t0,
    offered: total,
    heldBack,
    sent,
    acked,
    refused,
    refusedCodes,
    unanswered,
    silentlyLost: drainTimedOut ? 0 : unansweredUndelivered,
    lost: drainTimedOut ? 0 : missing,
    inFlightAtCutoff: drainTimedOut ? missing : 0,
    unansweredAtCutoff: drainTimedOut ? unansweredUndelivered : 0,
    droppedWithSocket,
    duplicated,
    refusedButDelivered,
    outOfOrder,
    deliveries,
    expectedDeliveries,
    deliveriesPerSec: windowDeliveries / windowSeconds,
    acceptedPerSec: acceptedInWindow / windowSeconds,
    drainMs,
    drainTimedOut,
    latency: summarize(latencies, nLatency),
    ackLatency: protocol.acks ? summarize(ackLatencies, nAck) : null,
    socketsClosed: clients.filter((c) => c.closed !== null).length,
    closeCodes,
    invalidFrames: protocol.invalidFrames() - invalidBefore,
    cores: {
      server: serverCores,
      worker: workerCores,
      client: clientCores,
      other: Math.max(0, machineCores - serverCores - clientCores),
    },
    serverCpuPerDeliveryUs:
      sendingDeliveries > 0 ? ((serverCores * sendSeconds) / sendingDeliveries) * 1e6 : null,
    workerCpuPerDeliveryUs:
      sendingDeliveries > 0 ? ((workerCores * sendSeconds) / sendingDeliveries) * 1e6 : null,
  };
}

function countAccepted(
  status: Uint8Array,
  acks: boolean,
  t0: number,
  interval: number,
  inWindow: (t: number) => boolean,
): number {
  let count = 0;
  for (let m = 0; m < status.length; m++) {
    const state = status[m];
    if (!inWindow(t0 + m * interval)) continue;
    if (state === ACKED || (!acks && state === SENT)) count++;
  }
  return count;
}
