// The room's open sockets: each one's state (in its attachment, so it survives hibernation),
// who is online, and delivery to all of them. Owned by the room Durable Object.
import { z } from "zod";
import type { ServerFrame } from "../../src/shared/protocol";
import { Outgoing } from "../realtime/outgoing";
import {
  isOpen,
  oldestBeyond,
  readState,
  sessionTag,
  userTag,
  writeState,
} from "../realtime/sockets";
import type { Outcome } from "./actions";
import type { Actor, Result, RoomInfo } from "./handlers";
import type { RelayLinks, RelaySocket } from "./relay-links";

/** What the Worker tells the room about a socket it authenticated; never from the client. */
export interface ConnectGrant {
  actor: Actor;
  room: RoomInfo;
  sessionHash: string;
  sinceRev: number | null;
  /** The client takes several frames in one message, as a JSON array (`?batch=1`). */
  batch: boolean;
}

/** The tag of sockets that take batches. */
const BATCH_TAG = "batch";

export { CONNECT_HEADER } from "../realtime/sockets";

/** Each socket's state, in its attachment (validated and versioned by realtime/sockets.ts). */
export const SocketState = z.object({
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
export type SocketState = z.infer<typeof SocketState>;

export class RoomSockets {
  #online: Set<string> | null = null;
  /** Open sockets, counted once and then kept by accepts (a close counts them again). */
  #open: number | null = null;
  readonly #outgoing: Outgoing;

  constructor(
    private readonly ctx: DurableObjectState,
    /** The room's relays: every broadcast reaches their sockets too. */
    readonly relays: RelayLinks,
    /** Whether `userId` has a socket here may have changed (for sets built on `online()`). */
    private readonly presenceMayHaveChanged: (userId: string) => void,
  ) {
    this.#outgoing = new Outgoing(
      () => new Set(ctx.getWebSockets(BATCH_TAG)),
      (fn, ms) => setTimeout(fn, ms),
    );
  }

  /** Accepts the Worker's upgrade for `grant`; the caller answers 101 with `client`. */
  accept(grant: ConnectGrant): { client: WebSocket; server: WebSocket } {
    const { 0: client, 1: server } = new WebSocketPair();
    const tags = [userTag(grant.actor.id), sessionTag(grant.sessionHash)];
    this.ctx.acceptWebSocket(server, grant.batch ? [...tags, BATCH_TAG] : tags);
    this.write(server, {
      actor: grant.actor,
      sessionHash: grant.sessionHash,
      openedAt: Date.now(),
      strikes: 0,
      typingAt: 0,
      typing: false,
    });
    this.online().add(grant.actor.id);
    if (this.#open !== null) this.#open++;
    this.presenceMayHaveChanged(grant.actor.id);
    return { client, server };
  }

  state(ws: WebSocket): SocketState | null {
    return readState(ws, SocketState);
  }

  write(ws: WebSocket, state: SocketState): void {
    writeState(ws, state);
  }

  /** Rewrites the actor of each of the user's sockets; answers the sockets and their new state. */
  updateActor(
    userId: string,
    change: (actor: SocketState["actor"]) => SocketState["actor"] | null,
  ): Array<{ ws: WebSocket; state: SocketState }> {
    const updated: Array<{ ws: WebSocket; state: SocketState }> = [];
    for (const ws of this.ofUser(userId)) {
      const state = this.state(ws);
      const actor = state && change(state.actor);
      if (!state || !actor) continue;
      const next = { ...state, actor };
      this.write(ws, next);
      updated.push({ ws, state: next });
    }
    return updated;
  }

  all(): WebSocket[] {
    return this.ctx.getWebSockets();
  }

  /**
   * How many sockets are open. Asked per connect and per send (the threshold, the admission
   * cap): a join storm must not list every socket per join. A close may come back as an event or
   * not (the room's own), so any close counts again, from the open ones, when next asked.
   */
  count(): number {
    this.#open ??= this.all().filter(isOpen).length;
    return this.#open;
  }

  ofUser(userId: string): WebSocket[] {
    return this.ctx.getWebSockets(userTag(userId));
  }

  ofSession(credentialHash: string): WebSocket[] {
    return this.ctx.getWebSockets(sessionTag(credentialHash));
  }

  /** The user's open sockets to close so that one more stays under `max`, oldest first. */
  beyond(userId: string, max: number): WebSocket[] {
    return oldestBeyond(this.ofUser(userId), max, (ws) => this.state(ws)?.openedAt ?? 0);
  }

  /**
   * Users with an open socket. Kept in memory so a connect does not read every socket's
   * attachment; built from the attachments after a wake, then kept by every accept and close.
   */
  online(): Set<string> {
    if (this.#online) return this.#online;
    const users = new Set<string>();
    for (const ws of this.all()) {
      const state = this.state(ws);
      if (state && isOpen(ws)) users.add(state.actor.id);
    }
    this.#online = users;
    return users;
  }

  isOnline(userId: string, except?: WebSocket): boolean {
    return this.ofUser(userId).some((ws) => ws !== except && isOpen(ws));
  }

  /** A socket closed by its client: the user is offline unless another socket of theirs is open. */
  left(userId: string, ws: WebSocket): boolean {
    this.#open = null;
    if (this.isOnline(userId, ws)) return false;
    this.#online?.delete(userId);
    this.presenceMayHaveChanged(userId);
    return true;
  }

  /**
   * Closes a socket from the room's side. Its close event may never come back to the room, so
   * its user leaves the online set here if this was their last open socket.
   */
  close(ws: WebSocket, code: number, reason: string): void {
    const userId = this.state(ws)?.actor.id;
    // What was said to the socket goes before its close.
    this.#outgoing.flush();
    ws.close(code, reason);
    this.#open = null;
    if (userId === undefined || this.isOnline(userId)) return;
    this.#online?.delete(userId);
    this.presenceMayHaveChanged(userId);
  }

  /** Sends an action's frames to every open socket; answers its result. */
  deliver<T>(outcome: Outcome<T>): Result<T> {
    for (const frame of outcome.frames) this.broadcast(frame);
    return outcome.result;
  }

  /** A frame for every socket of the room, its own and its relays', but `except`. */
  broadcast(frame: ServerFrame, except?: WebSocket | RelaySocket): void {
    const text = JSON.stringify(frame);
    const relayed = except !== undefined && "sid" in except;
    this.#outgoing.textToAll(this.all(), text, relayed ? undefined : except);
    this.relays.broadcast(text, relayed ? except : undefined);
  }

  /** One frame for one socket, in order with the broadcasts around it. */
  send(ws: WebSocket, frame: ServerFrame): void {
    this.#outgoing.toOne(ws, frame);
  }
}
