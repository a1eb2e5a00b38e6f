// The room's loaded messages as a window over its history: ascending by seq, upserted from
// `message`/`changed` frames, replays and HTTP pages (the newer rev wins), cut from below when
// retention trims the room, and paged backwards while older history remains. A window opened at
// a message (a link, a jump) may stop short of the newest: it pages forwards too until it
// reaches the live end, where live messages join it. Pure.
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
  /**
   * Seqs above this are outside the loaded range, which stops short of the room's newest
   * message (null: it reaches the newest, and live messages join it).
   */
  ceiling: number | null;
  /** The highest seq heard of above `ceiling` (left out): a page that stops below it is not the end. */
  heard: number;
}

export const emptyTimeline: Timeline = {
  messages: [],
  floor: null,
  firstSeq: 0,
  hasOlder: true,
  ceiling: null,
  heard: 0,
};

/** Merges messages in (same object back when nothing changed). */
export function upsert(t: Timeline, incoming: readonly Message[]): Timeline {
  const ceiling = t.ceiling ?? Number.POSITIVE_INFINITY;
  const floor = Math.max(t.floor ?? 0, t.firstSeq);
  const messages = upsertMessages(t.messages, incoming, floor, ceiling);
  let heard = t.heard;
  for (const m of incoming) if (m.seq > ceiling && m.seq > heard) heard = m.seq;
  return messages === t.messages && heard === t.heard ? t : { ...t, messages, heard };
}

export const holds = (t: Timeline, seq: number) => {
  const at = lowerBound(t.messages, seq);
  return t.messages[at]?.seq === seq;
};

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
      ...t,
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

/** The newest page replaces the window (back to the live end from a window further up). */
export const latest = (t: Timeline, p: MessagePage): Timeline =>
  page({ ...emptyTimeline, firstSeq: t.firstSeq }, p);

/**
 * A page centred on a message (`around`) replaces the window; older and newer pages extend it
 * from there. Without `hasMoreAfter` the page is taken not to reach the end (newer pages say).
 */
export function around(t: Timeline, p: MessagePage): Timeline {
  const first = p.messages[0]?.seq ?? 0;
  const last = p.messages.at(-1)?.seq ?? 0;
  const older = (p.hasMoreBefore ?? p.hasMore) && first > t.firstSeq;
  const newer = (p.hasMoreAfter ?? true) && p.messages.length > 0;
  return upsert(
    {
      ...emptyTimeline,
      firstSeq: t.firstSeq,
      floor: older ? first : 0,
      hasOlder: older,
      ceiling: newer ? last : null,
    },
    p.messages,
  );
}

/**
 * A page after the newest loaded message (`after`) joins the window. The window reaches the live
 * end when the page is the last one and no live message was heard beyond it.
 */
export function newer(t: Timeline, p: MessagePage): Timeline {
  if (t.ceiling === null) return upsert(t, p.messages);
  const last = Math.max(p.messages.at(-1)?.seq ?? 0, t.ceiling);
  const more = p.messages.length > 0 && (p.hasMore || t.heard > last);
  return upsert({ ...t, ceiling: more ? last : null }, p.messages);
}

/** Where the next older page ends (null: not loaded, or nothing older). */
export function olderBefore(t: Timeline): number | null {
  if (!t.hasOlder || t.floor === null) return null;
  return t.messages[0]?.seq ?? t.floor;
}

/** Where the next newer page starts after (null: the window reaches the newest message). */
export const newerAfter = (t: Timeline): number | null => t.ceiling;

/** The highest rev among messages (where the first page leaves the room's changes). */
export const maxRev = (messages: readonly Message[]) =>
  messages.reduce((max, m) => Math.max(max, m.rev), 0);

export const newestSeq = (t: Timeline) => t.messages.at(-1)?.seq ?? 0;
