// A relay's sockets: each one's state in its attachment (so it survives hibernation), an id the
// room names it by, and an in-memory index (by id, by user) rebuilt from the attachments after a
// wake. Storage by concern: the relay Durable Object delivers, this keeps.
import { z } from "zod";
import type { RelaySocketId, RelayTarget } from "../realtime/relays";
import {
  isOpen,
  oldestBeyond,
  readState,
  sessionTag,
  userTag,
  writeState,
} from "../realtime/sockets";

const BATCH_TAG = "batch";
const idTag = (sid: RelaySocketId) => `id:${sid}`;

const Actor = z.object({
  id: z.string(),
  handle: z.string(),
  name: z.string(),
  role: z.enum(["owner", "moderator", "member"]).nullable(),
  isAdmin: z.boolean(),
});

/** A relay socket's state: the room's socket state (which the room reads and rewrites), and more. */
export const RelaySocketState = z.object({
  actor: Actor,
  sessionHash: z.string(),
  openedAt: z.number(),
  strikes: z.number(),
  typingAt: z.number(),
  typing: z.boolean(),
  sid: z.string(),
  /**
   * The batch the room's welcome was written at: this socket takes later batches only. Null
   * while the room is still writing it.
   */
  since: z.number().nullable(),
});
export type RelaySocketState = z.infer<typeof RelaySocketState>;

/** The part of the state the room reads and answers (its SocketState). */
export type RoomSide = Omit<RelaySocketState, "sid" | "since">;

export const roomSide = ({ sid: _sid, since: _since, ...rest }: RelaySocketState): RoomSide => rest;

export interface Grant {
  actor: z.infer<typeof Actor>;
  sessionHash: string;
  batch: boolean;
}

interface Live {
  ws: WebSocket;
  userId: string;
  since: number;
}

export class RelaySockets {
  #live: Map<RelaySocketId, Live> | null = null;

  constructor(private readonly ctx: DurableObjectState) {}

  /** Accepts a socket for `grant`; it takes no batch until `welcomed`. */
  accept(grant: Grant, sid: RelaySocketId): { client: WebSocket; server: WebSocket } {
    const { 0: client, 1: server } = new WebSocketPair();
    const tags = [userTag(grant.actor.id), sessionTag(grant.sessionHash), idTag(sid)];
    this.ctx.acceptWebSocket(server, grant.batch ? [...tags, BATCH_TAG] : tags);
    this.write(server, {
      actor: grant.actor,
      sessionHash: grant.sessionHash,
      openedAt: Date.now(),
      strikes: 0,
      typingAt: 0,
      typing: false,
      sid,
      since: null,
    });
    return { client, server };
  }

  /** The socket takes the batches after `since` from now on. */
  welcomed(ws: WebSocket, state: RelaySocketState, since: number): void {
    this.write(ws, { ...state, since });
    this.#index().set(state.sid, { ws, userId: state.actor.id, since });
  }

  state(ws: WebSocket): RelaySocketState | null {
    return readState(ws, RelaySocketState);
  }

  write(ws: WebSocket, state: RelaySocketState): void {
    writeState(ws, state);
  }

  /** Welcomed sockets that take batch `n`. */
  takers(n: number): WebSocket[] {
    const out: WebSocket[] = [];
    for (const { ws, since } of this.#index().values()) if (n > since) out.push(ws);
    return out;
  }

  byId(sid: RelaySocketId): WebSocket | undefined {
    return this.#index().get(sid)?.ws;
  }

  matching(of: RelayTarget): WebSocket[] {
    if ("all" in of) return this.ctx.getWebSockets();
    if ("user" in of) return this.ctx.getWebSockets(userTag(of.user));
    if ("session" in of) return this.ctx.getWebSockets(sessionTag(of.session));
    return this.ctx.getWebSockets(idTag(of.sid));
  }

  all(): WebSocket[] {
    return this.ctx.getWebSockets();
  }

  batching(): Set<WebSocket> {
    return new Set(this.ctx.getWebSockets(BATCH_TAG));
  }

  beyond(userId: string, max: number): WebSocket[] {
    return oldestBeyond(
      this.ctx.getWebSockets(userTag(userId)),
      max,
      (ws) => this.state(ws)?.openedAt ?? 0,
    );
  }

  /** Open sockets of `userId` here now. */
  countOf(userId: string): number {
    return this.ctx.getWebSockets(userTag(userId)).filter(isOpen).length;
  }

  /** Open sockets now. */
  count(): number {
    return this.all().filter(isOpen).length;
  }

  /** A socket closed (or is being closed): it takes no more batches. */
  gone(sid: RelaySocketId): void {
    this.#live?.delete(sid);
  }

  /** Whether `userId` still has an open socket here. */
  hasUser(userId: string): boolean {
    return this.ctx.getWebSockets(userTag(userId)).some(isOpen);
  }

  #index(): Map<RelaySocketId, Live> {
    if (this.#live) return this.#live;
    const live = new Map<RelaySocketId, Live>();
    for (const ws of this.all()) {
      const state = this.state(ws);
      if (state && state.since !== null && isOpen(ws))
        live.set(state.sid, { ws, userId: state.actor.id, since: state.since });
    }
    this.#live = live;
    return live;
  }
}
