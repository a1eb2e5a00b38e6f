// Retention (docs/api.md, Retention): a room keeps its messages for `maxAgeDays`, at most `maxMessages` and
// at most `maxBytes` of bodies, whichever bites first. Messages go oldest first, in seq order:
// the policy names a boundary seq and everything at or below it goes, in bounded batches, so a
// room never stalls behind a purge. Preview, run and the alarm share the one boundary.

import type { RetentionPolicy } from "../../src/shared/api";
import type { RetentionDefaults } from "../config/env";

export type { RetentionDefaults };

import type { PurgeRange, RoomStore } from "./store";

export interface EffectiveRetention {
  maxAgeDays: number;
  maxMessages: number | null;
  maxBytes: number | null;
}

const DAY_MS = 86_400_000;
/** Messages deleted per batch: one short transaction, then live traffic gets its turn. */
export const PURGE_BATCH = 500;

export const NOTHING: PurgeRange = { messages: 0, bytes: 0, fromSeq: null, toSeq: null };

/** The policy in force: the room's own fields, the instance defaults for the rest. */
export function effectiveRetention(
  policy: RetentionPolicy | null,
  ephemeral: boolean,
  defaults: RetentionDefaults,
): EffectiveRetention {
  return {
    maxAgeDays: policy?.maxAgeDays ?? (ephemeral ? defaults.ephemeralDays : defaults.days),
    maxMessages: policy?.maxMessages ?? null,
    maxBytes: policy?.maxBytes ?? null,
  };
}

/** The highest seq the policy removes at `now` (everything at or below it goes), or 0. */
export function purgeBoundary(store: RoomStore, policy: EffectiveRetention, now: number): number {
  const stored = store.retained.storedRange();
  if (!stored) return 0;
  let boundary = store.retained.newestSeqBefore(now - policy.maxAgeDays * DAY_MS);
  if (policy.maxMessages !== null && stored.count > policy.maxMessages) {
    boundary = Math.max(boundary, stored.first + (stored.count - policy.maxMessages) - 1);
  }
  if (policy.maxBytes !== null) {
    const excess = store.retained.storedBytes() - policy.maxBytes;
    if (excess > 0) boundary = Math.max(boundary, store.retained.seqCoveringBytes(excess));
  }
  return boundary;
}

/** What the policy would delete now, without deleting anything. */
export function previewPurge(store: RoomStore, policy: EffectiveRetention, now: number) {
  const boundary = purgeBoundary(store, policy, now);
  return boundary === 0 ? NOTHING : store.retained.rangeThrough(boundary);
}

/** One bounded batch toward `throughSeq`, in one transaction; reports what it deleted. */
export function purgeBatch(store: RoomStore, throughSeq: number): PurgeRange {
  return store.atomically(() => {
    const deleted = store.retained.purge(throughSeq, PURGE_BATCH);
    if (deleted.messages > 0) store.outbox.summary(store.summary());
    return deleted;
  });
}

/** When retention must run next: now if anything is due, else when the oldest message expires. */
export function nextRetentionAt(
  store: RoomStore,
  policy: EffectiveRetention,
  now: number,
): number | null {
  const oldest = store.retained.oldestCreatedAt();
  if (oldest === null) return null;
  if (purgeBoundary(store, policy, now) > 0) return now;
  return oldest + Math.ceil(policy.maxAgeDays * DAY_MS) + 1;
}

export function addRanges(a: PurgeRange, b: PurgeRange): PurgeRange {
  return {
    messages: a.messages + b.messages,
    bytes: a.bytes + b.bytes,
    fromSeq: a.fromSeq ?? b.fromSeq,
    toSeq: b.toSeq ?? a.toSeq,
  };
}
