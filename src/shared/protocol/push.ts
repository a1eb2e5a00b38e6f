// What a push carries (encrypted JSON, docs/api.md "Push notifications"): written by the Worker's
// push consumer, read by the web client's service worker.

/** New messages in a room; `count` of them since the last push for that room (≥ 1). */
export interface MessagePush {
  type: "message";
  roomId: string;
  roomName: string;
  seq: number;
  /** For a thread reply: its root (where a link opens the room); null or absent otherwise. */
  threadOf?: number | null;
  sender: { id: string; name: string };
  /** The newest message's text on one line, ≤ PUSH_EXCERPT_CHARS characters. */
  excerpt: string;
  /** One of the messages it stands for mentions the reader. */
  mention: boolean;
  count: number;
}

/** POST /api/me/push-subscriptions/:id/test. */
export interface TestPush {
  type: "test";
}

export type PushPayload = MessagePush | TestPush;
