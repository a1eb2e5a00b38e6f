// A relay Durable Object: one fan-out shard of a room past ROOM_RELAY_THRESHOLD (docs/
// architecture.md, "Rooms beyond one Durable Object"). It holds sockets (hibernating, state in
// their attachments), applies the room's numbered batches in the room's order to them, checks its
// sockets' frames as the room checks its own and passes them to the room, which runs the same
// action path as for its own sockets. It never writes the room's state: the room is the single
// writer; a relay only delivers. Ordering in batch-order.ts, socket state in relay-sockets.ts,
// the coalesced reports to the room in relay-reports.ts.
import { DurableObject } from "cloudflare:workers";
import { CLOSE, type ClientFrame, parseClientFrame } from "../../src/shared/protocol";
import { type Env, readConfig } from "../config/env";
import { Outgoing } from "../realtime/outgoing";
import {
  RELAY_HEADER,
  type RelayBatch,
  type RelayEntry,
  type RelayWelcome,
} from "../realtime/relays";
import { CONNECT_HEADER, closeInTurn, frameText, isOpen, typingDue } from "../realtime/sockets";
import { roomStub } from "../realtime/stubs";
import { BatchOrder, HOLD_MS } from "./batch-order";
import { RelayReports } from "./relay-reports";
import { type Grant, RelaySockets, roomSide } from "./relay-sockets";

type RoomStub = ReturnType<typeof roomStub>;
/** The grant as the room takes it (the Worker built it; the relay passes it on untouched). */
type ConnectGrant = Parameters<RoomStub["relayJoin"]>[1] & Grant;

/** Which room this relay serves and its place among the room's relays (kept for wakes). */
interface Where {
  roomId: string;
  index: number;
}

const WHERE = "where";
const RECONNECT = "Reconnect, please";

export class RelayDO extends DurableObject<Env> {
  readonly #sockets: RelaySockets;
  readonly #order = new BatchOrder();
  /** Sockets the room is welcoming: the batches applied meanwhile, for after the welcome. */
  readonly #joining = new Map<string, RelayBatch[]>();
  readonly #outgoing: Outgoing;
  readonly #reports: RelayReports;
  /** Each socket's frames go to the room one after another, in the order they came. */
  readonly #chains = new Map<string, Promise<void>>();
  readonly #socketsPerUser: number;
  readonly #typingIntervalMs: number;
  #where: Where | null;
  #room: RoomStub | null = null;
  #holdTimer = false;
  /** Batches applied since this instance started (tests, operators). */
  #applied = 0;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    const config = readConfig(env);
    this.#sockets = new RelaySockets(ctx);
    const later = (fn: () => void, ms: number) => setTimeout(fn, ms);
    this.#outgoing = new Outgoing(() => this.#sockets.batching(), later);
    this.#reports = new RelayReports({
      intervalMs: config.presenceIntervalMs,
      hasUser: (userId) => this.#sockets.hasUser(userId),
      sockets: () => this.#sockets.count(),
      send: async (report) => {
        const where = this.#where;
        if (!where) return;
        try {
          await this.#roomStub().relayReport(where.index, report);
        } catch (error) {
          this.#roomFailed();
          console.error("relay report failed", error);
          throw error;
        }
      },
      now: Date.now,
      later,
    });
    this.#socketsPerUser = config.roomSocketsPerUser;
    this.#typingIntervalMs = config.typingIntervalMs;
    this.#where = ctx.storage.kv.get<Where>(WHERE) ?? null;
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair("ping", "pong"));
  }

  // ---- sockets ------------------------------------------------------------------------------

  /** The Worker's upgrade of a socket the room sent here, with the grant the Worker built. */
  override async fetch(request: Request): Promise<Response> {
    const grant = JSON.parse(request.headers.get(CONNECT_HEADER) ?? "null") as ConnectGrant | null;
    const index = Number(request.headers.get(RELAY_HEADER));
    if (!grant || request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
      return new Response("Expected a WebSocket upgrade from the Worker", { status: 400 });
    }
    this.#setWhere({ roomId: grant.room.id, index });
    for (const ws of this.#sockets.beyond(grant.actor.id, this.#socketsPerUser)) {
      this.#close(ws, CLOSE.policy, "Too many connections: this is the oldest");
    }
    const sid = crypto.randomUUID();
    const { client, server } = this.#sockets.accept(grant, sid);
    const held: RelayBatch[] = [];
    this.#joining.set(sid, held);
    let welcome: RelayWelcome;
    try {
      // With how many of the person's sockets are here: one cap holds over room and relay.
      const mine = this.#sockets.countOf(grant.actor.id);
      welcome = await this.#roomStub().relayJoin(index, grant, mine);
    } catch (error) {
      this.#roomFailed();
      console.error("relay join failed", error);
      server.close(CLOSE.serviceRestart, RECONNECT);
      return new Response("The room did not answer", { status: 503 });
    } finally {
      this.#joining.delete(sid);
    }
    for (const text of welcome.texts) this.#outgoing.textToOne(server, text);
    // What came while the room wrote the welcome, and is newer than it, follows it.
    for (const batch of held) if (batch.n > welcome.at) this.#deliver(batch, [server], server);
    const state = this.#sockets.state(server);
    if (state && isOpen(server)) this.#sockets.welcomed(server, state, welcome.at);
    return new Response(null, { status: 101, webSocket: client });
  }

  override async webSocketMessage(ws: WebSocket, data: string | ArrayBuffer): Promise<void> {
    if (!isOpen(ws)) return;
    const text = frameText(data);
    if (typeof text !== "string") {
      this.#close(ws, ...text.close);
      return;
    }
    const state = this.#sockets.state(ws);
    if (!state || state.since === null || !this.#where) {
      this.#close(ws, CLOSE.serviceRestart, RECONNECT);
      return;
    }
    const parsed = parseClientFrame(text);
    if (!parsed.ok) {
      this.#outgoing.toOne(ws, parsed.error);
      return;
    }
    // Typing the room would drop (too soon after this socket's last) costs the room no call.
    const { type } = parsed.frame;
    if (type === "typing" && !typingDue(state.typingAt, Date.now(), this.#typingIntervalMs)) return;
    const previous = this.#chains.get(state.sid) ?? Promise.resolve();
    const next = previous.then(() => this.#pass(ws, state.sid, parsed.frame));
    this.#chains.set(state.sid, next);
    await next;
    if (this.#chains.get(state.sid) === next) this.#chains.delete(state.sid);
  }

  override async webSocketClose(ws: WebSocket, code: number): Promise<void> {
    this.#left(ws, code);
  }

  override async webSocketError(ws: WebSocket): Promise<void> {
    this.#left(ws, CLOSE.serverError);
  }

  #left(ws: WebSocket, code: number): void {
    const state = this.#sockets.state(ws);
    closeInTurn(ws, code);
    if (!state) return;
    this.#sockets.gone(state.sid);
    this.#chains.delete(state.sid);
    this.#reports.left(state.actor.id, state.typing);
  }

  /** One client frame to the room; the socket keeps the state the room answers. */
  async #pass(ws: WebSocket, sid: string, frame: ClientFrame): Promise<void> {
    const state = this.#sockets.state(ws);
    const where = this.#where;
    if (!state || !where || !isOpen(ws)) return;
    try {
      const next = await this.#roomStub().relayFrame(where.index, sid, roomSide(state), frame);
      const now = this.#sockets.state(ws);
      if (now && isOpen(ws)) {
        const { strikes, typingAt, typing } = next;
        this.#sockets.write(ws, { ...now, strikes, typingAt, typing });
      }
    } catch (error) {
      // The frame's fate is unknown: the client resumes by rev and retries by cid.
      this.#roomFailed();
      console.error("relay frame failed", error);
      this.#close(ws, CLOSE.serviceRestart, RECONNECT);
    }
  }

  // ---- RPC from the room ----------------------------------------------------------------------

  /** The room's next batch: applied in the room's order to the sockets it is meant for. */
  batch(batch: RelayBatch): void {
    const now = Date.now();
    for (const ready of this.#order.arrive(batch, now)) {
      this.#applied++;
      for (const held of this.#joining.values()) held.push(ready);
      this.#deliver(ready, this.#sockets.takers(ready.n));
    }
    if (!this.#holdTimer && this.#order.holding) {
      this.#holdTimer = true;
      setTimeout(() => {
        this.#holdTimer = false;
        if (!this.#order.overdue(Date.now())) return;
        // A batch never came: what the sockets missed is unknown, so they start over.
        this.#order.reset();
        for (const ws of this.#sockets.all()) this.#close(ws, CLOSE.serviceRestart, RECONNECT);
      }, HOLD_MS);
    }
  }

  /**
   * Folding back (the room is small again): up to `count` sockets close with 1012 and their
   * clients reconnect, onto the room itself. Answers how many closed.
   */
  foldBack(count: number): number {
    const open = this.#sockets.all().filter(isOpen).slice(0, count);
    for (const ws of open) this.#close(ws, CLOSE.serviceRestart, RECONNECT);
    return open.length;
  }

  /** Open sockets now (tests, operators). */
  sockets(): number {
    return this.#sockets.count();
  }

  /** Who is here now, from the sockets themselves: the room asks when it wakes. */
  presence(): { sockets: number; users: string[] } {
    const users = new Set<string>();
    for (const ws of this.#sockets.all()) {
      const state = this.#sockets.state(ws);
      if (state && isOpen(ws)) users.add(state.actor.id);
    }
    return { sockets: this.#sockets.count(), users: [...users] };
  }

  /** Open sockets, and batches applied since this instance started (tests, operators). */
  stats(): { sockets: number; batches: number } {
    return { sockets: this.#sockets.count(), batches: this.#applied };
  }

  // ---- helpers ------------------------------------------------------------------------------

  /**
   * Applies a batch's entries to `takers` (the sockets that take this batch) in order; `only`
   * when the batch is for one socket just welcomed.
   */
  #deliver(batch: RelayBatch, takers: WebSocket[], only?: WebSocket): void {
    for (const entry of batch.entries) this.#entry(entry, takers, batch.n, only);
  }

  #entry(entry: RelayEntry, takers: WebSocket[], n: number, only?: WebSocket): void {
    if ("t" in entry) {
      if ("to" in entry) {
        const ws = this.#sockets.byId(entry.to) ?? (only && this.#isSid(only, entry.to));
        if (ws && (!only || ws === only)) this.#outgoing.textToOne(ws, entry.t);
        return;
      }
      const except = entry.x === undefined ? undefined : this.#sockets.byId(entry.x);
      this.#outgoing.textToAll(takers, entry.t, except);
      return;
    }
    const matching = this.#sockets
      .matching(entry.of)
      .filter((ws) => (only ? ws === only : this.#takes(ws, n)));
    if ("close" in entry) {
      for (const ws of matching) this.#close(ws, entry.close[0], entry.close[1]);
      return;
    }
    for (const ws of matching) {
      const state = this.#sockets.state(ws);
      if (state) {
        const actor = { ...state.actor, ...entry.actor } as typeof state.actor;
        this.#sockets.write(ws, { ...state, actor });
      }
    }
  }

  #isSid(ws: WebSocket, sid: string): WebSocket | undefined {
    return this.#sockets.state(ws)?.sid === sid ? ws : undefined;
  }

  #takes(ws: WebSocket, n: number): boolean {
    const since = this.#sockets.state(ws)?.since;
    return since !== undefined && since !== null && n > since;
  }

  /** Closes a socket from the relay's side, after what was said to it. */
  #close(ws: WebSocket, code: number, reason: string): void {
    const state = this.#sockets.state(ws);
    this.#outgoing.flush();
    try {
      ws.close(code, reason);
    } catch {
      // Already closed.
    }
    if (!state) return;
    this.#sockets.gone(state.sid);
    this.#reports.left(state.actor.id, state.typing);
  }

  #setWhere(where: Where): void {
    if (this.#where?.roomId === where.roomId && this.#where.index === where.index) return;
    this.#where = where;
    this.#room = null;
    this.ctx.storage.kv.put(WHERE, where);
  }

  #roomStub(): RoomStub {
    if (!this.#where) throw new Error("relay not initialised");
    this.#room ??= roomStub(this.env, this.#where.roomId);
    return this.#room;
  }

  /**
   * A call to the room failed: workerd fails every later call through a stub that saw its object
   * reset (or lost its connection), so the next call (a resuming client's join) makes a new one.
   */
  #roomFailed(): void {
    this.#room = null;
  }
}
