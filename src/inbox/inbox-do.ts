// The inbox Durable Object, one per user: the hibernating sockets of `GET /api/me/ws` and the
// user's subscriptions. While at least one socket is open, every room of the user knows to tell
// this inbox about its activity; when the last one closes, the rooms forget it, so members who
// are offline cost a room nothing. Transport only: the counts come from the rooms' D1 sync.
import { DurableObject } from "cloudflare:workers";
import { z } from "zod";
import type { MemberRole, WorkspaceRole } from "../../src/shared/api";
import {
  CLOSE,
  CLOSE_REASONS,
  type InboxFrame,
  type InboxRoomFrame,
  type MembershipChange,
  PROTOCOL_VERSION,
} from "../../src/shared/protocol";
import { type Env, readConfig } from "../config/env";
import { inBatches } from "../realtime/batches";
import {
  closeInTurn,
  isOpen,
  oldestBeyond,
  readState,
  sendFrame,
  sendToAll,
  sessionTag,
  writeState,
} from "../realtime/sockets";
import { roomStub } from "../realtime/stubs";

/** What the Worker tells the inbox about a socket it authenticated. */
export interface InboxGrant {
  userId: string;
  sessionHash: string;
  /** The user's rooms, from D1, at connect time. */
  roomIds: string[];
}

export const INBOX_CONNECT_HEADER = "x-confab-inbox";

/** Each inbox socket's state, in its attachment (validated and versioned). */
const SocketState = z.object({ userId: z.string(), sessionHash: z.string(), openedAt: z.number() });
type SocketState = z.infer<typeof SocketState>;

/** Room subscriptions in flight at once when a user with many rooms comes online. */
const SUBSCRIBE_CONCURRENCY = 32;

export class InboxDO extends DurableObject<Env> {
  /** Serialises subscribe/unsubscribe rounds so a quick close-and-reopen ends subscribed. */
  #subscriptions: Promise<void> = Promise.resolve();
  /** Whether the rooms know this inbox is open; kept in storage, read again after a wake. */
  #subscribed: boolean | null = null;
  readonly #socketsPerUser: number;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#socketsPerUser = readConfig(env).inboxSocketsPerUser;
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair("ping", "pong"));
  }

  override async fetch(request: Request): Promise<Response> {
    const grant = JSON.parse(
      request.headers.get(INBOX_CONNECT_HEADER) ?? "null",
    ) as InboxGrant | null;
    if (!grant || request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
      return new Response("Expected a WebSocket upgrade from the Worker", { status: 400 });
    }
    const known = new Set((await this.ctx.storage.get<string[]>("rooms")) ?? []);
    await this.ctx.storage.put("rooms", grant.roomIds);
    this.#makeRoomForOneMore();
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server, [sessionTag(grant.sessionHash)]);
    writeState<SocketState>(server, {
      userId: grant.userId,
      sessionHash: grant.sessionHash,
      openedAt: Date.now(),
    });
    // Only the first socket subscribes to every room; later ones are instant. D1's list is
    // the truth: rooms it has that the inbox missed are subscribed, ones it lost are dropped.
    const current = new Set(grant.roomIds);
    await this.#reconcile(grant.userId, {
      gained: grant.roomIds.filter((id) => !known.has(id)),
      lost: [...known].filter((id) => !current.has(id)),
    });
    send(server, { type: "ready", v: PROTOCOL_VERSION });
    return new Response(null, { status: 101, webSocket: client });
  }

  override async webSocketMessage(ws: WebSocket): Promise<void> {
    send(ws, {
      type: "error",
      code: "invalid",
      message: "The inbox socket only answers ping; use the room sockets to act",
    });
  }

  override async webSocketClose(ws: WebSocket, code: number): Promise<void> {
    closeInTurn(ws, code);
    const state = readState(ws, SocketState);
    if (state) await this.#reconcile(state.userId);
  }

  override async webSocketError(ws: WebSocket): Promise<void> {
    await this.webSocketClose(ws, CLOSE.serverError);
  }

  // ---- RPC ----------------------------------------------------------------------------------

  /** A room's activity, with my counts; false tells the room I am not listening. */
  async roomActivity(frame: InboxRoomFrame): Promise<boolean> {
    const listening = this.#sendAll(frame) > 0;
    // The room drops me; the next socket must subscribe everywhere again to be heard.
    if (!listening && this.#subscribed !== false) await this.#setSubscribed(false);
    return listening;
  }

  /** Whether an inbox socket of mine is open: the push consumer's test of being away. */
  listening(): boolean {
    return this.#open().length > 0;
  }

  /** I was added to or removed from a room, or my role there changed. */
  async membership(
    userId: string,
    roomId: string,
    change: MembershipChange,
    role?: MemberRole,
    banned = false,
  ): Promise<void> {
    const rooms = new Set((await this.ctx.storage.get<string[]>("rooms")) ?? []);
    if (change === "removed") rooms.delete(roomId);
    else rooms.add(roomId);
    await this.ctx.storage.put("rooms", [...rooms]);
    if (this.#open().length > 0 && change !== "role") {
      await (change === "added"
        ? roomStub(this.env, roomId).subscribe(userId)
        : roomStub(this.env, roomId).unsubscribe(userId));
    }
    this.#sendAll({
      type: "membership",
      roomId,
      change,
      ...(role ? { role } : {}),
      ...(banned ? { banned: true as const } : {}),
    });
  }

  /** I was added to or removed from a workspace, or my role there changed: my clients reload. */
  workspaceMembership(workspaceId: string, change: MembershipChange, role?: WorkspaceRole): void {
    this.#sendAll({ type: "workspace", workspaceId, change, ...(role ? { role } : {}) });
  }

  /** Logout (one session) or disabling (all of them) ends those sockets; the reason says which. */
  sessionsEnded(
    target: { userId: string } | { sessionHash: string },
    reason: string = CLOSE_REASONS.sessionEnded,
  ): number {
    const sockets =
      "sessionHash" in target
        ? this.ctx.getWebSockets(sessionTag(target.sessionHash))
        : this.ctx.getWebSockets();
    for (const ws of sockets) ws.close(CLOSE.policy, reason);
    return sockets.length;
  }

  /** The user's inbox sockets are capped: a new one past the cap closes the oldest (1008). */
  #makeRoomForOneMore(): void {
    const openedAt = (ws: WebSocket) => readState(ws, SocketState)?.openedAt ?? 0;
    for (const ws of oldestBeyond(this.ctx.getWebSockets(), this.#socketsPerUser, openedAt)) {
      ws.close(CLOSE.policy, "Too many connections: this is the oldest");
    }
  }

  // ---- helpers ------------------------------------------------------------------------------

  /** Brings the rooms' view in line with whether any socket is open, one round at a time. */
  #reconcile(
    userId: string,
    drift: { gained: string[]; lost: string[] } = { gained: [], lost: [] },
  ): Promise<void> {
    this.#subscriptions = this.#subscriptions.then(async () => {
      const open = this.#open().length > 0;
      this.#subscribed ??= (await this.ctx.storage.get<boolean>("subscribed")) ?? false;
      if (this.#subscribed === open) {
        // Already in the right state: only rooms whose membership the inbox missed change.
        if (open) await this.#subscribeEach(userId, drift.gained, true);
        await this.#subscribeEach(userId, drift.lost, false);
        return;
      }
      const roomIds = (await this.ctx.storage.get<string[]>("rooms")) ?? [];
      await this.#subscribeEach(userId, roomIds, open);
      await this.#setSubscribed(open);
    });
    return this.#subscriptions;
  }

  async #setSubscribed(subscribed: boolean): Promise<void> {
    this.#subscribed = subscribed;
    await this.ctx.storage.put("subscribed", subscribed);
  }

  /** Subscribes to (or unsubscribes from) these rooms, a bounded number at a time. */
  async #subscribeEach(userId: string, roomIds: readonly string[], on: boolean): Promise<void> {
    await inBatches(
      roomIds,
      async (roomId) => {
        try {
          const room = roomStub(this.env, roomId);
          await (on ? room.subscribe(userId) : room.unsubscribe(userId));
        } catch (error) {
          console.error(`inbox ${userId}: room ${roomId} not reached`, error);
        }
      },
      SUBSCRIBE_CONCURRENCY,
    );
  }

  #open(): WebSocket[] {
    return this.ctx.getWebSockets().filter(isOpen);
  }

  #sendAll(frame: InboxFrame): number {
    return sendToAll(this.#open(), frame);
  }
}

const send = (ws: WebSocket, frame: InboxFrame): void => sendFrame(ws, frame);
