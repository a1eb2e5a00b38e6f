// A message as the room stores it: its row, the columns every read selects, what a send writes.
import type { Attachment, Sender } from "../../../src/shared/protocol";

export type MessageRow = {
  seq: number;
  rev: number;
  sender_id: string;
  sender_handle: string;
  sender_name: string;
  cid: string;
  body: string;
  reply_to: number | null;
  mentions_json: string;
  attachments_json: string;
  files_bytes: number;
  created_at: number;
  edited_at: number | null;
  deleted_at: number | null;
  thread_of: number | null;
  reply_count: number;
  last_reply_at: number | null;
  last_repliers_json: string;
  pinned_by: string | null;
  pinned_at: number | null;
};

export const COLUMNS =
  "seq, rev, sender_id, sender_handle, sender_name, cid, body, reply_to, mentions_json, attachments_json, files_bytes, created_at, edited_at, deleted_at, thread_of, reply_count, last_reply_at, last_repliers_json, pinned_by, pinned_at";

export interface NewMessage {
  sender: Sender;
  cid: string;
  body: string;
  replyTo: number | null;
  /** The thread's root, for a thread reply. */
  threadOf: number | null;
  mentions: string[];
  /** The files it carries, in order (their rows are claimed in the same transaction). */
  attachments: Attachment[];
  at: number;
}

/** UTF-8 length of a string without encoding it. */
export function utf8Bytes(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code < 0xdc00 && i + 1 < text.length) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}
