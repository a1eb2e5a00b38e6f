// My rooms in the sidebar: how the inbox, the open room's socket and my own reads change an
// item (pure functions), and the list itself, kept in activity order.
import { computed, type ReadonlySignal, signal } from "@preact/signals";
import type { NotifyLevel, RoomListItem, SelfUser } from "../../src/shared/api";
import type { InboxRoomFrame, Message } from "../../src/shared/protocol";
import { messagePreview } from "../../src/shared/protocol/rules";
import { plainText } from "../lib/rich-text";
import { asApiError } from "../net/api";
import type { Loadable } from "./loadable";

/** Most recent activity first; rooms without messages by when they were made. */
export function byActivity(a: RoomListItem, b: RoomListItem): number {
  const at = (item: RoomListItem) => item.lastMessageAt ?? item.room.createdAt;
  return at(b).localeCompare(at(a));
}

/** The D1 counts lag the rooms by a moment: what this client has read itself wins. */
export function withLocalReads(item: RoomListItem, readSeq: number): RoomListItem {
  if (readSeq < item.lastSeq || (item.unread === 0 && item.mentions === 0)) return item;
  return { ...item, unread: 0, mentions: 0, lastReadSeq: Math.max(item.lastReadSeq, readSeq) };
}

/** An inbox frame: the room's last message and my counts. `seenHere`: open and on screen. */
export function applyInboxFrame(
  item: RoomListItem,
  frame: InboxRoomFrame,
  seenHere: boolean,
): RoomListItem {
  return {
    ...item,
    lastSeq: Math.max(item.lastSeq, frame.lastSeq),
    // The count starts at this mark: kept with it, so the "New messages" line starts there too
    // (my read moves it, also a message I sent from elsewhere, which this client never saw).
    lastReadSeq: Math.max(item.lastReadSeq, frame.lastReadSeq),
    lastPreview: frame.lastPreview,
    lastSenderId: frame.lastSenderId,
    lastMessageAt: frame.lastMessageAt,
    room: { ...item.room, lastSeq: Math.max(item.room.lastSeq, frame.lastSeq) },
    // The open room is being read; its socket marks it read.
    unread: seenHere ? 0 : frame.unread,
    mentions: seenHere ? 0 : frame.mentions,
    threads: frame.threads,
  };
}

/** A message on the open room's socket; `unseen` counts it as unread (someone else's, hidden). */
export function applyRoomMessage(
  item: RoomListItem,
  message: Message,
  unseen: boolean,
): RoomListItem {
  // A thread reply moves neither the preview nor the room's unread (the inbox counts threads).
  if (message.threadOf !== null) return { ...item, lastSeq: Math.max(item.lastSeq, message.seq) };
  return {
    ...item,
    lastSeq: Math.max(item.lastSeq, message.seq),
    lastPreview: messagePreview(message.sender.name, message.body, message.attachments),
    lastSenderId: message.sender.id,
    lastMessageAt: message.createdAt,
    unread: unseen ? item.unread + 1 : item.unread,
  };
}

/** I read the room up to `seq`; the item itself when that is no news. */
export function applyRoomRead(item: RoomListItem, seq: number): RoomListItem {
  if (item.unread === 0 && item.mentions === 0 && item.lastReadSeq >= seq) return item;
  return {
    ...item,
    lastReadSeq: Math.max(item.lastReadSeq, seq),
    unread: seq >= item.lastSeq ? 0 : item.unread,
    mentions: seq >= item.lastSeq ? 0 : item.mentions,
  };
}

/** Changes one room's item and keeps the order; the list itself when nothing changed. */
export function updateItem(
  list: RoomListItem[],
  roomId: string,
  change: (item: RoomListItem) => RoomListItem,
): RoomListItem[] {
  const index = list.findIndex((item) => item.room.id === roomId);
  const item = list[index];
  if (!item) return list;
  const changed = change(item);
  if (changed === item) return list;
  const next = list.slice();
  next[index] = changed;
  return next.sort(byActivity);
}

/** Whether a room's notify level asks to hear of a message: all do, or those that mention me. */
export function levelWants(level: NotifyLevel, mentioned: boolean): boolean {
  return level === "all" || (level === "mentions" && mentioned);
}

/** The room list's line under a room's name: "You: …" for my own message. */
export function roomPreview(
  item: Pick<RoomListItem, "lastPreview" | "lastSenderId">,
  me: SelfUser | null,
): string | null {
  // The server stores the text as written: the list shows it without its Markdown.
  const preview = item.lastPreview === null ? null : plainText(item.lastPreview);
  if (preview === null || !me || item.lastSenderId !== me.id) return preview;
  const mine = `${me.displayName}: `;
  return preview.startsWith(mine) ? `You: ${preview.slice(mine.length)}` : preview;
}

/** How a room is called in lists and headers: DMs by the people in them, unless named. */
export function roomTitle(item: Pick<RoomListItem, "room" | "peers">, me: SelfUser | null): string {
  if (item.room.kind !== "dm" || item.room.name) return item.room.name ?? "Untitled room";
  if (item.peers.length === 0) return me ? `${me.displayName} (you)` : "Just you";
  return item.peers.map((p) => p.displayName).join(", ");
}

/**
 * The list as loaded from the API and kept current. `fetch` loads it; `readSeq` is how far this
 * client has read a room itself.
 */
export function createRoomList(
  fetch: () => Promise<{ rooms: RoomListItem[] }>,
  readSeq: (roomId: string) => number,
) {
  const rooms = signal<Loadable<RoomListItem[]>>({ status: "loading" });
  // An answer is applied only if no sign-in/out (reset) happened since its request.
  let epoch = 0;

  async function refresh(): Promise<void> {
    const started = epoch;
    try {
      const { rooms: list } = await fetch();
      if (started === epoch) {
        rooms.value = {
          status: "ready",
          value: list.map((item) => withLocalReads(item, readSeq(item.room.id))),
        };
      }
    } catch (error) {
      // A failed refresh keeps the last good list on screen.
      if (started === epoch && rooms.value.status !== "ready") {
        rooms.value = { status: "error", error: asApiError(error) };
      }
    }
  }

  return {
    rooms: rooms as ReadonlySignal<Loadable<RoomListItem[]>>,
    /** Unread messages in rooms that are not muted: the number in the tab title. */
    totalUnread: computed(() =>
      rooms.value.status === "ready"
        ? rooms.value.value.reduce((sum, item) => sum + (item.muted ? 0 : item.unread), 0)
        : 0,
    ) as ReadonlySignal<number>,
    /** Followed threads with unread replies, over all rooms: the Threads view's badge. */
    totalThreads: computed(() =>
      rooms.value.status === "ready"
        ? rooms.value.value.reduce((sum, item) => sum + item.threads, 0)
        : 0,
    ) as ReadonlySignal<number>,
    refresh,

    /** A new session: its list is still to come; answers asked for before are dropped. */
    reset(): void {
      epoch++;
      rooms.value = { status: "loading" };
    },

    item(roomId: string): RoomListItem | undefined {
      return rooms.value.status === "ready"
        ? rooms.value.value.find((item) => item.room.id === roomId)
        : undefined;
    },

    /** Drops a room from the list (a DM I hid); the next refresh decides again. */
    remove(roomId: string): void {
      const current = rooms.value;
      if (current.status !== "ready") return;
      const next = current.value.filter((item) => item.room.id !== roomId);
      if (next.length !== current.value.length) rooms.value = { status: "ready", value: next };
    },

    update(roomId: string, change: (item: RoomListItem) => RoomListItem): void {
      const current = rooms.value;
      if (current.status !== "ready") return;
      const next = updateItem(current.value, roomId, change);
      if (next !== current.value) rooms.value = { status: "ready", value: next };
    },
  };
}
