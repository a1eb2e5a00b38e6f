// The figures beyond fan-out: connect-to-ready for many sockets, memory of idle hibernated
// sockets and the first frame after hibernation, D1 writes per message by room size, ack latency
// under a retention purge, and history pages in a room of a million messages.
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { baselineEndpoints, echoProtocol } from "./baseline.ts";
import { type Confab, confabProtocol, type RoomSync } from "./confab.ts";
import { ensureAlive, restartServer, type Targets } from "./fanout.ts";
import { filesFigure } from "./files.ts";
import { historyFigure, historyRooms } from "./history.ts";
import { cpuProfile, heapSnapshot } from "./inspect.ts";
import {
  type Client,
  closeAll,
  connectAll,
  type Decoded,
  type Endpoint,
  type Protocol,
} from "./load.ts";
import type { Options } from "./options.ts";
import { pushFigure } from "./push.ts";
import type { BenchResults } from "./report.ts";
import {
  RETENTION_PURGE,
  retentionFigure,
  retentionRoom,
  SEEDED_AGE_MS,
  type Unavailable,
} from "./retention.ts";
import { type SeedSpec, seedRooms, TEMPLATE_MESSAGES } from "./seed.ts";
import { type Server, settle, sleep, workerdRssKiB } from "./server.ts";
import type { Summary } from "./stats.ts";

export interface FigureContext {
  options: Options;
  api: Confab;
  /** Confab's server changes when a figure restarts it. */
  targets: Targets;
  log: (line: string) => void;
}

const confabServer = (ctx: FigureContext) => ctx.targets.confab.server;

/** Members of the room the idle, connect and D1 figures share (the largest they need). */
const sharedSize = (ctx: FigureContext) =>
  Math.max(
    ctx.options.figures.has("idle") ? ctx.options.idleClients : 0,
    ctx.options.figures.has("d1") ? ctx.options.d1Members : 0,
  );

// ---- connect-to-ready ------------------------------------------------------------------------

export interface ConnectSide {
  connect: Summary | null;
  wallMs: number;
  /** Handshakes that failed once and were tried again. */
  retried: number;
}

export interface ConnectFigure {
  clients: number;
  concurrency: number;
  confab: ConnectSide;
  baseline: ConnectSide;
}

const CONNECT_CONCURRENCY = 25;

async function connectFigure(ctx: FigureContext): Promise<ConnectFigure> {
  const n = ctx.options.connectClients;
  await ctx.api.ensureAccounts(n);
  const members = ctx.api.accounts.slice(0, n);
  // The idle figure's room when it ran (its members include these), else a room of N.
  const roomId = await ctx.api.sharedRoom(Math.max(n, sharedSize(ctx)));
  const measure = async (endpoints: Endpoint[], protocol: Protocol, server: Server) => {
    const open = () => connectAll(endpoints, protocol, CONNECT_CONCURRENCY);
    const profile = ctx.options.profileDir;
    const { clients, wallMs, connect, retried } = profile
      ? await cpuProfile(server, join(profile, `connect-${server.name}.cpuprofile`), open)
      : await open();
    await closeAll(clients);
    await settle([server]);
    return { connect, wallMs, retried };
  };
  const confab = await measure(
    members.map((m) => ctx.api.endpoint(roomId, m)),
    confabProtocol(),
    confabServer(ctx),
  );
  const baseline = await measure(
    baselineEndpoints(ctx.targets.baseline.server.url, "sqlite", n),
    echoProtocol(),
    ctx.targets.baseline.server,
  );
  return { clients: n, concurrency: CONNECT_CONCURRENCY, confab, baseline };
}

// ---- idle sockets: memory, then the first frame after hibernation ------------------------------

export interface IdleSide {
  rssBeforeMiB: number;
  rssConnectedMiB: number;
  rssIdleMiB: number;
  /** (idle − before) / sockets. */
  perSocketKiB: number;
  /** Send → the sender's ack (Confab) or own echo (baseline), first frame after hibernation. */
  wakeAckMs: number;
  /** Send → the last of all sockets has the message, after hibernation. */
  wakeAllMs: number;
  /** The same two for a second message right after, the room awake. */
  warmAckMs: number;
  warmAllMs: number;
}

export interface IdleFigure {
  sockets: number;
  idleSeconds: number;
  /** The baseline room was constructed again by the first frame: it had hibernated. */
  baselineHibernated: boolean | null;
  confab: IdleSide;
  baseline: IdleSide;
}

/** wrangler dev hibernates a Durable Object after ~10 s without events. */
const IDLE_SECONDS = 15;

/** Sends one message from clients[0]; resolves with send→ack and send→delivered everywhere. */
function timeOneMessage(
  clients: Client[],
  protocol: Protocol,
  cid: string,
): Promise<{ ackMs: number; allMs: number }> {
  const sender = clients[0];
  if (!sender) throw new Error("no sockets");
  return new Promise((resolve, reject) => {
    const body = `bench wake ${cid}`;
    const started = performance.now();
    let ackMs = Number.NaN;
    let pending = clients.length;
    const timer = setTimeout(() => reject(new Error(`${cid}: not delivered in 30 s`)), 30_000);
    const finish = () => {
      if (pending > 0 || (protocol.acks && Number.isNaN(ackMs))) return;
      clearTimeout(timer);
      for (const client of clients) client.onFrame = () => {};
      resolve({ ackMs, allMs: performance.now() - started });
    };
    for (const client of clients) {
      client.onFrame = (text, at) => {
        for (const frame of protocol.decode(text)) onDecoded(client, frame, at);
      };
    }
    const onDecoded = (client: (typeof clients)[number], frame: Decoded, at: number) => {
      if (frame.kind === "delivery" && frame.body === body) {
        pending--;
        if (!protocol.acks && client === sender) ackMs = at - started;
      } else if (frame.kind === "ack" && frame.cid === cid) {
        ackMs = at - started;
      } else if (frame.kind === "refused" && frame.cid === cid) {
        reject(new Error(`${cid} refused: ${frame.code}`));
      }
      finish();
    };
    sender.ws.send(JSON.stringify({ type: "send", cid, body }));
  });
}

/** How many baseline rooms the baseline Worker has constructed (see bench/baseline/worker.ts). */
async function baselineConstructed(server: Server): Promise<number> {
  const response = await fetch(`${server.url}/constructed`);
  return ((await response.json()) as { constructed: number }).constructed;
}

async function idleFigure(ctx: FigureContext): Promise<IdleFigure> {
  const n = ctx.options.idleClients;
  const members = ctx.api.accounts.slice(0, n);
  const roomId = await ctx.api.sharedRoom(n);
  // Fresh processes: resident memory only grows, so earlier figures would blur the difference.
  ctx.log("idle: restarting both servers for a clean memory baseline");
  await restartServer(ctx.targets, "confab");
  await restartServer(ctx.targets, "baseline");
  const sides = [
    {
      server: confabServer(ctx),
      protocol: confabProtocol(),
      endpoints: members.map((m) => ctx.api.endpoint(roomId, m)),
    },
    {
      server: ctx.targets.baseline.server,
      protocol: echoProtocol(),
      endpoints: baselineEndpoints(ctx.targets.baseline.server.url, "sqlite", n),
    },
  ];
  const opened: Array<{ clients: Client[]; before: number; connected: number }> = [];
  try {
    for (const side of sides) {
      // One socket first, closed again: the Worker, the room and (Confab) D1 are loaded.
      const first = side.endpoints.slice(0, 1);
      await closeAll((await connectAll(first, side.protocol, 1)).clients);
      await settle([side.server]);
      const before = await workerdRssKiB(side.server);
      const { clients } = await connectAll(side.endpoints, side.protocol, CONNECT_CONCURRENCY);
      await settle([side.server]);
      opened.push({ clients, before, connected: await workerdRssKiB(side.server) });
    }
    ctx.log(`idle: ${n} sockets each on Confab and the baseline; ${IDLE_SECONDS} s without frames`);
    await sleep(IDLE_SECONDS * 1000);
    const result: IdleSide[] = [];
    let baselineHibernated: boolean | null = null;
    for (const [i, side] of sides.entries()) {
      const open = opened[i];
      if (!open) continue;
      const idle = await workerdRssKiB(side.server);
      if (ctx.options.profileDir) {
        const file = join(ctx.options.profileDir, `idle-${side.server.name}.heapsnapshot`);
        const heap = await heapSnapshot(side.server, file);
        ctx.log(
          `idle: ${side.server.name}'s isolate holds ${(heap / 1024 / 1024).toFixed(1)} MiB of JS heap (${file})`,
        );
      }
      const isBaseline = side.server === ctx.targets.baseline.server;
      const constructedBefore = isBaseline ? await baselineConstructed(side.server) : 0;
      const wake = await timeOneMessage(open.clients, side.protocol, `wake-${i}`);
      if (isBaseline) {
        baselineHibernated = (await baselineConstructed(side.server)) > constructedBefore;
      }
      await sleep(500);
      const warm = await timeOneMessage(open.clients, side.protocol, `warm-${i}`);
      result.push({
        rssBeforeMiB: open.before / 1024,
        rssConnectedMiB: open.connected / 1024,
        rssIdleMiB: idle / 1024,
        perSocketKiB: (idle - open.before) / n,
        wakeAckMs: wake.ackMs,
        wakeAllMs: wake.allMs,
        warmAckMs: warm.ackMs,
        warmAllMs: warm.allMs,
      });
    }
    const [confab, baseline] = result;
    if (!confab || !baseline) throw new Error("idle figure incomplete");
    return { sockets: n, idleSeconds: IDLE_SECONDS, baselineHibernated, confab, baseline };
  } finally {
    for (const open of opened) await closeAll(open.clients);
    await settle([confabServer(ctx), ctx.targets.baseline.server]);
  }
}

// ---- D1 row writes per message ----------------------------------------------------------------

export interface D1Room {
  members: number;
  messages: number;
  flushes: number;
  rowsWritten: number;
  rowsPerMessage: number;
}

export interface D1Figure {
  available: true;
  /** Messages a second the sender keeps to (flushes coalesce what arrives within their delay). */
  sendRate: number;
  rooms: D1Room[];
}

const D1_SEND_RATE = 20;

async function d1Room(
  ctx: FigureContext,
  members: number,
  messages: number,
): Promise<D1Room | Unavailable> {
  await ctx.api.ensureAccounts(members);
  const accounts = ctx.api.accounts.slice(0, members);
  const roomId =
    members === sharedSize(ctx)
      ? await ctx.api.sharedRoom(members)
      : await ctx.api.createRoom(`d1 ${members}`, accounts);
  // Whatever earlier figures left in the outbox goes first (404 until the sync exists).
  await ctx.api.request("POST", `/api/admin/rooms/${roomId}/sync`, { token: ctx.api.admin.token });
  const before = await ctx.api.syncStatus(roomId);
  if (!before) return { available: false, reason: "GET /api/admin/rooms/:id/sync answers 404" };
  const protocol = confabProtocol();
  const { clients } = await connectAll([ctx.api.endpoint(roomId, ctx.api.admin)], protocol, 1);
  try {
    for (let i = 0; i < messages; i++) {
      const sent = performance.now();
      await timeOneMessage(clients, protocol, `d1-${members}-${i}`);
      await sleep(Math.max(0, 1000 / D1_SEND_RATE - (performance.now() - sent)));
    }
  } finally {
    await closeAll(clients);
  }
  const deadline = Date.now() + 30_000;
  let after: RoomSync | null = before;
  while (Date.now() < deadline) {
    after = await ctx.api.syncStatus(roomId);
    if (after && after.pending === 0 && after.flushes > before.flushes) break;
    await sleep(250);
  }
  if (after?.pending !== 0) {
    return {
      available: false,
      reason: `outbox still pending after 30 s: ${JSON.stringify(after)}`,
    };
  }
  const rowsWritten = after.rowsWritten - before.rowsWritten;
  return {
    members,
    messages,
    flushes: after.flushes - before.flushes,
    rowsWritten,
    rowsPerMessage: rowsWritten / messages,
  };
}

async function d1Figure(ctx: FigureContext): Promise<D1Figure | Unavailable> {
  const rooms: D1Room[] = [];
  for (const members of [2, ctx.options.d1Members]) {
    const room = await d1Room(ctx, members, ctx.options.d1Messages);
    if ("available" in room) return room;
    ctx.log(
      `d1: ${members} members: ${room.rowsPerMessage.toFixed(3)} rows/message (${room.flushes} flushes)`,
    );
    rooms.push(room);
  }
  return { available: true, sendRate: D1_SEND_RATE, rooms };
}

// ---- all of them ------------------------------------------------------------------------------

/** Figures that need no fan-out: idle first, while the servers' memory is still clean. */
export async function runEarlyFigures(ctx: FigureContext, results: BenchResults): Promise<void> {
  const { options, log } = ctx;
  if (options.figures.has("idle")) {
    await alive(ctx);
    results.idle = await idleFigure(ctx);
  }
  if (options.figures.has("connect")) {
    await alive(ctx);
    log(`connect: ${options.connectClients} sockets to ready, ${CONNECT_CONCURRENCY} at a time`);
    results.connect = await connectFigure(ctx);
  }
  if (options.figures.has("d1")) {
    await alive(ctx);
    log(`d1: ${options.d1Messages} messages in rooms of 2 and ${options.d1Members} members`);
    results.d1 = await d1Figure(ctx);
  }
  if (options.figures.has("files")) {
    await alive(ctx);
    log("files: plain sends alone, then while 1 MiB files are uploaded and sent (twice each)");
    results.files = await filesFigure(ctx.api, confabServer(ctx), options, log);
  }
  if (options.figures.has("push")) {
    await alive(ctx);
    log(
      `push: the same load with no one away, then with ${options.pushAway} members away and subscribed (twice each), then with a slow push service`,
    );
    results.push = await pushFigure(ctx.api, confabServer(ctx), options, log);
  }
}

/** Figures on seeded rooms (one stop of Confab to clone messages, then a restart). */
export async function runSeededFigures(ctx: FigureContext, results: BenchResults): Promise<void> {
  const { options, log, api } = ctx;
  const wantHistory = options.figures.has("history");
  const wantRetention = options.figures.has("retention");
  if (!wantHistory && !wantRetention) return;
  await alive(ctx);
  const history = wantHistory ? await historyRooms(api) : null;
  let retention: string | Unavailable | null = null;
  if (wantRetention) {
    retention = await retentionRoom(api);
    if (typeof retention !== "string") results.retention = retention;
  }
  const seeds: SeedSpec[] = [];
  if (history) seeds.push({ roomId: history.big, total: options.historyMessages });
  if (typeof retention === "string") {
    seeds.push({
      roomId: retention,
      total: RETENTION_PURGE + TEMPLATE_MESSAGES,
      newestAgeMs: SEEDED_AGE_MS,
    });
  }
  const seeded = await seedRooms({
    api,
    server: confabServer(ctx),
    restart: () => restartServer(ctx.targets, "confab"),
    rooms: seeds,
    log,
  });
  if (history) {
    log(`history: pages in a room of ${options.historyMessages} messages`);
    results.history = await historyFigure({
      api,
      rooms: history,
      messages: options.historyMessages,
      sentThroughApi: seeded.sentThroughApi,
      seedSeconds: seeded.seconds,
      requests: 200,
    });
  }
  if (typeof retention === "string") {
    log(`retention: live sends while the room's alarm purges ${RETENTION_PURGE} messages`);
    results.retention = await retentionFigure(api, retention);
  }
}

async function alive(ctx: FigureContext): Promise<void> {
  await ensureAlive(ctx.targets, "confab");
  await ensureAlive(ctx.targets, "baseline");
}
