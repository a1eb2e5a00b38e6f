// Under a thread's root: the last repliers' pictures and "3 replies · last reply 5 min ago", a
// button that opens the thread beside the room.
import type { Message } from "../../../src/shared/protocol";
import { threadSummaryText } from "../../lib/threads-text";
import { Avatar } from "../avatar";
import type { MessageContext } from "./context";
import * as styles from "./message.module.css";

export function ThreadSummary({
  seq,
  thread,
  view,
}: {
  seq: number;
  thread: NonNullable<Message["thread"]>;
  view: MessageContext;
}) {
  const text = threadSummaryText(thread.replies, thread.lastReplyAt, new Date());
  const faces = thread.lastRepliers.map((id) => (
    <Avatar key={id} id={id} name={view.names.get(id) ?? "?"} url={view.avatars.get(id)} />
  ));
  const open = view.openThread;
  // Inside the thread itself, the panel counts the replies.
  if (!open) return null;
  return (
    <button
      type="button"
      class={styles.msgThread}
      tabIndex={-1}
      title="Open the thread"
      onClick={() => open(seq, "read")}
    >
      <span class={styles.msgThreadFaces} aria-hidden="true">
        {faces}
      </span>
      <span class={styles.msgThreadCount}>{text}</span>
    </button>
  );
}
