// A room's pinned messages, newest pin first, beside the room (over it on a phone): who wrote
// each, its text, who pinned it and when; a click opens it in its place in the room (a reply, in
// its thread), and those who may unpin do it here too. Lazy: its code loads when first opened.
import type { Message } from "../../../src/shared/protocol";
import { plainText } from "../../lib/rich-text";
import { pinnedByText, timeAgo } from "../../lib/threads-text";
import type { RoomState } from "../../state/room";
import { useAppState } from "../../state/use-app-state";
import * as styles from "./pinned-list.module.css";

interface PinnedListProps {
  room: RoomState;
  names: ReadonlyMap<string, string>;
  meId: string;
  canPin: boolean;
  onClose(): void;
}

/** What a pinned message says in the list: its text without markup, or its first file. */
function excerpt(message: Message): string {
  if (message.body !== "") return plainText(message.body).slice(0, 200);
  return `📎 ${message.attachments[0]?.name ?? ""}`;
}

/** On a phone the list covers the room: it gives way to what it opened. */
const coversRoom = () => window.matchMedia("(max-width: 720px)").matches;

export function PinnedList({ room, names, meId, canPin, onClose }: PinnedListProps) {
  const state = useAppState();
  const pins = room.pins.value;
  const error = room.pinsError.value;
  const open = (message: Message) => {
    if (coversRoom()) onClose();
    if (message.threadOf !== null) state.showThread(room.roomId, message.threadOf);
    else state.showMessage(room.roomId, message.seq);
  };
  return (
    <section class={styles.pins} aria-labelledby="pins-heading">
      <header class={styles.pinsHeader}>
        <h3 class={styles.pinsHeading} id="pins-heading">
          Pinned messages {pins && <span class={styles.pinsCount}>{pins.length}</span>}
        </h3>
        <button
          type="button"
          class="button button--ghost button--small"
          aria-label="Close pinned messages"
          onClick={onClose}
        >
          ✕
        </button>
      </header>
      {error && !pins ? (
        <p class={styles.pinsNote} role="alert">
          {error}{" "}
          <button type="button" class="link-button" onClick={() => void room.loadPins()}>
            Retry
          </button>
        </p>
      ) : !pins ? (
        <p class={`muted ${styles.pinsNote}`} aria-busy="true">
          Loading pinned messages…
        </p>
      ) : pins.length === 0 ? (
        <p class={`muted ${styles.pinsNote}`}>
          Nothing is pinned here yet.
          {canPin ? " Pin a message from its actions to keep it at hand." : ""}
        </p>
      ) : (
        <ul class={styles.pinsList}>
          {pins.map((message) => (
            <li key={message.seq} class={styles.pin}>
              <button
                type="button"
                class={styles.pinOpen}
                title="Show it in the room"
                onClick={() => open(message)}
              >
                <span class={styles.pinSender} dir="auto">
                  {message.sender.name}
                </span>
                <span class={styles.pinText} dir="auto">
                  {excerpt(message)}
                </span>
                <span class={styles.pinBy}>
                  {message.pinned && pinnedByText(message.pinned.by, meId, names)}
                  {message.pinned && ` · ${timeAgo(message.pinned.at, new Date())}`}
                  {message.threadOf !== null && " · in a thread"}
                </span>
              </button>
              {canPin && (
                <button
                  type="button"
                  class="button button--ghost button--small"
                  aria-label={`Unpin ${message.sender.name}: ${excerpt(message).slice(0, 40)}`}
                  onClick={() => void room.pin(message.seq, false)}
                >
                  Unpin
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
