// Threads in D1: who follows which thread and how far they have read it (the room reports
// replies, summaries and the follows that come of replying through its outbox), and my followed
// threads for the Threads view.
import { sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { threadFollows } from "../../db/schema";

/** Follows or unfollows by choice; later than anything the room reports from before it. */
export async function setFollowing(
  db: Db,
  target: { roomId: string; rootSeq: number; userId: string },
  following: boolean,
  now: number,
): Promise<void> {
  await db
    .insert(threadFollows)
    .values({ ...target, following, lastReadSeq: 0, changedAt: now })
    .onConflictDoUpdate({
      target: [threadFollows.roomId, threadFollows.rootSeq, threadFollows.userId],
      set: { following, changedAt: sql`max(${threadFollows.changedAt}, ${now})` },
    });
}

/**
 * Moves my read mark in a thread forward (never back; the caller clamps `seq` to the room's
 * last seq); it counts for mentions there whether I follow the thread or not. Answers the mark.
 */
export async function markThreadRead(
  db: Db,
  target: { roomId: string; rootSeq: number; userId: string },
  seq: number,
): Promise<number> {
  const [row] = await db
    .insert(threadFollows)
    .values({
      ...target,
      following: false,
      lastReadSeq: seq,
      changedAt: 0,
    })
    .onConflictDoUpdate({
      target: [threadFollows.roomId, threadFollows.rootSeq, threadFollows.userId],
      set: {
        lastReadSeq: sql`max(${threadFollows.lastReadSeq}, ${seq})`,
      },
    })
    .returning({ seq: threadFollows.lastReadSeq });
  return row?.seq ?? 0;
}

export interface FollowedThread {
  roomId: string;
  rootSeq: number;
  replies: number;
  lastReplyAt: number;
  lastReplySeq: number;
  rootSenderId: string;
  rootSenderName: string;
  rootExcerpt: string;
  lastReadSeq: number;
  unread: number;
}

/**
 * The threads I follow in rooms I am still in, those with unread replies first, then by their
 * last reply; `unread` counts others' replies above my thread read mark that are not deleted.
 */
export async function myThreads(
  db: Db,
  userId: string,
  limit: number,
  workspaceId: string | null = null,
): Promise<FollowedThread[]> {
  const { results } = await db.$client
    .prepare(
      `SELECT t.room_id, t.root_seq, t.reply_count, t.last_reply_at, t.last_reply_seq,
         t.root_sender_id, t.root_sender_name, t.root_excerpt, f.last_read_seq,
         (SELECT count(*) FROM thread_replies tr
           WHERE tr.room_id = f.room_id AND tr.root_seq = f.root_seq
             AND tr.seq > max(f.last_read_seq, r.first_seq - 1) AND tr.sender_id <> f.user_id
             AND NOT EXISTS (SELECT 1 FROM deleted_messages d
                             WHERE d.room_id = tr.room_id AND d.seq = tr.seq)) AS unread
       FROM thread_follows f
       JOIN threads t ON t.room_id = f.room_id AND t.root_seq = f.root_seq
       JOIN rooms r ON r.id = f.room_id
       JOIN memberships m ON m.room_id = f.room_id AND m.user_id = f.user_id
       WHERE f.user_id = ?1 AND f.following = 1 AND (?3 IS NULL OR r.workspace_id = ?3)
       ORDER BY (unread > 0) DESC, t.last_reply_at DESC
       LIMIT ?2`,
    )
    .bind(userId, limit, workspaceId)
    .all<{
      room_id: string;
      root_seq: number;
      reply_count: number;
      last_reply_at: number;
      last_reply_seq: number;
      root_sender_id: string;
      root_sender_name: string;
      root_excerpt: string;
      last_read_seq: number;
      unread: number;
    }>();
  return results.map((r) => ({
    roomId: r.room_id,
    rootSeq: r.root_seq,
    replies: r.reply_count,
    lastReplyAt: r.last_reply_at,
    lastReplySeq: r.last_reply_seq,
    rootSenderId: r.root_sender_id,
    rootSenderName: r.root_sender_name,
    rootExcerpt: r.root_excerpt,
    lastReadSeq: r.last_read_seq,
    unread: r.unread,
  }));
}
