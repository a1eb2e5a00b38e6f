// What a room and its relays (the fan-out shards of a room past ROOM_RELAY_THRESHOLD) say to each
// other: the numbered batches of frames the room forwards, one RPC per relay per flush, and the
// relay's coalesced reports of who is on it. docs/architecture.md, "Rooms beyond one Durable
// Object".

/** A relay socket's id: the room names a relay socket by it (replies, `except`, closes). */
export type RelaySocketId = string;

/** Whose sockets a close or an actor change on a relay applies to. */
export type RelayTarget =
  | { all: true }
  | { user: string }
  | { session: string }
  | { sid: RelaySocketId };

/** One step of a batch, applied in order. `t` is a frame's JSON text. */
export type RelayEntry =
  /** A frame for every socket of the relay but `x`. */
  | { t: string; x?: RelaySocketId }
  /** A frame for one socket (an ack, an error, a sync page). */
  | { t: string; to: RelaySocketId }
  /** Closes the matching sockets, after the frames before it. */
  | { close: [code: number, reason: string]; of: RelayTarget }
  /** Changes the actor kept in the matching sockets' state (role, admin). */
  | { actor: Record<string, unknown>; of: RelayTarget };

/**
 * One flush of the room for one relay. `n` grows for as long as the room lives and across its
 * restarts (it starts from the clock); `prev` is the number of the batch the same room instance
 * sent this relay before (null for its first), so a relay applies batches in the room's order
 * and holds one that arrives before its predecessor.
 */
export interface RelayBatch {
  n: number;
  prev: number | null;
  entries: RelayEntry[];
}

/** What a relay tells the room about itself, coalesced (at most one report an interval). */
export interface RelayReport {
  /** Open sockets on the relay now. */
  sockets: number;
  /** Users whose last socket on the relay closed (and who have none there now). */
  offline: string[];
  /** Of these, those whose closed socket was typing: the room says they stopped. */
  typingOff: string[];
}

/** The room's answer to a socket joining a relay: what to send it first, and from when on. */
export interface RelayWelcome {
  /** The frames' JSON text: written once by the room, sent as is (no copy of the objects). */
  texts: string[];
  /** The last batch the room had sent the relay when it wrote the welcome: later ones count. */
  at: number;
}

/** How the Worker learns that a socket goes to a relay (the room's answer instead of a 101). */
export const RELAY_HEADER = "x-confab-relay";

/** Which of a room's `relays` holds `userId`'s sockets: one user's sockets share a relay. */
export function relayOf(userId: string, relays: number): number {
  // FNV-1a: stable across isolates and deploys.
  let hash = 0x811c9dc5;
  for (let i = 0; i < userId.length; i++) {
    hash ^= userId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % relays;
}

/** A relay Durable Object's name. */
export const relayName = (roomId: string, index: number) => `${roomId}/relay/${index}`;
