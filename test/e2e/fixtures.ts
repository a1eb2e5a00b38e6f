// Protocol values the client-state tests start from: a message of room_1 and the `ready` frame
// of a socket to it, with whatever a test changes spread over them.
import type { Message, ServerFrame } from "../../src/shared/protocol";

export const ANA = { id: "usr_ana", handle: "ana", name: "Ana" };

/** Message `seq` of room_1 (rev = seq), sent by Ana at a time that orders with its seq. */
export function messageOf(seq: number, extra: Partial<Message> = {}): Message {
  return {
    seq,
    rev: seq,
    roomId: "room_1",
    sender: ANA,
    body: `m${seq}`,
    createdAt: new Date(2026, 0, 10, 12, 0, seq).toISOString(),
    editedAt: null,
    deleted: false,
    replyTo: null,
    reactions: [],
    mentions: [],
    attachments: [],
    threadOf: null,
    thread: null,
    pinned: null,
    ...extra,
  };
}

/** The first frame of a socket to an empty room_1, Ana its owner. */
export const READY: Extract<ServerFrame, { type: "ready" }> = {
  type: "ready",
  v: 1,
  room: { id: "room_1", kind: "channel", name: "general", topic: "", archived: false },
  me: { id: "usr_ana", handle: "ana", name: "Ana", role: "owner" },
  rev: 0,
  lastSeq: 0,
  online: [],
  onlineCount: 0,
  readMarks: {},
  deliveredMarks: {},
};
