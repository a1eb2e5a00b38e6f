// The room's header: back to the list, name and badges, topic, who is online, and the room's
// actions (search, members, pinned messages, how it notifies me, leave with a confirm step).
import { useState } from "preact/hooks";
import type { NotifyLevel, PublicUser, Room } from "../../../src/shared/api";
import { useFocusOnMount } from "../../hooks/use-focus-on-mount";
import { asApiError } from "../../net/api";
import type { RoomState } from "../../state/room";
import { useAppState } from "../../state/use-app-state";
import { Confirm } from "../confirm";
import { lazyPanel } from "../lazy-panel";
import { blockQuestion } from "../member-list";
import * as memberListStyles from "../member-list/member-list.module.css";
import { OverflowMenu } from "../overflow-menu";
import * as panelStyles from "../panel/panel.module.css";
import { RoomIcon } from "../room-icon";
import type { Aside } from "./room-side";
import * as styles from "./room-view.module.css";

// Exports are rare: their code loads when one starts.
const RoomExport = lazyPanel(() => import("../room-export").then((m) => m.RoomExport));

interface RoomHeaderProps {
  room: RoomState;
  title: string;
  kind: Room["kind"];
  /** A group DM: its people may leave it. */
  groupDm: boolean;
  topic: string;
  archived: boolean;
  /** My push level here; "none" is muted. */
  notify: NotifyLevel;
  /** How many are online, while the socket is live (null: not known now). */
  onlineCount: number | null;
  memberCount: number | null;
  /** Open reports, for those who work the room's queue (its settings, under Members). */
  openReports: number | null;
  isMember: boolean;
  /** The other person of a 1:1 DM (block and unblock them here), else null. */
  peer: PublicUser | null;
  /** What the side panel shows (null: nothing, or a thread). */
  aside: Aside;
  /** How many messages are pinned, once known. */
  pinCount: number | null;
  onToggleAside(which: Exclude<Aside, null>): void;
  onError(message: string): void;
}

export function RoomHeader({
  room,
  title,
  kind,
  groupDm,
  topic,
  archived,
  notify,
  onlineCount,
  memberCount,
  openReports,
  isMember,
  peer,
  aside,
  pinCount,
  onToggleAside,
  onError,
}: RoomHeaderProps) {
  const state = useAppState();
  const headingRef = useFocusOnMount<HTMLHeadingElement>(room.roomId);
  const [leaving, setLeaving] = useState(false);
  const [blocking, setBlocking] = useState(false);
  const [exporting, setExporting] = useState(false);
  const peerBlocked = peer !== null && state.blockedIds.value.has(peer.id);
  const fail = (e: unknown) => onError(asApiError(e).message);
  return (
    <>
      <header class={styles.roomHeader}>
        <button
          type="button"
          class={`button button--ghost ${panelStyles.panelBack}`}
          onClick={() => state.show({ kind: "home" })}
        >
          <span aria-hidden="true">←</span> <span class={styles.panelBackLabel}>Rooms</span>
        </button>
        <div class={styles.roomHeading}>
          <div class={panelStyles.panelTitleRow}>
            <RoomIcon kind={kind} large />
            <h2
              class={panelStyles.panelTitle}
              id="room-title"
              tabIndex={-1}
              ref={headingRef}
              dir="auto"
            >
              {title}
            </h2>
            {peer?.bot && <span class="badge badge--bot">bot</span>}
            {archived && <span class="badge">archived</span>}
            {notify === "none" && <span class="badge">muted</span>}
          </div>
          <p class={styles.roomSub}>
            {topic && (
              <span class={styles.roomTopic} dir="auto">
                {topic}
              </span>
            )}
            {onlineCount !== null && (
              <span class={styles.roomOnline}>
                <span
                  class={`${memberListStyles.presenceDot} ${memberListStyles.presenceDotOnline}`}
                  aria-hidden="true"
                />{" "}
                {onlineCount} online
              </span>
            )}
          </p>
        </div>
        <OverflowMenu label="⋯" ariaLabel="Room actions" class={styles.roomTools}>
          <button
            type="button"
            class="button button--small"
            aria-pressed={aside === "search"}
            aria-keyshortcuts="/"
            onClick={() => onToggleAside("search")}
          >
            Search
          </button>
          <button
            type="button"
            class="button button--small"
            aria-pressed={aside === "members"}
            onClick={() => onToggleAside("members")}
          >
            Members{memberCount === null ? "" : ` (${memberCount})`}
            {openReports ? ` · ${openReports} ${openReports === 1 ? "report" : "reports"}` : ""}
          </button>
          <button
            type="button"
            class="button button--small"
            aria-pressed={aside === "pins"}
            onClick={() => onToggleAside("pins")}
          >
            Pinned{pinCount === null ? "" : ` (${pinCount})`}
          </button>
          {isMember && (
            <NotifyChoice
              level={notify}
              onChange={(level) =>
                void state
                  .setNotifyLevel(room.roomId, level)
                  .catch((e: unknown) => onError(asApiError(e).message))
              }
            />
          )}
          {isMember && kind === "dm" && (
            <button
              type="button"
              class="button button--small"
              title="Hide this conversation until someone writes in it again"
              onClick={() => void state.hideRoom(room.roomId).catch(fail)}
            >
              Hide
            </button>
          )}
          {isMember && peer && (
            <button
              type="button"
              class="button button--small"
              aria-expanded={peerBlocked ? undefined : blocking}
              onClick={() =>
                peerBlocked ? void state.unblock(peer.id).catch(fail) : setBlocking(true)
              }
            >
              {peerBlocked ? "Unblock" : "Block"}
            </button>
          )}
          {isMember && (
            <button
              type="button"
              class="button button--small"
              title="Download the room's history as NDJSON"
              disabled={exporting}
              onClick={() => setExporting(true)}
            >
              Export
            </button>
          )}
          {isMember && (kind !== "dm" || groupDm) && (
            <button
              type="button"
              class="button button--small"
              aria-expanded={leaving}
              onClick={() => setLeaving(true)}
            >
              Leave
            </button>
          )}
        </OverflowMenu>
      </header>
      {exporting && (
        <RoomExport roomId={room.roomId} title={title} onClose={() => setExporting(false)} />
      )}
      {blocking && peer && !peerBlocked && (
        <Confirm
          class={styles.roomConfirm}
          action="Block"
          onConfirm={() => {
            setBlocking(false);
            void state.block(peer).catch(fail);
          }}
          onCancel={() => setBlocking(false)}
        >
          {blockQuestion(peer.displayName)}
        </Confirm>
      )}
      {leaving && isMember && (
        <Confirm
          class={styles.roomConfirm}
          action="Leave"
          onConfirm={() =>
            void state.leaveRoom(room.roomId).catch((e: unknown) => {
              setLeaving(false);
              onError(asApiError(e).message);
            })
          }
          onCancel={() => setLeaving(false)}
        >
          {kind !== "channel"
            ? `Leave ${title}? It is private: you can only come back if someone invites you again.`
            : `Leave ${title}? You can join it again from Browse channels.`}
        </Confirm>
      )}
    </>
  );
}

const LEVELS: readonly { level: NotifyLevel; label: string }[] = [
  { level: "all", label: "All messages" },
  { level: "mentions", label: "Mentions only" },
  { level: "none", label: "Nothing" },
];

/** What this room notifies me of (push and the page's own notifications alike). */
function NotifyChoice({
  level,
  onChange,
}: {
  level: NotifyLevel;
  onChange(level: NotifyLevel): void;
}) {
  return (
    <label class={styles.roomNotify}>
      <span>Notify</span>
      <select
        class={styles.roomNotifySelect}
        value={level}
        onChange={(event) => onChange(event.currentTarget.value as NotifyLevel)}
      >
        {LEVELS.map((option) => (
          <option key={option.level} value={option.level}>
            {option.label}
          </option>
        ))}
      </select>
    </label>
  );
}
