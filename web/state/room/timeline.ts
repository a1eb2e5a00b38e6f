// The room's loaded messages as a window over its history: ascending by seq, upserted from
// `message`/`changed` frames, replays and HTTP pages (the newer rev wins), cut from below when
// retention trims the room, and paged backwards while older history remains. Pure.
import type { Message } from "../../../src/shared/protocol";
import type { MessagePage } from "../../net/api";
import { lowerBound, upsertMessages } from "../timeline";

export interface Timeline {
  messages: readonly Message[];
  /** Seqs below this are outside the loaded contiguous range (null: nothing loaded yet). */
  floor: number | null;
  /** Where the room begins now (retention): seqs below it are gone for good. */
  firstSeq: number;
  hasOlder: boolean;
}

export const emptyTimeline: Timeline = { messages: [], floor: null, firstSeq: 0, hasOlder: true };

/** Merges messages in (same object back when nothing changed). */
export function upsert(t: Timeline, incoming: readonly Message[]): Timeline {
  const messages = upsertMessages(t.messages, incoming, Math.max(t.floor ?? 0, t.firstSeq));
  return messages === t.messages ? t : { ...t, messages };
}

export const holds = (t: Timeline, seq: number) => t.messages.some((m) => m.seq === seq);

/** The room now begins at `seq` (retention trimmed it): what lies below leaves the list. */
export function trim(t: Timeline, seq: number): { timeline: Timeline; removed: Message[] } {
  if (seq <= t.firstSeq) return { timeline: t, removed: [] };
  // The loaded range reaches down to the new beginning: nothing older is left to page in, so
  // the list says "This is the beginning of the room" instead of waiting for more.
  const hasOlder = t.floor !== null && t.floor <= seq ? false : t.hasOlder;
  const at = lowerBound(t.messages, seq);
  const removed = t.messages.slice(0, at);
  return {
    timeline: {
      messages: at === 0 ? t.messages : t.messages.slice(at),
      firstSeq: seq,
      floor: Math.max(t.floor ?? 0, seq),
      hasOlder,
    },
    removed,
  };
}

/** A page of history (the newest, or the one before the oldest loaded) joins the window. */
export function page(t: Timeline, p: MessagePage): Timeline {
  // A trim may have come while the page was on its way: nothing below it is older history.
  const first = p.messages[0]?.seq ?? 0;
  const older = p.hasMore && first > t.firstSeq;
  return { ...upsert({ ...t, floor: older ? first : 0 }, p.messages), hasOlder: older };
}

/** Where the next older page ends (null: not loaded, or nothing older). */
export function olderBefore(t: Timeline): number | null {
  if (!t.hasOlder || t.floor === null) return null;
  return t.messages[0]?.seq ?? t.floor;
}

/** The highest rev among messages (where the first page leaves the room's changes). */
export const maxRev = (messages: readonly Message[]) =>
  messages.reduce((max, m) => Math.max(max, m.rev), 0);

export const newestSeq = (t: Timeline) => t.messages.at(-1)?.seq ?? 0;
