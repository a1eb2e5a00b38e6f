// Exact sliding-window limits over D1: one `rate_events` row per counted event, so "at most
// `max` in any `ms`" holds to the millisecond, and a check is one indexed query.

import type { Window } from "../config/env";
import type { Db } from "../db/client";
import { rateEvents } from "../db/schema";
import { ApiError } from "./errors";

export type { Window };

const keysOf = (window: Window, subjects: readonly string[]) =>
  subjects.map((subject) => `${window.name}:${subject}`);

/**
 * When every full key among these has a free slot again, or null when none is full. A key is
 * full when it holds `max` events in the window; a slot frees when its `max`-th newest event
 * ages out (the oldest, unless a race or a lowered limit left more than `max`).
 */
async function freesAt(db: Db, window: Window, keys: string[], now: number) {
  const { results } = await db.$client
    .prepare(
      `SELECT max(at) AS at FROM (
         SELECT at, row_number() OVER (PARTITION BY key ORDER BY at DESC) AS newest
         FROM rate_events
         WHERE key IN (SELECT value FROM json_each(?1)) AND at > ?2
       ) WHERE newest = ?3`,
    )
    .bind(JSON.stringify(keys), now - window.ms, window.max)
    .all<{ at: number | null }>();
  const at = results[0]?.at;
  return at == null ? null : at + window.ms;
}

function limited(message: string, until: number, now: number): ApiError {
  const retryAfter = Math.max(1, Math.ceil((until - now) / 1000));
  return new ApiError("rate_limited", message, undefined, retryAfter);
}

/**
 * Throws 429 (`Retry-After`: seconds until a slot frees) when any subject's window is full.
 * Pair it with `recordEvent` in the batch of the action, for limits that count only what
 * succeeded; two requests racing past the check can each record, overshooting by the race.
 */
export async function assertBelowLimit(
  db: Db,
  window: Window,
  subjects: readonly string[],
  message: string,
  now = Date.now(),
): Promise<void> {
  const until = await freesAt(db, window, keysOf(window, subjects), now);
  if (until !== null) throw limited(message, until, now);
}

/** The statement counting one event for each subject: put it in the same batch as the action. */
export const recordEvent = (
  db: Db,
  window: Window,
  subjects: readonly string[],
  now = Date.now(),
) => db.insert(rateEvents).values(keysOf(window, subjects).map((key) => ({ key, at: now })));

/**
 * Checks and counts one event in a single statement (the insert happens only below the limit,
 * so concurrent requests cannot overshoot), or throws 429. For limits that count attempts.
 */
export async function takeSlot(
  db: Db,
  window: Window,
  subject: string,
  message: string,
  now = Date.now(),
): Promise<void> {
  const [key = ""] = keysOf(window, [subject]);
  const { meta } = await db.$client
    .prepare(
      `INSERT INTO rate_events (key, at)
       SELECT ?1, ?2
       WHERE (SELECT count(*) FROM rate_events WHERE key = ?1 AND at > ?3) < ?4`,
    )
    .bind(key, now, now - window.ms, window.max)
    .run();
  if (meta.changes > 0) return;
  // Refused: one more query, on this path only, for Retry-After.
  throw limited(message, (await freesAt(db, window, [key], now)) ?? now, now);
}

/** Events older than every window count for nothing: the purge may drop them. */
export const longestWindowMs = (windows: Iterable<Window>) =>
  Math.max(0, ...[...windows].map((w) => w.ms));
