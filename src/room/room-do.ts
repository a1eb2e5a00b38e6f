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
import { AdmissionCap, type Bucket, fullBucket, type SendLimits, takeToken } from "./limits";
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
  actor: Actor;
  sessionHash: string;
  bucket: Bucket;
  /** Rate-limited frames since the last accepted send: a client that keeps flooding is closed. */
  strikes: number;
  typingAt: number;
}

/** Rate-limited sends in a row before the socket is closed with 1008. */
const MAX_STRIKES = 50;
/** Typing frames from one socket are passed on at most this often. */
const TYPING_THROTTLE_MS = 2_000;
const READ_MARKS_IN_READY = 1_000;

export class RoomDO extends DurableObject<Env> {
  readonly #store: RoomStore;
  readonly #limits: SendLimits;
  readonly #admission: AdmissionCap;
  readonly #scheduler: Scheduler;
  readonly #syncDelayMs: number;
  readonly #retentionDefaults: RetentionDefaults;
  #onlineCache: Set<string> | null = null;
  /** Send buckets by user: a cache of what the users' socket attachments also hold. */
  readonly #buckets = new Map<string, Bucket>();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#store = new RoomStore(ctx.storage.sql, (fn) => ctx.storage.transactionSync(fn));
    const config = readConfig(env);
    this.#limits = config.send;
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
    const room = this.#rememberRoom(grant.room);
    const wasOnline = this.#isOnline(grant.actor.id);
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server, [userTag(grant.actor.id), sessionTag(grant.sessionHash)]);
    const state: SocketState = {
      actor: grant.actor,
      sessionHash: grant.sessionHash,
      bucket: this.#bucketOf(grant.actor.id, Date.now()),
      strikes: 0,
      typingAt: 0,
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
      readMarks: this.#store.readMarks(READ_MARKS_IN_READY),
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
    await this.#onFrame(ws, state, parsed.frame);
  }

  override async webSocketClose(ws: WebSocket, code: number): Promise<void> {
    this.#left(ws, code);
  }

  override async webSocketError(ws: WebSocket): Promise<void> {
    this.#left(ws, CLOSE.serverError);
  }

  async #onFrame(ws: WebSocket, state: SocketState, frame: ClientFrame): Promise<void> {
    const room = this.#room();
    const now = Date.now();
    switch (frame.type) {
      case "send": {
        // A retried cid is answered from storage and costs no tokens.
        const repeat = this.#store.findByCid(state.actor.id, frame.cid) !== null;
        if (!repeat && this.#limit(ws, state, now, frame.cid)) return;
        const result = await this.#send(room, state.actor, frame, repeat);
        await this.#afterChange();
        if (!result.ok) return send(ws, errorFrame(result, frame.cid));
        const { seq, rev } = result.value.message;
        send(ws, { type: "ack", cid: frame.cid, seq, rev });
        return;
      }
      case "edit":
      case "delete":
      case "react": {
        if (this.#limit(ws, state, now)) return;
        const result = this.#applyChange(
          frame.type === "edit"
            ? editMessage(this.#store, room, state.actor, frame.seq, frame.body, now)
            : frame.type === "delete"
              ? deleteMessage(this.#store, room, state.actor, frame.seq, now)
              : reactToMessage(this.#store, room, state.actor, frame, now),
        );
        await this.#afterChange();
        if (!result.ok) send(ws, errorFrame(result));
        return;
      }
      case "typing": {
        if (frame.on && now - state.typingAt < TYPING_THROTTLE_MS) return;
        state.typingAt = frame.on ? now : 0;
        ws.serializeAttachment(state);
        this.#broadcast({ type: "typing", userId: state.actor.id, on: frame.on }, ws);
        return;
      }
      case "read": {
        const mark = markRead(this.#store, state.actor, frame.seq, now);
        if (mark.moved) this.#broadcast({ type: "read", userId: state.actor.id, seq: mark.seq });
        await this.#afterChange();
        return;
      }
      case "sync":
        this.#replay(ws, room, frame.sinceRev);
        return;
    }
  }

  /**
   * The send limits of DESIGN §6: one bucket per user in this room, shared by all of the user's
   * sockets and HTTP sends, then the room-wide admission cap.
   */
  #admitSend(
    userId: string,
    now: number,
  ): { allowed: true } | { allowed: false; retryAfterMs: number; by: "sender" | "room" } {
    const taken = takeToken(this.#bucketOf(userId, now), this.#limits, now);
    if (!taken.allowed) {
      this.#buckets.set(userId, taken.bucket);
      return { ...taken, by: "sender" };
    }
    const admitted = this.#admission.admit(this.ctx.getWebSockets().length, now);
    // A send the room refuses does not spend the sender's own token.
    if (!admitted.allowed) return { ...admitted, by: "room" };
    this.#buckets.set(userId, taken.bucket);
    return admitted;
  }

  /** After a wake the map is empty: the emptiest bucket any of the user's sockets remembers wins. */
  #bucketOf(userId: string, now: number): Bucket {
    let bucket = this.#buckets.get(userId);
    if (bucket) return bucket;
    for (const ws of this.ctx.getWebSockets(userTag(userId))) {
      const state = ws.deserializeAttachment() as SocketState | null;
      if (state && (!bucket || state.bucket.tokens < bucket.tokens)) bucket = state.bucket;
    }
    return bucket ?? fullBucket(this.#limits, now);
  }

  /** Applies the send limits to a socket's frame; answers and returns true when refused. */
  #limit(ws: WebSocket, state: SocketState, now: number, ref?: string): boolean {
    const admitted = this.#admitSend(state.actor.id, now);
    state.bucket = this.#bucketOf(state.actor.id, now);
    if (admitted.allowed) {
      state.strikes = 0;
      ws.serializeAttachment(state);
      return false;
    }
    // Only a sender over its own rate is flooding; a full room is nobody's fault, and a client
    // that honours retryAfterMs still has frames in flight when the room is behind.
    if (admitted.by === "sender") state.strikes++;
    ws.serializeAttachment(state);
    if (state.strikes > MAX_STRIKES) {
      this.#closeSocket(ws, CLOSE.policy, "Still flooding after rate_limited");
      return true;
    }
    send(ws, {
      type: "error",
      code: "rate_limited",
      message: "Slow down",
      retryAfterMs: admitted.retryAfterMs,
      ...(ref === undefined ? {} : { ref }),
    });
    return true;
  }

  /** One send path for sockets and HTTP: mentions, the idempotent write, the broadcast. */
  async #send(room: RoomInfo, actor: Actor, input: Omit<SendInput, "mentions">, repeat: boolean) {
    const mentions = repeat ? [] : await this.#resolveMentions(room.id, input.body, actor.id);
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
    if (state.typingAt) this.#broadcast({ type: "typing", userId: state.actor.id, on: false }, ws);
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

  changes(room: RoomInfo, sinceRev: number, limit: number) {
    this.#rememberRoom(room);
    return changesSince(this.#store, room, sinceRev, limit);
  }

  search(room: RoomInfo, query: { q: string; before?: number; limit: number }) {
    this.#rememberRoom(room);
    return searchRoom(this.#store, room, query);
  }

  async send(room: RoomInfo, actor: Actor, input: Omit<SendInput, "mentions">) {
    this.#rememberRoom(room);
    const repeat = this.#store.findByCid(actor.id, input.cid) !== null;
    if (!repeat) {
      const admitted = this.#admitSend(actor.id, Date.now());
      if (!admitted.allowed) {
        const refused: Result<never> = {
          ok: false,
          code: "rate_limited",
          message: "Slow down",
          retryAfterMs: admitted.retryAfterMs,
        };
        return refused;
      }
    }
    const result = await this.#send(room, actor, input, repeat);
    await this.#afterChange();
    return result;
  }

  async edit(room: RoomInfo, actor: Actor, seq: number, body: string) {
    this.#rememberRoom(room);
    const result = this.#applyChange(editMessage(this.#store, room, actor, seq, body, Date.now()));
    await this.#afterChange();
    return result;
  }

  async delete(room: RoomInfo, actor: Actor, seq: number) {
    this.#rememberRoom(room);
    const result = this.#applyChange(deleteMessage(this.#store, room, actor, seq, Date.now()));
    await this.#afterChange();
    return result;
  }

  async react(room: RoomInfo, actor: Actor, input: { seq: number; emoji: string; on: boolean }) {
    this.#rememberRoom(room);
    const result = this.#applyChange(reactToMessage(this.#store, room, actor, input, Date.now()));
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

  /** D1 changed the room (rename, topic, archive, retention): later frames see it at once. */
  async roomChanged(room: RoomInfo): Promise<void> {
    const before = this.#store.getMeta<RoomInfo>("room");
    this.#rememberRoom(room);
    const policyChanged =
      JSON.stringify([before?.retention, before?.ephemeral]) !==
      JSON.stringify([room.retention, room.ephemeral]);
    if (policyChanged) await this.#scheduleRetention(true);
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
    return deleted;
  }

  /** A member was removed (or banned): their sockets close with 1008 now. */
  memberRemoved(userId: string): number {
    const sockets = this.ctx.getWebSockets(userTag(userId));
    for (const ws of sockets) this.#closeSocket(ws, CLOSE.policy, "Removed from the room");
    return sockets.length;
  }

  /** A member's role changed: permissions of their open sockets follow at once. */
  memberRoleChanged(userId: string, role: MemberRole): void {
    for (const ws of this.ctx.getWebSockets(userTag(userId))) {
      const state = ws.deserializeAttachment() as SocketState;
      state.actor = { ...state.actor, role };
      ws.serializeAttachment(state);
    }
  }

  /** Logout (one session) or disabling (every session of the user) ends those sockets. */
  sessionsEnded(target: { userId: string } | { sessionHash: string }): number {
    const tag = "userId" in target ? userTag(target.userId) : sessionTag(target.sessionHash);
    const sockets = this.ctx.getWebSockets(tag);
    for (const ws of sockets) this.#closeSocket(ws, CLOSE.policy, "Session ended");
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

  /** Mentions resolve to members of this room only, by handle, through D1. */
  async #resolveMentions(roomId: string, body: string, senderId: string): Promise<string[]> {
    const handles = mentionedHandles(body);
    if (handles.length === 0) return [];
    try {
      const { results } = await this.env.DB.prepare(
        `SELECT u.id FROM users u JOIN memberships m ON m.user_id = u.id AND m.room_id = ?1
         WHERE u.handle IN (SELECT value FROM json_each(?2))`,
      )
        .bind(roomId, JSON.stringify(handles.slice(0, 50)))
        .all<{ id: string }>();
      return results.map((r) => r.id).filter((id) => id !== senderId);
    } catch (error) {
      // A message is never refused because D1 is unreachable; it goes out without mentions.
      console.error("mention lookup failed", error);
      return [];
    }
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
