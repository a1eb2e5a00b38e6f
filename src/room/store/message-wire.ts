// A room's rows as the protocol's messages: reactions and reply excerpts fetched once for a
// batch of rows, timestamps as ISO strings.
import type { Attachment, Message } from "../../../src/shared/protocol";
import type { MessageRow } from "./message-rows";

/** How much of a replied-to message a reply quotes. */
const EXCERPT_CHARS = 120;

type ReplyRow = {
  seq: number;
  sender_id: string;
  sender_handle: string;
  sender_name: string;
  body: string;
  deleted_at: number | null;
};

/** Rows → protocol messages, with reactions and reply excerpts fetched once for the batch. */
export function toMessages(
  sql: SqlStorage,
  roomId: string,
  rows: readonly MessageRow[],
): Message[] {
  if (rows.length === 0) return [];
  const seqs = JSON.stringify(rows.map((r) => r.seq));
  const reactions = new Map<number, Map<string, string[]>>();
  for (const r of sql
    .exec<{ seq: number; emoji: string; user_id: string }>(
      "SELECT seq, emoji, user_id FROM reactions WHERE seq IN (SELECT value FROM json_each(?)) ORDER BY seq, at",
      seqs,
    )
    .toArray()) {
    const byEmoji = reactions.get(r.seq) ?? new Map<string, string[]>();
    byEmoji.set(r.emoji, [...(byEmoji.get(r.emoji) ?? []), r.user_id]);
    reactions.set(r.seq, byEmoji);
  }
  const replyIds = JSON.stringify([
    ...new Set(rows.flatMap((r) => (r.reply_to ? [r.reply_to] : []))),
  ]);
  const replies = new Map<number, ReplyRow>();
  if (replyIds !== "[]") {
    for (const r of sql
      .exec<ReplyRow>(
        "SELECT seq, sender_id, sender_handle, sender_name, body, deleted_at FROM messages WHERE seq IN (SELECT value FROM json_each(?))",
        replyIds,
      )
      .toArray()) {
      replies.set(r.seq, r);
    }
  }
  return rows.map((row) => {
    const reply = row.reply_to ? replies.get(row.reply_to) : undefined;
    return {
      seq: row.seq,
      rev: row.rev,
      roomId,
      sender: { id: row.sender_id, handle: row.sender_handle, name: row.sender_name },
      body: row.body,
      createdAt: new Date(row.created_at).toISOString(),
      editedAt: row.edited_at == null ? null : new Date(row.edited_at).toISOString(),
      deleted: row.deleted_at != null,
      replyTo: row.reply_to
        ? {
            seq: row.reply_to,
            sender: reply
              ? { id: reply.sender_id, handle: reply.sender_handle, name: reply.sender_name }
              : { id: "", handle: "", name: "" },
            excerpt:
              reply && reply.deleted_at == null
                ? [...reply.body].slice(0, EXCERPT_CHARS).join("")
                : "",
          }
        : null,
      reactions: [...(reactions.get(row.seq) ?? new Map<string, string[]>())].map(
        ([emoji, userIds]) => ({
          emoji,
          count: userIds.length,
          userIds,
        }),
      ),
      mentions: JSON.parse(row.mentions_json) as string[],
      attachments: JSON.parse(row.attachments_json) as Attachment[],
      threadOf: row.thread_of,
      thread:
        row.reply_count > 0 && row.last_reply_at !== null
          ? {
              replies: row.reply_count,
              lastReplyAt: new Date(row.last_reply_at).toISOString(),
              lastRepliers: JSON.parse(row.last_repliers_json) as string[],
            }
          : null,
      pinned:
        row.pinned_by !== null && row.pinned_at !== null
          ? { by: row.pinned_by, at: new Date(row.pinned_at).toISOString() }
          : null,
    };
  });
}
