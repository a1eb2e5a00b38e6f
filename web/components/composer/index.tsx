// Writing a message: Enter sends, Shift+Enter starts a new line (so does Enter inside a ```
// block; Ctrl/Cmd+Enter sends anyway), Ctrl/Cmd+B and +I wrap the selection in bold or italic
// markers (markup.ts), ↑ in an empty box edits my last message; @ opens suggestions from the
// room's members, `:smi` emoji by shortcode (a whole `:smile:` becomes 😄), the emoji button
// the picker; a counter warns near the 2,000-character limit, and sending past it says why
// nothing went; a bar shows what I answer. Files come by the Attach button or by pasting; each
// uploads at once, as a chip, and goes with the next message sent. A thread's composer takes no
// files (it is given no uploads) and has a label of its own.
import type { ReadonlySignal } from "@preact/signals";
import { useId, useLayoutEffect, useRef, useState } from "preact/hooks";
import type { Member } from "../../../src/shared/api";
import type { Message } from "../../../src/shared/protocol";
import { MESSAGE_LIMITS } from "../../../src/shared/protocol/rules";
import { cleanBody } from "../../../src/shared/text";
import { plainText } from "../../lib/rich-text";
import type { SavedDraft } from "../../state/device-store";
import type { Upload } from "../../state/room";
import { UploadChips } from "../attachments";
import { EmojiPicker } from "../emoji-picker";
import * as styles from "./composer.module.css";
import { inCodeBlock, toggleMarker } from "./markup";
import { shortcodeAt, useEmojiData } from "./shortcodes";

const LIMIT = MESSAGE_LIMITS.bodyMaxChars;
const SHOW_COUNTER_FROM = LIMIT - 300;
const MAX_SUGGESTIONS = 6;
const count = (n: number) => n.toLocaleString("en");

/** Why a message over the limit was not sent, and how much has to go. */
function tooLongText(length: number): string {
  return `Too long to send: messages are at most ${count(LIMIT)} characters and this one has ${count(length)}. Remove ${count(length - LIMIT)} to send it.`;
}

interface ComposerProps {
  members: readonly Member[];
  meId: string;
  replyTo: Message | null;
  disabled?: string | null;
  /** The box's accessible name and its placeholder ("Message", "Write a message…" by default). */
  label?: string;
  placeholder?: string;
  onCancelReply: () => void;
  onSend: (body: string) => string | null;
  onTyping: (text: string) => void;
  /** ↑ in the empty box: starts editing my last message; false when there is none. */
  onEditLast?: () => boolean;
  /** My uploads in this room; those without a cid wait here for the next message. */
  uploads?: ReadonlySignal<readonly Upload[]>;
  /** Starts uploading files; what was left out (over the per-message limit), if anything. */
  onAttach?: (files: File[]) => string | null;
  onCancelUpload?: (key: string) => void;
  onRetryUpload?: (key: string) => void;
  /** Where the unsent text is kept (per room or thread, on this device) while I am elsewhere. */
  draft?: SavedDraft;
}

/** What a reply bar quotes: the text without markup, or the first file of a message of files alone. */
const quoted = (message: Message) =>
  message.body !== ""
    ? plainText(message.body).slice(0, 120)
    : `📎 ${message.attachments[0]?.name ?? ""}`;

/** The `@partial` right before the caret, if the caret is in one. */
function mentionAt(text: string, caret: number): { start: number; query: string } | null {
  const match = /(?:^|[^\w@])@([a-zA-Z0-9_]{0,32})$/.exec(text.slice(0, caret));
  if (!match) return null;
  const query = match[1] ?? "";
  return { start: caret - query.length - 1, query: query.toLowerCase() };
}

export function Composer(props: ComposerProps) {
  const [text, setTextNow] = useState(() => props.draft?.load() ?? "");
  const setText = (value: string) => {
    setTextNow(value);
    props.draft?.save(value);
  };
  const [error, setError] = useState<string | null>(null);
  /** Enter (or Send) was pressed on a message over the limit: say why it stays. */
  const [triedTooLong, setTriedTooLong] = useState(false);
  const [mention, setMention] = useState<{ start: number; query: string } | null>(null);
  const [active, setActive] = useState(0);
  const [shortcode, setShortcode] = useState<{ start: number; query: string } | null>(null);
  const [picking, setPicking] = useState(false);
  const emojiData = useEmojiData();
  const emojiButton = useRef<HTMLButtonElement>(null);
  const input = useRef<HTMLTextAreaElement>(null);
  const caretAfter = useRef<number | null>(null);
  const picker = useRef<HTMLInputElement>(null);
  const listId = useId();
  const counterId = useId();
  const hintId = useId();
  // What will be sent and counted (controls dropped, trimmed), by code points as the server does.
  const body = cleanBody(text);
  const length = [...body].length;
  const tooLong = length > LIMIT;
  const drafts = props.uploads?.value.filter((u) => u.cid === null) ?? [];
  const empty = body === "" && drafts.length === 0;

  const suggestions = mention
    ? props.members
        .filter(
          (m) =>
            m.user.id !== props.meId &&
            (m.user.handle.startsWith(mention.query) ||
              m.user.displayName
                .toLowerCase()
                .split(/\s+/)
                .some((word) => word.startsWith(mention.query))),
        )
        .slice(0, MAX_SUGGESTIONS)
    : [];
  // One list at a time: people after @, else emoji after a colon.
  const options =
    suggestions.length > 0
      ? suggestions.map((member) => ({
          key: member.user.id,
          pick: () => pick(member),
          content: (
            <>
              <strong dir="auto">{member.user.displayName}</strong>{" "}
              <span class="muted">@{member.user.handle}</span>
            </>
          ),
        }))
      : shortcode && emojiData.data
        ? emojiData.data.completeShortcode(shortcode.query).map(({ code, entry }) => ({
            key: code,
            pick: () => insertEmoji(entry.emoji, shortcode),
            content: (
              <>
                <span aria-hidden="true">{entry.emoji}</span> :{code}:
              </>
            ),
          }))
        : [];
  const open = options.length > 0;

  /** Puts the caret at `at` once the new text is in the box. */
  function caretTo(at: number) {
    caretAfter.current = at;
  }
  // Right after the new text is rendered, before the next key: a frame later could move the
  // caret back over what was typed meanwhile.
  useLayoutEffect(() => {
    const at = caretAfter.current;
    if (at === null) return;
    caretAfter.current = null;
    input.current?.focus();
    input.current?.setSelectionRange(at, at);
  });

  function update(typed: string, typedCaret: number) {
    const replaced = emojiData.data?.replaceShortcode(typed, typedCaret);
    const value = replaced ? replaced.text : typed;
    const caret = replaced ? replaced.caret : typedCaret;
    if (replaced) caretTo(caret);
    setText(value);
    setError(null);
    setMention(mentionAt(value, caret));
    const code = shortcodeAt(value, caret);
    if (code) emojiData.want();
    setShortcode(code);
    setActive(0);
    props.onTyping(value);
  }

  /** Puts `emoji` in place of the `:partial` before the caret, or at the caret. */
  function insertEmoji(emoji: string, replacing: { start: number } | null) {
    const el = input.current;
    const caret = el?.selectionStart ?? text.length;
    const start = replacing ? replacing.start : caret;
    const value = text.slice(0, start) + emoji + text.slice(caret);
    setText(value);
    setShortcode(null);
    props.onTyping(value);
    caretTo(start + emoji.length);
  }

  function pick(member: Member) {
    const el = input.current;
    if (!el || !mention) return;
    const caret = el.selectionStart ?? text.length;
    const inserted = `@${member.user.handle} `;
    const value = text.slice(0, mention.start) + inserted + text.slice(caret);
    const nextCaret = mention.start + inserted.length;
    setText(value);
    setMention(null);
    requestAnimationFrame(() => {
      el.focus();
      el.setSelectionRange(nextCaret, nextCaret);
    });
  }

  function attach(files: File[]) {
    if (files.length === 0 || props.disabled || !props.onAttach) return;
    setError(props.onAttach(files));
  }

  /** Files pasted (a screenshot, files copied in a file manager) are attached, not typed. */
  function onPaste(event: ClipboardEvent) {
    const data = event.clipboardData;
    if (!data || data.files.length === 0 || !props.onAttach) return;
    const files = [...data.files];
    // Copied from a document or a spreadsheet, a text may come with a picture of itself: the
    // text wins. (A file manager's copy may carry the file's name as text: the file wins.)
    const text = data.getData("text/plain").trim();
    if (text !== "" && !files.some((f) => text.includes(f.name))) return;
    event.preventDefault();
    attach(files);
  }

  function send() {
    if (empty || props.disabled) return;
    if (tooLong) {
      setTriedTooLong(true);
      return;
    }
    const problem = props.onSend(text);
    if (problem) {
      setError(problem);
      return;
    }
    setText("");
    setError(null);
    setMention(null);
    setShortcode(null);
    setTriedTooLong(false);
  }

  /**
   * Ctrl/Cmd+B or +I: markers around the selection, which stays selected between them. Read from
   * and written to the box itself, at once: a second shortcut may come before the next render
   * (the state's text would be stale) or the next frame (the selection not yet restored).
   */
  function wrap(el: HTMLTextAreaElement, marker: string) {
    const edited = toggleMarker(el.value, el.selectionStart, el.selectionEnd, marker);
    el.value = edited.text;
    el.setSelectionRange(edited.start, edited.end);
    update(edited.text, edited.end);
  }

  function onKeyDown(event: KeyboardEvent) {
    const el = event.currentTarget as HTMLTextAreaElement;
    const mod = event.ctrlKey || event.metaKey;
    const key = event.key.toLowerCase();
    if (mod && !event.altKey && (key === "b" || key === "i")) {
      event.preventDefault();
      wrap(el, key === "b" ? "**" : "_");
      return;
    }
    if (event.key === "ArrowUp" && text === "" && !mod && !event.shiftKey && props.onEditLast?.()) {
      event.preventDefault();
      return;
    }
    if (open) {
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        const step = event.key === "ArrowDown" ? 1 : -1;
        setActive((i) => (i + step + options.length) % options.length);
        return;
      }
      if (event.key === "Enter" || event.key === "Tab") {
        event.preventDefault();
        options[active]?.pick();
        return;
      }
      if (event.key === "Escape") {
        event.preventDefault();
        setMention(null);
        setShortcode(null);
        return;
      }
    }
    if (event.key === "Escape" && props.replyTo) {
      props.onCancelReply();
      return;
    }
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      if (!mod && inCodeBlock(text, el.selectionStart)) return;
      event.preventDefault();
      send();
    }
  }

  const rows = Math.min(8, Math.max(1, text.split("\n").length));

  return (
    <form
      class={styles.composer}
      onSubmit={(e) => {
        e.preventDefault();
        send();
      }}
    >
      {props.replyTo && (
        <div class={styles.composerReply}>
          <span class={styles.composerReplyLabel}>
            Replying to <strong dir="auto">{props.replyTo.sender.name}</strong>:{" "}
            <span class={styles.composerReplyText} dir="auto">
              {quoted(props.replyTo)}
            </span>
          </span>
          <button
            type="button"
            class="button button--ghost button--small"
            aria-label="Cancel reply"
            onClick={props.onCancelReply}
          >
            ✕
          </button>
        </div>
      )}
      {open && (
        <div
          class={styles.mentionsMenu}
          id={listId}
          role="listbox"
          aria-label={suggestions.length > 0 ? "People to mention" : "Emoji"}
        >
          {options.map((option, i) => (
            <div
              key={option.key}
              id={`${listId}-${i}`}
              role="option"
              tabIndex={-1}
              aria-selected={i === active}
              class={styles.mentionsMenuItem}
              onMouseDown={(e) => {
                e.preventDefault();
                option.pick();
              }}
            >
              {option.content}
            </div>
          ))}
        </div>
      )}
      {props.uploads && (
        <UploadChips
          uploads={drafts}
          onCancel={props.onCancelUpload}
          onRetry={props.onRetryUpload}
        />
      )}
      <div class={styles.composerRow}>
        <textarea
          ref={input}
          class={styles.composerInput}
          aria-label={props.label ?? "Message"}
          dir="auto"
          placeholder={props.disabled ?? props.placeholder ?? "Write a message…"}
          title="Enter sends, Shift+Enter starts a new line, **bold** _italic_ `code` ``` for a block"
          disabled={Boolean(props.disabled)}
          rows={rows}
          value={text}
          aria-controls={open ? listId : undefined}
          aria-autocomplete="list"
          aria-activedescendant={open ? `${listId}-${active}` : undefined}
          aria-describedby={`${hintId} ${counterId}`}
          onInput={(e) =>
            update(
              e.currentTarget.value,
              e.currentTarget.selectionStart ?? e.currentTarget.value.length,
            )
          }
          onKeyDown={onKeyDown}
          onPaste={onPaste}
          onBlur={() => {
            setMention(null);
            setShortcode(null);
          }}
        />
        <button
          type="button"
          ref={emojiButton}
          class={`button ${styles.composerAttach}`}
          aria-label="Insert emoji"
          aria-haspopup="dialog"
          aria-expanded={picking}
          disabled={Boolean(props.disabled)}
          onClick={() => setPicking(!picking)}
        >
          <span aria-hidden="true">😊</span>
        </button>
        {picking && (
          <EmojiPicker
            label="Insert an emoji"
            anchor={emojiButton.current}
            onClose={() => {
              setPicking(false);
              emojiButton.current?.focus();
            }}
            onPick={(emoji) => {
              setPicking(false);
              insertEmoji(emoji, null);
            }}
          />
        )}
        {props.onAttach && (
          <>
            <input
              ref={picker}
              type="file"
              multiple
              hidden
              tabIndex={-1}
              onChange={(e) => {
                attach([...(e.currentTarget.files ?? [])]);
                // The same file chosen again is a new attachment.
                e.currentTarget.value = "";
              }}
            />
            <button
              type="button"
              class={`button ${styles.composerAttach}`}
              aria-label="Attach files"
              title="Attach files (or paste, or drop them on the room)"
              disabled={Boolean(props.disabled)}
              onClick={() => picker.current?.click()}
            >
              <span aria-hidden="true">📎</span>
            </button>
          </>
        )}
        <button
          type="submit"
          class="button button--primary"
          disabled={empty || Boolean(props.disabled)}
        >
          Send
        </button>
      </div>
      <p class={styles.composerMeta}>
        <span id={hintId} class="visually-hidden">
          Enter sends, Shift+Enter starts a new line, @ mentions someone, : finds emoji. Ctrl+B and
          Ctrl+I make the selection bold or italic; after a line of three backticks, Enter starts a
          new line until the closing three. Up arrow in an empty box edits your last message.
        </span>
        {(error || (triedTooLong && tooLong)) && (
          <span class={styles.composerError} role="alert">
            {error ?? tooLongText(length)}
          </span>
        )}
        <span
          id={counterId}
          class={`${styles.composerCounter}${tooLong ? ` ${styles.composerCounterOver}` : ""}`}
          aria-live="polite"
        >
          {length >= SHOW_COUNTER_FROM ? `${count(length)} / ${count(LIMIT)}` : ""}
        </span>
      </p>
    </form>
  );
}
