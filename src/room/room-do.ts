// The room Durable Object: transport only. It owns the runtime hooks (WebSocket upgrade,
// hibernating socket events) and the RPC methods the Worker calls, and hands every operation to
// the room logic in handlers.ts. Whatever must survive hibernation is in SQLite or in a
// socket's attachment; in-memory fields are caches that rebuild themselves.
import { DurableObject } from "cloudflare:workers";
import { drizzle } from "drizzle-orm/durable-sqlite";
import { migrate } from "drizzle-orm/durable-sqlite/migrator";
import migrations from "../../migrations/room/migrations.js";
import { type Env, readConfig } from "../env";
import { inboxStub } from "../inbox/client";
import type { MemberRole, RetentionPolicy } from "../shared/api";
import {
  CLOSE,
  CLOSE_REASONS,
  type ClientFrame,
  type ErrorFrame,
  type InboxRoomFrame,
  MESSAGE_LIMITS,
  type Message,
  mentionedHandles,
  PROTOCOL_VERSION,
  parseClientFrame,
  type ServerFrame,
} from "../shared/protocol";
import {
  type Actor,
  type Change,
  changesSince,
  deleteMessage,
  editMessage,
  historyPage,
  markRead,
  type Result,
  type RoomInfo,
  reactToMessage,
  type SendInput,
  searchRoom,
  sendMessage,
} from "./handlers";
import {
  AdmissionCap,
  type Bucket,
  fullBucket,
  type SendLimits,
  takeFromWindow,
  takeToken,
  type WindowLimit,
} from "./limits";
import { RateState } from "./rate-state";
import {
  addRanges,
  type EffectiveRetention,
  effectiveRetention,
  NOTHING,
  nextRetentionAt,
  previewPurge,
  purgeBatch,
  purgeBoundary,
  type RetentionDefaults,
} from "./retention";
import { Roster, type RosterMember } from "./roster";
import { Scheduler } from "./scheduler";
import { type PurgeRange, RoomStore, utf8Bytes } from "./store";
import { type SyncStatus, syncStatus, syncToD1 } from "./sync-task";

/** What the Worker tells the room about a socket it authenticated; never from the client. */
export interface ConnectGrant {
  actor: Actor;
  room: RoomInfo;
  sessionHash: string;
  sinceRev: number | null;
}

export const CONNECT_HEADER = "x-confab-connect";

interface SocketState {
  /** Who connected; the role is re-read from the roster for every frame. */
  actor: Actor;
  sessionHash: string;
  openedAt: number;
  /** Rate-limited frames since the last accepted send: a client that keeps flooding is closed. */
  strikes: number;
  /** When this socket's last typing frame was passed on, and whether it said `on`. */
  typingAt: number;
  typing: boolean;
}

/** Rate-limited sends in a row before the socket is closed with 1008. */
const MAX_STRIKES = 50;
const READ_MARKS_IN_READY = 1_000;

type Refusal = { allowed: false; retryAfterMs: number; by: "sender" | "room" };

export class RoomDO extends DurableObject<Env> {
  readonly #store: RoomStore;
  readonly #roster: Roster;
  readonly #rates: RateState;
  readonly #limits: SendLimits;
  readonly #replays: WindowLimit;
  readonly #typingIntervalMs: number;
  readonly #socketsPerUser: number;
  readonly #connects: WindowLimit;
  readonly #admission: AdmissionCap;
  readonly #scheduler: Scheduler;
  readonly #syncDelayMs: number;
  readonly #retentionDefaults: RetentionDefaults;
  #onlineCache: Set<string> | null = null;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#store = new RoomStore(ctx.storage.sql, (fn) => ctx.storage.transactionSync(fn));
    this.#roster = new Roster(ctx.storage.sql);
    this.#rates = new RateState(ctx.storage.sql);
    const config = readConfig(env);
    this.#limits = config.send;
    this.#replays = config.replays;
    this.#typingIntervalMs = config.typingIntervalMs;
    this.#socketsPerUser = config.roomSocketsPerUser;
    this.#connects = config.roomConnects;
    this.#syncDelayMs = config.syncDelayMs;
    this.#retentionDefaults = config.retention;
    this.#admission = new AdmissionCap(this.#limits);
    this.#scheduler = new Scheduler(this.#store, ctx.storage);
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
    const refused = this.#admitWindow("connect", this.#connects, grant.actor.id, Date.now());
    if (refused) return tooManyConnects(refused.retryAfterMs);
    await this.#ensureRoster(grant.room.id);
    const room = this.#rememberRoom(grant.room);
    this.#makeRoomFor(grant.actor.id);
    const wasOnline = this.#isOnline(grant.actor.id);
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server, [userTag(grant.actor.id), sessionTag(grant.sessionHash)]);
    const state: SocketState = {
      actor: grant.actor,
      sessionHash: grant.sessionHash,
      openedAt: Date.now(),
      strikes: 0,
      typingAt: 0,
      typing: false,
    };
    server.serializeAttachment(state);
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
      online: this.#onlineUsers(),
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
    if (ws.readyState !== WebSocket.OPEN) return;
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
    const parsed = parseClientFrame(data);
    if (!parsed.ok) {
      send(ws, parsed.error);
      return;
    }
    const state = ws.deserializeAttachment() as SocketState;
    this.#onFrame(ws, state, parsed.frame);
    await this.#afterChange();
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
        if (!repeat && this.#limit(ws, state, now, frame.cid)) return;
        const result = this.#send(room, actor, frame, repeat);
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
        if (this.#limit(ws, state, now)) return;
        const result = this.#applyChange(
          frame.type === "edit"
            ? editMessage(this.#store, room, actor, frame.seq, frame.body, now)
            : frame.type === "delete"
              ? deleteMessage(this.#store, room, actor, frame.seq, now)
              : reactToMessage(this.#store, room, actor, frame, now),
        );
        if (!result.ok) send(ws, errorFrame(result));
        return;
      }
      case "typing": {
        // On and off alike, at most one a socket per interval; the rest are dropped silently.
        if (!member || now - state.typingAt < this.#typingIntervalMs) return;
        state.typingAt = now;
        state.typing = frame.on;
        ws.serializeAttachment(state);
        this.#broadcast({ type: "typing", userId: actor.id, on: frame.on }, ws);
        return;
      }
      case "read": {
        if (!member) return;
        const mark = markRead(this.#store, actor, frame.seq, now);
        if (mark.moved) this.#broadcast({ type: "read", userId: actor.id, seq: mark.seq });
        return;
      }
      case "sync": {
        const refused = this.#admitReplay(actor.id, now);
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

  /**
   * The send limits: one bucket per user in this room, shared by all of the user's sockets and
   * HTTP calls and by sends, edits, deletes and reactions alike, then the room-wide admission
   * cap. The bucket is kept in SQLite so an eviction does not refill it.
   */
  #admitSend(userId: string, now: number): { allowed: true } | Refusal {
    const key = `send:${userId}`;
    const taken = takeToken(
      this.#rates.get<Bucket>(key) ?? fullBucket(this.#limits, now),
      this.#limits,
      now,
    );
    if (!taken.allowed) {
      this.#rates.set(key, taken.bucket);
      return { ...taken, by: "sender" };
    }
    const admitted = this.#admission.admit(this.ctx.getWebSockets().length, now);
    // A send the room refuses does not spend the sender's own token.
    if (!admitted.allowed) return { ...admitted, by: "room" };
    this.#rates.set(key, taken.bucket);
    return admitted;
  }

  /** `sync` frames and `sinceRev` requests: an exact window per user; null when allowed. */
  #admitReplay(userId: string, now: number): { retryAfterMs: number } | null {
    return this.#admitWindow("replay", this.#replays, userId, now);
  }

  /** One of the user's windows in this room (kept in SQLite); null when allowed. */
  #admitWindow(
    kind: "replay" | "connect",
    limit: WindowLimit,
    userId: string,
    now: number,
  ): { retryAfterMs: number } | null {
    const key = `${kind}:${userId}`;
    const taken = takeFromWindow(this.#rates.get<number[]>(key) ?? [], limit, now);
    this.#rates.set(key, taken.times);
    return taken.allowed ? null : { retryAfterMs: taken.retryAfterMs };
  }

  /** Applies the send limits to a socket's frame; answers and returns true when refused. */
  #limit(ws: WebSocket, state: SocketState, now: number, ref?: string): boolean {
    const admitted = this.#admitSend(state.actor.id, now);
    if (admitted.allowed) {
      if (state.strikes > 0) {
        state.strikes = 0;
        ws.serializeAttachment(state);
      }
      return false;
    }
    // Only a sender over its own rate is flooding; a full room is nobody's fault, and a client
    // that honours retryAfterMs still has frames in flight when the room is behind.
    if (admitted.by === "sender") {
      state.strikes++;
      ws.serializeAttachment(state);
    }
    if (state.strikes > MAX_STRIKES) {
      this.#closeSocket(ws, CLOSE.policy, "Still flooding after rate_limited");
      return true;
    }
    send(ws, rateLimited(admitted.retryAfterMs, ref));
    return true;
  }

  /** One send path for sockets and HTTP: mentions from the roster, the idempotent write, the broadcast. */
  #send(room: RoomInfo, actor: Actor, input: Omit<SendInput, "mentions">, repeat: boolean) {
    const mentions = repeat ? [] : this.#roster.idsOf(mentionedHandles(input.body));
    const result = sendMessage(this.#store, room, actor, { ...input, mentions }, Date.now());
    // The message also says its sender has read up to it (sending marks read): no separate
    // `read` frame, which would double the frames a busy room sends.
    if (result.ok && result.value.created) {
      this.#broadcast({ type: "message", message: result.value.message });
    }
    return result;
  }

  /** Broadcasts a change to an existing message when something really changed. */
  #applyChange(result: Result<Change>): Result<Message> {
    if (!result.ok) return result;
    if (result.value.changed) this.#broadcast({ type: "changed", message: result.value.message });
    return { ok: true, value: result.value.message };
  }

  #replay(ws: WebSocket, room: RoomInfo, sinceRev: number): void {
    const changes = changesSince(this.#store, room, sinceRev, MESSAGE_LIMITS.replayMax);
    for (const message of changes.messages) send(ws, { type: "message", message });
    send(ws, { type: "synced", rev: changes.rev, complete: changes.complete });
  }

  #left(ws: WebSocket, code: number): void {
    const state = ws.deserializeAttachment() as SocketState | null;
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

  /** A new socket of this user would pass the per-user cap: the oldest ones make way (1008). */
  #makeRoomFor(userId: string): void {
    const open = this.ctx
      .getWebSockets(userTag(userId))
      .filter((ws) => ws.readyState === WebSocket.OPEN)
      .map((ws) => ({ ws, openedAt: (ws.deserializeAttachment() as SocketState).openedAt ?? 0 }))
      .sort((a, b) => a.openedAt - b.openedAt);
    for (const { ws } of open.slice(0, Math.max(0, open.length - this.#socketsPerUser + 1))) {
      this.#closeSocket(ws, CLOSE.policy, "Too many connections: this is the oldest");
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
    const refused = this.#admitReplay(actor.id, Date.now());
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
    const repeat = this.#store.findByCid(actor.id, input.cid) !== null;
    if (!repeat) {
      const admitted = this.#admitSend(actor.id, Date.now());
      if (!admitted.allowed) return refusedResult(admitted.retryAfterMs);
    }
    const result = this.#send(room, actor, input, repeat);
    await this.#afterChange();
    return result;
  }

  edit(room: RoomInfo, actor: Actor, seq: number, body: string) {
    return this.#change(room, actor, (now) =>
      editMessage(this.#store, room, actor, seq, body, now),
    );
  }

  delete(room: RoomInfo, actor: Actor, seq: number) {
    return this.#change(room, actor, (now) => deleteMessage(this.#store, room, actor, seq, now));
  }

  react(room: RoomInfo, actor: Actor, input: { seq: number; emoji: string; on: boolean }) {
    return this.#change(room, actor, (now) => reactToMessage(this.#store, room, actor, input, now));
  }

  /** Edits, deletes and reactions over HTTP spend the same bucket as sends. */
  async #change(
    room: RoomInfo,
    actor: Actor,
    apply: (now: number) => Result<Change>,
  ): Promise<Result<Message>> {
    this.#rememberRoom(room);
    const now = Date.now();
    const admitted = this.#admitSend(actor.id, now);
    if (!admitted.allowed) return refusedResult(admitted.retryAfterMs);
    const result = this.#applyChange(apply(now));
    await this.#afterChange();
    return result;
  }

  /**
   * Moves my read mark and, unlike socket frames, syncs D1 before answering: a client that
   * reads over HTTP and then lists its rooms sees its own read (if D1 is up; else the alarm
   * carries it later).
   */
  async read(room: RoomInfo, actor: Actor, seq: number) {
    this.#rememberRoom(room);
    const mark = markRead(this.#store, actor, seq, Date.now());
    if (mark.moved) {
      this.#broadcast({ type: "read", userId: actor.id, seq: mark.seq });
      await this.#syncNow();
    }
    return { seq: mark.seq };
  }

  // ---- D1 sync and inbox subscriptions -------------------------------------------------------

  override async alarm(): Promise<void> {
    await this.#scheduler.run(
      {
        sync: () => syncToD1(this.#syncContext()),
        retention: (now) => this.#retentionStep(now),
      },
      Date.now(),
    );
  }

  /** Flushes the outbox now (operators, tests, HTTP reads); returns the sync's state after. */
  async flush(): Promise<SyncStatus> {
    await this.#syncNow();
    return this.syncStatus();
  }

  syncStatus(): SyncStatus {
    return syncStatus(this.#store, this.#scheduler.dueAt("sync"));
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
    if (policyChanged) await this.#scheduleRetention(true);
  }

  /**
   * D1 saved a new retention policy: the room applies it at once (as its alarm would) and
   * answers what that deleted, so whoever saved it can be told.
   */
  async retentionChanged(room: RoomInfo): Promise<PurgeRange> {
    const before = this.#store.getMeta<RoomInfo>("room");
    this.#rememberRoom(room);
    this.#announceRoom(before);
    return this.retentionRun(room);
  }

  // ---- retention ----------------------------------------------------------------------------

  /** What the room's policy (or a proposed one, before saving it) would delete now. */
  retentionPreview(room: RoomInfo, proposed: RetentionPolicy | null = null): PurgeRange {
    this.#rememberRoom(room);
    const policy = proposed
      ? effectiveRetention(proposed, room.ephemeral, this.#retentionDefaults)
      : this.#policy();
    return previewPurge(this.#store, policy, Date.now());
  }

  /**
   * Applies the policy now, batch after batch, letting live traffic in between batches;
   * answers what was deleted (the preview of the same moment).
   */
  async retentionRun(room: RoomInfo): Promise<PurgeRange> {
    this.#rememberRoom(room);
    const target = purgeBoundary(this.#store, this.#policy(), Date.now());
    let deleted = NOTHING;
    while (target > 0 && (this.#store.storedRange()?.first ?? target + 1) <= target) {
      const batch = purgeBatch(this.#store, target);
      deleted = addRanges(deleted, batch);
      this.#trimmed();
      await this.#afterChange();
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
    await this.#scheduleRetention(true);
    // Like an HTTP read: whoever asked sees the new counts (first seq) in D1 right away.
    if (deleted.messages > 0) await this.#syncNow();
    return deleted;
  }

  /**
   * People became members (D1 has committed): the roster learns them, they start with the room
   * read up to its last message (joining is not unread; the outbox brings D1 to the same mark),
   * and open sockets see them join.
   */
  async membersAdded(roomId: string, members: RosterMember[]): Promise<void> {
    await this.#ensureRoster(roomId);
    const added = this.#roster.upsert(members);
    const lastSeq = this.#store.lastSeq();
    const now = Date.now();
    this.#store.atomically(() => {
      for (const m of added) {
        if (lastSeq > 0 && this.#store.advanceReadMark(m.userId, lastSeq, now).moved) {
          this.#store.outbox.readMark(m.userId, lastSeq);
        }
      }
    });
    for (const m of added) {
      this.#broadcast({ type: "member", userId: m.userId, change: "joined", role: m.role });
    }
    // Like an HTTP read: the newcomer's next room list already counts from the new mark.
    if (this.#store.outbox.dirty) await this.#syncNow();
  }

  /** A member was removed, left (or was banned): gone from the roster, sockets closed with 1008. */
  memberRemoved(userId: string): number {
    const wasMember = this.#roster.remove(userId);
    this.#store.forgetReadMark(userId);
    const sockets = this.ctx.getWebSockets(userTag(userId));
    for (const ws of sockets) this.#closeSocket(ws, CLOSE.policy, "Removed from the room");
    if (wasMember) this.#broadcast({ type: "member", userId, change: "left" });
    return sockets.length;
  }

  /** A member's role changed: the roster, and with it every later frame of theirs, follows. */
  memberRoleChanged(userId: string, role: MemberRole): void {
    this.#roster.setRole(userId, role);
    for (const ws of this.ctx.getWebSockets(userTag(userId))) {
      const state = ws.deserializeAttachment() as SocketState;
      state.actor = { ...state.actor, role };
      ws.serializeAttachment(state);
    }
    this.#broadcast({ type: "member", userId, change: "role", role });
  }

  /**
   * The user is no longer an instance admin: sockets in rooms they are not a member of close
   * (1008); elsewhere they lose the admin's powers from the next frame on.
   */
  adminRevoked(userId: string): number {
    let closed = 0;
    for (const ws of this.ctx.getWebSockets(userTag(userId))) {
      const state = ws.deserializeAttachment() as SocketState;
      if (!state.actor.isAdmin) continue;
      state.actor = { ...state.actor, isAdmin: false };
      ws.serializeAttachment(state);
      if (this.#actorNow(state) === null) {
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

  /** A change wrote the outbox: make sure a flush is coming, and retention when it is due. */
  async #afterChange(): Promise<void> {
    if (!this.#store.outbox.dirty) return;
    this.#store.outbox.dirty = false;
    await this.#scheduler.request("sync", Date.now() + this.#syncDelayMs);
    await this.#scheduleRetention(false);
  }

  #policy(): EffectiveRetention {
    const room = this.#store.getMeta<RoomInfo>("room");
    return effectiveRetention(
      room?.retention ?? null,
      room?.ephemeral ?? false,
      this.#retentionDefaults,
    );
  }

  /**
   * Points the retention task at its next due time. Without `replace`, a task already
   * scheduled stays unless the count or bytes limit is now exceeded (cheap checks).
   */
  async #scheduleRetention(replace: boolean): Promise<void> {
    const policy = this.#policy();
    const due = this.#scheduler.dueAt("retention");
    if (!replace && due !== null && !this.#overLimits(policy)) return;
    const at = nextRetentionAt(this.#store, policy, Date.now());
    if (replace) await this.#scheduler.set("retention", at);
    else if (at !== null) await this.#scheduler.request("retention", at);
  }

  #overLimits(policy: EffectiveRetention): boolean {
    if (policy.maxMessages !== null && (this.#store.storedRange()?.count ?? 0) > policy.maxMessages)
      return true;
    return policy.maxBytes !== null && this.#store.storedBytes() > policy.maxBytes;
  }

  /**
   * The alarm's retention task: one bounded batch toward the boundary, then it asks to run again
   * at once while there is more. The boundary is kept in meta so a batch that throws is retried
   * toward the same end state.
   */
  async #retentionStep(now: number): Promise<number | null> {
    const policy = this.#policy();
    const target =
      this.#store.getMeta<number>("purgeTarget") ?? purgeBoundary(this.#store, policy, now);
    if (target > 0) {
      this.#store.setMeta("purgeTarget", target);
      if (purgeBatch(this.#store, target).messages > 0) {
        this.#trimmed();
        await this.#afterChange();
      }
      if ((this.#store.storedRange()?.first ?? target + 1) <= target) return Date.now();
      this.#store.setMeta("purgeTarget", null);
    }
    return nextRetentionAt(this.#store, policy, Date.now());
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
      retention: this.#policy(),
    });
  }

  #trimmed(): void {
    this.#broadcast({ type: "trimmed", firstSeq: this.#store.firstSeq() });
  }

  async #syncNow(): Promise<void> {
    this.#store.outbox.dirty = false;
    const next = await syncToD1(this.#syncContext());
    await this.#scheduler.set("sync", next);
  }

  #syncContext() {
    return {
      store: this.#store,
      roomId: this.#store.getMeta<RoomInfo>("room")?.id ?? null,
      db: () => this.env.DB,
      notifyInbox: (userId: string, frame: InboxRoomFrame) =>
        inboxStub(this.env, userId).roomActivity(frame),
      delayMs: this.#syncDelayMs,
    };
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
      const state = ws.deserializeAttachment() as SocketState | null;
      if (state && ws.readyState === WebSocket.OPEN) users.add(state.actor.id);
    }
    this.#onlineCache = users;
    return users;
  }

  #onlineUsers(): string[] {
    return [...this.#online()];
  }

  /** Closes a socket from the room's side and forgets the online cache. */
  #closeSocket(ws: WebSocket, code: number, reason: string): void {
    this.#onlineCache = null;
    ws.close(code, reason);
  }

  #isOnline(userId: string, except?: WebSocket): boolean {
    return this.ctx
      .getWebSockets(userTag(userId))
      .some((ws) => ws !== except && ws.readyState === WebSocket.OPEN);
  }

  #broadcast(frame: ServerFrame, except?: WebSocket): void {
    const text = JSON.stringify(frame);
    for (const ws of this.ctx.getWebSockets()) {
      if (ws === except) continue;
      try {
        ws.send(text);
      } catch {
        // A socket that is closing; its close event tidies up.
      }
    }
  }
}

const userTag = (userId: string) => `u:${userId}`;
const sessionTag = (hash: string) => `s:${hash}`;

function send(ws: WebSocket, frame: ServerFrame): void {
  try {
    ws.send(JSON.stringify(frame));
  } catch {
    // The socket closed meanwhile.
  }
}

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
