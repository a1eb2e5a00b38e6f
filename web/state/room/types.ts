// What a room tells the app around it, and the frames it hands on.
import type { Message, ServerFrame } from "../../../src/shared/protocol";

export type ServerFrameOf<K extends ServerFrame["type"]> = Extract<ServerFrame, { type: K }>;
export type RoomSummary = ServerFrameOf<"ready">["room"];
export type MemberFrame = ServerFrameOf<"member">;
export type RoomFrame = ServerFrameOf<"room">;

export interface RoomEvents {
  /**
   * My thread counts may have changed (I read a thread or changed whether I follow it): the
   * server tells no inbox of that, so the room list asks again.
   */
  onThreadCounts?: (roomId: string) => void;
  /** A new message arrived live (not from a replay or a history page). */
  onNewMessage?: (roomId: string, message: Message) => void;
  /** My read mark moved forward (by me, here or elsewhere). */
  onRead?: (roomId: string, seq: number) => void;
  /**
   * The server closed the socket for good reasons of policy (removed, signed out, disabled);
   * `reason` is the close reason (CLOSE_REASONS in the protocol names the sign-out ones).
   */
  onRefused?: (roomId: string, reason: string) => void;
  /** Someone joined or left the room, or a role changed (`member` frames). */
  onMember?: (roomId: string, frame: MemberFrame) => void;
  /** The room's name, topic, archived state or retention policy changed (`room` frames). */
  onRoomChanged?: (roomId: string, frame: RoomFrame) => void;
  /** The socket is back after a gap: `member` and `room` frames may have been missed. */
  onResumed?: (roomId: string) => void;
  /** The last of my waiting messages went out (or was discarded): nothing is left unsent. */
  onOutboxEmpty?: (roomId: string) => void;
  /** Retention deleted these loaded messages (the oldest ones): they left the list. */
  onTrimmed?: (roomId: string, removed: readonly Message[]) => void;
}
