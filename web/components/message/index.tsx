// One message: avatar and name at the start of a run, whether it is pinned, an optional quote of
// the message it answers, the text (or "Message deleted"), its files, reactions, read receipts on
// mine, its thread's summary, and its actions (actions.tsx, edit-form.tsx, receipt.tsx,
// thread-summary.tsx beside it; pending-row.tsx for mine on their way).
import { useState } from "preact/hooks";
import type { Message as MessageType } from "../../../src/shared/protocol";
import { plainText } from "../../lib/rich-text";
import { pinnedByText } from "../../lib/threads-text";
import { timeLabel } from "../../state/timeline";
import { Attachments } from "../attachments";
import { Avatar } from "../avatar";
import { LinkImages, RichText } from "../rich-text";
import { Actions, AddReaction } from "./actions";
import type { MessageContext } from "./context";
import { EditForm } from "./edit-form";
import * as styles from "./message.module.css";
import { Receipt } from "./receipt";
import { ThreadSummary } from "./thread-summary";

export { type MessageContext, QUICK_REACTIONS } from "./context";
export { PendingRow } from "./pending-row";

interface MessageProps {
  message: MessageType;
  first: boolean;
  view: MessageContext;
}

export function Message(props: MessageProps) {
  const { message, view } = props;
  const [shown, setShown] = useState(false);
  if (!shown && !message.deleted && view.blocked.has(message.sender.id)) {
    return (
      <FoldedMessage
        message={message}
        tabStop={view.activeSeq === message.seq}
        onShow={() => setShown(true)}
      />
    );
  }
  return <ShownMessage {...props} />;
}

/** A message of someone I blocked, folded: one line and a way to read it anyway. */
function FoldedMessage({
  message,
  tabStop,
  onShow,
}: {
  message: MessageType;
  tabStop: boolean;
  onShow(): void;
}) {
  return (
    <article
      class={`${styles.msg} ${styles.msgFirst} msg--folded`}
      data-seq={message.seq}
      aria-label="Hidden message"
      tabIndex={tabStop ? 0 : -1}
    >
      <div class={styles.msgGutter} />
      <div class={styles.msgMain}>
        <p class={`${styles.msgBody} ${styles.msgBodyDeleted}`}>
          Hidden: you blocked this person.{" "}
          <button type="button" class="link-button" onClick={onShow}>
            Show
          </button>
        </p>
      </div>
    </article>
  );
}

function ShownMessage({ message, first, view }: MessageProps) {
  const mine = message.sender.id === view.meId;
  const date = new Date(message.createdAt);
  const mentionsMe = message.mentions.includes(view.meId);
  const classes = [
    styles.msg,
    first && styles.msgFirst,
    mine && styles.msgMine,
    mentionsMe && styles.msgMention,
    message.deleted && "msg--deleted",
    view.highlightSeq === message.seq && styles.msgHighlight,
    message.pinned && styles.msgPinned,
  ]
    .filter(Boolean)
    .join(" ");
  return (
    <article
      class={classes}
      data-seq={message.seq}
      aria-label={`${message.sender.name}`}
      tabIndex={view.activeSeq === message.seq ? 0 : -1}
    >
      <div class={styles.msgGutter}>
        {first ? (
          <Avatar
            id={message.sender.id}
            name={message.sender.name}
            url={view.avatars.get(message.sender.id)}
          />
        ) : (
          <time class={`${styles.msgTime} ${styles.msgTimeSide}`} dateTime={message.createdAt}>
            {timeLabel(date)}
          </time>
        )}
      </div>
      <div class={styles.msgMain}>
        {message.pinned && (
          <p class={styles.msgPinnedBy}>
            <span aria-hidden="true">📌</span>{" "}
            {pinnedByText(message.pinned.by, view.meId, view.names)}
          </p>
        )}
        {first && (
          <header class={styles.msgHeader}>
            <span class={styles.msgSender} dir="auto">
              {mine ? `${message.sender.name} (you)` : message.sender.name}
            </span>
            {view.bots?.has(message.sender.id) && <span class="badge badge--bot">bot</span>}
            <time class={styles.msgTime} dateTime={message.createdAt} title={date.toLocaleString()}>
              {timeLabel(date)}
            </time>
          </header>
        )}
        {message.replyTo && !message.deleted && (
          <button
            type="button"
            class={styles.msgQuote}
            tabIndex={-1}
            title="Show the original message"
            onClick={() => message.replyTo && view.jumpTo(message.replyTo.seq)}
          >
            <span class="visually-hidden">In reply to </span>
            <span class={styles.msgQuoteSender} dir="auto">
              {message.replyTo.sender.name}
            </span>{" "}
            <span class="msg__quote-text" dir="auto">
              {plainText(message.replyTo.excerpt)}
            </span>
          </button>
        )}
        {view.editingSeq === message.seq ? (
          <EditForm message={message} view={view} />
        ) : message.deleted ? (
          <p class={`${styles.msgBody} ${styles.msgBodyDeleted}`}>Message deleted</p>
        ) : (
          // A message of files alone has no text to show.
          (message.body !== "" || message.editedAt || message.attachments.length === 0) && (
            <div class={styles.msgBody} dir="auto">
              <RichText
                body={message.body}
                handles={view.handles}
                myHandle={view.myHandle}
                tabbable={false}
              />
              {message.editedAt && <span class={styles.msgEdited}> (edited)</span>}
            </div>
          )
        )}
        {!message.deleted && view.editingSeq !== message.seq && (
          <LinkImages body={message.body} tabbable={false} />
        )}
        {!message.deleted && message.attachments.length > 0 && (
          <Attachments attachments={message.attachments} />
        )}
        {!message.deleted && message.reactions.length > 0 && (
          <div class={styles.reactions}>
            {message.reactions.map((reaction) => {
              const minePressed = reaction.userIds.includes(view.meId);
              return (
                <button
                  type="button"
                  key={reaction.emoji}
                  class={styles.reaction}
                  tabIndex={-1}
                  aria-pressed={minePressed}
                  aria-label={`${reaction.emoji} ${reaction.count}${minePressed ? ", including you" : ""}`}
                  onClick={() => view.react(message.seq, reaction.emoji, !minePressed)}
                >
                  <span aria-hidden="true">{reaction.emoji}</span>
                  <span class={styles.reactionCount} aria-hidden="true">
                    {reaction.count}
                  </span>
                </button>
              );
            })}
            <AddReaction message={message} view={view} />
          </div>
        )}
        {mine && !message.deleted && <Receipt message={message} view={view} />}
        {message.thread && message.threadOf === null && (
          <ThreadSummary seq={message.seq} thread={message.thread} view={view} />
        )}
      </div>
      {!message.deleted && view.editingSeq !== message.seq && (
        <Actions message={message} view={view} />
      )}
    </article>
  );
}
