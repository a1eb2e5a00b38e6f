// The scheduler's "push" task: hands the room's new messages to the push queue, a batch per
// run, due with the D1 sync (ROOM_SYNC_DELAY_MS after a change, so a busy room hands over
// batches, not single messages). The room neither knows nor asks who is away, subscribed or muted — the consumer decides
// that off the room's thread — so a message costs the room the same whoever is offline, and a
// slow push service can never slow a send. `pushedSeq` (meta) is the last seq handed over.
import { messageExcerpt, PUSH_EXCERPT_CHARS } from "../../src/shared/protocol";
import type { PushJob, PushNotice } from "../realtime/push-jobs";
import type { MessageRow, RoomStore } from "./store";

/** Messages per queue message: far below its 128 KB with excerpts of ≤ 120 characters. */
const NOTICES_PER_JOB = 100;
const PUSHED_SEQ = "pushedSeq";

/** A room that has never handed anything over starts from now: no pushes for old messages. */
export function startPushes(store: RoomStore): void {
  if (store.getMeta<number>(PUSHED_SEQ) === null) store.setMeta(PUSHED_SEQ, store.lastSeq());
}

/** Whether messages are waiting to be handed over. */
export function pushesWaiting(store: RoomStore): boolean {
  return store.lastSeq() > (store.getMeta<number>(PUSHED_SEQ) ?? 0);
}

/** One hand-over; returns when to run again (more waiting), or null. */
export async function handOffPushes(
  store: RoomStore,
  roomId: string | null,
  queue: Queue,
): Promise<number | null> {
  const pushed = store.getMeta<number>(PUSHED_SEQ) ?? store.lastSeq();
  const rows = store.allAfter(pushed, NOTICES_PER_JOB);
  const last = rows.at(-1);
  if (!last || roomId === null) return null;
  const notices = rows.filter((r) => r.deleted_at === null).map(notice);
  if (notices.length > 0) {
    await queue.send({ type: "messages", roomId, notices } satisfies PushJob, {
      contentType: "json",
    });
  }
  store.setMeta(PUSHED_SEQ, last.seq);
  return rows.length === NOTICES_PER_JOB ? Date.now() : null;
}

function notice(row: MessageRow): PushNotice {
  return {
    seq: row.seq,
    senderId: row.sender_id,
    senderName: row.sender_name,
    excerpt: messageExcerpt(
      row.body,
      JSON.parse(row.attachments_json) as { name: string }[],
      PUSH_EXCERPT_CHARS,
    ),
    mentions: JSON.parse(row.mentions_json) as string[],
    threadOf: row.thread_of,
  };
}
