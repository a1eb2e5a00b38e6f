// What travels on the push queue (PUSH_QUEUE): rooms hand over their new messages, and the
// consumer (src/worker/push/consumer.ts) queues its own later work — the end of a coalescing
// window, a retry. JSON, well under a queue message's 128 KB.
import type { MessagePush } from "../../src/shared/protocol";

/** A new message as a push needs it; the recipients are decided by the consumer, not the room. */
export interface PushNotice {
  seq: number;
  senderId: string;
  senderName: string;
  /** ≤ PUSH_EXCERPT_CHARS characters. */
  excerpt: string;
  /** User ids the message mentions. */
  mentions: string[];
  /** A thread reply's root: only the thread's followers (and the mentioned) hear of it. */
  threadOf: number | null;
}

export type { PushPayload } from "../../src/shared/protocol";
/** What one push for a room's messages carries (src/shared/protocol/push.ts). */
export type MessagePayload = MessagePush;

export type PushJob =
  /** A room's new messages since its last hand-over, in seq order. */
  | { type: "messages"; roomId: string; notices: PushNotice[] }
  /** A user's coalescing window in a room has ended: send what was folded, if still away. */
  | { type: "window"; roomId: string; userId: string }
  /** A push a push service refused for now (429, 5xx, no answer): the next try. */
  | {
      type: "retry";
      subscriptionId: string;
      userId: string;
      payload: MessagePayload;
      urgency: "normal" | "high";
      /** Tries made so far (the first send is try 1). */
      attempt: number;
      /** When the first try was made: all tries fit in an hour. */
      firstAt: number;
    };
