// Pure helpers over a room's messages: ordered upserts by seq (the newer rev wins) and the rows
// the message list draws (day separators, runs of one sender). No DOM, no signals.
import type { Message } from "../../src/shared/protocol";

/** Index of the first message whose seq is ≥ `seq` (binary search over ascending seqs). */
export function lowerBound(messages: readonly Message[], seq: number): number {
  let lo = 0;
  let hi = messages.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((messages[mid] as Message).seq < seq) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Merges incoming messages into an ascending list: by seq, keeping the higher rev; messages
 * below `floor` or above `ceiling` (outside the loaded contiguous range) are left out, so paging
 * later never skips a gap. Returns the same array when nothing changed.
 */
export function upsertMessages(
  current: readonly Message[],
  incoming: readonly Message[],
  floor: number,
  ceiling = Number.POSITIVE_INFINITY,
): Message[] {
  let next: Message[] | null = null;
  for (const message of incoming) {
    if (message.seq < floor || message.seq > ceiling) continue;
    const list: Message[] = next ?? (current as Message[]);
    const at = lowerBound(list, message.seq);
    const existing = list[at];
    if (existing && existing.seq === message.seq) {
      if (existing.rev >= message.rev) continue;
      next ??= current.slice();
      next[at] = message;
    } else {
      next ??= current.slice();
      next.splice(at, 0, message);
    }
  }
  return next ?? (current as Message[]);
}

/** What the list draws: a day heading, or a message with whether it opens a run of one sender. */
export type TimelineRow =
  | { kind: "day"; key: string; label: string }
  | { kind: "message"; key: string; message: Message; first: boolean }
  | { kind: "pending"; key: string; pending: PendingMessage };

export interface PendingMessage {
  cid: string;
  body: string;
  replyTo: number | null;
  /** A thread reply: the root's seq (the thread panel shows it, the main list does not). */
  threadOf?: number;
  createdAt: string;
  /** The uploads (keys in web/state/room/uploads.ts) it carries, in order; it waits for them. */
  files?: readonly string[];
  /** `queued` waits for a connection, `sending` is on the wire, `failed` was refused. */
  status: "queued" | "sending" | "failed";
  error?: string;
}

const RUN_GAP_MS = 5 * 60_000;

export function dayKey(date: Date): string {
  return `${date.getFullYear()}-${date.getMonth() + 1}-${date.getDate()}`;
}

/** "Today", "Yesterday", "Monday, 3 March" (this year) or "3 March 2025". */
export function dayLabel(date: Date, now: Date): string {
  const today = new Date(now.getFullYear(), now.getMonth(), now.getDate());
  const that = new Date(date.getFullYear(), date.getMonth(), date.getDate());
  const days = Math.round((today.getTime() - that.getTime()) / 86_400_000);
  if (days === 0) return "Today";
  if (days === 1) return "Yesterday";
  if (date.getFullYear() === now.getFullYear()) {
    return date.toLocaleDateString(undefined, { weekday: "long", day: "numeric", month: "long" });
  }
  return date.toLocaleDateString(undefined, { day: "numeric", month: "long", year: "numeric" });
}

export function timeLabel(date: Date): string {
  return date.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" });
}

export function timelineRows(
  messages: readonly Message[],
  pending: readonly PendingMessage[],
  now: Date,
): TimelineRow[] {
  const rows: TimelineRow[] = [];
  let lastDay = "";
  let previous: { senderId: string; at: number } | null = null;
  const addDay = (date: Date) => {
    const key = dayKey(date);
    if (key === lastDay) return false;
    lastDay = key;
    rows.push({ kind: "day", key: `day-${key}`, label: dayLabel(date, now) });
    return true;
  };
  for (const message of messages) {
    const date = new Date(message.createdAt);
    const newDay = addDay(date);
    const at = date.getTime();
    const first =
      newDay ||
      previous === null ||
      previous.senderId !== message.sender.id ||
      at - previous.at > RUN_GAP_MS ||
      message.replyTo !== null;
    rows.push({ kind: "message", key: `m${message.seq}`, message, first });
    previous = { senderId: message.sender.id, at };
  }
  for (const item of pending) {
    addDay(new Date(item.createdAt));
    rows.push({ kind: "pending", key: `p${item.cid}`, pending: item });
  }
  return rows;
}
