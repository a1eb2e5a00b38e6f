// A message's toolbar: react (quick picks, or More… for the emoji picker), reply, reply in its thread, copy its link, edit, pin,
// report someone else's message, delete with a confirm step.
import type { TargetedMouseEvent } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import type { Message as MessageType } from "../../../src/shared/protocol";
import { EmojiPicker } from "../emoji-picker";
import { type MessageContext, QUICK_REACTIONS } from "./context";
import * as styles from "./message.module.css";

export function Actions({ message, view }: { message: MessageType; view: MessageContext }) {
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
  const toggle = reactionToggle(message, view);
  return (
    <div class={styles.msgActions} ref={toolbar}>
      {picking ? (
        <>
          {QUICK_REACTIONS.map((emoji) => (
            <button
              type="button"
              key={emoji}
              class={styles.msgAction}
              tabIndex={-1}
              data-action={emoji === QUICK_REACTIONS[0] ? "first-emoji" : undefined}
              aria-label={`React ${emoji}`}
              onClick={() => {
                toggle(emoji);
                swap(() => setPicking(false), "react");
              }}
            >
              {emoji}
            </button>
          ))}
          <PickerButton
            class={styles.msgAction}
            label="More…"
            onPick={(emoji) => {
              toggle(emoji);
              swap(() => setPicking(false), "react");
            }}
          />
        </>
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
      {view.reply && (
        <button
          type="button"
          class={styles.msgAction}
          tabIndex={-1}
          onClick={() => view.reply?.(message)}
        >
          Reply
        </button>
      )}
      {view.openThread && message.threadOf === null && (
        <button
          type="button"
          class={styles.msgAction}
          tabIndex={-1}
          onClick={() => view.openThread?.(message.seq, "reply")}
        >
          Reply in thread
        </button>
      )}
      <CopyLink seq={message.seq} view={view} />
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
      {view.pin && (
        <button
          type="button"
          class={styles.msgAction}
          tabIndex={-1}
          onClick={() => view.pin?.(message.seq, !message.pinned)}
        >
          {message.pinned ? "Unpin" : "Pin"}
        </button>
      )}
      {view.report && !mine && (
        <button
          type="button"
          class={styles.msgAction}
          tabIndex={-1}
          onClick={() => view.report?.(message)}
        >
          Report
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

/** How long "Copied" stands in for "Copy link". */
const COPIED_MS = 2000;

/**
 * The message's address as a real link (open it in a new tab, copy it from the context menu);
 * a plain click copies the absolute URL instead of following it.
 */
function CopyLink({ seq, view }: { seq: number; view: MessageContext }) {
  const [copied, setCopied] = useState(false);
  useEffect(() => {
    if (!copied) return;
    const timer = setTimeout(() => setCopied(false), COPIED_MS);
    return () => clearTimeout(timer);
  }, [copied]);
  const path = view.linkTo(seq);
  const copy = async (event: TargetedMouseEvent<HTMLAnchorElement>) => {
    // Modified clicks open the link as links do (a new tab, a window).
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) {
      return;
    }
    event.preventDefault();
    const url = new URL(path, window.location.origin).href;
    try {
      await navigator.clipboard.writeText(url);
      setCopied(true);
    } catch {
      view.notCopied(url);
    }
  };
  return (
    <a
      class={`${styles.msgAction} ${styles.msgActionLink}`}
      href={path}
      tabIndex={-1}
      onClick={(event) => void copy(event)}
    >
      {copied ? "Copied" : "Copy link"}
    </a>
  );
}

/** Reacting with `emoji` to `message`, or taking my reaction back when I had it. */
function reactionToggle(message: MessageType, view: MessageContext) {
  const mine = new Set(
    message.reactions.filter((r) => r.userIds.includes(view.meId)).map((r) => r.emoji),
  );
  return (emoji: string) => view.react(message.seq, emoji, !mine.has(emoji));
}

/** A button that opens the emoji picker (loaded on first use) to react with. */
function PickerButton(props: {
  class: string | undefined;
  label: string;
  /** When the visible label does not say it ("+"). */
  ariaLabel?: string;
  onPick: (emoji: string) => void;
}) {
  const [open, setOpen] = useState(false);
  const button = useRef<HTMLButtonElement>(null);
  const close = () => {
    setOpen(false);
    button.current?.focus();
  };
  return (
    <>
      <button
        type="button"
        ref={button}
        class={props.class}
        tabIndex={-1}
        title={props.ariaLabel}
        aria-label={props.ariaLabel}
        aria-haspopup="dialog"
        aria-expanded={open}
        onClick={() => setOpen(!open)}
      >
        {props.label}
      </button>
      {open && (
        <EmojiPicker
          label="React with an emoji"
          anchor={button.current}
          onClose={close}
          onPick={(emoji) => {
            setOpen(false);
            props.onPick(emoji);
          }}
        />
      )}
    </>
  );
}

/** The reactions row's "add reaction" button. */
export function AddReaction({ message, view }: { message: MessageType; view: MessageContext }) {
  return (
    <PickerButton
      class={`${styles.reaction} ${styles.reactionAdd}`}
      label="+"
      ariaLabel="Add reaction"
      onPick={reactionToggle(message, view)}
    />
  );
}
