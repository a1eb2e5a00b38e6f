// A room socket's frames: who may do what (the roster's role, as of now), the limits that
// apply, which action runs, and the answer to the socket. Synchronous from arrival to write, so a
// pipelining client's frames take seqs in the order they were sent.
import {
  CLOSE,
  CLOSE_REASONS,
  type ClientFrame,
  MESSAGE_LIMITS,
  type ServerFrame,
} from "../../src/shared/protocol";
import { typingDue } from "../realtime/sockets";
import * as actions from "./actions";
import type { Admission } from "./admission";
import { type Actor, changesSince, type RoomInfo } from "./handlers";
import type { RelaySocket } from "./relay-links";
import { errorFrame, notMember, rateLimited } from "./replies";
import type { RoomSockets, SocketState } from "./room-sockets";
import type { Roster } from "./roster";
import type { RoomStore } from "./store";

/** Rate-limited sends in a row before the socket is closed with 1008. */
const MAX_STRIKES = 50;

export interface RoomFramesDeps {
  store: RoomStore;
  roster: Roster;
  admission: Admission;
  sockets: RoomSockets;
  room: () => RoomInfo;
  /** Typing frames from one socket are passed on at most this often. */
  typingIntervalMs: number;
  /** A new message went out to the open sockets. */
  sent(seq: number, senderId: string): void;
  /** Deliveries of one message on the busiest object (the room or a relay): the cap's divisor. */
  fanOut(): number;
}

/**
 * Where a client frame came from: one of the room's own sockets, or a socket a relay holds (the
 * relay passed the frame on). The same action path serves both; only the way back differs.
 */
export interface Peer {
  readonly state: SocketState;
  /** A frame for this socket only, in order with the broadcasts around it. */
  send(frame: ServerFrame): void;
  write(state: SocketState): void;
  close(code: number, reason: string): void;
  /** What a broadcast that skips this socket names (the typing echo). */
  readonly self: WebSocket | RelaySocket;
}

/** One of the room's own sockets as a peer. */
export function localPeer(sockets: RoomSockets, ws: WebSocket, state: SocketState): Peer {
  return {
    state,
    send: (frame) => sockets.send(ws, frame),
    write: (next) => sockets.write(ws, next),
    close: (code, reason) => sockets.close(ws, code, reason),
    self: ws,
  };
}

/** A relay's socket as a peer: replies and closes go in the relay's next batch. */
export function relayPeer(
  sockets: RoomSockets,
  self: RelaySocket,
  state: SocketState,
  written: (state: SocketState) => void,
): Peer {
  return {
    state,
    send: (frame) => sockets.relays.toOne(self, JSON.stringify(frame)),
    write: written,
    close: (code, reason) => sockets.relays.close({ sid: self.sid }, code, reason, self.relay),
    self,
  };
}

export class RoomFrames {
  constructor(private readonly d: RoomFramesDeps) {}

  /**
   * One frame, handled synchronously from arrival to write: nothing awaits between parsing and
   * the write, so a pipelining client's frames take seqs in the order they were sent.
   */
  handle(peer: Peer, frame: ClientFrame): void {
    const { state } = peer;
    const actor = this.actorNow(state);
    if (!actor) {
      peer.close(CLOSE.policy, CLOSE_REASONS.removed);
      return;
    }
    const room = this.d.room();
    const now = Date.now();
    const member = actor.role !== null;
    switch (frame.type) {
      case "send": {
        if (!member) {
          peer.send(notMember(frame.cid));
          return;
        }
        // A retried cid is answered from storage and costs no tokens.
        const repeat = this.d.store.findByCid(actor.id, frame.cid) !== null;
        if (!repeat && this.#limited(peer, now, frame.cid)) return;
        const result = this.d.sockets.deliver(
          actions.send(this.d.store, this.d.roster, room, actor, frame, now),
        );
        if (!result.ok) {
          peer.send(errorFrame(result, frame.cid));
          return;
        }
        const { seq, rev } = result.value.message;
        peer.send({ type: "ack", cid: frame.cid, seq, rev });
        if (result.value.created) this.d.sent(seq, actor.id);
        return;
      }
      case "edit":
      case "delete":
      case "react": {
        // Instance admins who are not members moderate (delete) but do not post.
        if (!member && frame.type !== "delete") {
          peer.send(notMember());
          return;
        }
        if (this.#limited(peer, now)) return;
        const result = this.d.sockets.deliver(
          actions.change(this.d.store, room, actor, frame, now),
        );
        if (!result.ok) peer.send(errorFrame(result));
        return;
      }
      case "typing": {
        // On and off alike, at most one a socket per interval; the rest are dropped silently.
        if (!member || !typingDue(state.typingAt, now, this.d.typingIntervalMs)) return;
        peer.write({ ...state, typingAt: now, typing: frame.on });
        this.d.sockets.broadcast({ type: "typing", userId: actor.id, on: frame.on }, peer.self);
        return;
      }
      case "read": {
        if (member) this.d.sockets.deliver(actions.read(this.d.store, actor, frame.seq, now));
        return;
      }
      case "sync": {
        const refused = this.d.admission.window("replay", actor.id, now);
        if (refused) {
          peer.send(rateLimited(refused.retryAfterMs));
          return;
        }
        for (const f of this.replay(room, frame.sinceRev)) peer.send(f);
        return;
      }
    }
  }

  /**
   * The socket's actor as of now: identity from the grant, the role from the roster (D1's
   * membership as last reported), so a removal or role change applies to the very next frame.
   * Null when the person is neither a member nor (still) an instance admin.
   */
  actorNow(state: SocketState): Actor | null {
    const role = this.d.roster.loaded ? this.d.roster.role(state.actor.id) : state.actor.role;
    if (role === null && !state.actor.isAdmin) return null;
    return role === state.actor.role ? state.actor : { ...state.actor, role };
  }

  /** Applies the send limits to a socket's frame; answers and returns true when refused. */
  #limited(peer: Peer, now: number, ref?: string): boolean {
    const { state } = peer;
    const admitted = this.d.admission.send(state.actor.id, now, this.d.fanOut());
    if (admitted.allowed) {
      if (state.strikes > 0) peer.write({ ...state, strikes: 0 });
      return false;
    }
    // Only a sender over its own rate is flooding; a full room is nobody's fault, and a client
    // that honours retryAfterMs still has frames in flight when the room is behind.
    if (admitted.by === "room") {
      peer.send(rateLimited(admitted.retryAfterMs, ref));
      return true;
    }
    const strikes = state.strikes + 1;
    peer.write({ ...state, strikes });
    if (strikes > MAX_STRIKES) peer.close(CLOSE.policy, "Still flooding after rate_limited");
    else peer.send(rateLimited(admitted.retryAfterMs, ref));
    return true;
  }

  /** A `sync` page: the changes since `sinceRev` as `message` frames, then `synced`. */
  replay(room: RoomInfo, sinceRev: number): ServerFrame[] {
    const changes = changesSince(this.d.store, room, sinceRev, MESSAGE_LIMITS.replayMax);
    return [
      ...changes.messages.map((message): ServerFrame => ({ type: "message", message })),
      { type: "synced", rev: changes.rev, complete: changes.complete },
    ];
  }
}
