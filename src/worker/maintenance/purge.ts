// Deletes what has expired from D1, in bounded batches, when the Cron Trigger fires.

import type { Config } from "../../config/env";
import { longestWindowMs } from "../sliding-window";

/** Rows per DELETE: one statement stays short, whatever the backlog. */
export const PURGE_BATCH_ROWS = 500;
/**
 * DELETEs per kind per run: at most 10,000 rows of each kind every 15 minutes. A larger backlog
 * (e.g. the first run after a long outage) shrinks run by run instead of making one unbounded.
 */
export const PURGE_MAX_BATCHES = 20;

interface Purge {
  name: string;
  /** Deletes at most ?2 rows; ?1 is the cutoff, in ms since the epoch. */
  sql: string;
  cutoff: number;
}

function purges(config: Config, now: number): Purge[] {
  return [
    {
      name: "sessions",
      sql: `DELETE FROM sessions WHERE token_hash IN
              (SELECT token_hash FROM sessions WHERE expires_at <= ?1 LIMIT ?2)`,
      cutoff: now,
    },
    {
      name: "wsTickets",
      sql: `DELETE FROM ws_tickets WHERE token_hash IN
              (SELECT token_hash FROM ws_tickets WHERE expires_at <= ?1 LIMIT ?2)`,
      cutoff: now,
    },
    {
      // After sessions, so the rows of sessions that just expired go in the same run. They point
      // logout and disabling at rooms an admin watched; with the credential dead (expired
      // session, revoked API token) nothing will end through them any more.
      name: "adminSockets",
      sql: `DELETE FROM admin_sockets WHERE rowid IN
              (SELECT a.rowid FROM admin_sockets a
               WHERE NOT EXISTS (SELECT 1 FROM sessions s
                                 WHERE s.token_hash = a.session_hash AND s.expires_at > ?1)
                 AND NOT EXISTS (SELECT 1 FROM api_tokens t
                                 WHERE t.token_hash = a.session_hash AND t.revoked_at IS NULL)
               LIMIT ?2)`,
      cutoff: now,
    },
    {
      // One-time password links past their 24 h (used ones are deleted when used).
      name: "passwordTokens",
      sql: `DELETE FROM password_tokens WHERE token_hash IN
              (SELECT token_hash FROM password_tokens WHERE expires_at <= ?1 LIMIT ?2)`,
      cutoff: now,
    },
    {
      // One cutoff for every limit: a row older than the longest window is past its own, and
      // the (at) index lets this read only such rows.
      name: "rateEvents",
      sql: `DELETE FROM rate_events WHERE rowid IN
              (SELECT rowid FROM rate_events WHERE at <= ?1 LIMIT ?2)`,
      cutoff: now - longestWindowMs(Object.values(config.windows)),
    },
  ];
}

export interface PurgeReport {
  /** Rows deleted, per kind. */
  deleted: Record<string, number>;
  /** Kinds that hit PURGE_MAX_BATCHES: more is left for the next run. */
  unfinished: string[];
}

export async function purgeExpired(
  d1: D1Database,
  config: Config,
  now = Date.now(),
): Promise<PurgeReport> {
  const report: PurgeReport = { deleted: {}, unfinished: [] };
  for (const purge of purges(config, now)) {
    const statement = d1.prepare(purge.sql).bind(purge.cutoff, PURGE_BATCH_ROWS);
    let deleted = 0;
    let batches = 0;
    let changes = PURGE_BATCH_ROWS;
    while (changes === PURGE_BATCH_ROWS && batches < PURGE_MAX_BATCHES) {
      changes = (await statement.run()).meta.changes;
      deleted += changes;
      batches++;
    }
    report.deleted[purge.name] = deleted;
    if (changes === PURGE_BATCH_ROWS) report.unfinished.push(purge.name);
  }
  return report;
}
