// One message: avatar and name at the start of a run, an optional quote of the message it
// answers, the text (or "Message deleted"), reactions, read receipts on mine, and its actions.
import { useEffect, useRef, useState } from "preact/hooks";
import type { Message as MessageType } from "../../../src/shared/protocol";
import { cleanBody } from "../../../src/shared/text";
import { type PendingMessage, timeLabel } from "../../state/timeline";
import { Avatar } from "../avatar";
import * as fieldStyles from "../field/field.module.css";
import { RichText } from "../rich-text";
import * as styles from "./message.module.css";

/** The picker's choices; each must pass the server's one-emoji rule (test/unicode.test.ts). */
export const QUICK_REACTIONS = ["👍", "❤️", "😂", "🎉", "😮", "😢"] as const;

/** What every message row needs to know about the room and what it can do. */
export interface MessageContext {
  meId: string;
  myHandle: string;
  canModerate: boolean;
  isDm: boolean;
  handles: ReadonlySet<string>;
  readMarks: Readonly<Record<string, number>>;
  /** My newest message: in group rooms only it shows "Seen by N". */
  lastMineSeq: number;
  editingSeq: number | null;
  reply(message: MessageType): void;
  startEdit(seq: number | null): void;
  saveEdit(seq: number, body: string): Promise<void>;
  remove(seq: number): Promise<void>;
  react(seq: number, emoji: string, on: boolean): void;
  retry(cid: string): void;
  discard(cid: string): void;
  quoteOf(seq: number): { sender: string; excerpt: string } | null;
  /** Scrolls to a message (the original of a reply) if it is loaded. */
  jumpTo(seq: number): void;
  highlightSeq: number | null;
  /** The message that is the list's one Tab stop (its controls are reached with arrows). */
  activeSeq: number | null;
}

function Receipt({ message, view }: { message: MessageType; view: MessageContext }) {
  const readers = Object.entries(view.readMarks).filter(
    ([userId, seq]) => userId !== view.meId && seq >= message.seq,
  ).length;
  if (view.isDm) {
    return readers > 0 ? (
      <span class={`${styles.receipt} ${styles.receiptRead}`} title="Read">
        ✓✓<span class="visually-hidden"> read</span>
      </span>
    ) : (
      <span class={styles.receipt} title="Sent">
        ✓<span class="visually-hidden"> sent</span>
      </span>
    );
  }
  if (message.seq !== view.lastMineSeq) return null;
  return (
    <span class={styles.receipt} title="Sent">
      {readers > 0 ? `✓ Seen by ${readers}` : "✓ Sent"}
    </span>
  );
}

function EditForm({ message, view }: { message: MessageType; view: MessageContext }) {
  const [text, setText] = useState(message.body);
  const [error, setError] = useState<string | null>(null);
  const save = async () => {
    if (cleanBody(text) === message.body) return view.startEdit(null);
    try {
      await view.saveEdit(message.seq, text);
      view.startEdit(null);
    } catch (caught) {
      setError(caught instanceof Error ? caught.message : "Could not save");
    }
  };
  return (
    <form
      class={styles.msgEdit}
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      <textarea
        class={fieldStyles.fieldInput}
        aria-label="Edit message"
        value={text}
        rows={2}
        // biome-ignore lint/a11y/noAutofocus: editing was asked for right here
        autoFocus
        onInput={(e) => setText(e.currentTarget.value)}
        onKeyDown={(e) => {
          if (e.key === "Escape") view.startEdit(null);
          if (e.key === "Enter" && !e.shiftKey) {
            e.preventDefault();
            void save();
          }
        }}
      />
      {error && <p class={fieldStyles.fieldError}>{error}</p>}
      <div class="button-row">
        <button type="submit" class="button button--primary button--small">
          Save
        </button>
        <button type="button" class="button button--small" onClick={() => view.startEdit(null)}>
          Cancel
        </button>
      </div>
    </form>
  );
}

function Actions({ message, view }: { message: MessageType; view: MessageContext }) {
  const [picking, setPicking] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const toolbar = useRef<HTMLDivElement>(null);
  // The button that was pressed goes away (React → the emoji, Delete → Confirm): keep the
  // keyboard where it was instead of losing focus to the page.
  const focusNext = useRef<string | null>(null);
  useEffect(() => {
    const action = focusNext.current;
    focusNext.current = null;
    if (action) toolbar.current?.querySelector<HTMLElement>(`[data-action="${action}"]`)?.focus();
  }, [picking, confirming]);
  /** Changes the toolbar, then focuses `next` if the keyboard was in the toolbar. */
  const swap = (change: () => void, next: string) => {
    if (toolbar.current?.contains(document.activeElement)) focusNext.current = next;
    change();
  };
  const mine = message.sender.id === view.meId;
  const mineReactions = new Set(
    message.reactions.filter((r) => r.userIds.includes(view.meId)).map((r) => r.emoji),
  );
  return (
    <div class={styles.msgActions} ref={toolbar}>
      {picking ? (
        QUICK_REACTIONS.map((emoji) => (
          <button
            type="button"
            key={emoji}
            class={styles.msgAction}
            tabIndex={-1}
            data-action={emoji === QUICK_REACTIONS[0] ? "first-emoji" : undefined}
            aria-label={`React ${emoji}`}
            onClick={() => {
              view.react(message.seq, emoji, !mineReactions.has(emoji));
              swap(() => setPicking(false), "react");
            }}
          >
            {emoji}
          </button>
        ))
      ) : (
        <button
          type="button"
          class={styles.msgAction}
          tabIndex={-1}
          data-action="react"
          onClick={() => swap(() => setPicking(true), "first-emoji")}
        >
          React
        </button>
      )}
      <button
        type="button"
        class={styles.msgAction}
        tabIndex={-1}
        onClick={() => view.reply(message)}
      >
        Reply
      </button>
      {mine && (
        <button
          type="button"
          class={styles.msgAction}
          tabIndex={-1}
          onClick={() => view.startEdit(message.seq)}
        >
          Edit
        </button>
      )}
      {(mine || view.canModerate) &&
        (confirming ? (
          <>
            <button
              type="button"
              class={`${styles.msgAction} ${styles.msgActionDanger}`}
              tabIndex={-1}
              data-action="confirm-delete"
              onClick={() => void view.remove(message.seq)}
            >
              Confirm delete
            </button>
            <button
              type="button"
              class={styles.msgAction}
              tabIndex={-1}
              onClick={() => swap(() => setConfirming(false), "delete")}
            >
              Keep
            </button>
          </>
        ) : (
          <button
            type="button"
            class={styles.msgAction}
            tabIndex={-1}
            data-action="delete"
            onClick={() => swap(() => setConfirming(true), "confirm-delete")}
          >
            Delete
          </button>
        ))}
    </div>
  );
}

interface MessageProps {
  message: MessageType;
  first: boolean;
  view: MessageContext;
}

export function Message({ message, first, view }: MessageProps) {
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
          <Avatar name={message.sender.name} />
        ) : (
          <time class={`${styles.msgTime} ${styles.msgTimeSide}`} dateTime={message.createdAt}>
            {timeLabel(date)}
          </time>
        )}
      </div>
      <div class={styles.msgMain}>
        {first && (
          <header class={styles.msgHeader}>
            <span class={styles.msgSender} dir="auto">
              {mine ? `${message.sender.name} (you)` : message.sender.name}
            </span>
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
              {message.replyTo.excerpt}
            </span>
          </button>
        )}
        {view.editingSeq === message.seq ? (
          <EditForm message={message} view={view} />
        ) : message.deleted ? (
          <p class={`${styles.msgBody} ${styles.msgBodyDeleted}`}>Message deleted</p>
        ) : (
          <p class={styles.msgBody} dir="auto">
            <RichText
              body={message.body}
              handles={view.handles}
              myHandle={view.myHandle}
              tabbable={false}
            />
            {message.editedAt && <span class={styles.msgEdited}> (edited)</span>}
          </p>
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
          </div>
        )}
        {mine && !message.deleted && <Receipt message={message} view={view} />}
      </div>
      {!message.deleted && view.editingSeq !== message.seq && (
        <Actions message={message} view={view} />
      )}
    </article>
  );
}

/** A message of mine that the server has not acknowledged yet (greyed), or that it refused. */
export function PendingRow({
  pending,
  name,
  view,
}: {
  pending: PendingMessage;
  name: string;
  view: MessageContext;
}) {
  const quote = pending.replyTo === null ? null : view.quoteOf(pending.replyTo);
  return (
    <article
      class={`${styles.msg} ${styles.msgFirst} ${styles.msgMine} ${styles.msgPending}${pending.status === "failed" ? ` ${styles.msgFailed}` : ""}`}
      aria-label={`${name}, not sent yet`}
    >
      <div class={styles.msgGutter}>
        <Avatar name={name} />
      </div>
      <div class={styles.msgMain}>
        <header class={styles.msgHeader}>
          <span class={styles.msgSender} dir="auto">
            {name} (you)
          </span>
          <span class={styles.msgTime}>
            {pending.status === "failed"
              ? "Not sent"
              : pending.status === "queued"
                ? "Queued"
                : "Sending…"}
          </span>
        </header>
        {quote && (
          <blockquote class={styles.msgQuote}>
            <span class={styles.msgQuoteSender} dir="auto">
              {quote.sender}
            </span>{" "}
            <span class="msg__quote-text" dir="auto">
              {quote.excerpt}
            </span>
          </blockquote>
        )}
        <p class={styles.msgBody} dir="auto">
          <RichText body={pending.body} />
        </p>
        {pending.status === "failed" && (
          <p class={styles.msgError} role="alert">
            {pending.error}{" "}
            <button type="button" class="link-button" onClick={() => view.retry(pending.cid)}>
              Retry
            </button>{" "}
            <button type="button" class="link-button" onClick={() => view.discard(pending.cid)}>
              Discard
            </button>
          </p>
        )}
      </div>
    </article>
  );
}
