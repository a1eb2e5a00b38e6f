// The room protocol's guarantees (docs/api.md, Room WebSocket) under stress, with real sockets through the Worker: clients that
// drop and resume, a room Durable Object that is evicted (sockets closed or hibernated), retried
// cids, replays past the 500-change cap. Every client must end with exactly the server's state.
import { env, evictDurableObject, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { ClientFrame, Message, ServerFrame } from "../src/shared/protocol";
import { mulberry32, serverHistory, sleep, until } from "./convergence-kit";
import { breakD1, repairD1 } from "./d1-outage";
import {
  addMember,
  call,
  createRoom,
  expectError,
  type Reply,
  register,
  type TestUser,
} from "./helpers";
import { liveRoomClient, type Chaos as SocketChaos } from "./live-room-client";
import { RoomClient } from "./room-client";

// ---- small tools ------------------------------------------------------------------------------

function pick<T>(random: () => number, items: readonly T[]): T | undefined {
  return items[Math.floor(random() * items.length)];
}

const roomStub = (roomId: string) => env.ROOM.get(env.ROOM.idFromName(roomId));

/** An HTTP call that honours 429 + Retry-After the way a polite client does. */
async function callPatiently(
  method: string,
  path: string,
  body: unknown,
  token: string,
): Promise<Reply> {
  for (;;) {
    const res = await call(method, path, body, { token });
    if (res.status !== 429) return res;
    await sleep(Number(res.headers.get("retry-after") ?? "1") * 1000);
  }
}

interface ChangesPage {
  messages: Message[];
  hasMore: boolean;
  rev: number;
  complete: boolean;
}

/** The HTTP changes feed from `sinceRev` until complete: every page, in order. */
async function changesFeed(roomId: string, token: string, sinceRev: number) {
  const pages: ChangesPage[] = [];
  let since = sinceRev;
  for (;;) {
    // The feed shares the replay window with the clients' resumes (same person): on a slow
    // machine a full read may meet its 429, which a client waits out.
    const res = await callPatiently(
      "GET",
      `/api/rooms/${roomId}/messages?sinceRev=${since}`,
      undefined,
      token,
    );
    expect(res.status).toBe(200);
    const page = res.body as ChangesPage;
    pages.push(page);
    if (page.complete) return { pages, rev: page.rev };
    expect(page.rev).toBeGreaterThan(since);
    since = page.rev;
  }
}

// ---- a test socket that also takes the raw `pong` ---------------------------------------------

type Incoming = ServerFrame | { type: "raw"; text: string };
type FrameOf<K extends Incoming["type"]> = Extract<Incoming, { type: K }>;

/**
 * One WebSocket to a room. Keeps every frame (JSON frames parsed, the auto-response `pong` kept
 * as raw text) and hands each to `onFrame` as it arrives. A `muted` link still records frames but
 * no longer hands them on: they are lost to the client, as with a connection that broke. A link
 * we `drop` is muted and closed.
 */
class Link {
  readonly frames: Incoming[] = [];
  closed: { code: number; reason: string } | null = null;
  muted = false;
  dropped = false;
  /** Set once the link is caught up (replay complete, or the rest paged over HTTP). */
  live = false;
  /** Highest rev seen on this link (messages, changes, acks, synced). */
  maxRev = 0;
  #waiters = new Set<() => void>();

  private constructor(
    readonly ws: WebSocket,
    private readonly onFrame: (frame: ServerFrame, link: Link) => void,
  ) {
    ws.addEventListener("message", (event) => {
      const text = event.data as string;
      const frame: Incoming =
        text === "pong" ? { type: "raw", text } : (JSON.parse(text) as ServerFrame);
      this.frames.push(frame);
      if (frame.type !== "raw" && !this.muted) this.onFrame(frame, this);
      this.#wake();
    });
    ws.addEventListener("close", (event) => {
      this.closed = { code: event.code, reason: event.reason };
      this.#wake();
    });
  }

  static async open(
    roomId: string,
    token: string,
    opts: { sinceRev?: number; onFrame?: (frame: ServerFrame, link: Link) => void } = {},
  ): Promise<Link> {
    const res = await RoomClient.upgrade(
      roomId,
      token,
      opts.sinceRev === undefined ? {} : { sinceRev: opts.sinceRev },
    );
    if (!res.webSocket) throw new Error(`upgrade refused: ${res.status} ${await res.text()}`);
    res.webSocket.accept();
    const link = new Link(res.webSocket, opts.onFrame ?? (() => {}));
    await link.next("ready");
    return link;
  }

  noteRev(rev: number) {
    this.maxRev = Math.max(this.maxRev, rev);
  }

  send(frame: ClientFrame) {
    this.ws.send(JSON.stringify(frame));
  }

  sendRaw(text: string) {
    this.ws.send(text);
  }

  /** Waits for a matching frame from index `from` on; never throws. */
  async waitFor(
    match: (frame: Incoming) => boolean,
    opts: { from?: number; timeoutMs?: number } = {},
  ): Promise<{ frame: Incoming; index: number } | "closed" | "timeout"> {
    const deadline = Date.now() + (opts.timeoutMs ?? 10_000);
    let index = opts.from ?? 0;
    for (;;) {
      for (; index < this.frames.length; index++) {
        const frame = this.frames[index] as Incoming;
        if (match(frame)) return { frame, index };
      }
      if (this.closed || this.dropped) return "closed";
      const left = deadline - Date.now();
      if (left <= 0) return "timeout";
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          this.#waiters.delete(done);
          resolve();
        };
        const timer = setTimeout(done, left);
        this.#waiters.add(done);
      });
    }
  }

  /** The next frame of a type (matching `match`) from index `from` on; throws if none comes. */
  async next<K extends Incoming["type"]>(
    type: K,
    match: (frame: FrameOf<K>) => boolean = () => true,
    from = 0,
  ): Promise<FrameOf<K>> {
    const found = await this.waitFor((frame) => frame.type === type && match(frame as FrameOf<K>), {
      from,
    });
    if (typeof found === "string") {
      throw new Error(
        `${found} while waiting for ${type}; last: ${JSON.stringify(this.frames.slice(-3))}`,
      );
    }
    return found.frame as FrameOf<K>;
  }

  /** Drops the connection from the client side: later frames on it are lost. */
  drop() {
    this.muted = true;
    this.dropped = true;
    try {
      this.ws.close(1000, "drop");
    } catch {
      // already closed
    }
    this.#wake();
  }

  #wake() {
    for (const waiter of [...this.#waiters]) waiter();
  }
}

/** Sends and waits for the ack (pacing itself on rate_limited); returns the ack. */
async function sendAcked(link: Link, cid: string, body: string) {
  for (;;) {
    const from = link.frames.length;
    link.send({ type: "send", cid, body });
    const found = await link.waitFor(
      (f) => (f.type === "ack" && f.cid === cid) || (f.type === "error" && f.ref === cid),
      { from },
    );
    if (typeof found === "string") throw new Error(`${found} waiting for the ack of ${cid}`);
    const frame = found.frame;
    if (frame.type === "ack") return frame;
    if (frame.type === "error" && frame.code === "rate_limited") {
      await sleep(frame.retryAfterMs ?? 200);
      continue;
    }
    throw new Error(`send ${cid}: ${JSON.stringify(frame)}`);
  }
}

/** Sends an edit/delete/react frame and waits for the `changed` frame that shows it applied. */
async function changeAcked(
  link: Link,
  frame: Extract<ClientFrame, { type: "edit" | "delete" | "react" }>,
  applied: (m: Message) => boolean,
): Promise<Message> {
  for (;;) {
    const from = link.frames.length;
    link.send(frame);
    const found = await link.waitFor(
      (f) =>
        (f.type === "error" && f.ref === undefined) ||
        (f.type === "changed" && f.message.seq === frame.seq && applied(f.message)),
      { from },
    );
    if (typeof found === "string") throw new Error(`${found} waiting for ${frame.type}`);
    const got = found.frame;
    if (got.type === "changed") return got.message;
    if (got.type === "error" && got.code === "rate_limited") {
      await sleep(got.retryAfterMs ?? 200);
      continue;
    }
    throw new Error(`${frame.type}: ${JSON.stringify(got)}`);
  }
}

const messageFrames = (link: Link, from = 0) =>
  link.frames
    .slice(from)
    .filter((f): f is FrameOf<"message"> => f.type === "message")
    .map((f) => f.message);

/** A short account of how a client's list differs from the server's (empty when equal). */
function differences(mine: Message[], server: Message[]): string[] {
  const held = new Map(mine.map((m) => [m.seq, m]));
  const out: string[] = [];
  for (const m of server) {
    const h = held.get(m.seq);
    if (!h) out.push(`missing seq ${m.seq} (rev ${m.rev})`);
    else if (JSON.stringify(h) !== JSON.stringify(m))
      out.push(`stale seq ${m.seq}: rev ${h.rev}, server rev ${m.rev}`);
    held.delete(m.seq);
  }
  for (const seq of held.keys()) out.push(`extra seq ${seq}`);
  return out.slice(0, 20);
}

const EMOJI = ["👍", "🎉", "❤️", "👀"];

// ---- the room's side of the churn ------------------------------------------------------------

type Eviction = "hibernate" | "close";

/**
 * Evicts the room's Durable Object as the clients make progress: at least once with sockets
 * closed and once with them hibernated, in a seeded order, at seeded points.
 */
async function evictAlong(
  roomId: string,
  random: () => number,
  progress: () => number,
  finished: () => boolean,
): Promise<Eviction[]> {
  const first: Eviction = random() < 0.5 ? "hibernate" : "close";
  const plan: Eviction[] = [
    first,
    first === "close" ? "hibernate" : "close",
    random() < 0.5 ? "hibernate" : "close",
  ];
  const stub = roomStub(roomId);
  const done: Eviction[] = [];
  for (const [i, kind] of plan.entries()) {
    const at = 0.15 + i * 0.25 + random() * 0.1;
    while (progress() < at && !finished()) await sleep(10);
    // Rejected while the object is not running (e.g. still hibernated): try again shortly.
    for (let tries = 0; tries < 100 && !finished(); tries++) {
      try {
        await evictDurableObject(stub, { webSockets: kind });
        done.push(kind);
        break;
      } catch {
        await sleep(20);
      }
    }
  }
  return done;
}

// ---- 1. convergence under churn -------------------------------------------------------------

const CLIENTS = 5;
const MESSAGES_PER_CLIENT = 200;

async function churnRoom(seed: number) {
  const users = await Promise.all(
    Array.from({ length: CLIENTS }, (_, i) => register(undefined, `Churn ${seed}.${i}`)),
  );
  const owner = users[0] as TestUser;
  const room = await createRoom(owner, "private", `churn-${seed}`);
  for (const user of users.slice(1)) await addMember(owner, room.id, user.id);
  return { users, owner, roomId: room.id };
}

/**
 * One user of the churn: the web client's real room state (web/state/room) over the Worker,
 * with chaos on its socket. It sends one message after another (each waits for its ack, as the
 * outbox sends one at a time anyway), editing or deleting one of its own now and then.
 */
class ChurnClient {
  readonly live;
  readonly sent: Array<{ cid: string; body: string; seq: number }> = [];
  readonly edits = new Map<number, string>();
  readonly deletes = new Set<number>();
  /** Thread replies I sent (over HTTP, as the thread panel does), by seq. */
  readonly threadReplies = new Map<number, { root: number; body: string }>();
  /** Pins I toggled (an owner's), the last state I asked for by seq. */
  readonly pins = new Map<number, boolean>();
  reactions = 0;
  readonly problems: string[] = [];
  #editCount = 0;

  constructor(
    readonly name: string,
    readonly user: TestUser,
    roomId: string,
    readonly random: () => number,
    chaos: SocketChaos,
  ) {
    this.live = liveRoomClient(user, roomId, random, chaos);
  }

  get room() {
    return this.live.room;
  }

  async run(count: number, ops: number) {
    this.room.open();
    for (let i = 1; i <= count; i++) {
      const body = `${this.name} #${i}`;
      const problem = this.room.send(body);
      if (problem) throw new Error(problem);
      const cid = (this.room.pending.value.at(-1) as { cid: string }).cid;
      await until(
        () => this.live.seen.acked.has(cid) || this.room.pending.value.some((p) => p.error),
        60_000,
        `${this.name}: ack of ${body}`,
      );
      const failed = this.room.pending.value.find((p) => p.error);
      if (failed) {
        this.problems.push(`${this.name}: ${failed.body} → ${failed.error}`);
        return;
      }
      this.sent.push({ cid, body, seq: this.live.seen.acked.get(cid) as number });
      if (i > 3 && this.random() < ops) await this.#change();
      // The owner pins and unpins now and then as well.
      if (i > 3 && this.canPin && this.random() < ops / 2) {
        await this.#patiently("pin", () => this.#pin());
      }
    }
  }

  /**
   * An edit or a delete of one of mine, or a reaction toggled on anyone's message I can see,
   * over HTTP as the client does them, patient on 429.
   */
  async #change() {
    const roll = this.random();
    if (roll < 0.3) return this.#patiently("react", () => this.#react());
    if (roll < 0.5) return this.#patiently("thread reply", () => this.#threadReply());
    const own = pick(
      this.random,
      this.sent.filter((s) => !this.deletes.has(s.seq)),
    );
    if (!own) return;
    const edit = roll < 0.85;
    const body = `${own.body} (edit ${++this.#editCount})`;
    const done = await this.#patiently(`${edit ? "edit" : "delete"} ${own.seq}`, () =>
      edit ? this.room.edit(own.seq, body) : this.room.remove(own.seq),
    );
    if (!done) return;
    if (edit) this.edits.set(own.seq, body);
    else this.deletes.add(own.seq);
  }

  /** Whether this client's user may pin here (the room's owner). */
  canPin = false;

  async #threadReply() {
    const root = pick(
      this.random,
      this.room.messages.value.filter((m) => !m.deleted),
    );
    if (!root) return;
    const body = `${this.name} in thread ${root.seq}`;
    const res = await call(
      "POST",
      `/api/rooms/${root.roomId}/messages`,
      { cid: crypto.randomUUID(), body, threadOf: root.seq },
      { token: this.user.token },
    );
    // The root may have been deleted meanwhile by its sender: then the reply is refused.
    if (res.status === 400) return;
    if (res.status !== 201) throw Object.assign(new Error(`reply ${res.status}`), res);
    this.threadReplies.set(res.body.message.seq, { root: root.seq, body });
  }

  async #pin() {
    const target = pick(
      this.random,
      this.room.messages.value.filter((m) => !m.deleted),
    );
    if (!target) return;
    const on = target.pinned === null;
    const res = await call(
      on ? "PUT" : "DELETE",
      `/api/rooms/${target.roomId}/pins/${target.seq}`,
      undefined,
      { token: this.user.token },
    );
    if (res.status === 404) return; // deleted meanwhile
    if (res.status !== 200) throw Object.assign(new Error(`pin ${res.status}`), res);
    this.pins.set(target.seq, on);
  }

  async #react() {
    const target = pick(
      this.random,
      this.room.messages.value.filter((m) => !m.deleted),
    );
    if (!target) return;
    const emoji = pick(this.random, EMOJI) as string;
    const mine = target.reactions.some(
      (r) => r.emoji === emoji && r.userIds.includes(this.user.id),
    );
    await this.room.react(target.seq, emoji, !mine);
    this.reactions++;
  }

  async #patiently(what: string, act: () => Promise<unknown>): Promise<boolean> {
    for (;;) {
      try {
        await act();
        return true;
      } catch (error) {
        if ((error as { status?: number }).status !== 429) {
          this.problems.push(`${this.name}: ${what} → ${error}`);
          return false;
        }
        await sleep(500);
      }
    }
  }

  close() {
    this.room.close();
  }
}

// Every test has its own room (its own Durable Object) and users, so all of them run side by
// side: the churn's time is the send limiter's (5/s per user after a burst of 20), not the CPU's.
describe.concurrent("convergence under churn", () => {
  it.each([1, 2, 3])(
    "seed %i: 5 real clients × 200 messages, thread replies and pins, random drops, evictions; all converge on the server",
    async (seed) => {
      const started = Date.now();
      const { users, owner, roomId } = await churnRoom(seed);
      // The room's chaos (when and how it is evicted) and each client's have their own streams.
      const roomRandom = mulberry32(seed * 31);
      const chaos = { dropBefore: 0.01, loseAnswer: 0.015, dropInFlight: 0.01 };
      const clients = users.map(
        (user, i) =>
          new ChurnClient(`s${seed}c${i}`, user, roomId, mulberry32(seed * 1000 + i), chaos),
      );
      (clients[0] as ChurnClient).canPin = true; // the room's owner
      const total = CLIENTS * MESSAGES_PER_CLIENT;
      let finished = false;
      const progress = () => clients.reduce((n, c) => n + c.sent.length, 0) / total;
      const evicting = evictAlong(roomId, roomRandom, progress, () => finished);
      try {
        await Promise.all(clients.map((c) => c.run(MESSAGES_PER_CLIENT, 0.05)));
      } finally {
        finished = true;
      }
      const evictions = await evicting;

      // The churn happened as planned.
      expect(clients.flatMap((c) => c.problems)).toEqual([]);
      expect(evictions).toContain("close");
      expect(evictions).toContain("hibernate");
      const drops = clients.reduce((n, c) => n + c.live.seen.drops, 0);
      expect(drops).toBeGreaterThan(0);
      const ackLostRetries = clients.reduce(
        (n, c) => n + c.sent.filter((s) => c.live.seen.lost.has(s.cid)).length,
        0,
      );
      expect(ackLostRetries).toBeGreaterThan(0);

      // The server: seqs 1..N without gaps over the main timeline and the threads together,
      // every acked send exactly once, in each sender's order.
      const server = await serverHistory(roomId, owner.token);
      // Read as another member: the changes feed is limited per user (the owner reads it below).
      const reader = users[CLIENTS - 1] as TestUser;
      const everything = (await changesFeed(roomId, reader.token, 0)).pages.flatMap(
        (p) => p.messages,
      );
      const serverReplies = everything.filter((m) => m.threadOf !== null);
      const sentReplies = clients.reduce((n, c) => n + c.threadReplies.size, 0);
      expect(serverReplies).toHaveLength(sentReplies);
      expect(everything.map((m) => m.seq).sort((a, b) => a - b)).toEqual(
        Array.from({ length: total + sentReplies }, (_, i) => i + 1),
      );
      expect(server.every((m) => m.threadOf === null)).toBe(true);
      const acked = clients.flatMap((c) => c.sent.map((s) => s.seq));
      expect(acked).toHaveLength(total);
      expect(new Set(acked).size).toBe(total);
      const bySeq = new Map(server.map((m) => [m.seq, m]));
      for (const c of clients) {
        const seqs = c.sent.map((s) => s.seq);
        expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
        for (const s of c.sent) {
          const m = bySeq.get(s.seq) as Message;
          expect(m.sender.id).toBe(c.user.id);
          if (m.deleted) expect(c.deletes.has(s.seq)).toBe(true);
          else expect(m.body).toBe(c.edits.get(s.seq) ?? s.body);
        }
        for (const seq of c.deletes) {
          expect(bySeq.get(seq)).toMatchObject({ deleted: true, body: "", reactions: [] });
        }
        for (const [seq, reply] of c.threadReplies) {
          expect(serverReplies.find((m) => m.seq === seq)).toMatchObject({
            threadOf: reply.root,
            body: reply.body,
          });
        }
      }
      // Each root's summary counts its replies; pins are what the owner last asked for (a
      // deleted message lost its pin).
      for (const root of server) {
        const replies = serverReplies.filter((m) => m.threadOf === root.seq && !m.deleted);
        expect(root.thread?.replies ?? 0, `replies of ${root.seq}`).toBe(replies.length);
      }
      for (const [seq, on] of (clients[0] as ChurnClient).pins) {
        const m = bySeq.get(seq) as Message;
        expect(m.pinned !== null, `pin of ${seq}`).toBe(on && !m.deleted);
      }

      // Every client holds exactly the server's list — bodies, deletions, revs — live again and
      // resumed at the server's rev (given a moment to come back from the last drop).
      const serverRev = (await changesFeed(roomId, owner.token, 0)).rev;
      const serverRepliesBySeq = new Map(serverReplies.map((m) => [m.seq, m]));
      const sameReplies = (c: ChurnClient) =>
        c.live.replies.size === serverRepliesBySeq.size &&
        [...c.live.replies].every(
          ([seq, m]) => JSON.stringify(m) === JSON.stringify(serverRepliesBySeq.get(seq)),
        );
      const same = (c: ChurnClient) =>
        JSON.stringify(c.room.messages.value) === JSON.stringify(server) && sameReplies(c);
      for (const c of clients) {
        await until(
          () =>
            c.room.connection.value === "connected" && c.room.resumeRev() === serverRev && same(c),
          20_000,
          `${c.name} converges: ${differences(c.room.messages.value, server).join(", ")}`,
        ).catch(() => {});
        expect(differences(c.room.messages.value, server), c.name).toEqual([]);
        expect(c.room.messages.value).toEqual(server);
        expect(
          differences([...c.live.replies.values()], serverReplies),
          `${c.name}: thread replies`,
        ).toEqual([]);
        expect(c.room.resumeRev()).toBe(serverRev);
        expect(c.room.pending.value).toEqual([]);
      }
      for (const c of clients) c.close();

      const changes = clients.reduce((n, c) => n + c.edits.size + c.deletes.size, 0);
      const reactions = clients.reduce((n, c) => n + c.reactions, 0);
      const pins = (clients[0] as ChurnClient).pins.size;
      expect(reactions).toBeGreaterThan(0);
      expect(sentReplies).toBeGreaterThan(0);
      expect(pins).toBeGreaterThan(0);
      console.log(
        `seed ${seed}: ${total} messages, ${sentReplies} thread replies, ${pins} pins, ${changes} edits/deletes, ${reactions} reactions, evictions ${evictions.join(",")}, drops ${drops}, lost answers retried ${ackLostRetries}, ${Date.now() - started} ms`,
      );
    },
    150_000,
  );
});

// ---- 2. idempotent sends --------------------------------------------------------------------

async function roomOfTwo(name: string) {
  const owner = await register(undefined, `${name} owner`);
  const member = await register(undefined, `${name} member`);
  const room = await createRoom(owner, "private", name);
  await addMember(owner, room.id, member.id);
  return { owner, member, roomId: room.id };
}

const post = (roomId: string, token: string, body: { cid: string; body: string }) =>
  callPatiently("POST", `/api/rooms/${roomId}/messages`, body, token);

describe.concurrent("idempotent sends", () => {
  it("one cid sent many times (WS, across evictions, HTTP) is one message with one seq; another body is a conflict", async () => {
    const { owner: alice, member: bob, roomId } = await roomOfTwo("idem");
    const stub = roomStub(roomId);

    // Five copies at once on one socket: five acks, one seq.
    const a = await Link.open(roomId, alice.token, { sinceRev: 0 });
    await a.next("synced");
    for (let i = 0; i < 5; i++) a.send({ type: "send", cid: "same", body: "only once" });
    const acks: Array<FrameOf<"ack">> = [];
    for (let from = 0; acks.length < 5; ) {
      const found = await a.waitFor((f) => f.type === "ack" && f.cid === "same", { from });
      if (typeof found === "string") throw new Error(`${found} waiting for acks`);
      acks.push(found.frame as FrameOf<"ack">);
      from = found.index + 1;
    }
    const first = acks[0] as FrameOf<"ack">;
    expect(acks).toEqual(Array.from({ length: 5 }, () => first));

    // The room is evicted with its sockets closed; the retry on a new socket gets the same seq.
    await evictDurableObject(stub, { webSockets: "close" });
    expect(await a.waitFor(() => false, { timeoutMs: 2_000 })).toBe("closed");
    const a2 = await Link.open(roomId, alice.token, { sinceRev: first.rev });
    await a2.next("synced");
    expect(await sendAcked(a2, "same", "only once")).toEqual(first);

    // Stored, but the ack is lost with the socket: the next socket's replay has the message, and
    // the retry is acked with its seq.
    const sentAt = a2.frames.length;
    a2.muted = true;
    a2.send({ type: "send", cid: "ack-lost", body: "sent once" });
    await a2.waitFor((f) => f.type === "ack" && f.cid === "ack-lost", { from: sentAt });
    a2.drop();
    const a3 = await Link.open(roomId, alice.token, { sinceRev: first.rev });
    const stored = (await replayOf(a3)).messages.find((m) => m.body === "sent once");
    const lost = await sendAcked(a3, "ack-lost", "sent once");
    expect(lost.seq).toBe(stored?.seq);
    expect(await sendAcked(a3, "ack-lost", "sent once")).toEqual(lost);

    // Over HTTP: a cid first sent over WS answers 200 with that message; a new one 201, then 200.
    const overHttp = await post(roomId, alice.token, { cid: "same", body: "only once" });
    expect(overHttp.status).toBe(200);
    expect(overHttp.body.message).toMatchObject({ seq: first.seq, body: "only once" });
    const created = await post(roomId, alice.token, { cid: "via-http", body: "from http" });
    expect(created.status).toBe(201);
    const repeated = await post(roomId, alice.token, { cid: "via-http", body: "from http" });
    expect(repeated.status).toBe(200);
    expect(repeated.body.message).toEqual(created.body.message);
    expect((await sendAcked(a3, "via-http", "from http")).seq).toBe(created.body.message.seq);

    // The same cid with another body: a conflict, over WS and over HTTP, and nothing stored.
    let from = a3.frames.length;
    a3.send({ type: "send", cid: "same", body: "another body" });
    expect(await a3.next("error", (f) => f.ref === "same", from)).toMatchObject({
      code: "conflict",
    });
    from = a3.frames.length;
    a3.send({ type: "send", cid: "via-http", body: "changed my mind" });
    expect(await a3.next("error", (f) => f.ref === "via-http", from)).toMatchObject({
      code: "conflict",
    });
    expectError(
      await post(roomId, alice.token, { cid: "same", body: "another body" }),
      409,
      "conflict",
    );
    expectError(
      await post(roomId, alice.token, { cid: "via-http", body: "changed my mind" }),
      409,
      "conflict",
    );

    // A cid is the sender's own: Bob's "same" is Bob's message.
    const b = await Link.open(roomId, bob.token, { sinceRev: 0 });
    await b.next("synced");
    const bobs = await sendAcked(b, "same", "only once");
    expect(bobs.seq).not.toBe(first.seq);

    const history = await serverHistory(roomId, alice.token);
    expect(history.map((m) => [m.seq, m.sender.id, m.body])).toEqual([
      [first.seq, alice.id, "only once"],
      [lost.seq, alice.id, "sent once"],
      [created.body.message.seq, alice.id, "from http"],
      [bobs.seq, bob.id, "only once"],
    ]);
    a3.drop();
    b.drop();
  });
});

// ---- 3. resume ------------------------------------------------------------------------------

/** Messages upserted by seq, newest rev winning; sorted by seq. */
function upsertAll(...lists: Message[][]): Message[] {
  const bySeq = new Map<number, Message>();
  for (const m of lists.flat()) {
    const known = bySeq.get(m.seq);
    if (!known || m.rev >= known.rev) bySeq.set(m.seq, m);
  }
  return [...bySeq.values()].sort((x, y) => x.seq - y.seq);
}

/** The frames a (re)connect replays: everything between `ready` and the first `synced`. */
async function replayOf(link: Link) {
  const synced = await link.next("synced");
  const end = link.frames.indexOf(synced);
  const between = link.frames.slice(1, end);
  return { synced, between, messages: messageFrames(link).slice(0, between.length) };
}

const encode = encodeURIComponent;

describe.concurrent("resume", () => {
  it("a client that comes back with sinceRev gets exactly what it missed, then synced at the server's rev", async () => {
    const { owner: reader, member: writer, roomId } = await roomOfTwo("resume");
    const w = await Link.open(roomId, writer.token, { sinceRev: 0 });
    await w.next("synced");
    for (let i = 1; i <= 12; i++) await sendAcked(w, `r${i}`, `before ${i}`);

    const a = await Link.open(roomId, reader.token, { sinceRev: 0 });
    const before = await replayOf(a);
    expect(before.messages.map((m) => m.seq)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    expect(before.synced.complete).toBe(true);
    a.drop();

    // What the reader misses: new messages, edits, deletes, reactions, over WS and HTTP.
    for (let i = 13; i <= 15; i++) await sendAcked(w, `r${i}`, `while away ${i}`);
    await changeAcked(
      w,
      { type: "edit", seq: 2, body: "before 2, edited" },
      (m) => m.editedAt !== null,
    );
    await changeAcked(w, { type: "delete", seq: 4 }, (m) => m.deleted);
    await changeAcked(
      w,
      { type: "react", seq: 6, emoji: "🎉", on: true },
      (m) => m.reactions.length === 1,
    );
    const path = `/api/rooms/${roomId}/messages`;
    expect(
      (await callPatiently("PUT", `${path}/7/reactions/${encode("👍")}`, undefined, writer.token))
        .status,
    ).toBe(200);
    expect(
      (await callPatiently("PATCH", `${path}/9`, { body: "before 9, edited" }, writer.token))
        .status,
    ).toBe(200);
    expect((await callPatiently("DELETE", `${path}/13`, undefined, reader.token)).status).toBe(200);

    const a2 = await Link.open(roomId, reader.token, { sinceRev: before.synced.rev });
    const replay = await replayOf(a2);
    const server = await serverHistory(roomId, reader.token);
    const serverRev = Math.max(...server.map((m) => m.rev));

    // Exactly the changed messages, once each, as `message` frames in rev order, as they are now.
    expect(replay.between.every((f) => f.type === "message")).toBe(true);
    const changed = server.filter((m) => m.rev > before.synced.rev).sort((x, y) => x.rev - y.rev);
    expect(changed.map((m) => m.seq).sort((x, y) => x - y)).toEqual([2, 4, 6, 7, 9, 13, 14, 15]);
    expect(replay.messages).toEqual(changed);
    expect(replay.synced).toEqual({ type: "synced", rev: serverRev, complete: true });
    expect(upsertAll(before.messages, replay.messages)).toEqual(server);
    a2.drop();
    w.drop();
  });

  // The room once acked a send before broadcasting the message: a client that lost its socket
  // between the two and resumed from the ack's rev never got its own message.
  it("an ack never runs ahead of the socket: resuming from the rev of the last ack loses nothing", async () => {
    const { owner, roomId } = await roomOfTwo("ack-order");
    const frames: ServerFrame[] = [];
    // The socket breaks right after the ack: whatever comes after it is lost.
    const a = await Link.open(roomId, owner.token, {
      sinceRev: 0,
      onFrame: (frame, link) => {
        frames.push(frame);
        if (frame.type === "ack") link.drop();
      },
    });
    a.send({ type: "send", cid: "mine", body: "my message" });
    const ack = await a.next("ack");
    // A client's last rev is the highest it has seen, acks included (the ack carries the rev).
    const seen = frames.flatMap((f) => (f.type === "message" ? [f.message] : []));
    const a2 = await Link.open(roomId, owner.token, { sinceRev: ack.rev });
    const replay = await replayOf(a2);
    expect(upsertAll(seen, replay.messages)).toEqual(await serverHistory(roomId, owner.token));
    a2.drop();
  });

  it("more than 500 missed changes: the replay stops at 500 with complete:false, the HTTP feed has the rest", async () => {
    const reader = await register(undefined, "Many reader");
    const room = await createRoom(reader, "private", "many");
    // Sends are limited per sender (a burst of 20, then 5/s): 30 writers send 570 messages at once.
    const writers = await Promise.all(
      Array.from({ length: 30 }, (_, i) => register(undefined, `Writer ${i}`)),
    );
    for (const w of writers) await addMember(reader, room.id, w.id);
    const sendFrom = async (firstIndex: number, count: number) => {
      const lanes = writers.map(async (w, lane) => {
        for (let i = firstIndex + lane; i < firstIndex + count; i += writers.length) {
          const res = await post(room.id, w.token, { cid: `m${i}`, body: `message ${i}` });
          expect(res.status).toBe(201);
        }
      });
      await Promise.all(lanes);
    };

    await sendFrom(0, 40);
    const a = await Link.open(room.id, reader.token, { sinceRev: 0 });
    const before = await replayOf(a);
    expect(before.messages).toHaveLength(40);
    a.drop();
    // The web client's own room state sees the same 40, then goes away with them.
    const noChaos = { dropBefore: 0, loseAnswer: 0, dropInFlight: 0 };
    const late = liveRoomClient(reader, room.id, mulberry32(7), noChaos);
    late.room.open();
    await until(
      () => late.room.connection.value === "connected" && late.room.messages.value.length === 40,
      10_000,
      "the late client's first view",
    );
    late.room.close();
    const requestsBefore = late.seen.requests.length;

    // Missed: 530 new messages, and edits, deletes and reactions on 12 old ones.
    await sendFrom(40, 300);
    const old = (await serverHistory(room.id, reader.token)).slice(0, 12);
    const path = `/api/rooms/${room.id}/messages`;
    const senderOf = (m: Message) => writers.find((w) => w.id === m.sender.id) as TestUser;
    for (const [i, m] of old.entries()) {
      const res =
        i < 5
          ? await callPatiently(
              "PATCH",
              `${path}/${m.seq}`,
              { body: `${m.body}, edited` },
              senderOf(m).token,
            )
          : i < 8
            ? await callPatiently("DELETE", `${path}/${m.seq}`, undefined, senderOf(m).token)
            : await callPatiently(
                "PUT",
                `${path}/${m.seq}/reactions/${encode("👀")}`,
                undefined,
                reader.token,
              );
      expect(res.status).toBe(200);
    }
    await sendFrom(340, 230);

    const a2 = await Link.open(room.id, reader.token, { sinceRev: before.synced.rev });
    const replay = await replayOf(a2);
    expect(replay.between.every((f) => f.type === "message")).toBe(true);
    expect(replay.messages).toHaveLength(500);
    const revs = replay.messages.map((m) => m.rev);
    expect(revs).toEqual([...revs].sort((x, y) => x - y));
    expect(new Set(revs).size).toBe(500);
    expect(revs[0]).toBeGreaterThan(before.synced.rev);
    expect(replay.synced).toEqual({ type: "synced", rev: revs.at(-1), complete: false });

    const feed = await changesFeed(room.id, reader.token, replay.synced.rev);
    const rest = feed.pages.flatMap((p) => p.messages);
    const server = await serverHistory(room.id, reader.token);
    expect(feed.rev).toBe(Math.max(...server.map((m) => m.rev)));
    const got = [...replay.messages, ...rest].map((m) => m.seq);
    expect(new Set(got).size).toBe(got.length);
    const missed = server.filter((m) => m.rev > before.synced.rev).map((m) => m.seq);
    expect(missed).toHaveLength(542);
    expect(got.sort((x, y) => x - y)).toEqual(missed);
    expect(upsertAll(before.messages, replay.messages, rest)).toEqual(server);

    // The web client does the same on its own: it resumes from its rev, takes the incomplete
    // replay, pages the changes feed over HTTP and is live again.
    late.room.open();
    await until(
      () => late.room.connection.value === "connected" && late.room.resumeRev() === feed.rev,
      30_000,
      "the late client's catch-up",
    );
    expect(late.room.messages.value).toEqual(server);
    const catchUp = late.seen.requests.slice(requestsBefore);
    // The feed picks up where the replay stopped (500 changes in, as `a2` saw it).
    expect(catchUp).toContain(`GET /api/rooms/${room.id}/messages?sinceRev=${replay.synced.rev}`);
    late.room.close();

    // And the socket is live after the catch-up.
    const more = await post(room.id, (writers[0] as TestUser).token, {
      cid: "after",
      body: "after",
    });
    expect(
      (await a2.next("message", (f) => f.message.seq === more.body.message.seq)).message,
    ).toEqual(more.body.message);
    a2.drop();
  }, 60_000);
});

// ---- 4. hibernation ----------------------------------------------------------------------------

describe.concurrent("hibernation", () => {
  it("open sockets survive an eviction with webSockets:hibernate: ping → pong, send → ack, others receive", async () => {
    const { owner: alice, member: bob, roomId } = await roomOfTwo("hibernate");
    const stub = roomStub(roomId);
    const a = await Link.open(roomId, alice.token, { sinceRev: 0 });
    const b = await Link.open(roomId, bob.token, { sinceRev: 0 });
    await a.next("synced");
    await b.next("synced");

    await evictDurableObject(stub, { webSockets: "hibernate" });
    let from = a.frames.length;
    a.sendRaw("ping");
    expect(await a.next("raw", () => true, from)).toEqual({ type: "raw", text: "pong" });

    const ack = await sendAcked(a, "hib-1", "after hibernation");
    const got = await b.next("message", (f) => f.message.seq === ack.seq);
    expect(got.message).toMatchObject({
      seq: ack.seq,
      rev: ack.rev,
      body: "after hibernation",
      sender: { id: alice.id },
    });
    // Each socket still knows who it is: Bob's reaction is Bob's, and Alice sees it.
    const reacted = await changeAcked(
      b,
      { type: "react", seq: ack.seq, emoji: "👍", on: true },
      (m) => m.reactions.length === 1,
    );
    expect(reacted.reactions).toEqual([{ emoji: "👍", count: 1, userIds: [bob.id] }]);
    await a.next("changed", (f) => f.message.rev === reacted.rev);
    expect(await runInDurableObject(stub, (_room, state) => state.getWebSockets().length)).toBe(2);

    // A second time: the pong, then a sync on the same socket replays from its rev.
    await evictDurableObject(stub, { webSockets: "hibernate" });
    from = b.frames.length;
    b.sendRaw("ping");
    expect(await b.next("raw", () => true, from)).toEqual({ type: "raw", text: "pong" });
    from = b.frames.length;
    b.send({ type: "sync", sinceRev: 0 });
    const synced = await b.next("synced", () => true, from);
    expect(synced).toEqual({ type: "synced", rev: reacted.rev, complete: true });
    expect(messageFrames(b, from)).toEqual(await serverHistory(roomId, alice.token));
    expect(a.closed).toBeNull();
    expect(b.closed).toBeNull();
    a.drop();
    b.drop();
  });
});

describe("pipelined senders while D1 comes and goes", () => {
  it("each sender's messages keep their send order, mentions resolve at once, and no mention is lost once D1 answers", async () => {
    const people = await Promise.all(
      ["pipe_ann", "pipe_ben", "pipe_cat", "pipe_dan"].map((h) => register(h, h)),
    );
    const [ann, ben, cat, dan] = people as [TestUser, TestUser, TestUser, TestUser];
    const roomId = (await createRoom(ann, "private", "pipelines")).id;
    for (const p of [ben, cat, dan]) await addMember(ann, roomId, p.id);
    const senders = [ann, ben, cat];
    const sockets = await Promise.all(senders.map((s) => RoomClient.open(roomId, s.token)));
    const stub = roomStub(roomId);

    // Each sender pipelines 18 frames (within its burst) without waiting for acks; bodies
    // mention the others in turn, Dan often. D1 fails for part of the run.
    const PER_SENDER = 18;
    const plan = senders.map((sender, s) =>
      Array.from({ length: PER_SENDER }, (_, i) => {
        const others = people.filter((p) => p.id !== sender.id);
        const target = i % 3 === 0 ? null : (others[i % others.length] as TestUser);
        const body = target ? `@${target.handle} note ${s}-${i}` : `plain ${s}-${i}`;
        return { cid: `pipe-${s}-${i}`, body, mentioned: target ? [target.id] : [] };
      }),
    );
    for (let i = 0; i < PER_SENDER; i++) {
      if (i === 4) await breakD1(stub);
      if (i === 10) await repairD1(stub);
      if (i === 13) await breakD1(stub);
      plan.forEach((frames, s) => {
        const frame = frames[i];
        if (frame) sockets[s]?.send({ type: "send", cid: frame.cid, body: frame.body });
      });
    }
    const acked = await Promise.all(
      plan.map((frames, s) =>
        Promise.all(
          frames.map((f) => (sockets[s] as RoomClient).next("ack", (a) => a.cid === f.cid)),
        ),
      ),
    );
    for (const acks of acked) {
      const seqs = acks.map((a) => a.seq);
      expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
    }
    const history = await serverHistory(roomId, dan.token);
    const bySeq = new Map(history.map((m) => [m.seq, m]));
    plan.forEach((frames, s) => {
      frames.forEach((f, i) => {
        const message = bySeq.get(acked[s]?.[i]?.seq ?? -1);
        expect(message?.body).toBe(f.body);
        expect(message?.mentions).toEqual(f.mentioned);
      });
    });

    // D1 back: the counts are exact. Mentions above each person's read mark (a sender's mark
    // is their own last message) count; nothing mentioned while D1 was down is lost.
    await repairD1(stub);
    // Flush now rather than wait out the backoff the outage built up.
    await stub.flush();
    for (const person of people) {
      const mark = Math.max(
        0,
        ...history.filter((m) => m.sender.id === person.id).map((m) => m.seq),
      );
      const expected = history.filter((m) => m.seq > mark && m.mentions.includes(person.id));
      const unread = history.filter((m) => m.seq > mark && m.sender.id !== person.id);
      const mine = (
        await call("GET", "/api/rooms", undefined, { token: person.token })
      ).body.rooms.find((r: { room: { id: string } }) => r.room.id === roomId);
      expect(mine, person.handle).toMatchObject({
        mentions: expected.length,
        unread: unread.length,
      });
    }
    for (const s of sockets) s.close();
  });
});
