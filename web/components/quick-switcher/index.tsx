// Ctrl+K (⌘K): jump to a room or a person by typing part of a name. My rooms match at once
// (fuzzy, over their names and DM peers); people come from the server's people search as I type.
// ↑/↓ move, Enter opens the room or the DM with that person, Esc closes. A lazy chunk.
import { useEffect, useId, useRef, useState } from "preact/hooks";
import type { PublicUser, RoomListItem } from "../../../src/shared/api";
import { fuzzyFilter } from "../../lib/fuzzy";
import { roomTitle } from "../../state/app-state";
import { useAppState } from "../../state/use-app-state";
import { RoomIcon } from "../room-icon";
import * as styles from "./quick-switcher.module.css";

const MAX_ROOMS = 8;
const MAX_PEOPLE = 6;
const PEOPLE_PAUSE_MS = 150;

type Choice =
  | { kind: "room"; key: string; item: RoomListItem; title: string }
  | { kind: "person"; key: string; person: PublicUser };

/** `onClose(true)`: it opened a room (focus goes there), false: nothing chosen. */
export function QuickSwitcher({ onClose }: { onClose(opened: boolean): void }) {
  const state = useAppState();
  const me = state.me.value;
  const dialog = useRef<HTMLDialogElement>(null);
  const listId = useId();
  const [query, setQuery] = useState("");
  const [active, setActive] = useState(0);
  const [people, setPeople] = useState<PublicUser[]>([]);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    if (dialog.current && !dialog.current.open) dialog.current.showModal();
  }, []);

  // People by the server's search, after a pause; an answer to an older query is dropped.
  useEffect(() => {
    const q = query.trim();
    if (q === "") {
      setPeople([]);
      return;
    }
    let current = true;
    const timer = setTimeout(() => {
      state.findPeople(q).then(
        (found) => current && setPeople(found),
        () => current && setPeople([]),
      );
    }, PEOPLE_PAUSE_MS);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [query]);

  const rooms = state.rooms.value.status === "ready" ? state.rooms.value.value : [];
  const roomChoices: Choice[] = fuzzyFilter(query, rooms, (item) => [
    roomTitle(item, me),
    ...item.peers.map((p) => p.handle),
  ])
    .slice(0, MAX_ROOMS)
    .map((item) => ({ kind: "room", key: `r-${item.room.id}`, item, title: roomTitle(item, me) }));
  const personChoices: Choice[] = fuzzyFilter(
    query,
    people.filter((p) => p.id !== me?.id),
    (p) => [p.displayName, p.handle],
  )
    .slice(0, MAX_PEOPLE)
    .map((person) => ({ kind: "person", key: `p-${person.id}`, person }));
  const choices = [...roomChoices, ...personChoices];
  const at = Math.min(active, Math.max(choices.length - 1, 0));

  async function choose(choice: Choice | undefined) {
    if (!choice) return;
    try {
      if (choice.kind === "room") {
        onClose(true);
        state.show({ kind: "room", roomId: choice.item.room.id });
      } else {
        await state.openDm(choice.person.id);
        onClose(true);
      }
    } catch (e) {
      setError(e instanceof Error ? e.message : "Could not open that conversation.");
    }
  }

  function onKeyDown(event: KeyboardEvent) {
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      const n = choices.length;
      if (n > 0) setActive((at + (event.key === "ArrowDown" ? 1 : n - 1)) % n);
    } else if (event.key === "Enter") {
      event.preventDefault();
      void choose(choices[at]);
    }
  }

  return (
    // biome-ignore lint/a11y/useKeyWithClickEvents: a click on the backdrop; Esc is its keyboard equivalent (onCancel)
    <dialog
      ref={dialog}
      class={`modal ${styles.switcher}`}
      aria-label="Switch to a room or person"
      onCancel={(event) => {
        event.preventDefault();
        onClose(false);
      }}
      onClick={(event) => {
        if (event.target === dialog.current) onClose(false);
      }}
    >
      <input
        class={styles.switcherInput}
        type="text"
        role="combobox"
        aria-label="Room or person"
        aria-expanded={choices.length > 0}
        aria-controls={listId}
        aria-activedescendant={choices[at] ? `${listId}-${choices[at].key}` : undefined}
        placeholder="Jump to a room or person…"
        value={query}
        autoFocus
        onInput={(e) => {
          setQuery(e.currentTarget.value);
          setActive(0);
          setError(null);
        }}
        onKeyDown={onKeyDown}
      />
      {error && (
        <p role="alert" class={styles.switcherError}>
          {error}
        </p>
      )}
      <div id={listId} role="listbox" aria-label="Matches" class={styles.switcherList}>
        {choices.map((choice, i) => (
          <div
            key={choice.key}
            id={`${listId}-${choice.key}`}
            role="option"
            tabIndex={-1}
            aria-selected={i === at}
            class={styles.switcherOption}
            onMouseMove={() => setActive(i)}
            onMouseDown={(e) => {
              // The box keeps focus; the click chooses.
              e.preventDefault();
              void choose(choice);
            }}
          >
            {choice.kind === "room" ? (
              <>
                <RoomIcon kind={choice.item.room.kind} />
                <span>{choice.title}</span>
                {choice.item.unread > 0 && <span class="badge">{choice.item.unread}</span>}
              </>
            ) : (
              <>
                <span aria-hidden="true">@</span>
                <span>{choice.person.displayName}</span>
                <span class="muted">@{choice.person.handle} · message</span>
              </>
            )}
          </div>
        ))}
      </div>
      {choices.length === 0 && (
        <p class={`muted ${styles.switcherEmpty}`}>
          {query.trim() ? `Nothing matches “${query.trim()}”.` : "No rooms yet."}
        </p>
      )}
    </dialog>
  );
}
