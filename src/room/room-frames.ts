// A room socket's frames: who may do what (the roster's role, as of now), the limits that
// apply, which action runs, and the answer to the socket. Synchronous from arrival to write, so a
// pipelining client's frames take seqs in the order they were sent.
import { CLOSE, CLOSE_REASONS, type ClientFrame, MESSAGE_LIMITS } from "../../src/shared/protocol";
import * as actions from "./actions";
import type { Admission } from "./admission";
import { type Actor, changesSince, type RoomInfo } from "./handlers";
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
}

export class RoomFrames {
  constructor(private readonly d: RoomFramesDeps) {}

  /**
   * One frame, handled synchronously from arrival to write: nothing awaits between parsing and
   * the write, so a pipelining client's frames take seqs in the order they were sent.
   */
  handle(ws: WebSocket, state: SocketState, frame: ClientFrame): void {
    const actor = this.actorNow(state);
    if (!actor) {
      this.d.sockets.close(ws, CLOSE.policy, CLOSE_REASONS.removed);
      return;
    }
    const room = this.d.room();
    const now = Date.now();
    const member = actor.role !== null;
    switch (frame.type) {
      case "send": {
        if (!member) {
          this.d.sockets.send(ws, notMember(frame.cid));
          return;
        }
        // A retried cid is answered from storage and costs no tokens.
        const repeat = this.d.store.findByCid(actor.id, frame.cid) !== null;
        if (!repeat && this.#limited(ws, state, now, frame.cid)) return;
        const result = this.d.sockets.deliver(
          actions.send(this.d.store, this.d.roster, room, actor, frame, now),
        );
        if (!result.ok) {
          this.d.sockets.send(ws, errorFrame(result, frame.cid));
          return;
        }
        const { seq, rev } = result.value.message;
        this.d.sockets.send(ws, { type: "ack", cid: frame.cid, seq, rev });
        if (result.value.created) this.d.sent(seq, actor.id);
        return;
      }
      case "edit":
      case "delete":
      case "react": {
        // Instance admins who are not members moderate (delete) but do not post.
        if (!member && frame.type !== "delete") {
          this.d.sockets.send(ws, notMember());
          return;
        }
        if (this.#limited(ws, state, now)) return;
        const result = this.d.sockets.deliver(
          actions.change(this.d.store, room, actor, frame, now),
        );
        if (!result.ok) this.d.sockets.send(ws, errorFrame(result));
        return;
      }
      case "typing": {
        // On and off alike, at most one a socket per interval; the rest are dropped silently.
        if (!member || now - state.typingAt < this.d.typingIntervalMs) return;
        this.d.sockets.write(ws, { ...state, typingAt: now, typing: frame.on });
        this.d.sockets.broadcast({ type: "typing", userId: actor.id, on: frame.on }, ws);
        return;
      }
      case "read": {
        if (member) this.d.sockets.deliver(actions.read(this.d.store, actor, frame.seq, now));
        return;
      }
      case "sync": {
        const refused = this.d.admission.window("replay", actor.id, now);
        if (refused) {
          this.d.sockets.send(ws, rateLimited(refused.retryAfterMs));
          return;
        }
        this.replay(ws, room, frame.sinceRev);
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
  #limited(ws: WebSocket, state: SocketState, now: number, ref?: string): boolean {
    const admitted = this.d.admission.send(state.actor.id, now, this.d.sockets.all().length);
    if (admitted.allowed) {
      if (state.strikes > 0) this.d.sockets.write(ws, { ...state, strikes: 0 });
      return false;
    }
    // Only a sender over its own rate is flooding; a full room is nobody's fault, and a client
    // that honours retryAfterMs still has frames in flight when the room is behind.
    if (admitted.by === "room") {
      this.d.sockets.send(ws, rateLimited(admitted.retryAfterMs, ref));
      return true;
    }
    const strikes = state.strikes + 1;
    this.d.sockets.write(ws, { ...state, strikes });
    if (strikes > MAX_STRIKES)
      this.d.sockets.close(ws, CLOSE.policy, "Still flooding after rate_limited");
    else this.d.sockets.send(ws, rateLimited(admitted.retryAfterMs, ref));
    return true;
  }

  replay(ws: WebSocket, room: RoomInfo, sinceRev: number): void {
    const changes = changesSince(this.d.store, room, sinceRev, MESSAGE_LIMITS.replayMax);
    for (const message of changes.messages) this.d.sockets.send(ws, { type: "message", message });
    this.d.sockets.send(ws, { type: "synced", rev: changes.rev, complete: changes.complete });
  }
}
