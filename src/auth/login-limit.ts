// Failed sign-ins are limited per handle and per client IP over a sliding window; successful
// ones never count. One row per failure keeps the window exact and the check a single query.
import { and, count, gt, inArray, lte, min } from "drizzle-orm";
import type { Db } from "../db/client";
import { loginFailures } from "../db/schema";
import type { Config } from "../env";
import { ApiError } from "../errors";

export const failureKeys = (handle: string, ip: string) => [`handle:${handle}`, `ip:${ip}`];

/** Throws 429 with the seconds until the oldest failure in the window ages out. */
export async function assertLoginAllowed(db: Db, config: Config, keys: string[]): Promise<void> {
  const since = Date.now() - config.loginWindowMs;
  const rows = await db
    .select({ key: loginFailures.key, failures: count(), oldest: min(loginFailures.at) })
    .from(loginFailures)
    .where(and(inArray(loginFailures.key, keys), gt(loginFailures.at, since)))
    .groupBy(loginFailures.key)
    .all();
  const blocked = rows.filter((r) => r.failures >= config.loginMaxFailures);
  if (blocked.length === 0) return;
  const until = Math.max(...blocked.map((r) => (r.oldest ?? Date.now()) + config.loginWindowMs));
  const retryAfter = Math.max(1, Math.ceil((until - Date.now()) / 1000));
  throw new ApiError(
    "rate_limited",
    "Too many failed sign-ins; try again later",
    undefined,
    retryAfter,
  );
}

/** Statements that record one failure and drop the rows that left the window. */
export function recordLoginFailure(db: Db, config: Config, keys: string[]) {
  const now = Date.now();
  return [
    db
      .delete(loginFailures)
      .where(
        and(inArray(loginFailures.key, keys), lte(loginFailures.at, now - config.loginWindowMs)),
      ),
    db.insert(loginFailures).values(keys.map((key) => ({ key, at: now }))),
  ] as const;
}
