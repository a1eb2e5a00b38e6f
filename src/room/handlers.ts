// Room logic: what each operation does to a room's store, as plain functions. Transport (the
// Durable Object, WebSocket frames, RPC from the Worker) is elsewhere; these never see a socket.
import type { MemberRole, RetentionPolicy } from "../../src/shared/api";
import { canModerate } from "../../src/shared/permissions";
import {
  type Attachment,
  type FrameErrorCode,
  type Message,
  mentionedHandles,
  ROOM_ARCHIVED,
} from "../../src/shared/protocol";
import { dropBodyControls } from "../../src/shared/text";
import { type MessageRow, type RoomStore, toAttachment } from "./store";

export interface Actor {
  id: string;
  handle: string;
  name: string;
  /** Role in the room; null for an instance admin who is not a member. */
  role: MemberRole | null;
  isAdmin: boolean;
}

export interface RoomInfo {
  id: string;
  kind: "channel" | "private" | "dm";
  name: string | null;
  topic: string;
  archived: boolean;
  ephemeral: boolean;
  /** The room's own retention fields (null: instance defaults), from D1. */
  retention: RetentionPolicy | null;
}

export type Result<T> =
  | { ok: true; value: T }
  | { ok: false; code: FrameErrorCode; message: string; retryAfterMs?: number };

const ok = <T>(value: T): Result<T> => ({ ok: true, value });
const fail = <T>(code: FrameErrorCode, message: string): Result<T> => ({
  ok: false,
  code,
  message,
});

/** Distinct emoji one message can collect; beyond it a new kind is refused. */
export const MAX_EMOJI_KINDS = 20;

export interface SendInput {
  cid: string;
  body: string;
  replyTo?: number | undefined;
  /** User ids of room members the body mentions, resolved by the caller. */
  mentions: string[];
  /** Ids of the sender's uploads in this room, in order (unique, ≤ 10: the frame says so). */
  attachments?: string[] | undefined;
}

const sameIds = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && a.every((id, i) => id === b[i]);

/** The files a send may take: the sender's own finished uploads in this room, not yet sent. */
function claimable(
  store: RoomStore,
  room: RoomInfo,
  actor: Actor,
  ids: readonly string[],
): Result<Attachment[]> {
  const out: Attachment[] = [];
  for (const id of ids) {
    const file = store.files.get(id);
    // Someone else's upload is as unknown as a missing one: ids reveal nothing.
    if (!file || file.uploader_id !== actor.id) {
      return fail("invalid", `Attachment ${id} is not one of your uploads in this room`);
    }
    if (file.state !== "ready")
      return fail("invalid", `Attachment ${id} has not finished uploading`);
    if (file.seq !== null) return fail("invalid", `Attachment ${id} was already sent`);
    out.push(toAttachment(room.id, file));
  }
  return ok(out);
}

/**
 * Sends a message, idempotent by (sender, cid): a repeat with the same body returns the stored
 * message (`created: false`); with another body it is a conflict, never a second message.
 * Sending marks the room read up to the new message for its sender.
 */
export function sendMessage(
  store: RoomStore,
  room: RoomInfo,
  actor: Actor,
  input: SendInput,
  now: number,
): Result<{ message: Message; created: boolean }> {
  const ids = input.attachments ?? [];
  const existing = store.findByCid(actor.id, input.cid);
  if (existing) {
    const sent = (JSON.parse(existing.attachments_json) as Attachment[]).map((a) => a.id);
    if (existing.deleted_at == null && (existing.body !== input.body || !sameIds(sent, ids))) {
      return fail("conflict", "This cid was already used for another message");
    }
    return ok({
      message: only(store.toMessages(room.id, [existing])),
      created: false,
    });
  }
  if (room.archived) return fail("archived", ROOM_ARCHIVED);
  if (input.replyTo !== undefined && !store.get(input.replyTo)) {
    return fail("not_found", "The message you reply to does not exist");
  }
  const attachments = claimable(store, room, actor, ids);
  if (!attachments.ok) return attachments;
  return store.atomically(() => {
    const row = store.insert({
      sender: { id: actor.id, handle: actor.handle, name: actor.name },
      cid: input.cid,
      body: input.body,
      replyTo: input.replyTo ?? null,
      mentions: input.mentions.filter((id) => id !== actor.id),
      attachments: attachments.value,
      at: now,
    });
    const mark = store.marks.advance(actor.id, row.seq, now);
    // What D1 must learn, in the same transaction: the room's new last message, the sender's
    // read mark (sending marks read) and the @handles to resolve into mention rows.
    store.outbox.summary(store.summary(row));
    if (mark.moved) store.outbox.readMark(actor.id, row.seq);
    store.outbox.mentions({
      seq: row.seq,
      sender: actor.id,
      handles: mentionedHandles(input.body),
    });
    return ok({ message: only(store.toMessages(room.id, [row])), created: true });
  });
}

/** The outcome of a change to an existing message: `changed: false` means nothing moved (no new rev). */
export interface Change {
  message: Message;
  changed: boolean;
}

const unchanged = (store: RoomStore, room: RoomInfo, row: MessageRow): Result<Change> =>
  ok({ message: only(store.toMessages(room.id, [row])), changed: false });
const changedTo = (store: RoomStore, room: RoomInfo, row: MessageRow): Result<Change> =>
  ok({ message: only(store.toMessages(room.id, [row])), changed: true });

export function editMessage(
  store: RoomStore,
  room: RoomInfo,
  actor: Actor,
  seq: number,
  body: string,
  now: number,
): Result<Change> {
  const row = store.get(seq);
  if (!row || row.deleted_at != null) return fail("not_found", "No such message");
  if (row.sender_id !== actor.id) return fail("forbidden", "Only the sender can edit a message");
  if (room.archived) return fail("archived", ROOM_ARCHIVED);
  if (row.body === body) return unchanged(store, room, row);
  return changedTo(
    store,
    room,
    store.atomically(() => {
      const edited = store.edit(seq, body, now);
      store.outbox.summary(store.summary());
      return edited;
    }),
  );
}

/** Soft delete by the sender, a room owner or moderator, or an instance admin. Idempotent. */
export function deleteMessage(
  store: RoomStore,
  room: RoomInfo,
  actor: Actor,
  seq: number,
  now: number,
): Result<Change> {
  const row = store.get(seq);
  if (!row) return fail("not_found", "No such message");
  if (row.sender_id !== actor.id && !canModerate(actor)) {
    return fail("forbidden", "Only the sender or a moderator can delete a message");
  }
  if (row.deleted_at != null) return unchanged(store, room, row);
  if (room.archived && !actor.isAdmin) return fail("archived", ROOM_ARCHIVED);
  return changedTo(
    store,
    room,
    store.atomically(() => {
      const tombstone = store.tombstone(seq, now);
      store.outbox.deleted(seq);
      store.outbox.summary(store.summary());
      return tombstone;
    }),
  );
}

/** Adds or removes a reaction; `changed: false` when it was already so (no new rev). */
export function reactToMessage(
  store: RoomStore,
  room: RoomInfo,
  actor: Actor,
  input: { seq: number; emoji: string; on: boolean },
  now: number,
): Result<Change> {
  const row = store.get(input.seq);
  if (!row || row.deleted_at != null) return fail("not_found", "No such message");
  if (room.archived) return fail("archived", ROOM_ARCHIVED);
  if (input.on && store.emojiKinds(input.seq) >= MAX_EMOJI_KINDS) {
    const message = only(store.toMessages(room.id, [row]));
    if (!message.reactions.some((r) => r.emoji === input.emoji)) {
      return fail("invalid", `A message holds at most ${MAX_EMOJI_KINDS} different reactions`);
    }
  }
  const updated = store.atomically(() =>
    store.react(input.seq, actor.id, input.emoji, input.on, now),
  );
  return ok({
    message: only(store.toMessages(room.id, [updated ?? row])),
    changed: updated !== null,
  });
}

/** Moves the reader's mark forward (never back), clamped to the last message. */
export function markRead(store: RoomStore, actor: Actor, seq: number, now: number) {
  const target = Math.min(seq, store.lastSeq());
  return store.atomically(() => {
    const mark = store.marks.advance(actor.id, target, now);
    if (mark.moved) store.outbox.readMark(actor.id, mark.seq);
    return mark;
  });
}

export interface Page {
  messages: Message[];
  hasMore: boolean;
}

/** A page centred on a message (links, search results, pins): what lies on either side of it. */
export interface AroundPage extends Page {
  hasMoreBefore: boolean;
  hasMoreAfter: boolean;
}

/**
 * Up to `limit` messages around `seq`, ascending: about half before it, it and the rest after;
 * near either end of the room the other side takes what is left. `hasMore` says the same as
 * `hasMoreBefore`, as in history pages (older messages exist).
 */
export function aroundPage(
  store: RoomStore,
  room: RoomInfo,
  seq: number,
  limit: number,
): AroundPage {
  const wantBefore = Math.floor((limit - 1) / 2);
  // Enough rows on each side to fill the page from the other when one runs short.
  const before = store.pageBefore(seq, limit + 1);
  const after = store.pageAfter(seq - 1, limit + 1);
  const takeBefore = Math.min(before.length, Math.max(wantBefore, limit - after.length));
  const takeAfter = Math.min(after.length, limit - takeBefore);
  const rows = [...before.slice(before.length - takeBefore), ...after.slice(0, takeAfter)];
  const hasMoreBefore = before.length > takeBefore;
  return {
    messages: store.toMessages(room.id, rows),
    hasMore: hasMoreBefore,
    hasMoreBefore,
    hasMoreAfter: after.length > takeAfter,
  };
}

export function historyPage(
  store: RoomStore,
  room: RoomInfo,
  query: { before?: number; after?: number; limit: number },
): Page {
  if (query.after !== undefined) {
    const rows = store.pageAfter(query.after, query.limit + 1);
    return {
      messages: store.toMessages(room.id, rows.slice(0, query.limit)),
      hasMore: rows.length > query.limit,
    };
  }
  const rows = store.pageBefore(query.before ?? Number.MAX_SAFE_INTEGER, query.limit + 1);
  const page = rows.length > query.limit ? rows.slice(1) : rows;
  return { messages: store.toMessages(room.id, page), hasMore: rows.length > query.limit };
}

/**
 * Everything after `sinceRev`, in rev order, at most `limit`. `rev` is where the caller stands
 * afterwards: the room's rev when complete, else the last change returned (page on from there).
 */
export function changesSince(store: RoomStore, room: RoomInfo, sinceRev: number, limit: number) {
  const rows = store.changesSince(sinceRev, limit + 1);
  const complete = rows.length <= limit;
  const page = rows.slice(0, limit);
  const rev = complete ? Math.max(store.rev(), sinceRev) : (page.at(-1)?.rev ?? sinceRev);
  return {
    messages: store.toMessages(room.id, page),
    hasMore: !complete,
    rev,
    complete,
    // Where the room now begins: a client drops what it holds below (retention removed it).
    firstSeq: store.firstSeq(),
  };
}

/** Turns free text into an FTS5 query: every word must match, the last as a prefix. */
export function ftsQuery(text: string): string | null {
  const words = text.match(/[\p{L}\p{N}_]+/gu) ?? [];
  if (words.length === 0) return null;
  return words
    .slice(0, 12)
    .map((w, i, all) => `"${w}"${i === all.length - 1 ? "*" : ""}`)
    .join(" ");
}

const HTML_ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/**
 * Hit markers for one search's snippets, new each time. Bodies stored before text.ts dropped
 * control characters may hold U+0002/U+0003 (fixed markers once), but none holds this nonce,
 * so no body can open or close a <mark> of its own.
 */
export function snippetMarks(): { open: string; close: string } {
  const nonce = crypto.randomUUID();
  return { open: `\u0002${nonce}\u0002`, close: `\u0003${nonce}\u0003` };
}

/** A snippet with `marks` → safe HTML: text escaped (stray controls dropped), hits in <mark>. */
export function snippetHtml(snippet: string, marks: { open: string; close: string }): string {
  const plain = (text: string) =>
    dropBodyControls(text).replace(/[&<>"']/g, (ch) => HTML_ESCAPES[ch] ?? ch);
  // Each open marker starts one hit that ends at the next close marker: balanced by construction.
  const [lead = "", ...hits] = snippet.split(marks.open);
  return (
    plain(lead) +
    hits
      .map((part) => {
        const [hit = "", ...rest] = part.split(marks.close);
        return `<mark>${plain(hit)}</mark>${plain(rest.join(""))}`;
      })
      .join("")
  );
}

export function searchRoom(
  store: RoomStore,
  room: RoomInfo,
  query: { q: string; before?: number; limit: number },
) {
  const match = ftsQuery(query.q);
  if (!match) return { results: [], nextBefore: null };
  const marks = snippetMarks();
  const rows = store.search(match, query.before ?? Number.MAX_SAFE_INTEGER, query.limit + 1, marks);
  const page = rows.slice(0, query.limit);
  const messages = store.toMessages(room.id, page);
  return {
    results: messages.map((message, i) => ({
      message,
      snippet: snippetHtml(page[i]?.snippet ?? "", marks),
    })),
    nextBefore: rows.length > query.limit ? (page.at(-1)?.seq ?? null) : null,
  };
}

function only<T>(items: T[]): T {
  const [item] = items;
  if (item === undefined) throw new Error("expected one item");
  return item;
}
