// The room Durable Object: transport. It owns the runtime hooks (WebSocket upgrade, hibernating
// socket events, the alarm) and the RPC methods the Worker calls; it parses what arrives, asks
// the room's actions (actions.ts) what to do, and delivers their effects to the sockets. Limits
// are decided in admission.ts, background work in room-tasks.ts, storage in store.ts, roster.ts
// and rate-state.ts. Whatever must survive hibernation is in SQLite or a socket's attachment.
import { DurableObject } from "cloudflare:workers";
import { drizzle } from "drizzle-orm/durable-sqlite";
import { migrate } from "drizzle-orm/durable-sqlite/migrator";
import { z } from "zod";
import migrations from "../../migrations/room/migrations.js";
import { type Env, readConfig } from "../env";
import {
  isOpen,
  oldestBeyond,
  readState,
  sendFrame,
  sendToAll,
  sessionTag,
  userTag,
  writeState,
} from "../realtime/sockets";
import type { MemberRole, RetentionPolicy } from "../shared/api";
import {
  CLOSE,
  CLOSE_REASONS,
  type ClientFrame,
  type ErrorFrame,
  MESSAGE_LIMITS,
  PROTOCOL_VERSION,
  parseClientFrame,
  type ServerFrame,
} from "../shared/protocol";
import * as actions from "./actions";
import { Admission } from "./admission";
import {
  type Actor,
  changesSince,
  historyPage,
  type Result,
  type RoomInfo,
  type SendInput,
  searchRoom,
} from "./handlers";
import { RateState } from "./rate-state";
import { RoomTasks } from "./room-tasks";
import { Roster, type RosterMember } from "./roster";
import { Scheduler } from "./scheduler";
import { type PurgeRange, RoomStore, utf8Bytes } from "./store";
import type { SyncStatus } from "./sync-task";

/** What the Worker tells the room about a socket it authenticated; never from the client. */
export interface ConnectGrant {
  actor: Actor;
  room: RoomInfo;
  sessionHash: string;
  sinceRev: number | null;
}

export const CONNECT_HEADER = "x-confab-connect";

/** Each socket's state, in its attachment (validated and versioned by realtime/sockets.ts). */
const SocketState = z.object({
  /** Who connected; the role is re-read from the roster for every frame. */
  actor: z.object({
    id: z.string(),
    handle: z.string(),
    name: z.string(),
    role: z.enum(["owner", "moderator", "member"]).nullable(),
    isAdmin: z.boolean(),
  }),
  sessionHash: z.string(),
  openedAt: z.number(),
  /** Rate-limited frames since the last accepted send: a client that keeps flooding is closed. */
  strikes: z.number(),
  /** When this socket's last typing frame was passed on, and whether it said `on`. */
  typingAt: z.number(),
  typing: z.boolean(),
});
type SocketState = z.infer<typeof SocketState>;

/** Rate-limited sends in a row before the socket is closed with 1008. */
const MAX_STRIKES = 50;
const READ_MARKS_IN_READY = 1_000;

export class RoomDO extends DurableObject<Env> {
  readonly #store: RoomStore;
  readonly #roster: Roster;
  readonly #admission: Admission;
  readonly #tasks: RoomTasks;
  readonly #typingIntervalMs: number;
  readonly #socketsPerUser: number;
  #onlineCache: Set<string> | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    const config = readConfig(env);
    this.#store = new RoomStore(ctx.storage.sql, (fn) => ctx.storage.transactionSync(fn));
    this.#roster = new Roster(ctx.storage.sql);
    this.#admission = new Admission(new RateState(ctx.storage.sql), {
      send: config.send,
      windows: { replay: config.replays, connect: config.roomConnects },
    });
    this.#tasks = new RoomTasks({
      store: this.#store,
      scheduler: new Scheduler(this.#store, ctx.storage),
      env: () => this.env,
      syncDelayMs: config.syncDelayMs,
      retentionDefaults: config.retention,
      trimmed: () => this.#broadcast({ type: "trimmed", firstSeq: this.#store.firstSeq() }),
    });
    this.#typingIntervalMs = config.typingIntervalMs;
    this.#socketsPerUser = config.roomSocketsPerUser;
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair("ping", "pong"));
    void ctx.blockConcurrencyWhile(async () => {
      await migrate(drizzle(ctx.storage), migrations);
    });
  }

  // ---- sockets ------------------------------------------------------------------------------

  override async fetch(request: Request): Promise<Response> {
    const grant = JSON.parse(request.headers.get(CONNECT_HEADER) ?? "null") as ConnectGrant | null;
    if (!grant || request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
      return new Response("Expected a WebSocket upgrade from the Worker", { status: 400 });
    }
    const refused = this.#admission.window("connect", grant.actor.id, Date.now());
    if (refused) return tooManyConnects(refused.retryAfterMs);
    await this.#ensureRoster(grant.room.id);
    const room = this.#rememberRoom(grant.room);
    const mine = this.ctx.getWebSockets(userTag(grant.actor.id));
    for (const ws of oldestBeyond(
      mine,
      this.#socketsPerUser,
      (s) => this.#state(s)?.openedAt ?? 0,
    )) {
      this.#closeSocket(ws, CLOSE.policy, "Too many connections: this is the oldest");
    }
    const wasOnline = this.#isOnline(grant.actor.id);
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server, [userTag(grant.actor.id), sessionTag(grant.sessionHash)]);
    writeState<SocketState>(server, {
      actor: grant.actor,
      sessionHash: grant.sessionHash,
      openedAt: Date.now(),
      strikes: 0,
      typingAt: 0,
      typing: false,
    });
    this.#online().add(grant.actor.id);
    send(server, {
      type: "ready",
      v: PROTOCOL_VERSION,
      room: {
        id: room.id,
        kind: room.kind,
        name: room.name,
        topic: room.topic,
        archived: room.archived,
      },
      me: {
        id: grant.actor.id,
        handle: grant.actor.handle,
        name: grant.actor.name,
        role: grant.actor.role ?? "admin",
      },
      rev: this.#store.rev(),
      lastSeq: this.#store.lastSeq(),
      online: [...this.#online()],
      readMarks: this.#store.readMarks(READ_MARKS_IN_READY, this.#roster.loaded),
    });
    // A client that was away during a purge learns where the room now begins.
    const firstSeq = this.#store.firstSeq();
    if (firstSeq > 1) send(server, { type: "trimmed", firstSeq });
    if (grant.sinceRev !== null) this.#replay(server, room, grant.sinceRev);
    if (!wasOnline)
      this.#broadcast({ type: "presence", userId: grant.actor.id, online: true }, server);
    return new Response(null, { status: 101, webSocket: client });
  }

  override async webSocketMessage(ws: WebSocket, data: string | ArrayBuffer): Promise<void> {
    // Frames still in flight when the room closed this socket (removal, logout, flooding) are void.
    if (!isOpen(ws)) return;
    if (typeof data !== "string") {
      this.#closeSocket(ws, CLOSE.unsupportedData, "Frames are JSON text");
      return;
    }
    if (
      data.length > MESSAGE_LIMITS.frameMaxBytes ||
      utf8Bytes(data) > MESSAGE_LIMITS.frameMaxBytes
    ) {
      this.#closeSocket(ws, CLOSE.tooLarge, "Frame too large");
      return;
    }
    const state = this.#state(ws);
    if (!state) {
      // A socket from before a deploy that changed its state's layout: reconnecting fixes it.
      this.#closeSocket(ws, CLOSE.serviceRestart, "Reconnect, please");
      return;
    }
    const parsed = parseClientFrame(data);
    if (!parsed.ok) {
      send(ws, parsed.error);
      return;
    }
    this.#onFrame(ws, state, parsed.frame);
    await this.#tasks.afterChange();
  }

  override async webSocketClose(ws: WebSocket, code: number): Promise<void> {
    this.#left(ws, code);
  }

  override async webSocketError(ws: WebSocket): Promise<void> {
    this.#left(ws, CLOSE.serverError);
  }

  /**
   * One frame, handled synchronously from arrival to write: nothing awaits between parsing and
   * the write, so a pipelining client's frames take seqs in the order they were sent.
   */
  #onFrame(ws: WebSocket, state: SocketState, frame: ClientFrame): void {
    const actor = this.#actorNow(state);
    if (!actor) {
      this.#closeSocket(ws, CLOSE.policy, "Removed from the room");
      return;
    }
    const room = this.#room();
    const now = Date.now();
    const member = actor.role !== null;
    switch (frame.type) {
      case "send": {
        if (!member) {
          send(ws, notMember(frame.cid));
          return;
        }
        // A retried cid is answered from storage and costs no tokens.
        const repeat = this.#store.findByCid(actor.id, frame.cid) !== null;
        if (!repeat && this.#limited(ws, state, now, frame.cid)) return;
        const result = this.#deliver(
          actions.send(this.#store, this.#roster, room, actor, frame, now),
        );
        if (!result.ok) {
          send(ws, errorFrame(result, frame.cid));
          return;
        }
        const { seq, rev } = result.value.message;
        send(ws, { type: "ack", cid: frame.cid, seq, rev });
        return;
      }
      case "edit":
      case "delete":
      case "react": {
        // Instance admins who are not members moderate (delete) but do not post.
        if (!member && frame.type !== "delete") {
          send(ws, notMember());
          return;
        }
        if (this.#limited(ws, state, now)) return;
        const result = this.#deliver(actions.change(this.#store, room, actor, frame, now));
        if (!result.ok) send(ws, errorFrame(result));
        return;
      }
      case "typing": {
        // On and off alike, at most one a socket per interval; the rest are dropped silently.
        if (!member || now - state.typingAt < this.#typingIntervalMs) return;
        writeState<SocketState>(ws, { ...state, typingAt: now, typing: frame.on });
        this.#broadcast({ type: "typing", userId: actor.id, on: frame.on }, ws);
        return;
      }
      case "read": {
        if (member) this.#deliver(actions.read(this.#store, actor, frame.seq, now));
        return;
      }
      case "sync": {
        const refused = this.#admission.window("replay", actor.id, now);
        if (refused) {
          send(ws, rateLimited(refused.retryAfterMs));
          return;
        }
        this.#replay(ws, room, frame.sinceRev);
        return;
      }
    }
  }

  /**
   * The socket's actor as of now: identity from the grant, the role from the roster (D1's
   * membership as last reported), so a removal or role change applies to the very next frame.
   * Null when the person is neither a member nor (still) an instance admin.
   */
  #actorNow(state: SocketState): Actor | null {
    const role = this.#roster.loaded ? this.#roster.role(state.actor.id) : state.actor.role;
    if (role === null && !state.actor.isAdmin) return null;
    return role === state.actor.role ? state.actor : { ...state.actor, role };
  }

  /** Applies the send limits to a socket's frame; answers and returns true when refused. */
  #limited(ws: WebSocket, state: SocketState, now: number, ref?: string): boolean {
    const admitted = this.#admission.send(state.actor.id, now, this.ctx.getWebSockets().length);
    if (admitted.allowed) {
      if (state.strikes > 0) writeState<SocketState>(ws, { ...state, strikes: 0 });
      return false;
    }
    // Only a sender over its own rate is flooding; a full room is nobody's fault, and a client
    // that honours retryAfterMs still has frames in flight when the room is behind.
    if (admitted.by === "room") {
      send(ws, rateLimited(admitted.retryAfterMs, ref));
      return true;
    }
    const strikes = state.strikes + 1;
    writeState<SocketState>(ws, { ...state, strikes });
    if (strikes > MAX_STRIKES)
      this.#closeSocket(ws, CLOSE.policy, "Still flooding after rate_limited");
    else send(ws, rateLimited(admitted.retryAfterMs, ref));
    return true;
  }

  /** Sends an action's frames to every open socket; answers its result. */
  #deliver<T>(outcome: actions.Outcome<T>): Result<T> {
    for (const frame of outcome.frames) this.#broadcast(frame);
    return outcome.result;
  }

  #replay(ws: WebSocket, room: RoomInfo, sinceRev: number): void {
    const changes = changesSince(this.#store, room, sinceRev, MESSAGE_LIMITS.replayMax);
    for (const message of changes.messages) send(ws, { type: "message", message });
    send(ws, { type: "synced", rev: changes.rev, complete: changes.complete });
  }

  #left(ws: WebSocket, code: number): void {
    const state = this.#state(ws);
    try {
      ws.close(code === 1005 || code === 1006 ? CLOSE.normal : code, "Closed");
    } catch {
      // Already closed.
    }
    if (!state) return;
    if (state.typing) this.#broadcast({ type: "typing", userId: state.actor.id, on: false }, ws);
    if (!this.#isOnline(state.actor.id, ws)) {
      this.#onlineCache?.delete(state.actor.id);
      this.#broadcast({ type: "presence", userId: state.actor.id, online: false }, ws);
    }
  }

  // ---- RPC: the same operations over HTTP, one call per use case ------------------------------

  history(room: RoomInfo, query: { before?: number; after?: number; limit: number }) {
    this.#rememberRoom(room);
    return historyPage(this.#store, room, query);
  }

  /** The changes feed over HTTP; shares the `sync` frames' window. */
  changes(room: RoomInfo, actor: Actor, sinceRev: number, limit: number) {
    this.#rememberRoom(room);
    const refused = this.#admission.window("replay", actor.id, Date.now());
    if (refused) return refusedResult(refused.retryAfterMs);
    return { ok: true as const, value: changesSince(this.#store, room, sinceRev, limit) };
  }

  search(room: RoomInfo, query: { q: string; before?: number; limit: number }) {
    this.#rememberRoom(room);
    return searchRoom(this.#store, room, query);
  }

  async send(room: RoomInfo, actor: Actor, input: Omit<SendInput, "mentions">) {
    await this.#ensureRoster(room.id);
    this.#rememberRoom(room);
    const now = Date.now();
    if (this.#store.findByCid(actor.id, input.cid) === null) {
      const admitted = this.#admission.send(actor.id, now, this.ctx.getWebSockets().length);
      if (!admitted.allowed) return refusedResult(admitted.retryAfterMs);
    }
    const result = this.#deliver(actions.send(this.#store, this.#roster, room, actor, input, now));
    await this.#tasks.afterChange();
    return result;
  }

  edit(room: RoomInfo, actor: Actor, seq: number, body: string) {
    return this.#change(room, actor, { type: "edit", seq, body });
  }

  delete(room: RoomInfo, actor: Actor, seq: number) {
    return this.#change(room, actor, { type: "delete", seq });
  }

  react(room: RoomInfo, actor: Actor, input: { seq: number; emoji: string; on: boolean }) {
    return this.#change(room, actor, { type: "react", ...input });
  }

  /** Edits, deletes and reactions over HTTP spend the same bucket as sends. */
  async #change(room: RoomInfo, actor: Actor, input: actions.MessageChange) {
    this.#rememberRoom(room);
    const now = Date.now();
    const admitted = this.#admission.send(actor.id, now, this.ctx.getWebSockets().length);
    if (!admitted.allowed) return refusedResult(admitted.retryAfterMs);
    const result = this.#deliver(actions.change(this.#store, room, actor, input, now));
    await this.#tasks.afterChange();
    return result;
  }

  /**
   * Moves my read mark and, unlike socket frames, syncs D1 before answering: a client that
   * reads over HTTP and then lists its rooms sees its own read (if D1 is up; else the alarm
   * carries it later).
   */
  async read(room: RoomInfo, actor: Actor, seq: number) {
    this.#rememberRoom(room);
    const outcome = actions.read(this.#store, actor, seq, Date.now());
    const result = this.#deliver(outcome);
    if (outcome.frames.length > 0) await this.#tasks.syncNow();
    return result.ok ? result.value : { seq: 0 };
  }

  // ---- D1 sync and inbox subscriptions -------------------------------------------------------

  override async alarm(): Promise<void> {
    await this.#tasks.alarm();
  }

  /** Flushes the outbox now (operators, tests); returns the sync's state after. */
  async flush(): Promise<SyncStatus> {
    await this.#tasks.syncNow();
    return this.#tasks.syncStatus();
  }

  syncStatus(): SyncStatus {
    return this.#tasks.syncStatus();
  }

  /** A member's inbox opened: this room tells it about activity until it unsubscribes. */
  subscribe(userId: string): void {
    this.#store.subscribe(userId, Date.now());
  }

  unsubscribe(userId: string): void {
    this.#store.unsubscribe([userId]);
  }

  /**
   * D1 changed the room (rename, topic, archive, retention): later frames see it at once, and
   * open sockets are told, so headers and the "kept for" notice follow.
   */
  async roomChanged(room: RoomInfo): Promise<void> {
    const before = this.#store.getMeta<RoomInfo>("room");
    this.#rememberRoom(room);
    this.#announceRoom(before);
    const policyChanged =
      JSON.stringify([before?.retention, before?.ephemeral]) !==
      JSON.stringify([room.retention, room.ephemeral]);
    if (policyChanged) await this.#tasks.scheduleRetention(true);
  }

  /**
   * D1 saved a new retention policy: the room applies it at once (as its alarm would) and
   * answers what that deleted, so whoever saved it can be told.
   */
  async retentionChanged(room: RoomInfo): Promise<PurgeRange> {
    const before = this.#store.getMeta<RoomInfo>("room");
    this.#rememberRoom(room);
    this.#announceRoom(before);
    return this.#tasks.runRetention();
  }

  /** What the room's policy (or a proposed one, before saving it) would delete now. */
  retentionPreview(room: RoomInfo, proposed: RetentionPolicy | null = null): PurgeRange {
    this.#rememberRoom(room);
    return this.#tasks.preview(room, proposed);
  }

  /** Applies the policy now; answers what was deleted. */
  async retentionRun(room: RoomInfo): Promise<PurgeRange> {
    this.#rememberRoom(room);
    return this.#tasks.runRetention();
  }

  // ---- membership and authority, as D1 changes them -------------------------------------------

  async membersAdded(roomId: string, members: RosterMember[]): Promise<void> {
    await this.#ensureRoster(roomId);
    for (const frame of actions.addMembers(this.#store, this.#roster, members, Date.now())) {
      this.#broadcast(frame);
    }
    // Like an HTTP read: the newcomer's next room list already counts from the new mark.
    if (this.#store.outbox.dirty) await this.#tasks.syncNow();
  }

  /** A member was removed, left (or was banned): gone from the roster, sockets closed with 1008. */
  memberRemoved(userId: string): number {
    const frames = actions.removeMember(this.#store, this.#roster, userId);
    const sockets = this.ctx.getWebSockets(userTag(userId));
    for (const ws of sockets) this.#closeSocket(ws, CLOSE.policy, "Removed from the room");
    for (const frame of frames) this.#broadcast(frame);
    return sockets.length;
  }

  /** A member's role changed: the roster, and with it every later frame of theirs, follows. */
  memberRoleChanged(userId: string, role: MemberRole): void {
    const frames = actions.changeRole(this.#roster, userId, role);
    for (const ws of this.ctx.getWebSockets(userTag(userId))) {
      const state = this.#state(ws);
      if (state) writeState<SocketState>(ws, { ...state, actor: { ...state.actor, role } });
    }
    for (const frame of frames) this.#broadcast(frame);
  }

  /**
   * The user is no longer an instance admin: sockets in rooms they are not a member of close
   * (1008); elsewhere they lose the admin's powers from the next frame on.
   */
  adminRevoked(userId: string): number {
    let closed = 0;
    for (const ws of this.ctx.getWebSockets(userTag(userId))) {
      const state = this.#state(ws);
      if (!state?.actor.isAdmin) continue;
      const demoted = { ...state, actor: { ...state.actor, isAdmin: false } };
      writeState<SocketState>(ws, demoted);
      if (this.#actorNow(demoted) === null) {
        this.#closeSocket(ws, CLOSE.policy, "No longer allowed in this room");
        closed++;
      }
    }
    return closed;
  }

  /**
   * Logout (one session) or disabling (every session of the user) ends those sockets; the
   * reason says which, so the client can tell its user.
   */
  sessionsEnded(
    target: { userId: string } | { sessionHash: string },
    reason: string = CLOSE_REASONS.sessionEnded,
  ): number {
    const tag = "userId" in target ? userTag(target.userId) : sessionTag(target.sessionHash);
    const sockets = this.ctx.getWebSockets(tag);
    for (const ws of sockets) this.#closeSocket(ws, CLOSE.policy, reason);
    return sockets.length;
  }

  /** Deleting a room for good: close everyone and wipe the room's storage. */
  async destroy(): Promise<void> {
    for (const ws of this.ctx.getWebSockets()) this.#closeSocket(ws, CLOSE.policy, "Room deleted");
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
  }

  /** For tests and docs: how SQLite answers the history and changes queries. */
  queryPlans(): Record<string, string[]> {
    return {
      newest: this.#store.queryPlan(
        "SELECT seq FROM messages WHERE seq < ? ORDER BY seq DESC LIMIT ?",
        1e15,
        51,
      ),
      after: this.#store.queryPlan(
        "SELECT seq FROM messages WHERE seq > ? ORDER BY seq ASC LIMIT ?",
        0,
        51,
      ),
      changes: this.#store.queryPlan(
        "SELECT seq FROM messages WHERE rev > ? ORDER BY rev ASC LIMIT ?",
        0,
        501,
      ),
    };
  }

  // ---- helpers ------------------------------------------------------------------------------

  #state(ws: WebSocket): SocketState | null {
    return readState(ws, SocketState);
  }

  /** Tells open sockets what members see of the room, if any of it changed. */
  #announceRoom(before: RoomInfo | null | undefined): void {
    const room = this.#room();
    const seen = (r: RoomInfo | null | undefined) =>
      r ? JSON.stringify([r.name, r.topic, r.archived, r.ephemeral, r.retention]) : null;
    if (seen(before) === seen(room)) return;
    this.#broadcast({
      type: "room",
      room: {
        id: room.id,
        kind: room.kind,
        name: room.name,
        topic: room.topic,
        archived: room.archived,
      },
      retention: this.#tasks.policy(),
    });
  }

  /**
   * Loads the roster from D1 the first time the room needs it (rooms older than the roster, or
   * new ones), holding every other event meanwhile so frames still apply in arrival order. If D1
   * cannot answer, the room runs on without it (mentions resolve to nobody, roles come from the
   * sockets' grants) and tries again on the next connect or send.
   */
  async #ensureRoster(roomId: string): Promise<void> {
    if (this.#roster.loaded) return;
    await this.ctx.blockConcurrencyWhile(async () => {
      if (this.#roster.loaded) return;
      try {
        const { results } = await this.env.DB.prepare(
          `SELECT m.user_id AS userId, u.handle AS handle, m.role AS role
           FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.room_id = ?`,
        )
          .bind(roomId)
          .all<RosterMember>();
        this.#roster.load(results);
      } catch (error) {
        console.error("roster not loaded", error);
      }
    });
  }

  #rememberRoom(room: RoomInfo): RoomInfo {
    const known = this.#store.getMeta<RoomInfo>("room");
    if (!known || JSON.stringify(known) !== JSON.stringify(room)) this.#store.setMeta("room", room);
    return room;
  }

  #room(): RoomInfo {
    const room = this.#store.getMeta<RoomInfo>("room");
    if (!room) throw new Error("room not initialised");
    return room;
  }

  /**
   * Users with an open socket. Kept in memory so a connect does not read every socket's
   * attachment; rebuilt from the attachments after a wake or after the room closed sockets
   * itself (their close events may never come back to it).
   */
  #online(): Set<string> {
    if (this.#onlineCache) return this.#onlineCache;
    const users = new Set<string>();
    for (const ws of this.ctx.getWebSockets()) {
      const state = this.#state(ws);
      if (state && isOpen(ws)) users.add(state.actor.id);
    }
    this.#onlineCache = users;
    return users;
  }

  /** Closes a socket from the room's side and forgets the online cache. */
  #closeSocket(ws: WebSocket, code: number, reason: string): void {
    this.#onlineCache = null;
    ws.close(code, reason);
  }

  #isOnline(userId: string, except?: WebSocket): boolean {
    return this.ctx.getWebSockets(userTag(userId)).some((ws) => ws !== except && isOpen(ws));
  }

  #broadcast(frame: ServerFrame, except?: WebSocket): void {
    sendToAll(this.ctx.getWebSockets(), frame, except);
  }
}

const send = (ws: WebSocket, frame: ServerFrame): void => sendFrame(ws, frame);

const notMember = (ref?: string): ErrorFrame => ({
  type: "error",
  code: "forbidden",
  message: "Only members can do that here",
  ...(ref === undefined ? {} : { ref }),
});

const rateLimited = (retryAfterMs: number, ref?: string): ErrorFrame => ({
  type: "error",
  code: "rate_limited",
  message: "Slow down",
  retryAfterMs,
  ...(ref === undefined ? {} : { ref }),
});

/** The upgrade is answered like any HTTP 429 of the API, before a socket exists. */
const tooManyConnects = (retryAfterMs: number) =>
  Response.json(
    {
      error: {
        code: "rate_limited",
        message: "Too many connections to this room; try again later",
      },
    },
    {
      status: 429,
      headers: { "retry-after": String(Math.max(1, Math.ceil(retryAfterMs / 1000))) },
    },
  );

const refusedResult = (retryAfterMs: number): Result<never> => ({
  ok: false,
  code: "rate_limited",
  message: "Slow down",
  retryAfterMs,
});

function errorFrame(
  result: { code: ErrorFrame["code"]; message: string },
  ref?: string,
): ErrorFrame {
  return {
    type: "error",
    code: result.code,
    message: result.message,
    ...(ref === undefined ? {} : { ref }),
  };
}
