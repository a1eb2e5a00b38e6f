// How the room list is laid out: Unread first (rooms with news for me), then Channels, then
// Direct messages, each sorted by recent activity or A–Z — the choice kept on this device.
// Pure but for the choice's signal; no DOM.
import { type ReadonlySignal, signal } from "@preact/signals";
import type { RoomListItem, SelfUser } from "../../src/shared/api";
import { roomTitle } from "./room-list";

export type RoomSort = "recent" | "az";

export interface RoomSection {
  id: "unread" | "channels" | "dms";
  title: string;
  items: RoomListItem[];
}

const SORT_KEY = "confab.roomSort";

/** Has news for me: unread messages (in a room I did not mute) or mentions. */
export const hasNews = (item: RoomListItem) =>
  (item.unread > 0 && !item.muted) || item.mentions > 0;

/** The sections in order; Unread only when it has rooms. `items` come most recent first. */
export function roomSections(
  items: readonly RoomListItem[],
  sort: RoomSort,
  me: SelfUser | null,
): RoomSection[] {
  const sorted =
    sort === "az"
      ? [...items].sort((a, b) =>
          roomTitle(a, me).localeCompare(roomTitle(b, me), undefined, { sensitivity: "base" }),
        )
      : [...items];
  const news = sorted.filter(hasNews);
  const rest = sorted.filter((item) => !hasNews(item));
  return [
    ...(news.length > 0 ? [{ id: "unread" as const, title: "Unread", items: news }] : []),
    { id: "channels", title: "Channels", items: rest.filter((r) => r.room.kind !== "dm") },
    { id: "dms", title: "Direct messages", items: rest.filter((r) => r.room.kind === "dm") },
  ];
}

/** The list's order, remembered by this browser (not per account: it is how I like to read). */
export function createRoomSort(storage: Storage | null) {
  let saved: string | null = null;
  try {
    saved = storage?.getItem(SORT_KEY) ?? null;
  } catch {
    saved = null;
  }
  const sort = signal<RoomSort>(saved === "az" ? "az" : "recent");
  return {
    sort: sort as ReadonlySignal<RoomSort>,
    setSort(next: RoomSort) {
      sort.value = next;
      try {
        storage?.setItem(SORT_KEY, next);
      } catch {
        // Not kept: the choice holds for this page only.
      }
    },
  };
}
