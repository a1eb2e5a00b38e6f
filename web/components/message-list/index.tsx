// The room's messages, windowed: day headings, runs of one sender, a "New messages" line above
// what was unread when the room opened, my unsent messages at the end; older history loads as
// the reader nears the top (newer as they near the bottom of a room opened at an older message),
// and "Jump to latest" counts what came while they read further up; while the "New messages" line
// is above the view (or above the loaded window), a bar at the top jumps to it.
// The list is one Tab stop: arrows move between messages (roving focus) and, inside one,
// between its controls.
import type { TargetedKeyboardEvent } from "preact";
import { useCallback, useEffect, useMemo, useRef, useState } from "preact/hooks";
import type { Message as MessageType } from "../../../src/shared/protocol";
import type { RoomState } from "../../state/room";
import { type TimelineRow, timelineRows } from "../../state/timeline";
import { attachmentsHeight } from "../attachments";
import { Message, type MessageContext, PendingRow } from "../message";
import { linkImagesHeight } from "../rich-text";
import { VirtualList } from "../virtual-list";
import * as styles from "./message-list.module.css";

type Row =
  | TimelineRow
  | { kind: "start"; key: string }
  | { kind: "unread"; key: string }
  | { kind: "end"; key: string };

function estimate(row: Row): number {
  switch (row.kind) {
    case "day":
    case "unread":
      return 40;
    case "start":
    case "end":
      return 48;
    case "pending":
      // Each file's chip on a line of its own at worst.
      return 68 + 36 * (row.pending.files?.length ?? 0);
    case "message": {
      // Images reserve their box, so a row's height is known before they load: guessing it
      // here keeps rows drawn for the first time (scrolling up) from moving the ones in view.
      const { message } = row;
      const files = message.deleted
        ? 0
        : attachmentsHeight(message.attachments) + linkImagesHeight(message.body);
      const extras = (message.thread ? 30 : 0) + (message.pinned ? 18 : 0);
      return (row.first ? 68 : 30) + files + extras;
    }
  }
}

/**
 * Rows with the "New messages" line right above the first message from someone else after
 * `seq`: below the day heading when that message opens a day, so the day still heads it.
 */
function withUnreadLine(rows: Row[], readSeq: number | null, meId: string): Row[] {
  if (readSeq === null) return rows;
  const at = rows.findIndex(
    (row) => row.kind === "message" && row.message.seq > readSeq && row.message.sender.id !== meId,
  );
  if (at < 0) return rows;
  return [...rows.slice(0, at), { kind: "unread", key: "unread" }, ...rows.slice(at)];
}

/** Messages from others newer than `seq` (what came in while the reader was scrolled up). */
function newSince(messages: readonly MessageType[], seq: number | null, meId: string): number {
  if (seq === null) return 0;
  let count = 0;
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i] as MessageType;
    if (m.seq <= seq) break;
    if (m.sender.id !== meId && !m.deleted) count++;
  }
  return count;
}

const CONTROLS = "button, a[href]";

/**
 * Arrow keys over the list: between messages, into a message's controls and back out (also a
 * thread's list of replies).
 */
export function onListKey(event: TargetedKeyboardEvent<HTMLElement>) {
  const target = event.target as HTMLElement;
  if (target.closest("textarea, input, .msg__edit")) return;
  const message = target.closest<HTMLElement>(".msg[data-seq]");
  if (!message) return;
  const focus = (el: HTMLElement | undefined) => {
    if (!el) return;
    event.preventDefault();
    el.focus({ preventScroll: true });
    el.scrollIntoView({ block: "nearest" });
  };
  if (event.key === "ArrowUp" || event.key === "ArrowDown") {
    const messages = [...event.currentTarget.querySelectorAll<HTMLElement>(".msg[data-seq]")];
    const index = messages.indexOf(message);
    focus(messages[index + (event.key === "ArrowUp" ? -1 : 1)]);
    return;
  }
  const controls = [...message.querySelectorAll<HTMLElement>(CONTROLS)];
  if (target === message) {
    if (event.key === "ArrowRight" || event.key === "Enter") focus(controls[0]);
    return;
  }
  const index = controls.indexOf(target);
  if (event.key === "ArrowRight") focus(controls[(index + 1) % controls.length]);
  else if (event.key === "ArrowLeft") focus(index === 0 ? message : controls[index - 1]);
  else if (event.key === "Escape") focus(message);
}

interface MessageListProps {
  room: RoomState;
  view: Omit<MessageContext, "activeSeq">;
  myName: string;
  /** Changes when I send, so the list jumps to the bottom. */
  bottomKey: number;
  /** My read mark when the room was opened, if something was unread then. */
  unreadAfter: number | null;
  /** How long the room keeps messages ("Messages here are kept for…"), once known. */
  kept: string | null;
}

export function MessageList(props: MessageListProps) {
  const { room, view, myName, bottomKey, unreadAfter, kept } = props;
  const messages = room.messages.value;
  const pending = room.pending.value;
  const hasOlder = room.hasOlder.value;
  /** The list stops short of the newest messages: they load as the reader nears the bottom. */
  const hasNewer = room.hasNewer.value;
  /** The message to bring into view (a link's, a reply's original): a new object each time. */
  const reveal = room.focus.value;
  const [atBottom, setAtBottom] = useState(true);
  /** The newest message when the reader left the bottom (null while at the bottom). */
  const [seenSeq, setSeenSeq] = useState<number | null>(null);
  const newestSeq = useRef(0);
  newestSeq.current = messages.at(-1)?.seq ?? 0;
  // Pages of newer history are no news: only what came after the list reached the end counts.
  const unseen = atBottom || hasNewer ? 0 : newSince(messages, seenSeq, view.meId);
  useEffect(() => {
    if (!hasNewer) setSeenSeq(newestSeq.current);
  }, [hasNewer]);
  const [jump, setJump] = useState(0);
  const [focusedSeq, setFocusedSeq] = useState<number | null>(null);
  /** The row to bring into view: a message asked for (a link, a reply) or the "New messages" line. */
  const [target, setTarget] = useState<{ key: string } | null>(null);
  useEffect(() => setTarget(reveal ? { key: `m${reveal.seq}` } : null), [reveal]);
  /** The "New messages" line was on screen once (or jumped to): its bar has done its job. */
  const [lineSeen, setLineSeen] = useState(false);
  const lineObserver = useRef<IntersectionObserver | null>(null);
  const observeLine = useCallback((el: HTMLElement | null) => {
    lineObserver.current?.disconnect();
    if (!el) return;
    lineObserver.current = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting)) setLineSeen(true);
    });
    lineObserver.current.observe(el);
  }, []);
  useEffect(() => () => lineObserver.current?.disconnect(), []);
  const rows = useMemo<Row[]>(
    () =>
      withUnreadLine(
        [
          { kind: "start", key: "start" },
          // Mine on their way belong after the newest message, not after this window.
          ...timelineRows(messages, hasNewer ? [] : pending, new Date()),
          ...(hasNewer ? [{ kind: "end", key: "end" } as const] : []),
        ],
        unreadAfter,
        view.meId,
      ),
    [messages, pending, hasNewer, unreadAfter, view.meId],
  );
  // The Tab stop: the message last focused while it is still here, else the newest.
  const activeSeq =
    focusedSeq !== null && messages.some((m) => m.seq === focusedSeq)
      ? focusedSeq
      : (messages.at(-1)?.seq ?? null);
  const rowView: MessageContext = { ...view, activeSeq };
  const lineLoaded = rows.some((row) => row.kind === "unread");
  // The first unread lies below the loaded window's oldest message: older pages hold it.
  const lineOlder = unreadAfter !== null && hasOlder && (messages[0]?.seq ?? 0) > unreadAfter + 1;
  const unreadCount = lineLoaded ? newSince(messages, unreadAfter, view.meId) : 0;
  const showUnreadBar = unreadAfter !== null && !lineSeen && (lineLoaded || lineOlder);

  function jumpToUnread() {
    if (unreadAfter === null) return;
    if (lineLoaded) setTarget({ key: "unread" });
    // The window moves around the first seq after my mark; the line then shows above it.
    else void room.showMessage(unreadAfter + 1);
  }

  const renderRow = (row: Row) => {
    switch (row.kind) {
      case "start":
        return hasOlder ? (
          <p class={styles.timelineStart}>Loading older messages…</p>
        ) : (
          <>
            <p class={styles.timelineStart}>This is the beginning of the room.</p>
            {kept && <p class={styles.timelineKept}>{kept}</p>}
          </>
        );
      case "end":
        return <p class={styles.timelineEnd}>Loading newer messages…</p>;
      case "day":
        return (
          <h3 class={styles.timelineDay}>
            <span>{row.label}</span>
          </h3>
        );
      case "unread":
        return (
          <p class={styles.timelineUnread} ref={observeLine}>
            <span>New messages</span>
          </p>
        );
      case "message":
        return <Message message={row.message} first={row.first} view={rowView} />;
      case "pending":
        return <PendingRow pending={row.pending} name={myName} view={rowView} />;
    }
  };

  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: delegation — the keys and focus come from the messages and their controls; the div itself never takes focus
    <div
      class={styles.timeline}
      onKeyDown={onListKey}
      onFocusIn={(event) => {
        const seq = (event.target as HTMLElement).closest<HTMLElement>(".msg[data-seq]")?.dataset
          .seq;
        if (seq) setFocusedSeq(Number(seq));
      }}
    >
      <VirtualList
        items={rows}
        itemKey={(row) => row.key}
        estimate={estimate}
        renderItem={renderRow}
        onNearTop={() => void room.loadOlder()}
        onNearBottom={() => void room.loadNewer()}
        endReached={!hasNewer}
        onBottomChange={(bottom) => {
          setAtBottom(bottom);
          setSeenSeq(bottom ? null : newestSeq.current);
        }}
        bottomKey={bottomKey + jump}
        reveal={target}
        tabStopKey={activeSeq === null ? null : `m${activeSeq}`}
        class="timeline__scroller"
        label="Messages"
      />
      {showUnreadBar && (
        <div class={styles.timelineUnreadBar} role="status">
          <span>
            {unreadCount > 0
              ? `${unreadCount} new ${unreadCount === 1 ? "message" : "messages"}`
              : "New messages"}{" "}
            above
          </span>
          <button type="button" class="button button--small" onClick={jumpToUnread}>
            Jump to first unread ↑
          </button>
          <button
            type="button"
            class="button button--small"
            aria-label="Dismiss new messages bar"
            onClick={() => setLineSeen(true)}
          >
            ✕
          </button>
        </div>
      )}
      {(!atBottom || hasNewer) && (
        <button
          type="button"
          class={`button button--small ${styles.timelineJump}`}
          onClick={() => void room.showLatest().then(() => setJump((n) => n + 1))}
        >
          Jump to latest ↓
          {unseen > 0 && (
            <span class="badge badge--unread">
              {unseen} new
              <span class="visually-hidden"> {unseen === 1 ? "message" : "messages"}</span>
            </span>
          )}
        </button>
      )}
    </div>
  );
}
