// Coalescing (docs/api.md): one push per user per room at most every PUSH_WINDOW_MS. A message
// inside a user's window is folded into the window's end, which sends the newest one and says
// how many are new. The windows are rows in D1 and each fold is one D1 batch (one transaction,
// whatever the number of people): consumers running side by side never both send in a window,
// and no count is lost. The people travel as one JSON parameter (json_each), not bound one by
// one, so a room of thousands fits one statement.
import { and, eq, sql } from "drizzle-orm";
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

// Reads the windows as they are before this fold (the batch's first statement).
const WINDOWS_SQL = `
  SELECT * FROM push_windows
  WHERE room_id = ?1 AND user_id IN (SELECT json_extract(value, '$.userId') FROM json_each(?2))`;

// A window that is over (or none yet) is claimed: the push goes now.
const CLAIM_SQL = `
  INSERT INTO push_windows (user_id, room_id, last_push_at, pending, pending_payload, flush_queued)
  SELECT json_extract(value, '$.userId'), ?1, ?3, 0, NULL, 0 FROM json_each(?2) WHERE true
  ON CONFLICT (user_id, room_id) DO UPDATE SET
    last_push_at = excluded.last_push_at, pending = 0, pending_payload = NULL
  WHERE push_windows.last_push_at <= ?3 - ?4`;

// The rest fold in: the newest payload, the count added up, a mention kept.
const FOLD_SQL = `
  UPDATE push_windows SET
    pending = pending + json_extract(j.value, '$.payload.count'),
    pending_payload = json_set(json_extract(j.value, '$.payload'),
      '$.count', pending + json_extract(j.value, '$.payload.count'),
      '$.mention', json(CASE WHEN json_extract(j.value, '$.payload.mention')
        OR coalesce(json_extract(pending_payload, '$.mention'), 0) THEN 'true' ELSE 'false' END)),
    flush_queued = 1
  FROM json_each(?2) AS j
  WHERE push_windows.room_id = ?1 AND push_windows.user_id = json_extract(j.value, '$.userId')
    AND push_windows.last_push_at <> ?3`;

/** Decides, for each user, whether their newest payload goes now or waits for the window's end. */
export async function foldIntoWindows(
  db: Db,
  roomId: string,
  payloads: ReadonlyMap<string, MessagePayload>,
  now: number,
): Promise<Map<string, WindowDecision>> {
  const decisions = new Map<string, WindowDecision>();
  if (payloads.size === 0) return decisions;
  const d1 = db.$client;
  const json = JSON.stringify([...payloads].map(([userId, payload]) => ({ userId, payload })));
  const [before] = await d1.batch([
    d1.prepare(WINDOWS_SQL).bind(roomId, json),
    d1.prepare(CLAIM_SQL).bind(roomId, json, now, PUSH_WINDOW_MS),
    d1.prepare(FOLD_SQL).bind(roomId, json, now),
  ]);
  // The same rule the claim applied, on the state it saw (the batch is one transaction).
  const windows = new Map(
    ((before?.results ?? []) as Array<Record<string, unknown>>).map((r) => [
      r.user_id as string,
      {
        lastPushAt: r.last_push_at as number,
        pending: r.pending as number,
        pendingPayload: r.pending_payload as string | null,
        flushQueued: r.flush_queued === 1,
      },
    ]),
  );
  for (const [userId, payload] of payloads) {
    const window = windows.get(userId);
    if (!window || now - window.lastPushAt >= PUSH_WINDOW_MS) {
      // What an overdue window job has not sent yet goes with this one.
      const folded = window ? foldedPayload(window) : null;
      decisions.set(userId, { send: true, payload: folded ? merge(folded, payload) : payload });
    } else {
      decisions.set(userId, {
        send: false,
        flushAt: window.flushQueued ? null : window.lastPushAt + PUSH_WINDOW_MS,
      });
    }
  }
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

function foldedPayload(
  window: Pick<WindowRow, "pending" | "pendingPayload">,
): MessagePayload | null {
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
