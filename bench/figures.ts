// The figures beyond fan-out: connect-to-ready for many sockets, memory of idle hibernated
// sockets and the first frame after hibernation, D1 writes per message by room size, ack latency
// under a retention purge, and history pages in a room of a million messages.
import { performance } from "node:perf_hooks";
import { baselineEndpoints, echoProtocol } from "./baseline.ts";
import { type Confab, confabProtocol, type RoomSync } from "./confab.ts";
import { type HistoryFigure, historyFigure } from "./history.ts";
import { type Client, closeAll, connectAll, type Endpoint, type Protocol } from "./load.ts";
import type { Options } from "./options.ts";
import type { BenchResults } from "./report.ts";
import { type Server, settle, sleep, startServer, workerdRssKiB } from "./server.ts";
import type { Summary } from "./stats.ts";

export interface FigureContext {
  options: Options;
  api: Confab;
  /** Confab's server changes when a figure restarts it. */
  targets: { confab: { server: Server; api: Confab }; baseline: Server };
  log: (line: string) => void;
}

const confabServer = (ctx: FigureContext) => ctx.targets.confab.server;

/** A figure the bench cannot measure yet, and why. */
export interface Unavailable {
  available: false;
  reason: string;
}

// ---- connect-to-ready ------------------------------------------------------------------------

export interface ConnectSide {
  connect: Summary | null;
  wallMs: number;
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
  const roomId = await ctx.api.createRoom("connect", members);
  const measure = async (endpoints: Endpoint[], protocol: Protocol, server: Server) => {
    const { clients, wallMs, connect } = await connectAll(endpoints, protocol, CONNECT_CONCURRENCY);
    await closeAll(clients);
    await settle([server]);
    return { connect, wallMs };
  };
  const confab = await measure(
    members.map((m) => ctx.api.endpoint(roomId, m)),
    confabProtocol(),
    confabServer(ctx),
  );
  const baseline = await measure(
    baselineEndpoints(ctx.targets.baseline.url, "sqlite", n),
    echoProtocol(),
    ctx.targets.baseline,
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
        const frame = protocol.decode(text);
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
    }
    sender.ws.send(JSON.stringify({ type: "send", cid, body }));
  });
}

async function idleFigure(ctx: FigureContext): Promise<IdleFigure> {
  const n = ctx.options.idleClients;
  await ctx.api.ensureAccounts(n);
  const members = ctx.api.accounts.slice(0, n);
  const roomId = await ctx.api.createRoom("idle", members);
  const sides = [
    {
      server: confabServer(ctx),
      protocol: confabProtocol(),
      endpoints: members.map((m) => ctx.api.endpoint(roomId, m)),
    },
    {
      server: ctx.targets.baseline,
      protocol: echoProtocol(),
      endpoints: baselineEndpoints(ctx.targets.baseline.url, "sqlite", n),
    },
  ];
  const opened: Array<{ clients: Client[]; before: number; connected: number }> = [];
  try {
    for (const side of sides) {
      await settle([side.server]);
      const before = await workerdRssKiB(side.server);
      const { clients } = await connectAll(side.endpoints, side.protocol, CONNECT_CONCURRENCY);
      opened.push({ clients, before, connected: await workerdRssKiB(side.server) });
    }
    ctx.log(`idle: ${n} sockets each on Confab and the baseline; ${IDLE_SECONDS} s without frames`);
    await sleep(IDLE_SECONDS * 1000);
    const result: IdleSide[] = [];
    for (const [i, side] of sides.entries()) {
      const open = opened[i];
      if (!open) continue;
      const idle = await workerdRssKiB(side.server);
      const wake = await timeOneMessage(open.clients, side.protocol, `wake-${i}`);
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
    return { sockets: n, idleSeconds: IDLE_SECONDS, confab, baseline };
  } finally {
    for (const open of opened) await closeAll(open.clients);
    await settle([confabServer(ctx), ctx.targets.baseline]);
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
  const roomId = await ctx.api.createRoom(`d1 ${members}`, accounts);
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

// ---- ack latency while retention purges ---------------------------------------------------------

export type RetentionFigure = Unavailable;

/**
 * Planned: a room of 100,000 messages, a policy that expires them all, and live sends at a fixed
 * rate measuring ack latency while the room's alarm purges in batches (DESIGN §6: "retention
 * deletes in bounded batches so a room never stalls"). Needs retention (issue 5).
 */
async function retentionFigure(ctx: FigureContext): Promise<RetentionFigure> {
  const roomId = await ctx.api.createRoom("retention probe", [ctx.api.admin]);
  const preview = await ctx.api.request("GET", `/api/admin/rooms/${roomId}/retention/preview`, {
    token: ctx.api.admin.token,
  });
  if (preview.status === 404) return { available: false, reason: "retention not built" };
  return { available: false, reason: "retention exists; this figure is not written yet" };
}

// ---- all of them ------------------------------------------------------------------------------

export async function runFigures(ctx: FigureContext, results: BenchResults): Promise<void> {
  const { options, log } = ctx;
  if (options.figures.has("connect")) {
    log(`connect: ${options.connectClients} sockets to ready, ${CONNECT_CONCURRENCY} at a time`);
    results.connect = await connectFigure(ctx);
  }
  if (options.figures.has("idle")) results.idle = await idleFigure(ctx);
  if (options.figures.has("d1")) {
    log(`d1: ${options.d1Messages} messages in rooms of 2 and ${options.d1Members} members`);
    results.d1 = await d1Figure(ctx);
  }
  if (options.figures.has("retention")) results.retention = await retentionFigure(ctx);
  if (options.figures.has("history")) {
    log(`history: a room of ${options.historyMessages} messages`);
    const { figure, server } = await historyFigure({
      api: ctx.api,
      server: confabServer(ctx),
      restart: async () => {
        const server = await startServer({ ...confabServer(ctx).spec, migrateD1: false });
        ctx.api.url = server.url;
        return server;
      },
      messages: options.historyMessages,
      requests: 200,
      log,
    });
    results.history = figure;
    ctx.targets.confab.server = server;
  }
}

export type { HistoryFigure };
