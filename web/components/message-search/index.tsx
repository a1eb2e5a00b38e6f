// Searching messages: in the open room (newest first, "Load more" pages back) or across my rooms
// (grouped by room). Results show the server's snippet with the hits marked; opening one shows
// the message in its room, highlighted. Esc closes; ↑/↓ move between the box and the results.
// A lazy chunk: the room's aside and the search dialog load it when first opened.
import { useEffect, useId, useMemo, useRef, useState } from "preact/hooks";
import type { MyRoomsSearch, RoomSearchPage, SearchHit } from "../../../src/shared/api";
import { useFocusOnMount } from "../../hooks/use-focus-on-mount";
import { snippetParts } from "../../lib/snippet";
import { roomTitle } from "../../state/app-state";
import { createMessageSearch, type MessageSearch as SearchModel } from "../../state/message-search";
import { useAppState } from "../../state/use-app-state";
import { RoomIcon } from "../room-icon";
import * as styles from "./message-search.module.css";

/** A pause in typing this long runs the search; Enter runs it at once. */
const TYPING_PAUSE_MS = 300;
/** The server's limit on the text searched for (LIMITS.search.textMax, src/shared/api.ts). */
const QUERY_MAX_CHARS = 200;

export type SearchScope = { kind: "room"; roomId: string } | { kind: "all" };

interface MessageSearchProps {
  scope: SearchScope;
  /** Opens a result: its room, at the message. */
  onOpen(roomId: string, seq: number): void;
  /** Esc, or the close button. */
  onClose(): void;
}

/**
 * The last query of each search (per person and scope), so that opening it again — after
 * opening a result, say — shows the same results. Lives as long as the page.
 */
const lastQueries = new Map<string, string>();

export function MessageSearch({ scope, onOpen, onClose }: MessageSearchProps) {
  const state = useAppState();
  const meId = state.me.value?.id ?? "";
  const key = `${meId}:${scope.kind === "room" ? scope.roomId : "*"}`;
  const search = useMemo(
    () =>
      scope.kind === "room"
        ? createMessageSearch<RoomSearchPage>(
            (q, before) => state.call(() => state.api.searchRoom(scope.roomId, q, before)),
            (shown, next) => ({
              results: [...shown.results, ...next.results],
              nextBefore: next.nextBefore,
            }),
          )
        : // One answer, no further pages: each room's own search goes further.
          createMessageSearch<MyRoomsSearch & { nextBefore: null }>(
            async (q) => ({
              ...(await state.call(() => state.api.searchMyRooms(q))),
              nextBefore: null,
            }),
            (shown) => shown,
          ),
    [key],
  );
  const [text, setText] = useState(() => lastQueries.get(key) ?? "");
  const input = useFocusOnMount<HTMLInputElement>(key);
  const root = useRef<HTMLDivElement>(null);
  const headingId = useId();
  const statusId = useId();

  // The first query (one remembered) runs at once, later ones after a pause in typing.
  const first = useRef(true);
  useEffect(() => {
    lastQueries.set(key, text);
    const delay = first.current ? 0 : TYPING_PAUSE_MS;
    first.current = false;
    const timer = setTimeout(() => void search.search(text), delay);
    return () => clearTimeout(timer);
  }, [search, text]);

  /** ↑/↓ between the box and the results, Home/End to the ends, Esc closes. */
  function onKeyDown(event: KeyboardEvent) {
    if (event.key === "Escape") {
      event.preventDefault();
      event.stopPropagation();
      onClose();
      return;
    }
    const hits = [
      ...(root.current?.querySelectorAll<HTMLElement>(`.${styles.messageSearchHit}`) ?? []),
    ];
    const at = hits.indexOf(event.target as HTMLElement);
    const inBox = event.target === input.current;
    let next: HTMLElement | null | undefined;
    if (event.key === "ArrowDown") next = inBox ? hits[0] : at >= 0 ? hits[at + 1] : undefined;
    else if (event.key === "ArrowUp" && at >= 0) next = at === 0 ? input.current : hits[at - 1];
    else if (event.key === "Home" && at >= 0) next = hits[0];
    else if (event.key === "End" && at >= 0) next = hits.at(-1);
    if (!next) return;
    event.preventDefault();
    next.focus();
  }

  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: delegation — the keys come from the box and the result buttons inside
    <div class={styles.messageSearch} ref={root} onKeyDown={onKeyDown}>
      <div class={styles.messageSearchHead}>
        <h2 class={styles.messageSearchTitle} id={headingId} dir="auto">
          {scope.kind === "room" ? "Search this room" : "Search all my rooms"}
        </h2>
        <button type="button" class="button button--ghost button--small" onClick={onClose}>
          Close
        </button>
      </div>
      <search aria-labelledby={headingId}>
        <form
          onSubmit={(event) => {
            event.preventDefault();
            void search.search(text);
          }}
        >
          <input
            ref={input}
            type="search"
            class={styles.messageSearchInput}
            value={text}
            maxLength={QUERY_MAX_CHARS}
            placeholder="Search messages"
            aria-label={scope.kind === "room" ? "Search this room" : "Search all my rooms"}
            aria-describedby={statusId}
            autoComplete="off"
            enterKeyHint="search"
            onInput={(event) => setText(event.currentTarget.value)}
          />
        </form>
      </search>
      <p id={statusId} class={styles.messageSearchNote} role="status">
        {statusLine(search.state.value)}
      </p>
      <Answer search={search} scope={scope} onOpen={onOpen} />
    </div>
  );
}

type Search = SearchModel<RoomSearchPage> | SearchModel<MyRoomsSearch & { nextBefore: null }>;

/** What the status line says (screen readers hear it as it changes). */
function statusLine(now: Search["state"]["value"]): string {
  switch (now.status) {
    case "idle":
      return "Every word must match; the last may be the start of a word.";
    case "searching":
      return "Searching…";
    case "failed":
      return "";
  }
  const { page, query } = now;
  if ("rooms" in page) {
    const count = page.rooms.reduce((sum, group) => sum + group.results.length, 0);
    const scope = page.moreRooms
      ? ` Searched your ${page.searchedRooms} most recently active rooms.`
      : "";
    if (count === 0) return `No messages match “${query}”.${scope}`;
    return `${plural(count, "result")} in ${plural(page.rooms.length, "room")}.${scope}`;
  }
  if (page.results.length === 0) return `No messages match “${query}”.`;
  const sofar = page.nextBefore === null ? "" : " so far";
  return `${plural(page.results.length, "result")}${sofar}, newest first.`;
}

interface AnswerProps {
  search: Search;
  scope: SearchScope;
  onOpen(roomId: string, seq: number): void;
}

/** The results under the status line, or why there are none. */
function Answer({ search, scope, onOpen }: AnswerProps) {
  const now = search.state.value;
  if (now.status === "idle" || now.status === "searching") return null;
  if (now.status === "failed") {
    return (
      <div class={styles.messageSearchError} role="alert">
        <p>{now.error.message}</p>
        <button type="button" class="button button--small" onClick={() => void search.retry()}>
          Retry
        </button>
      </div>
    );
  }
  const { page } = now;
  if ("rooms" in page) {
    return (
      <>
        {page.rooms.map((group) => (
          <RoomGroup key={group.room.id} group={group} onOpen={onOpen} />
        ))}
      </>
    );
  }
  const roomId = scope.kind === "room" ? scope.roomId : "";
  const more = now.more;
  return (
    <>
      {page.results.length > 0 && (
        <ul class={styles.messageSearchResults} aria-label="Results">
          {page.results.map((hit) => (
            <Hit key={hit.message.seq} hit={hit} onOpen={() => onOpen(roomId, hit.message.seq)} />
          ))}
        </ul>
      )}
      {more.status === "failed" && (
        <p class={styles.messageSearchError} role="alert">
          {more.error.message}
        </p>
      )}
      {page.nextBefore !== null && (
        <button
          type="button"
          class={`button button--small ${styles.messageSearchMore}`}
          // Not disabled while loading: a disabled button would drop the keyboard's focus.
          aria-busy={more.status === "loading"}
          onClick={() => void search.loadMore()}
        >
          {more.status === "loading" ? "Loading…" : "Load more"}
        </button>
      )}
    </>
  );
}

type Group = MyRoomsSearch["rooms"][number];

/** One room's results in a search across rooms, under the room's name. */
function RoomGroup({ group, onOpen }: { group: Group; onOpen(roomId: string, seq: number): void }) {
  const state = useAppState();
  const headingId = useId();
  const rooms = state.rooms.value;
  const item =
    rooms.status === "ready" ? rooms.value.find((r) => r.room.id === group.room.id) : null;
  const title = item ? roomTitle(item, state.me.value) : (group.room.name ?? "Direct message");
  return (
    <section
      class={styles.messageSearchGroup}
      aria-labelledby={headingId}
      data-room-id={group.room.id}
    >
      <h3 class={styles.messageSearchGroupTitle} id={headingId}>
        <RoomIcon kind={group.room.kind} />
        <span dir="auto">{title}</span>
      </h3>
      <ul class={styles.messageSearchResults}>
        {group.results.map((hit) => (
          <Hit
            key={hit.message.seq}
            hit={hit}
            onOpen={() => onOpen(group.room.id, hit.message.seq)}
          />
        ))}
      </ul>
    </section>
  );
}

/** A result: who wrote it and when, and the snippet with its hits marked. */
function Hit({ hit, onOpen }: { hit: SearchHit; onOpen(): void }) {
  const { message } = hit;
  return (
    <li>
      <button type="button" class={styles.messageSearchHit} data-seq={message.seq} onClick={onOpen}>
        <span class={styles.messageSearchHitMeta}>
          <span class={styles.messageSearchHitSender} dir="auto">
            {message.sender.name}
          </span>
          <time dateTime={message.createdAt}>{when(message.createdAt)}</time>
        </span>
        <span class={styles.messageSearchHitText} dir="auto">
          <Snippet html={hit.snippet} />
        </span>
      </button>
    </li>
  );
}

/** The snippet as text and <mark> elements: never parsed as HTML by the browser. */
function Snippet({ html }: { html: string }) {
  return (
    <>
      {snippetParts(html).map((part, i) =>
        part.hit ? <mark key={i}>{part.text}</mark> : part.text,
      )}
    </>
  );
}

/** The time for today's messages, the date and time for older. */
function when(iso: string): string {
  const date = new Date(iso);
  const time = date.toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" });
  if (date.toDateString() === new Date().toDateString()) return time;
  const day = date.toLocaleDateString(undefined, { day: "numeric", month: "short" });
  return `${day}, ${time}`;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
