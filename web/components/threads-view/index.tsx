// The threads I follow, over all my rooms, those with unread replies first: each with its room,
// who started it and what they said, its replies and the last one's time, and how many are new.
// A click opens the room with the thread beside it. The list is asked for again whenever my
// thread counts change. Lazy: its code loads when first opened.
import { useEffect, useState } from "preact/hooks";
import { plainText } from "../../lib/rich-text";
import { repliesText, timeAgo, unreadRepliesText } from "../../lib/threads-text";
import { asApiError } from "../../net/api";
import { type AppState, type Loadable, roomTitle } from "../../state/app-state";
import { useAppState } from "../../state/use-app-state";
import { Panel } from "../panel";
import * as styles from "./threads-view.module.css";

type FollowedThread = Awaited<ReturnType<AppState["myThreads"]>>[number];

export function ThreadsView() {
  const state = useAppState();
  const [threads, setThreads] = useState<Loadable<FollowedThread[]>>({ status: "loading" });
  // The badge's count: when it moves (a reply came, a thread was read), the list is stale.
  const total = state.totalThreads.value;
  useEffect(() => {
    let current = true;
    state.myThreads().then(
      (value) => current && setThreads({ status: "ready", value }),
      (error: unknown) => current && setThreads({ status: "error", error: asApiError(error) }),
    );
    return () => {
      current = false;
    };
  }, [total]);
  return (
    <Panel title="Threads" focusKey="threads">
      <p class="muted">
        Threads you started, replied to or were mentioned in, and those you follow.
      </p>
      {threads.status === "loading" ? (
        <p class="muted" aria-busy="true">
          Loading threads…
        </p>
      ) : threads.status === "error" ? (
        <p role="alert">{threads.error.message}</p>
      ) : threads.value.length === 0 ? (
        <p class="muted">No threads yet. Reply in a thread from a message's actions.</p>
      ) : (
        <ul class={styles.threads}>
          {threads.value.map((thread) => (
            <ThreadRow key={`${thread.roomId}/${thread.rootSeq}`} thread={thread} />
          ))}
        </ul>
      )}
    </Panel>
  );
}

function ThreadRow({ thread }: { thread: FollowedThread }) {
  const state = useAppState();
  const rooms = state.rooms.value;
  const item =
    rooms.status === "ready" ? rooms.value.find((r) => r.room.id === thread.roomId) : undefined;
  const room = item ? roomTitle(item, state.me.value) : "A room";
  const unread = thread.unread > 0;
  return (
    <li>
      <button
        type="button"
        class={`${styles.threadsItem}${unread ? ` ${styles.threadsItemUnread}` : ""}`}
        onClick={() => state.showThread(thread.roomId, thread.rootSeq)}
      >
        <span class={styles.threadsRoom} dir="auto">
          {room}
        </span>
        <span class={styles.threadsRoot} dir="auto">
          <strong>{thread.root.sender.name}:</strong> {plainText(thread.root.excerpt)}
        </span>
        <span class={styles.threadsMeta}>
          {repliesText(thread.replies)} · last reply {timeAgo(thread.lastReplyAt, new Date())}
          {unread && (
            <span class="badge badge--unread">
              {unreadRepliesText(thread.unread)}
              <span class="visually-hidden"> {thread.unread === 1 ? "reply" : "replies"}</span>
            </span>
          )}
        </span>
      </button>
    </li>
  );
}
