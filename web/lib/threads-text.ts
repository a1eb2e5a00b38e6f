// Threads and pins in words: "3 replies", "last reply 5 min ago", "Pinned by Ana". Pure, so the
// tests read them without a browser.

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** "just now", "5 min ago", "3 h ago", "yesterday", "4 days ago", then the date. */
export function timeAgo(iso: string, now: Date): string {
  const at = new Date(iso);
  const ms = now.getTime() - at.getTime();
  if (Number.isNaN(ms)) return "";
  if (ms < MINUTE) return "just now";
  if (ms < HOUR) return `${Math.floor(ms / MINUTE)} min ago`;
  if (ms < DAY) return `${Math.floor(ms / HOUR)} h ago`;
  const today = new Date(now.getFullYear(), now.getMonth(), now.getDate());
  const that = new Date(at.getFullYear(), at.getMonth(), at.getDate());
  const days = Math.round((today.getTime() - that.getTime()) / DAY);
  if (days <= 1) return "yesterday";
  if (days < 7) return `${days} days ago`;
  return at.toLocaleDateString(undefined, {
    day: "numeric",
    month: "short",
    ...(at.getFullYear() === now.getFullYear() ? {} : { year: "numeric" }),
  });
}

export const repliesText = (n: number) =>
  `${n.toLocaleString("en")} ${n === 1 ? "reply" : "replies"}`;

/** Under a thread's root: "3 replies · last reply 5 min ago". */
export function threadSummaryText(replies: number, lastReplyAt: string, now: Date): string {
  return `${repliesText(replies)} · last reply ${timeAgo(lastReplyAt, now)}`;
}

/** The Threads view's unread count: "2 new". */
export const unreadRepliesText = (n: number) => `${n.toLocaleString("en")} new`;

/** Who pinned a message, by name when known: "Pinned by Ana", "Pinned by you". */
export function pinnedByText(by: string, meId: string, names: ReadonlyMap<string, string>): string {
  if (by === meId) return "Pinned by you";
  const name = names.get(by);
  return name ? `Pinned by ${name}` : "Pinned";
}
