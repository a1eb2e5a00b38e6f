// Room logic: what each operation does to a room's store, as plain functions. Transport (the
// Durable Object, WebSocket frames, RPC from the Worker) is elsewhere; these never see a socket.
import type { MemberRole, RetentionPolicy } from "../../src/shared/api";
import { canModerate, canPin } from "../../src/shared/permissions";
import {
  type Attachment,
  type FrameErrorCode,
  type Message,
  mentionedHandles,
  messageExcerpt,
  PUSH_EXCERPT_CHARS,
  ROOM_ARCHIVED,
} from "../../src/shared/protocol";
import { dropBodyControls } from "../../src/shared/text";
import { blockRefusal } from "./dm-blocks";
import { type MessageRow, type RoomStore, toAttachment } from "./store";
import type { ThreadEntry } from "./store/outbox";

/** Pins one room may hold. */
export const PINS_MAX = 50;

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
  /** A thread reply to this top-level message. */
  threadOf?: number | undefined;
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
): Result<{ message: Message; created: boolean; root: Message | null }> {
  const ids = input.attachments ?? [];
  const existing = store.findByCid(actor.id, input.cid);
  if (existing) {
    const sent = (JSON.parse(existing.attachments_json) as Attachment[]).map((a) => a.id);
    if (
      existing.deleted_at == null &&
      (existing.body !== input.body ||
        !sameIds(sent, ids) ||
        existing.thread_of !== (input.threadOf ?? null))
    ) {
      return fail("conflict", "This cid was already used for another message");
    }
    return ok({
      message: only(store.toMessages(room.id, [existing])),
      created: false,
      root: null,
    });
  }
  const blocked = blockRefusal(store, actor.id);
  if (blocked) return blocked;
  if (room.archived) return fail("archived", ROOM_ARCHIVED);
  if (input.replyTo !== undefined && !store.get(input.replyTo)) {
    return fail("not_found", "The message you reply to does not exist");
  }
  const root = input.threadOf === undefined ? null : store.get(input.threadOf);
  if (
    input.threadOf !== undefined &&
    (!root || root.thread_of !== null || root.deleted_at !== null)
  ) {
    return fail("invalid", "threadOf must be a top-level message of this room that is not deleted");
  }
  const attachments = claimable(store, room, actor, ids);
  if (!attachments.ok) return attachments;
  return store.atomically(() => {
    const row = store.insert({
      sender: { id: actor.id, handle: actor.handle, name: actor.name },
      cid: input.cid,
      body: input.body,
      replyTo: input.replyTo ?? null,
      threadOf: root?.seq ?? null,
      mentions: input.mentions.filter((id) => id !== actor.id),
      attachments: attachments.value,
      at: now,
    });
    const handles = mentionedHandles(input.body);
    if (root) {
      // A reply: the root's summary, and what D1 must learn (the reply is not in the room's
      // unread; its author, the replier and the mentioned follow the thread). The room's read
      // mark does not move: replying in a thread is not reading the room.
      const updated = store.noteReply(root, row, 1);
      store.outbox.summary(store.summary());
      store.outbox.reply({ seq: row.seq, root: root.seq, sender: actor.id });
      store.outbox.thread(threadEntry(updated, row.seq));
      store.outbox.follow({
        root: root.seq,
        userId: actor.id,
        why: "replied",
        readSeq: row.seq,
        at: now,
      });
      if (root.sender_id !== actor.id) {
        store.outbox.follow({
          root: root.seq,
          userId: root.sender_id,
          why: "started",
          readSeq: 0,
          at: now,
        });
      }
      store.outbox.mentions({ seq: row.seq, sender: actor.id, handles, root: root.seq, at: now });
      const [message, rootMessage] = store.toMessages(room.id, [row, updated]);
      return ok({ message: message as Message, created: true, root: rootMessage ?? null });
    }
    const mark = store.marks.advance(actor.id, row.seq, now);
    // What D1 must learn, in the same transaction: the room's new last message, the sender's
    // read mark (sending marks read) and the @handles to resolve into mention rows.
    store.outbox.summary(store.summary(row));
    if (mark.moved) store.outbox.readMark(actor.id, row.seq);
    store.outbox.mentions({ seq: row.seq, sender: actor.id, handles });
    return ok({ message: only(store.toMessages(room.id, [row])), created: true, root: null });
  });
}

/** A thread's summary for D1 (the root's rev orders it against other flushes). */
function threadEntry(root: MessageRow, lastReplySeq: number): ThreadEntry {
  return {
    root: root.seq,
    rev: root.rev,
    replyCount: root.reply_count,
    lastReplySeq,
    lastReplyAt: root.last_reply_at ?? root.created_at,
    rootSenderId: root.sender_id,
    rootSenderName: root.sender_name,
    rootExcerpt: messageExcerpt(
      root.body,
      JSON.parse(root.attachments_json) as { name: string }[],
      PUSH_EXCERPT_CHARS,
    ),
  };
}

/** The outcome of a change to an existing message: `changed: false` means nothing moved (no new rev). */
export interface Change {
  message: Message;
  changed: boolean;
  /** Other messages the change moved (a deleted reply's root: its thread summary). */
  also?: Message[];
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
  return store.atomically(() => {
    const tombstone = store.tombstone(seq, now);
    store.outbox.deleted(seq);
    store.outbox.summary(store.summary());
    const root = row.thread_of === null ? null : store.get(row.thread_of);
    if (!root) return changedTo(store, room, tombstone);
    // A deleted reply leaves its thread's count.
    const updated = store.noteReply(root, tombstone, -1);
    store.outbox.thread(threadEntry(updated, lastReplySeq(store, root.seq)));
    const [message, rootMessage] = store.toMessages(room.id, [tombstone, updated]);
    return ok({
      message: message as Message,
      changed: true,
      also: rootMessage ? [rootMessage] : [],
    });
  });
}

/** The thread's newest reply seq (deleted ones included: D1 counts them out itself). */
function lastReplySeq(store: RoomStore, root: number): number {
  return store.threadBefore(root, Number.MAX_SAFE_INTEGER, 1)[0]?.seq ?? 0;
}

/** Pins or unpins (`on`); `changed: false` when it already was so. */
export function pinMessage(
  store: RoomStore,
  room: RoomInfo,
  actor: Actor,
  input: { seq: number; on: boolean },
  now: number,
): Result<Change> {
  if (!canPin(actor, room.kind)) {
    return fail(
      "forbidden",
      "Only owners, moderators and admins pin messages here (anyone may in a DM)",
    );
  }
  const row = store.get(input.seq);
  if (!row || row.deleted_at != null) return fail("not_found", "No such message");
  if (room.archived && !actor.isAdmin) return fail("archived", ROOM_ARCHIVED);
  if ((row.pinned_at !== null) === input.on) return unchanged(store, room, row);
  if (input.on && store.pinnedCount() >= PINS_MAX) {
    return fail("too_many", `A room holds at most ${PINS_MAX} pins: unpin one first`);
  }
  return changedTo(
    store,
    room,
    store.atomically(() => store.setPin(input.seq, input.on ? actor.id : null, now)),
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
 * A thread's replies, ascending: the newest `limit` (or those before `before`, or after
 * `after`), with its root. Not found when `root` is not a top-level message of the room.
 */
export function threadPage(
  store: RoomStore,
  room: RoomInfo,
  root: number,
  query: { before?: number; after?: number; limit: number },
): Result<Page & { root: Message }> {
  const rootRow = store.get(root);
  if (!rootRow || rootRow.thread_of !== null) return fail("not_found", "No such thread");
  const rows =
    query.after !== undefined
      ? store.threadAfter(root, query.after, query.limit + 1)
      : store.threadBefore(root, query.before ?? Number.MAX_SAFE_INTEGER, query.limit + 1);
  const more = rows.length > query.limit;
  const page = !more ? rows : query.after !== undefined ? rows.slice(0, -1) : rows.slice(1);
  const [rootMessage, ...messages] = store.toMessages(room.id, [rootRow, ...page]);
  return ok({ root: rootMessage as Message, messages, hasMore: more });
}

/** The room's pinned messages, newest pin first. */
export const pinnedMessages = (store: RoomStore, room: RoomInfo) =>
  store.toMessages(room.id, store.pinned(PINS_MAX));

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
