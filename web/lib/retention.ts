// How long a room keeps its messages, in words: "Messages here are kept for 3 days, at most
// 1,000 messages", and whether a trim the room announced follows from the policy we know.
import type { RoomDetails } from "../../src/shared/api";
import type { Message } from "../../src/shared/protocol";

export type RetentionInForce = RoomDetails["retention"];

const DAY_MS = 86_400_000;
/** Clocks differ: a message this much younger than the age limit still counts as expired. */
const CLOCK_SLACK_MS = 60_000;

const count = (n: number) => n.toLocaleString("en");
const plural = (n: number, one: string) => `${count(n)} ${one}${n === 1 ? "" : "s"}`;
/** One decimal at most, none when it is whole: 1.5, 3, 0.3. */
const round1 = (n: number) => Math.round(n * 10) / 10;

/** "90 days", "1.5 days", "12 hours", "30 minutes". */
export function formatDays(days: number): string {
  if (days >= 1) return plural(round1(days), "day");
  const hours = days * 24;
  if (hours >= 1) return plural(round1(hours), "hour");
  return plural(Math.max(1, Math.round(hours * 60)), "minute");
}

/** "512 bytes", "56 KB", "1.5 MB" (powers of 1,024). */
export function formatBytes(bytes: number): string {
  const units = ["KB", "MB", "GB", "TB"];
  if (bytes < 1024) return plural(bytes, "byte");
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${count(value < 10 ? round1(value) : Math.round(value))} ${units[unit]}`;
}

/** The line every member sees: "Messages here are kept for 3 days, at most 1,000 messages." */
export function keptText(policy: RetentionInForce): string {
  let text = `Messages here are kept for ${formatDays(policy.maxAgeDays)}`;
  if (policy.maxMessages !== null) text += `, at most ${plural(policy.maxMessages, "message")}`;
  if (policy.maxBytes !== null) text += `, up to ${formatBytes(policy.maxBytes)}`;
  return `${text}.`;
}

/**
 * Whether the policy we know accounts for messages the room just trimmed: a count or size
 * limit can take any message, an age limit only old ones. If not, the policy has changed.
 */
export function trimExplained(
  policy: RetentionInForce,
  removed: readonly Message[],
  now: number,
): boolean {
  if (policy.maxMessages !== null || policy.maxBytes !== null) return true;
  const oldest = now - policy.maxAgeDays * DAY_MS + CLOCK_SLACK_MS;
  return removed.every((m) => Date.parse(m.createdAt) <= oldest);
}
