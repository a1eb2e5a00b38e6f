// The scheduler's "sync" task: drains the outbox into D1 a batch at a time, backs off while D1
// fails, and tells the open inboxes of affected members what changed. Its bookkeeping lives in
// the room's meta so an operator (GET /api/admin/rooms/:id/sync) can see whether it is healthy.

import type { InboxRoomFrame } from "../../src/shared/protocol";
import { inBatches } from "../realtime/batches";
import type { RoomStore } from "./store";
import { flushToD1, type MemberCounts } from "./sync";

/** Outbox rows per D1 batch: keeps each batch well inside D1's statement size. */
export const SYNC_BATCH_ROWS = 200;
const FIRST_RETRY_MS = 1_000;
const MAX_RETRY_MS = 60_000;

export interface SyncStatus {
  /** Outbox rows D1 has not taken yet. */
  pending: number;
  /** Failed flushes in a row; 0 when healthy. */
  attempts: number;
  nextAttemptAt: string | null;
  lastError: string | null;
  flushes: number;
  /** D1 rows written by this room's flushes since it was created. */
  rowsWritten: number;
  lastFlushAt: string | null;
  /** Members whose inbox is open: the only ones a flush notifies. */
  subscribers: number;
  /** Inboxes told about the last flush. */
  notified: number;
}

interface SyncStats {
  attempts: number;
  lastError: string | null;
  flushes: number;
  rowsWritten: number;
  lastFlushAt: number | null;
  notified: number;
}

const NO_STATS: SyncStats = {
  attempts: 0,
  lastError: null,
  flushes: 0,
  rowsWritten: 0,
  lastFlushAt: null,
  notified: 0,
};

export interface SyncContext {
  store: RoomStore;
  roomId: string | null;
  /** Looked up at each flush: D1 is the boundary that may fail. */
  db: () => D1Database;
  /** Sends a room frame to a member's inbox; false when it has no open socket. */
  notifyInbox: (userId: string, frame: InboxRoomFrame) => Promise<boolean>;
  /** An inbox socket got the room's counts up to `seq` (a delivery mark). */
  delivered: (userId: string, seq: number) => void;
  delayMs: number;
}

/** Runs one flush; returns when the task should run again, or null when the outbox is empty. */
export async function syncToD1(ctx: SyncContext): Promise<number | null> {
  const { store } = ctx;
  const stats = store.getMeta<SyncStats>("sync") ?? NO_STATS;
  const entries = store.outbox.pending(SYNC_BATCH_ROWS);
  if (entries.rows.length === 0 || ctx.roomId === null) return null;
  // Deletions and mentions that retention has since removed are of no use to D1 any more.
  const floor = store.firstSeq();
  entries.deletedSeqs = entries.deletedSeqs.filter((seq) => seq >= floor);
  entries.mentions = entries.mentions.filter((m) => m.seq >= floor);
  entries.replies = entries.replies.filter((r) => r.seq >= floor);

  // Room-wide changes concern every open inbox; read marks only their readers'.
  const subscribers = store.subscribers.all();
  const roomWide =
    entries.summary !== null ||
    entries.deletedSeqs.length > 0 ||
    entries.mentions.length > 0 ||
    entries.replies.length > 0 ||
    entries.threads.length > 0;
  const readers = new Set([
    ...entries.readMarks.map((m) => m.userId),
    ...entries.follows.map((f) => f.userId),
  ]);
  const audience = roomWide ? subscribers : subscribers.filter((id) => readers.has(id));

  let flushed: Awaited<ReturnType<typeof flushToD1>>;
  try {
    flushed = await flushToD1(ctx.db(), ctx.roomId, entries, audience);
  } catch (error) {
    const attempts = stats.attempts + 1;
    store.setMeta("sync", { ...stats, attempts, lastError: errorText(error) });
    console.error(`room ${ctx.roomId}: D1 sync failed (attempt ${attempts})`, error);
    return Date.now() + Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** (attempts - 1));
  }
  store.outbox.settle(entries);

  const stillMembers = new Set(flushed.counts.map((c) => c.userId));
  const closed = await notifyAll(ctx, flushed.counts);
  store.subscribers.remove([...audience.filter((id) => !stillMembers.has(id)), ...closed]);
  store.setMeta("sync", {
    attempts: 0,
    lastError: null,
    flushes: stats.flushes + 1,
    rowsWritten: stats.rowsWritten + flushed.rowsWritten,
    lastFlushAt: Date.now(),
    notified: flushed.counts.length - closed.length,
  } satisfies SyncStats);

  if (store.outbox.size() === 0) return null;
  // A backlog (after an outage) drains at once; rows written during this flush wait their turn.
  return Date.now() + (entries.rows.length >= SYNC_BATCH_ROWS ? 0 : ctx.delayMs);
}

export function syncStatus(store: RoomStore, nextAttemptAt: number | null): SyncStatus {
  const stats = store.getMeta<SyncStats>("sync") ?? NO_STATS;
  return {
    pending: store.outbox.size(),
    attempts: stats.attempts,
    nextAttemptAt: nextAttemptAt === null ? null : new Date(nextAttemptAt).toISOString(),
    lastError: stats.lastError,
    flushes: stats.flushes,
    rowsWritten: stats.rowsWritten,
    lastFlushAt: stats.lastFlushAt === null ? null : new Date(stats.lastFlushAt).toISOString(),
    subscribers: store.subscribers.all().length,
    notified: stats.notified,
  };
}

/** Tells each member's inbox; returns the members whose inbox turned out to be closed. */
async function notifyAll(ctx: SyncContext, counts: readonly MemberCounts[]): Promise<string[]> {
  const closed: string[] = [];
  await inBatches(counts, async (c) => {
    try {
      if (await ctx.notifyInbox(c.userId, roomFrame(ctx.roomId ?? "", c))) {
        ctx.delivered(c.userId, c.lastSeq);
      } else {
        closed.push(c.userId);
      }
    } catch (error) {
      // The next activity in the room tells this inbox again; nothing is lost in D1.
      console.error(`inbox of ${c.userId} not reached`, error);
    }
  });
  return closed;
}

const roomFrame = (roomId: string, c: MemberCounts): InboxRoomFrame => ({
  type: "room",
  roomId,
  lastSeq: c.lastSeq,
  unread: c.unread,
  mentions: c.mentions,
  threads: c.threads,
  lastPreview: c.lastPreview,
  lastSenderId: c.lastSenderId,
  lastMessageAt: c.lastMessageAt === null ? null : new Date(c.lastMessageAt).toISOString(),
  lastReadSeq: c.lastReadSeq,
});

function errorText(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).slice(0, 500);
}
