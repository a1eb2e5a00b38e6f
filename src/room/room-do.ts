// The room Durable Object: transport. It owns the runtime hooks (WebSocket upgrade, hibernating
// socket events, the alarm) and the RPC methods the Worker calls; it parses what arrives, asks
// the room's actions (actions.ts) what to do, and delivers their effects to the sockets. Limits
// are decided in admission.ts, background work in room-tasks.ts, the relays past the threshold in
// room-relays.ts, storage in store/, roster.ts and rate-state.ts. Whatever must survive
// hibernation is in SQLite, the room's KV or a socket's attachment.
// Its length is its surface: the hooks and ~20 RPC methods the Worker calls, each a few lines
// that read, ask an action and deliver; splitting them over files would hide the room's API.
import { DurableObject } from "cloudflare:workers";
import { drizzle } from "drizzle-orm/durable-sqlite";
import { migrate } from "drizzle-orm/durable-sqlite/migrator";
import migrations from "../../migrations/room/migrations.js";
import type { MemberRole, RetentionPolicy } from "../../src/shared/api";
import {
  CLOSE,
  CLOSE_REASONS,
  type ClientFrame,
  type Message,
  parseClientFrame,
  type ServerFrame,
} from "../../src/shared/protocol";
import { type Env, readConfig } from "../config/env";
import { RELAY_HEADER, type RelayReport, type RelayWelcome } from "../realtime/relays";
import { closeInTurn, frameText, isOpen } from "../realtime/sockets";
import { relayStub, roomFiles } from "../realtime/stubs";
import * as actions from "./actions";
import { Admission } from "./admission";
import { RoomDelivery } from "./delivery";
import { setDmBlockers } from "./dm-blocks";
import { purgeRoomFiles } from "./file-cleanup";
import {
  type Actor,
  aroundPage,
  changesSince,
  historyPage,
  pinnedMessages,
  type RoomInfo,
  type SendInput,
  searchRoom,
  threadPage,
} from "./handlers";
import { startPushes } from "./push-handoff";
import { RateState } from "./rate-state";
import { refusedResult, tooManyConnects } from "./replies";
import { localPeer, RoomFrames, relayPeer } from "./room-frames";
import { deliveredFrames, presenceFrames, RoomNews } from "./room-news";
import { RoomRelays } from "./room-relays";
import { CONNECT_HEADER, type ConnectGrant, RoomSockets, type SocketState } from "./room-sockets";
import { RoomTasks } from "./room-tasks";
import { Roster, type RosterMember, readRoster } from "./roster";
import { Scheduler } from "./scheduler";
import { type FileRow, type PurgeRange, RoomStore, type UploadedFile } from "./store";
import type { SyncStatus } from "./sync-task";
import * as uploads from "./uploads";

/** At most one `delivered` frame a second per member. */
const DELIVERY_NEWS_INTERVAL_MS = 1_000;

/** Storage key of a deleted room whose files are still being removed from R2. */
const DELETED_ROOM_FILES = "deletedRoomFiles";

export class RoomDO extends DurableObject<Env> {
  readonly #store: RoomStore;
  readonly #roster: Roster;
  readonly #admission: Admission;
  readonly #tasks: RoomTasks;
  readonly #socketsPerUser: number;
  readonly #sockets: RoomSockets;
  readonly #frames: RoomFrames;
  readonly #presence: RoomNews<boolean>;
  readonly #delivery: RoomDelivery;
  /** The relays that hold this room's sockets past the threshold (docs/architecture.md). */
  readonly #relays: RoomRelays;
  /** Set by destroy(): the sockets' close events that follow must not touch the wiped storage. */
  #destroyed = false;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    const config = readConfig(env);
    this.#store = new RoomStore(ctx.storage.sql, (fn) => ctx.storage.transactionSync(fn));
    this.#relays = new RoomRelays({
      kv: ctx.storage.kv,
      config: config.relays,
      stub: (relay) => relayStub(env, this.#room().id, relay),
      own: () => ({
        count: () => this.#sockets.count(),
        online: () => this.#sockets.online(),
        isOnline: (userId) => this.#sockets.isOnline(userId),
      }),
      alive: () => !this.#destroyed,
      later: (fn, ms) => setTimeout(fn, ms),
      now: Date.now,
    });
    this.#sockets = new RoomSockets(ctx, this.#relays.links, (userId) =>
      this.#relays.recheck(userId),
    );
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
      trimmed: () => this.#sockets.broadcast({ type: "trimmed", firstSeq: this.#store.firstSeq() }),
      delivered: (userId, seq) => this.#delivery.reached(userId, seq),
    });
    this.#frames = new RoomFrames({
      store: this.#store,
      roster: this.#roster,
      admission: this.#admission,
      sockets: this.#sockets,
      room: () => this.#room(),
      typingIntervalMs: config.typingIntervalMs,
      sent: (seq, senderId) => this.#delivery.messageOut(seq, senderId),
      fanOut: () => this.#relays.fanOut(),
    });
    const broadcast = (frame: ServerFrame) => this.#sockets.broadcast(frame);
    const later = (fn: () => void, ms: number) => setTimeout(fn, ms);
    this.#presence = new RoomNews({
      intervalMs: config.presenceIntervalMs,
      frames: (changes) => presenceFrames(changes, this.#relays.online().size),
      broadcast,
      now: Date.now,
      later,
    });
    this.#delivery = new RoomDelivery({
      store: this.#store,
      online: () => this.#relays.online(),
      // Before the roster loads (an older room), assume small: a few frames too many at worst.
      members: () => (this.#roster.loaded ? this.#roster.size() : 0),
      news: new RoomNews({
        intervalMs: DELIVERY_NEWS_INTERVAL_MS,
        frames: deliveredFrames,
        broadcast,
        now: Date.now,
        later,
      }),
    });
    this.#socketsPerUser = config.roomSocketsPerUser;
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair("ping", "pong"));
    void ctx.blockConcurrencyWhile(async () => {
      await migrate(drizzle(ctx.storage), migrations);
      startPushes(this.#store);
      // A woken room checks its record of the relays against the relays themselves (not
      // awaited: events go on meanwhile).
      if (this.#relays.state.any) void this.#relays.check((userId) => this.#wentOffline(userId));
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
    const relay = this.#relays.placement(grant.actor.id);
    if (relay !== null) {
      // Past what the room holds itself: the Worker connects the socket to this relay instead.
      return new Response(null, { status: 204, headers: { [RELAY_HEADER]: String(relay) } });
    }
    await this.#ensureRoster(grant.room.id);
    const room = this.#rememberRoom(grant.room);
    for (const ws of this.#sockets.beyond(grant.actor.id, this.#socketsPerUser)) {
      this.#sockets.close(ws, CLOSE.policy, "Too many connections: this is the oldest");
    }
    const wasOnline = this.#relays.isOnline(grant.actor.id);
    const { client, server } = this.#sockets.accept(grant);
    const online = this.#relays.online();
    const marks = this.#delivery.marks();
    for (const frame of actions.welcome(this.#store, this.#roster, room, grant, online, marks)) {
      this.#sockets.send(server, frame);
    }
    if (grant.sinceRev !== null) {
      for (const frame of this.#frames.replay(room, grant.sinceRev))
        this.#sockets.send(server, frame);
    }
    // After the welcome (which already counts me as having everything): the others hear of it.
    this.#delivery.caughtUp(grant.actor.id);
    // The newcomer's own socket may hear of itself in the coalesced news: it is a no-op there.
    if (!wasOnline) this.#presence.changed(grant.actor.id, true);
    return new Response(null, { status: 101, webSocket: client });
  }

  override async webSocketMessage(ws: WebSocket, data: string | ArrayBuffer): Promise<void> {
    // Frames still in flight when the room closed this socket (removal, logout, flooding) are void.
    if (!isOpen(ws)) return;
    const text = frameText(data);
    if (typeof text !== "string") {
      this.#sockets.close(ws, ...text.close);
      return;
    }
    const state = this.#sockets.state(ws);
    if (!state) {
      // A socket from before a deploy that changed its state's layout: reconnecting fixes it.
      this.#sockets.close(ws, CLOSE.serviceRestart, "Reconnect, please");
      return;
    }
    const parsed = parseClientFrame(text);
    if (!parsed.ok) {
      this.#sockets.send(ws, parsed.error);
      return;
    }
    this.#frames.handle(localPeer(this.#sockets, ws, state), parsed.frame);
    await this.#tasks.afterChange();
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
    if (state.typing)
      this.#sockets.broadcast({ type: "typing", userId: state.actor.id, on: false }, ws);
    if (this.#sockets.left(state.actor.id, ws) && !this.#relays.isOnline(state.actor.id)) {
      this.#wentOffline(state.actor.id);
    }
    this.#relays.maybeFold();
  }

  #wentOffline(userId: string): void {
    this.#presence.changed(userId, false);
    // A deleted room's storage is gone: nothing is left to record.
    if (!this.#destroyed) this.#delivery.caughtUp(userId);
  }

  // ---- RPC from the room's relays (src/relay/): sockets past the threshold -----------------

  /**
   * A socket joins relay `relay` with the Worker's grant: the room writes its welcome (and the
   * replay of `sinceRev`) as it would for its own socket, and says which batch the welcome is
   * as of, so the relay drops earlier batches for it and holds later ones until it is welcomed.
   */
  async relayJoin(relay: number, grant: ConnectGrant, onRelay = 1): Promise<RelayWelcome> {
    await this.#ensureRoster(grant.room.id);
    const room = this.#rememberRoom(grant.room);
    // One cap over the person's sockets here and on the relay (`onRelay`, the new one included):
    // the room keeps at most cap − onRelay of its own, closing the oldest — they are the older
    // (the person reached the relay once the room was full, and keeps going there). `beyond`
    // leaves room for one more, hence + 1.
    for (const ws of this.#sockets.beyond(grant.actor.id, this.#socketsPerUser - onRelay + 1)) {
      this.#sockets.close(ws, CLOSE.policy, "Too many connections: this is the oldest");
    }
    // What is pending for the relay goes now, in batches the welcome covers.
    void this.#sockets.relays.flushRelay(relay);
    const at = this.#sockets.relays.at;
    const wasOnline = this.#relays.isOnline(grant.actor.id);
    this.#relays.joined(relay, grant.actor.id);
    const frames: ServerFrame[] = actions.welcome(
      this.#store,
      this.#roster,
      room,
      grant,
      this.#relays.online(),
      this.#delivery.marks(),
    );
    if (grant.sinceRev !== null) frames.push(...this.#frames.replay(room, grant.sinceRev));
    this.#delivery.caughtUp(grant.actor.id);
    if (!wasOnline) this.#presence.changed(grant.actor.id, true);
    return { texts: frames.map((frame) => JSON.stringify(frame)), at };
  }

  /**
   * A client frame from a relay's socket (checked there as the room checks its own): the same
   * action path as a frame from the room's own socket; what is meant for the sender goes in the
   * relay's next batch. Answers the socket's state after it (strikes, typing).
   */
  async relayFrame(
    relay: number,
    sid: string,
    state: SocketState,
    frame: ClientFrame,
  ): Promise<SocketState> {
    let written = state;
    const peer = relayPeer(this.#sockets, { relay, sid }, state, (next) => {
      written = next;
    });
    this.#frames.handle(peer, frame);
    await this.#tasks.afterChange();
    return written;
  }

  /** A relay's coalesced report: its socket count, who left it, who stopped typing by leaving. */
  relayReport(relay: number, report: RelayReport): void {
    if (this.#destroyed) return;
    const offline = this.#relays.reported(relay, report);
    for (const userId of report.typingOff) {
      this.#sockets.broadcast({ type: "typing", userId, on: false });
    }
    for (const userId of offline) this.#wentOffline(userId);
    this.#relays.maybeFold();
  }

  // ---- RPC: the same operations over HTTP, one call per use case ------------------------------

  history(room: RoomInfo, query: { before?: number; after?: number; limit: number }) {
    this.#rememberRoom(room);
    return historyPage(this.#store, room, query);
  }

  around(room: RoomInfo, seq: number, limit: number) {
    this.#rememberRoom(room);
    return aroundPage(this.#store, room, seq, limit);
  }

  /** The changes feed over HTTP; shares the `sync` frames' window. */
  changes(room: RoomInfo, actor: Actor, sinceRev: number, limit: number) {
    this.#rememberRoom(room);
    const refused = this.#admission.window("replay", actor.id, Date.now());
    if (refused) return refusedResult(refused.retryAfterMs);
    return { ok: true as const, value: changesSince(this.#store, room, sinceRev, limit) };
  }

  thread(room: RoomInfo, root: number, query: { before?: number; after?: number; limit: number }) {
    this.#rememberRoom(room);
    return threadPage(this.#store, room, root, query);
  }

  /**
   * Whether `seq` is a top-level message of the room (a thread root, or one to become one), and
   * the room's last seq (a thread read mark is clamped to it: D1's may trail by a flush).
   */
  threadRoot(seq: number): { root: boolean; lastSeq: number } {
    const row = this.#store.get(seq);
    return { root: row !== null && row.thread_of === null, lastSeq: this.#store.lastSeq() };
  }

  /** One message as members see it, or null when it was never sent or is purged. */
  message(room: RoomInfo, seq: number): Message | null {
    this.#rememberRoom(room);
    const row = this.#store.get(seq);
    return row ? (this.#store.toMessages(room.id, [row])[0] ?? null) : null;
  }

  pins(room: RoomInfo) {
    this.#rememberRoom(room);
    return { messages: pinnedMessages(this.#store, room) };
  }

  pin(room: RoomInfo, actor: Actor, seq: number, on: boolean) {
    return this.#change(room, actor, { type: "pin", seq, on });
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
      const admitted = this.#admission.send(actor.id, now, this.#relays.fanOut());
      if (!admitted.allowed) return refusedResult(admitted.retryAfterMs);
    }
    const result = this.#sockets.deliver(
      actions.send(this.#store, this.#roster, room, actor, input, now),
    );
    if (result.ok && result.value.created) {
      this.#delivery.messageOut(result.value.message.seq, actor.id);
    }
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

  /** Edits, deletes, reactions and pins over HTTP spend the same bucket as sends. */
  async #change(room: RoomInfo, actor: Actor, input: actions.MessageChange) {
    this.#rememberRoom(room);
    const now = Date.now();
    const admitted = this.#admission.send(actor.id, now, this.#relays.fanOut());
    if (!admitted.allowed) return refusedResult(admitted.retryAfterMs);
    const result = this.#sockets.deliver(actions.change(this.#store, room, actor, input, now));
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
    const result = this.#sockets.deliver(outcome);
    if (outcome.frames.length > 0) await this.#tasks.syncNow();
    return result.ok ? result.value : { seq: 0 };
  }

  // ---- files (the Worker streams the bytes to R2; uploads.ts decides) -----------------------

  async beginUpload(
    room: RoomInfo,
    actor: Actor,
    upload: { id: string; name: string; contentType: string },
  ) {
    this.#rememberRoom(room);
    const result = uploads.beginUpload(this.#store, room, actor, upload, Date.now());
    await this.#tasks.scheduleFiles();
    return result;
  }

  finishUpload(roomId: string, id: string, file: UploadedFile) {
    return uploads.finishUpload(this.#store, roomId, id, file);
  }

  /** An upload that failed or was refused: its row goes and R2 follows from the trash. */
  async abandonUpload(id: string): Promise<void> {
    this.#store.files.releaseUpload(id);
    await this.#tasks.scheduleFiles();
  }

  ownUnsentUpload(actor: Actor, id: string) {
    return uploads.ownUnsent(this.#store, actor, id);
  }

  setPreview(roomId: string, id: string, size: { width: number; height: number }) {
    return uploads.setPreview(this.#store, roomId, id, size);
  }

  /** What the Worker serves for a file URL, or null (404). */
  visibleFile(actor: Actor, id: string): FileRow | null {
    return uploads.visibleFile(this.#store, actor, id);
  }

  // ---- push (the consumer of PUSH_QUEUE asks and reports) -------------------------------------

  /** Which of these users have a room socket open now (they are not away). */
  presentAmong(userIds: readonly string[]): string[] {
    const online = this.#relays.online();
    return userIds.filter((id) => online.has(id));
  }

  /** Push services accepted pushes of these seqs for these users: they reached a device. */
  pushesDelivered(deliveries: ReadonlyArray<{ userId: string; seq: number }>): void {
    for (const { userId, seq } of deliveries) {
      if (this.#roster.loaded && this.#roster.role(userId) === null) continue;
      this.#delivery.reached(userId, seq);
    }
  }

  // ---- D1 sync and inbox subscriptions -------------------------------------------------------

  override async alarm(): Promise<void> {
    const deletedRoom = await this.ctx.storage.get<string>(DELETED_ROOM_FILES);
    if (deletedRoom !== undefined) {
      // A deleted room's last work: its files, a batch per alarm, then nothing at all.
      if (await purgeRoomFiles(roomFiles(this.env, deletedRoom), deletedRoom))
        await this.ctx.storage.deleteAll();
      else await this.ctx.storage.setAlarm(Date.now());
      return;
    }
    await this.#tasks.alarm();
  }

  /** Everyone online now: what a big room's `ready` leaves out, on request. */
  onlineNow(): { online: string[]; onlineCount: number } {
    const online = [...this.#relays.online()];
    return { online, onlineCount: online.length };
  }

  /** Flushes the outbox now (operators, tests); returns the sync's state after. */
  async flush(): Promise<SyncStatus> {
    await this.#tasks.syncNow();
    return this.#tasks.syncStatus();
  }

  syncStatus(): SyncStatus {
    return this.#tasks.syncStatus();
  }

  /**
   * A member's inbox opened: this room tells it about activity until it unsubscribes. The
   * inbox's room list shows where the room stands, so what it holds now has reached a device.
   */
  subscribe(userId: string): void {
    this.#store.subscribers.add(userId, Date.now());
    this.#delivery.reached(userId, this.#store.lastSeq());
  }

  unsubscribe(userId: string): void {
    this.#store.subscribers.remove([userId]);
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
      this.#sockets.broadcast(frame);
    }
    // Like an HTTP read: the newcomer's next room list already counts from the new mark.
    if (this.#store.outbox.dirty) await this.#tasks.syncNow();
  }

  /** A member was removed or left: gone from the roster, sockets closed with 1008. */
  memberRemoved(userId: string): number {
    return this.#removeMember(userId, CLOSE_REASONS.removed);
  }

  /**
   * D1 banned `userId`: removed as above, their sockets closed with the ban's reason (their
   * client says so); a ban with an end is lifted by the alarm's "bans" task at `until`.
   */
  async banned(room: RoomInfo, userId: string, until: number | null): Promise<number> {
    this.#rememberRoom(room);
    const closed = this.#removeMember(userId, CLOSE_REASONS.banned);
    if (until !== null) await this.#tasks.banEnds(until);
    return closed;
  }

  #removeMember(userId: string, reason: string): number {
    const frames = actions.removeMember(this.#store, this.#roster, userId);
    const sockets = this.#sockets.ofUser(userId);
    for (const ws of sockets) this.#sockets.close(ws, CLOSE.policy, reason);
    this.#sockets.relays.close({ user: userId }, CLOSE.policy, reason);
    for (const frame of frames) this.#sockets.broadcast(frame);
    return sockets.length;
  }

  /**
   * A block between the two people of this 1:1 DM was added or removed: `blockers` is who
   * blocks the other now (D1's state, told whole, so a repeat or a late call is harmless).
   */
  dmBlocksChanged(blockers: string[]): void {
    setDmBlockers(this.#store, blockers);
  }

  /** Where the room stands now (D1's `last_seq` may trail it by a flush). */
  lastSeq(): number {
    return this.#store.lastSeq();
  }

  /** A member's role changed: the roster, and with it every later frame of theirs, follows. */
  memberRoleChanged(userId: string, role: MemberRole): void {
    const frames = actions.changeRole(this.#roster, userId, role);
    this.#sockets.updateActor(userId, (actor) => ({ ...actor, role }));
    this.#sockets.relays.actor({ user: userId }, { role });
    for (const frame of frames) this.#sockets.broadcast(frame);
  }

  /**
   * The user is no longer an instance admin: sockets in rooms they are not a member of close
   * (1008); elsewhere they lose the admin's powers from the next frame on.
   */
  adminRevoked(userId: string): number {
    const demoted = this.#sockets.updateActor(userId, (actor) =>
      actor.isAdmin ? { ...actor, isAdmin: false } : null,
    );
    const outsiders = demoted.filter(({ state }) => this.#frames.actorNow(state) === null);
    for (const { ws } of outsiders) {
      this.#sockets.close(ws, CLOSE.policy, "No longer allowed in this room");
    }
    // Relay sockets: the admin's powers go; a non-member's sockets close (the roster decides).
    this.#sockets.relays.actor({ user: userId }, { isAdmin: false });
    if (this.#roster.loaded && this.#roster.role(userId) === null) {
      this.#sockets.relays.close({ user: userId }, CLOSE.policy, "No longer allowed in this room");
    }
    return outsiders.length;
  }

  /**
   * Logout (one session) or disabling (every session of the user) ends those sockets; the
   * reason says which, so the client can tell its user.
   */
  sessionsEnded(
    target: { userId: string } | { sessionHash: string },
    reason: string = CLOSE_REASONS.sessionEnded,
  ): number {
    const sockets =
      "userId" in target
        ? this.#sockets.ofUser(target.userId)
        : this.#sockets.ofSession(target.sessionHash);
    for (const ws of sockets) this.#sockets.close(ws, CLOSE.policy, reason);
    this.#sockets.relays.close(
      "userId" in target ? { user: target.userId } : { session: target.sessionHash },
      CLOSE.policy,
      reason,
    );
    return sockets.length;
  }

  /**
   * Deleting a room for good: close everyone, wipe the room's storage and remove its files from
   * R2 (a batch now; more, if any, a batch per alarm — the only task left behind).
   */
  async destroy(): Promise<void> {
    this.#destroyed = true;
    for (const ws of this.#sockets.all()) this.#sockets.close(ws, CLOSE.policy, "Room deleted");
    this.#sockets.relays.close({ all: true }, CLOSE.policy, "Room deleted");
    await this.#sockets.relays.flush();
    this.#relays.clear();
    const roomId = this.#store.getMeta<RoomInfo>("room")?.id ?? null;
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
    // Most rooms' files go in this one batch; a room with more leaves the rest to its alarm.
    if (roomId !== null && !(await purgeRoomFiles(roomFiles(this.env, roomId), roomId))) {
      await this.ctx.storage.put(DELETED_ROOM_FILES, roomId);
      await this.ctx.storage.setAlarm(Date.now());
    }
  }

  /** For tests and docs: how SQLite answers the history and changes queries. */
  queryPlans(): Record<string, string[]> {
    return this.#store.queryPlans();
  }

  // ---- helpers ------------------------------------------------------------------------------

  /** Tells open sockets what members see of the room, if any of it changed. */
  #announceRoom(before: RoomInfo | null): void {
    for (const frame of actions.roomChanged(before, this.#room(), this.#tasks.policy())) {
      this.#sockets.broadcast(frame);
    }
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
        this.#roster.load(await readRoster(this.env.DB, roomId));
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
}
