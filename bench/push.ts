// Does the room pay for members who are away? One room, the fan-out load at a fixed rate, measured
// with no one away and then with M more members who have no socket open, a push subscription at a
// push service the bench plays (bench/push-service.ts) and the level `all`, alternating so machine
// noise falls on both sides alike; then once with the M at the level `none` (members, but no
// pushes: what the members alone cost) and once with the push service holding its answers. Every
// push is decrypted to check which room it was for and that none went to someone online.
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { type Account, atMost, type Confab, confabProtocol } from "./confab.ts";
import { type FilesSide, sideOf } from "./files.ts";
import { cpuProfile } from "./inspect.ts";
import { closeAll, connectAll, runLoad } from "./load.ts";
import {
  type Arrival,
  decryptPush,
  newSubscriber,
  type PushService,
  type Subscriber,
  startPushService,
} from "./push-service.ts";
import { type Server, settle, sleep } from "./server.ts";
import { type Summary, summarize } from "./stats.ts";

/** Coalescing (docs/api.md): at most one push per member per room in this long. */
const PUSH_WINDOW_MS = 10_000;
/** The slow push service's answer time, well inside the Worker's 10 s timeout. */
const SLOW_ANSWER_MS = 2_000;
/** Longest wait after sending for the pushes of a run (its windows' ends included). */
const MAX_PUSH_WAIT_MS = 30_000;

export interface PushCount {
  /** Pushes for the run's room to members who were away, while sending and in all. */
  received: number;
  whileSending: number;
  /** Away members with at least one push. */
  membersReached: number;
  /** The most pushes one away member got (coalescing: one per window). */
  mostPerMember: number;
  /** How many away members got n pushes, by n. */
  membersByPushes: Record<number, number>;
  /** From the first message's due time to each away member's first push arriving. */
  firstPush: Summary | null;
  /** Pushes for the room to an online member while their socket was open: must be none. */
  toOnline: number;
  /** … after their socket had closed (the run's last messages, rightly pushed). */
  toOnlineAfterClose: number;
  /** Bodies that did not decrypt for the subscription their path names. */
  undecryptable: number;
}

export interface PushRun {
  room: FilesSide;
  pushes: PushCount;
}

export interface PushFigure {
  clients: number;
  senders: number;
  rate: number;
  seconds: number;
  /** M: members away, each with one subscription and the level `all`. */
  away: number;
  windowSeconds: number;
  slowAnswerMs: number;
  /** The drain after sending: ended by this long without a frame, or cut off at the most. */
  quietSeconds?: number;
  maxDrainSeconds?: number;
  /** Alternating: no one away, then M away (twice each). */
  without: PushRun[];
  withAway: PushRun[];
  /** M away at the level `none`: members the room has, no pushes for them. */
  awayMuted: PushRun | null;
  /** M away, the push service answering each push after `slowAnswerMs`. */
  slow: PushRun | null;
}

/** Endpoint path → the keys of the browser subscribed there. */
type Subscribed = Map<string, Subscriber>;

const pathOf = (account: Account) => `/push/${account.id}`;

/** One subscription per account at the bench's push service. */
async function subscribeAll(
  api: Confab,
  service: PushService,
  accounts: Account[],
): Promise<Subscribed> {
  const subscribed: Subscribed = new Map();
  await atMost(8, accounts, async (account) => {
    const subscriber = newSubscriber();
    await api.subscribePush(account, `${service.url}${pathOf(account)}`, {
      p256dh: subscriber.p256dh.toString("base64url"),
      auth: subscriber.auth.toString("base64url"),
    });
    subscribed.set(pathOf(account), subscriber);
  });
  return subscribed;
}

/**
 * Waits for the pushes of a run: until each of `expected` has had a push and its window has
 * ended (its first push + 10 s), and nothing has arrived for 2 s; at least 3 s after sending, at
 * most 30 s (a consumer that fails or falls behind).
 */
async function pushesDone(
  service: PushService,
  from: number,
  expected: ReadonlySet<string>,
  sendEnd: number,
): Promise<void> {
  const deadline = sendEnd + MAX_PUSH_WAIT_MS;
  while (performance.now() < deadline) {
    let windowsEnd = sendEnd + 3_000;
    const seen = new Set<string>();
    for (const arrival of service.arrivals.slice(from)) {
      if (!expected.has(arrival.path) || seen.has(arrival.path)) continue;
      seen.add(arrival.path);
      windowsEnd = Math.max(windowsEnd, arrival.at + PUSH_WINDOW_MS + 2_000);
    }
    const now = performance.now();
    const last = service.arrivals.at(-1)?.at ?? 0;
    if (seen.size === expected.size && now >= windowsEnd && now - last >= 2_000) return;
    await sleep(250);
  }
}

function countPushes(
  arrivals: Arrival[],
  subscribed: Subscribed,
  run: {
    roomId: string;
    away: ReadonlySet<string>;
    start: number;
    sendEnd: number;
    closedAt: number;
  },
): PushCount {
  const first = new Map<string, number>();
  const perMember = new Map<string, number>();
  const count: PushCount = {
    received: 0,
    whileSending: 0,
    membersReached: 0,
    mostPerMember: 0,
    membersByPushes: {},
    firstPush: null,
    toOnline: 0,
    toOnlineAfterClose: 0,
    undecryptable: 0,
  };
  for (const arrival of arrivals) {
    const subscriber = subscribed.get(arrival.path);
    const payload = subscriber ? decryptPush(arrival.body, subscriber) : null;
    if (!payload) {
      count.undecryptable++;
      continue;
    }
    if (payload.type !== "message" || payload.roomId !== run.roomId) continue;
    if (!run.away.has(arrival.path)) {
      if (arrival.at < run.closedAt) count.toOnline++;
      else count.toOnlineAfterClose++;
      continue;
    }
    count.received++;
    perMember.set(arrival.path, (perMember.get(arrival.path) ?? 0) + 1);
    if (arrival.at < run.sendEnd) count.whileSending++;
    if (!first.has(arrival.path)) first.set(arrival.path, arrival.at - run.start);
  }
  count.membersReached = first.size;
  count.mostPerMember = Math.max(0, ...perMember.values());
  for (const n of perMember.values()) {
    count.membersByPushes[n] = (count.membersByPushes[n] ?? 0) + 1;
  }
  count.firstPush = summarize([...first.values()]);
  return count;
}

export async function pushFigure(
  api: Confab,
  server: Server,
  settings: {
    clients: number;
    senders: number;
    seconds: number;
    warmupSeconds: number;
    bodyChars: number;
    pushAway: number;
    /** Write a CPU profile of the Worker's isolate while each run sends. */
    profileDir: string | null;
  },
  log: (line: string) => void,
): Promise<PushFigure> {
  const rate = 200;
  await api.ensureAccounts(settings.clients + settings.pushAway);
  const online = api.accounts.slice(0, settings.clients);
  const away = api.accounts.slice(settings.clients, settings.clients + settings.pushAway);
  const protocol = confabProtocol();
  const spec = {
    rate,
    senders: settings.senders,
    seconds: settings.seconds,
    warmupSeconds: settings.warmupSeconds,
    // The consumer shares the room's isolate under wrangler dev and can hold it for seconds:
    // a delivery counts as lost only when nothing has arrived for 5 s (within 15 s of sending).
    maxDrainSeconds: 15,
    quietSeconds: 5,
    bodyChars: settings.bodyChars,
  };
  const service = await startPushService();
  try {
    // The online members are subscribed too (level `all` as well), so a push to them would show.
    const subscribed = await subscribeAll(api, service, [...online, ...away]);
    const awayPaths = new Set(away.map(pathOf));
    /** One run in a fresh room (a room dedupes the load's cids, so it cannot be driven twice). */
    let runs = 0;
    const run = async (awayLevel: "all" | "none" | null, holdMs = 0): Promise<PushRun> => {
      const name = `push-${++runs}-${awayLevel === null ? "alone" : `away-${awayLevel}`}${holdMs ? "-slow" : ""}`;
      const withAway = awayLevel !== null;
      const roomId = await api.createRoom("push", withAway ? [...online, ...away] : online);
      await api.notifyLevel(roomId, online, "all");
      if (awayLevel) await api.notifyLevel(roomId, away, awayLevel);
      const { clients } = await connectAll(
        online.map((m) => api.endpoint(roomId, m)),
        protocol,
        10,
      );
      const from = service.arrivals.length;
      let closedAt = Number.POSITIVE_INFINITY;
      try {
        service.holdAnswers(holdMs);
        const load = () => runLoad(clients, protocol, spec, [server]);
        const result = settings.profileDir
          ? await cpuProfile(server, join(settings.profileDir, `${name}.cpuprofile`), load)
          : await load();
        service.holdAnswers(0);
        const sendEnd = result.firstDueAt + spec.seconds * 1000;
        // Online sockets stay open meanwhile: whoever is online must get no push.
        await pushesDone(service, from, awayLevel === "all" ? awayPaths : new Set(), sendEnd);
        closedAt = performance.now();
        await closeAll(clients);
        const pushes = countPushes(service.arrivals.slice(from), subscribed, {
          roomId,
          away: withAway ? awayPaths : new Set(),
          start: result.firstDueAt,
          sendEnd,
          closedAt,
        });
        return { room: sideOf(result), pushes };
      } finally {
        service.holdAnswers(0);
        if (closedAt === Number.POSITIVE_INFINITY) await closeAll(clients);
        await settle([server]);
      }
    };
    const describe = (r: PushRun) =>
      `p99 ${r.room.latencyP99Ms?.toFixed(1)} ms, ${r.pushes.received} pushes (at most ${r.pushes.mostPerMember} to one) (${r.pushes.whileSending} while sending) to ${r.pushes.membersReached} away, first push p99 ${r.pushes.firstPush?.p99.toFixed(0) ?? "–"} ms, ${r.pushes.toOnline} to online`;
    const without: PushRun[] = [];
    const withAway: PushRun[] = [];
    for (let round = 0; round < 2; round++) {
      const alone = await run(null);
      const loaded = await run("all");
      without.push(alone);
      withAway.push(loaded);
      log(
        `push: round ${round + 1}: no one away: ${describe(alone)}; ${away.length} away: ${describe(loaded)}`,
      );
    }
    const awayMuted = await run("none");
    log(`push: ${away.length} away at the level none: ${describe(awayMuted)}`);
    const slow = await run("all", SLOW_ANSWER_MS);
    log(`push: ${away.length} away, answers held ${SLOW_ANSWER_MS} ms: ${describe(slow)}`);
    return {
      clients: settings.clients,
      senders: settings.senders,
      rate,
      seconds: settings.seconds,
      away: away.length,
      windowSeconds: PUSH_WINDOW_MS / 1000,
      slowAnswerMs: SLOW_ANSWER_MS,
      quietSeconds: spec.quietSeconds,
      maxDrainSeconds: spec.maxDrainSeconds,
      without,
      withAway,
      awayMuted,
      slow,
    };
  } finally {
    await service.close();
  }
}
