// The sidebar: my rooms in sections (Unread, Channels, Direct messages; recent first or A–Z, as
// chosen on this device) with unread badges and a mark on those with new replies in threads I follow, the Threads view (its badge counts those threads),
// and the ways to get more rooms.
import type { RoomListItem } from "../../../src/shared/api";
import { useSubmit } from "../../hooks/use-submit";
import { type Panel, roomPreview, roomTitle } from "../../state/app-state";
import { type RoomSort, roomSections } from "../../state/room-sections";
import { useAppState } from "../../state/use-app-state";
import { RoomIcon } from "../room-icon";
import { WorkspaceSwitcher } from "../workspace-switcher";
import * as styles from "./room-list.module.css";

/** The time for today's activity, the date for older. */
function shortTime(iso: string): string {
  const date = new Date(iso);
  const now = new Date();
  return date.toDateString() === now.toDateString()
    ? date.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" })
    : date.toLocaleDateString(undefined, { day: "numeric", month: "short" });
}

export function RoomList() {
  const state = useAppState();
  // The current workspace's rooms; "Mark all read" reads those of every workspace.
  const rooms = state.workspaceRooms.value;
  const all = state.rooms.value;
  const panel = state.panel.value;
  const selectedId = panel.kind === "room" ? panel.roomId : null;
  const action = (kind: Exclude<Panel["kind"], "room" | "home">, label: string) => (
    <button
      type="button"
      class={styles.sidebarAction}
      aria-pressed={panel.kind === kind}
      onClick={() => state.show({ kind })}
    >
      {label}
    </button>
  );

  const threads = state.totalThreads.value;
  const markAll = useSubmit(state.markAllRead);
  const anyUnread = all.status === "ready" && all.value.some((r) => r.unread > 0 || r.mentions > 0);
  return (
    <nav class={styles.sidebar} aria-label="Rooms">
      <WorkspaceSwitcher />
      <div class={styles.sidebarActions}>
        <button
          type="button"
          class={styles.sidebarAction}
          aria-pressed={panel.kind === "threads"}
          onClick={() => state.show({ kind: "threads" })}
        >
          Threads
          {threads > 0 && (
            <span class="badge badge--unread" data-threads={threads}>
              {threads}
              <span class="visually-hidden">
                {" "}
                {threads === 1 ? "thread" : "threads"} with new replies
              </span>
            </span>
          )}
        </button>
        {action("new-room", "+ New room")}
        {action("browse", "Browse channels")}
        {action("new-dm", "New message")}
      </div>
      {anyUnread && (
        <button
          type="button"
          class={`button button--small ${styles.sidebarMarkRead}`}
          disabled={markAll.pending}
          onClick={() => void markAll.submit(undefined)}
        >
          {markAll.pending ? "Marking read…" : "Mark all read"}
        </button>
      )}
      {markAll.error && (
        <p class={styles.sidebarNote} role="alert">
          {markAll.error.message}
        </p>
      )}
      {rooms.status === "loading" && <p class={styles.sidebarNote}>Loading rooms…</p>}
      {rooms.status === "error" && (
        <div class={styles.sidebarNote} role="alert">
          <p>{rooms.error.message}</p>
          <button type="button" class="button" onClick={() => void state.refreshRooms()}>
            Retry
          </button>
        </div>
      )}
      {rooms.status === "ready" && (
        <>
          <label class={styles.sidebarSort}>
            Sort
            <select
              value={state.roomSort.value}
              onChange={(e) => state.setRoomSort(e.currentTarget.value as RoomSort)}
            >
              <option value="recent">Recent activity</option>
              <option value="az">A–Z</option>
            </select>
          </label>
          {roomSections(rooms.value, state.roomSort.value, state.me.value).map((section) => (
            <RoomSection
              key={section.id}
              title={section.title}
              items={section.items}
              empty={
                section.id === "dms"
                  ? "No conversations yet."
                  : rooms.value.length === 0
                    ? "You are in no rooms yet."
                    : "No channels here."
              }
              selectedId={selectedId}
            />
          ))}
        </>
      )}
    </nav>
  );
}

interface RoomSectionProps {
  title: string;
  items: RoomListItem[];
  empty: string;
  selectedId: string | null;
}

function RoomSection({ title, items, empty, selectedId }: RoomSectionProps) {
  const state = useAppState();
  const me = state.me.value;
  return (
    <section class={styles.sidebarSection}>
      <h2 class={styles.sidebarHeading}>{title}</h2>
      {items.length === 0 ? (
        <p class={styles.sidebarNote}>{empty}</p>
      ) : (
        <ul class={styles.roomList}>
          {items.map((item) => (
            <li key={item.room.id}>
              <button
                type="button"
                class={`${styles.roomListItem}${item.unread > 0 ? ` ${styles.roomListItemUnread}` : ""}${item.muted ? ` ${styles.roomListItemMuted}` : ""}`}
                aria-current={item.room.id === selectedId ? "page" : undefined}
                data-room-id={item.room.id}
                onClick={() => state.show({ kind: "room", roomId: item.room.id })}
              >
                <RoomIcon kind={item.room.kind} />
                <span class={styles.roomListText}>
                  <span class={styles.roomListTop}>
                    <span class={styles.roomListName} dir="auto">
                      {roomTitle(item, me)}
                    </span>
                    {item.lastMessageAt && (
                      <time class={styles.roomListTime} dateTime={item.lastMessageAt}>
                        {shortTime(item.lastMessageAt)}
                      </time>
                    )}
                  </span>
                  {item.lastPreview && (
                    <span class={styles.roomListPreview} dir="auto">
                      {roomPreview(item, me)}
                    </span>
                  )}
                </span>
                {item.muted && <span class="visually-hidden"> (muted)</span>}
                {item.mentions > 0 && (
                  <span class="badge badge--mention">
                    @{item.mentions}
                    <span class="visually-hidden"> mentions</span>
                  </span>
                )}
                {item.threads > 0 && (
                  <span
                    class={`badge ${styles.roomListThreads}`}
                    data-threads={item.threads}
                    title={`New replies in ${item.threads === 1 ? "a thread" : `${item.threads} threads`} you follow`}
                  >
                    <span aria-hidden="true">⤷</span>
                    {item.threads}
                    <span class="visually-hidden">
                      {" "}
                      {item.threads === 1 ? "thread" : "threads"} with new replies
                    </span>
                  </span>
                )}
                {item.unread > 0 && (
                  <span class="badge badge--unread" data-unread={item.unread}>
                    {item.unread}
                    <span class="visually-hidden"> unread</span>
                  </span>
                )}
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
