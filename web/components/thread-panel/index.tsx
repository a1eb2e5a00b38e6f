// A thread beside its room (over it on a phone): the root, its replies (older ones a click
// away), my replies on their way, a composer of its own, Follow/Unfollow, and ✕ or Escape to
// close. Replies arrive live on the room's socket; the newest seen marks the thread read. The
// room's typing frames are room-wide, so the panel neither shows nor sends any.
// Lazy: its code loads when a thread is first opened.
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from "preact/hooks";
import type { Member, SelfUser } from "../../../src/shared/api";
import { threadPath } from "../../../src/shared/links";
import type { Message as MessageType } from "../../../src/shared/protocol";
import { repliesText } from "../../lib/threads-text";
import type { RoomState, Thread } from "../../state/room";
import { timelineRows } from "../../state/timeline";
import { useAppState } from "../../state/use-app-state";
import { Composer } from "../composer";
import { Message, type MessageContext, PendingRow } from "../message";
import { onListKey } from "../message-list";
import * as styles from "./thread-panel.module.css";

interface ThreadPanelProps {
  room: RoomState;
  thread: Thread;
  /** The room's message context: the thread's rows take it, without quoting or threads. */
  view: Omit<MessageContext, "activeSeq">;
  me: SelfUser;
  members: readonly Member[];
  roomTitle: string;
  archived: boolean;
  /** Opened to reply: the composer takes the keyboard (else the heading does). */
  focusComposer: boolean;
  onClose(): void;
}

/** Marks the thread read while someone can see it: again as replies come and focus returns. */
function useThreadRead(thread: Thread, newestSeq: number) {
  useEffect(() => {
    const check = () => {
      if (document.visibilityState === "visible" && document.hasFocus()) thread.markRead();
    };
    check();
    window.addEventListener("focus", check);
    document.addEventListener("visibilitychange", check);
    return () => {
      window.removeEventListener("focus", check);
      document.removeEventListener("visibilitychange", check);
    };
  }, [thread, newestSeq]);
}

/** How far from the bottom still counts as at the bottom (new replies keep it there). */
const NEAR_BOTTOM_PX = 48;

export function ThreadPanel(props: ThreadPanelProps) {
  const { room, thread, view, me, members, roomTitle, archived, onClose } = props;
  const w = thread.view.value;
  const pending = room.threadPending.value;
  const root = w.root ?? room.messages.value.find((m) => m.seq === thread.rootSeq) ?? null;
  const following = thread.following.value;
  const error = thread.lastError.value;
  const heading = useRef<HTMLHeadingElement>(null);
  const scroller = useRef<HTMLElement>(null);
  const atBottom = useRef(true);
  /** Before older replies come in above: the distance from the bottom to keep. */
  const keepFromBottom = useRef<number | null>(null);
  const [focusedSeq, setFocusedSeq] = useState<number | null>(null);
  const newestSeq = w.replies.at(-1)?.seq ?? 0;
  const app = useAppState();
  const draft = useMemo(() => app.draft(room.roomId, thread.rootSeq), [room.roomId, thread]);

  useThreadRead(thread, newestSeq);

  useEffect(() => {
    if (props.focusComposer) {
      scroller.current?.parentElement?.querySelector<HTMLTextAreaElement>("textarea")?.focus();
    } else heading.current?.focus();
  }, [thread]);

  // New replies (and mine on their way) keep the list at the bottom if it was there; older ones
  // coming in above keep what was in view where it was.
  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    if (keepFromBottom.current !== null) {
      el.scrollTop = el.scrollHeight - keepFromBottom.current;
      keepFromBottom.current = null;
    } else if (atBottom.current) el.scrollTop = el.scrollHeight;
  }, [w.replies, pending.length, w.loaded, root !== null]);

  const loadOlder = () => {
    const el = scroller.current;
    if (el) keepFromBottom.current = el.scrollHeight - el.scrollTop;
    void thread.loadOlder();
  };

  const activeSeq =
    focusedSeq !== null && w.replies.some((m) => m.seq === focusedSeq)
      ? focusedSeq
      : (w.replies.at(-1)?.seq ?? root?.seq ?? null);
  const threadView: MessageContext = {
    ...view,
    reply: undefined,
    openThread: undefined,
    // Read receipts are the room's: they say nothing of who read a thread.
    isDm: false,
    lastMineSeq: 0,
    highlightSeq: null,
    linkTo: () => threadPath(room.roomId, thread.rootSeq),
    quoteOf: () => null,
    activeSeq,
  };
  const rows = timelineRows(w.replies as MessageType[], pending, new Date());
  const replyCount = root?.thread?.replies ?? w.replies.filter((m) => !m.deleted).length;
  const closedReason = archived
    ? "This room is archived: it can be read, not written to."
    : root?.deleted
      ? "The message this thread answers was deleted."
      : null;

  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: delegation — Escape from anywhere in the panel closes it
    <div
      class={styles.thread}
      onKeyDown={(event) => {
        if (event.key !== "Escape" || event.defaultPrevented) return;
        if ((event.target as HTMLElement).closest(".msg__edit")) return;
        event.preventDefault();
        onClose();
      }}
    >
      <header class={styles.threadHeader}>
        <div class={styles.threadHeading}>
          <h3 class={styles.threadTitle} tabIndex={-1} ref={heading}>
            Thread
          </h3>
          <span class={styles.threadRoom} dir="auto">
            {roomTitle}
          </span>
        </div>
        <button
          type="button"
          class="button button--small"
          aria-pressed={following === true}
          // Until my thread list says whether I follow it.
          disabled={following === null}
          title={following ? "Stop hearing of new replies" : "Hear of new replies in Threads"}
          onClick={() => void thread.setFollowing(!following)}
        >
          {following ? "Unfollow" : "Follow"}
        </button>
        <button
          type="button"
          class="button button--ghost button--small"
          aria-label="Close thread"
          title="Close (Esc)"
          onClick={onClose}
        >
          ✕
        </button>
      </header>
      {error && (
        <p class={styles.threadError} role="alert">
          {error}
        </p>
      )}
      <section
        class={styles.threadScroller}
        ref={scroller}
        aria-label="Replies"
        onScroll={(event) => {
          const el = event.currentTarget;
          atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < NEAR_BOTTOM_PX;
        }}
        onKeyDown={onListKey}
        onFocusIn={(event) => {
          const seq = (event.target as HTMLElement).closest<HTMLElement>(".msg[data-seq]")?.dataset
            .seq;
          if (seq) setFocusedSeq(Number(seq));
        }}
      >
        {root && <Message message={root} first={true} view={threadView} />}
        {thread.loadError.value ? (
          <p class={styles.threadError} role="alert">
            {thread.loadError.value}
          </p>
        ) : !w.loaded ? (
          <p class={`muted ${styles.threadNote}`} aria-busy="true">
            Loading replies…
          </p>
        ) : (
          <p class={styles.threadDivider}>
            <span>{replyCount === 0 ? "No replies yet" : repliesText(replyCount)}</span>
          </p>
        )}
        {w.hasOlder && (
          <button
            type="button"
            class={`button button--small ${styles.threadOlder}`}
            disabled={thread.loadingOlder.value}
            onClick={loadOlder}
          >
            {thread.loadingOlder.value ? "Loading…" : "Show older replies"}
          </button>
        )}
        {rows.map((row) =>
          row.kind === "day" ? (
            <h4 key={row.key} class={styles.threadDay}>
              {row.label}
            </h4>
          ) : row.kind === "message" ? (
            <Message key={row.key} message={row.message} first={row.first} view={threadView} />
          ) : (
            <PendingRow
              key={row.key}
              pending={row.pending}
              name={me.displayName}
              view={threadView}
            />
          ),
        )}
      </section>
      <Composer
        key={thread.rootSeq}
        members={members}
        meId={me.id}
        replyTo={null}
        label="Reply"
        placeholder="Reply in thread…"
        disabled={closedReason}
        onCancelReply={() => undefined}
        onTyping={() => undefined}
        draft={draft}
        onEditLast={() => {
          const mine = w.replies.findLast((m) => m.sender.id === me.id && !m.deleted);
          if (!mine || closedReason) return false;
          view.startEdit(mine.seq);
          return true;
        }}
        onSend={(body) => {
          const problem = room.sendReply(thread.rootSeq, body);
          // Mine goes at the end: the list follows it there.
          if (!problem) atBottom.current = true;
          return problem;
        }}
      />
    </div>
  );
}
