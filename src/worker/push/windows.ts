// Coalescing (docs/api.md): one push per user per room at most every PUSH_WINDOW_MS. A message
// inside a user's window is folded into the window's end, which sends the newest one and says
// how many are new. The windows are rows in D1, so every consumer isolate sees the same ones;
// two batches racing for one user may both send, which costs a second push, never a lost one.
import { and, eq, inArray, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { pushWindows } from "../../db/schema";
import type { MessagePayload } from "../../realtime/push-jobs";

export const PUSH_WINDOW_MS = 10_000;

export type WindowDecision =
  /** Send now, standing for `count` new messages (what was folded before included). */
  | { send: true; payload: MessagePayload }
  /** Folded into the window's end; `flushAt` when a window job must be queued for it. */
  | { send: false; flushAt: number | null };

type WindowRow = typeof pushWindows.$inferSelect;

/** Decides, for each user, whether their newest payload goes now or waits for the window's end. */
export async function foldIntoWindows(
  db: Db,
  roomId: string,
  payloads: ReadonlyMap<string, MessagePayload>,
  now: number,
): Promise<Map<string, WindowDecision>> {
  const decisions = new Map<string, WindowDecision>();
  if (payloads.size === 0) return decisions;
  const rows = await db
    .select()
    .from(pushWindows)
    .where(and(eq(pushWindows.roomId, roomId), inArray(pushWindows.userId, [...payloads.keys()])));
  const windows = new Map(rows.map((r) => [r.userId, r]));
  const writes = [];
  for (const [userId, payload] of payloads) {
    const window = windows.get(userId);
    if (!window || now - window.lastPushAt >= PUSH_WINDOW_MS) {
      // What an overdue window job has not sent yet goes with this one.
      const folded = window ? foldedPayload(window) : null;
      const merged = folded ? merge(folded, payload) : payload;
      decisions.set(userId, { send: true, payload: merged });
      writes.push(
        db
          .insert(pushWindows)
          .values({ userId, roomId, lastPushAt: now, pending: 0, pendingPayload: null })
          .onConflictDoUpdate({
            target: [pushWindows.userId, pushWindows.roomId],
            set: { lastPushAt: now, pending: 0, pendingPayload: null },
          }),
      );
      continue;
    }
    const folded = foldedPayload(window);
    const merged = folded ? merge(folded, payload) : payload;
    decisions.set(userId, {
      send: false,
      flushAt: window.flushQueued ? null : window.lastPushAt + PUSH_WINDOW_MS,
    });
    writes.push(
      db
        .update(pushWindows)
        .set({ pending: merged.count, pendingPayload: JSON.stringify(merged), flushQueued: true })
        .where(and(eq(pushWindows.userId, userId), eq(pushWindows.roomId, roomId))),
    );
  }
  const [first, ...rest] = writes;
  if (first) await db.batch([first, ...rest]);
  return decisions;
}

/**
 * A window's end: takes what was folded into it (clearing it), or null when nothing was. The
 * caller sends it only if the user is still away; either way the window is spent.
 */
export async function takeFolded(
  db: Db,
  roomId: string,
  userId: string,
  now: number,
): Promise<MessagePayload | null> {
  const where = and(eq(pushWindows.userId, userId), eq(pushWindows.roomId, roomId));
  // One D1 batch is one transaction: what is read is exactly what is cleared.
  const [rows] = await db.batch([
    db.select().from(pushWindows).where(where),
    db
      .update(pushWindows)
      .set({
        pending: 0,
        pendingPayload: null,
        flushQueued: false,
        lastPushAt: sql`CASE WHEN ${pushWindows.pending} > 0 THEN ${now} ELSE ${pushWindows.lastPushAt} END`,
      })
      .where(where),
  ]);
  const window = rows[0];
  return window ? foldedPayload(window) : null;
}

function foldedPayload(window: WindowRow): MessagePayload | null {
  return window.pending > 0 && window.pendingPayload
    ? (JSON.parse(window.pendingPayload) as MessagePayload)
    : null;
}

/** The newer payload, standing for both counts; a mention in either makes it a mention. */
function merge(older: MessagePayload, newer: MessagePayload): MessagePayload {
  return {
    ...newer,
    count: older.count + newer.count,
    mention: older.mention || newer.mention,
  };
}
