// One thread as the panel holds it: its root and a contiguous run of its replies, from `floor`
// (older pages load below it) up to the newest; what the room's socket says is upserted by seq,
// the newer rev winning, also before the first page is in. Pure: thread.ts drives it.
import type { Message } from "../../../src/shared/protocol";
import { upsertMessages } from "../timeline";

export interface ThreadWindow {
  rootSeq: number;
  root: Message | null;
  /** Ascending by seq. */
  replies: readonly Message[];
  /** The lowest seq the run holds (replies below it are not loaded); 0 once all are. */
  floor: number;
  hasOlder: boolean;
  /** The newest page is in. */
  loaded: boolean;
}

export function emptyThreadWindow(rootSeq: number): ThreadWindow {
  return { rootSeq, root: null, replies: [], floor: 0, hasOlder: false, loaded: false };
}

/** The newer of two versions of a message (by rev); `b` when there is no `a`. */
function newer(a: Message | null, b: Message | null | undefined): Message | null {
  if (!b) return a;
  return a && a.rev >= b.rev ? a : b;
}

/**
 * Messages heard on the room's socket (live, replayed, or an answer to my own action): the root's
 * changes and this thread's replies; everything else leaves the window as it was.
 */
export function threadHeard(w: ThreadWindow, incoming: readonly Message[]): ThreadWindow {
  let root = w.root;
  const replies: Message[] = [];
  for (const message of incoming) {
    if (message.seq === w.rootSeq) root = newer(root, message);
    else if (message.threadOf === w.rootSeq) replies.push(message);
  }
  const merged = replies.length > 0 ? upsertMessages(w.replies, replies, w.floor) : w.replies;
  if (root === w.root && merged === w.replies) return w;
  return { ...w, root, replies: merged };
}

/** The newest page: it sets where the run starts; what was heard meanwhile stays if newer. */
export function threadLoaded(
  w: ThreadWindow,
  page: { root: Message; messages: readonly Message[]; hasMore: boolean },
): ThreadWindow {
  const floor = page.hasMore ? (page.messages[0]?.seq ?? 0) : 0;
  const heard = w.replies.filter((m) => m.seq >= floor);
  return {
    ...w,
    root: newer(w.root, page.root),
    replies: upsertMessages(heard, page.messages, floor),
    floor,
    hasOlder: page.hasMore,
    loaded: true,
  };
}

/** A page of older replies, just below the run. */
export function threadOlder(
  w: ThreadWindow,
  page: { messages: readonly Message[]; hasMore: boolean },
): ThreadWindow {
  const floor = page.hasMore ? (page.messages[0]?.seq ?? w.floor) : 0;
  return {
    ...w,
    replies: upsertMessages(w.replies, page.messages, floor),
    floor,
    hasOlder: page.hasMore,
  };
}

/**
 * The seq that reading the thread now marks read: its newest reply by someone else, if past
 * `readSeq` (replying marks my own read on the server already).
 */
export function threadReadTarget(w: ThreadWindow, readSeq: number, meId: string): number | null {
  for (let i = w.replies.length - 1; i >= 0; i--) {
    const reply = w.replies[i] as Message;
    if (reply.seq <= readSeq) return null;
    if (reply.sender.id !== meId) return reply.seq;
  }
  return null;
}
