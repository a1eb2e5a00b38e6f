// The emoji picker itself (a lazy chunk with its data): search by name, tag or shortcode, the
// device's Recent row, a remembered skin tone, categories. Keyboard: arrows move in the grid,
// Enter picks, Esc (or a press outside) closes; ArrowDown or Tab leave the search for the grid.
import { useEffect, useId, useLayoutEffect, useRef, useState } from "preact/hooks";
import { recentEmoji, rememberEmoji, setSkinTone, skinTone } from "./device-prefs";
import { CATEGORIES, EMOJI, type EmojiEntry, searchEmoji, withSkin } from "./emoji-data";
import type { EmojiPickerProps } from "./index";
import * as styles from "./picker.module.css";

/** Emoji per row; the arrow keys move by it. */
const COLUMNS = 8;
const WIDTH = 8 * 40 + 24;
const HEIGHT = 380;
const TONES = ["Default", "Light", "Medium-light", "Medium", "Medium-dark", "Dark"];
const TONE_SWATCH = ["✋", "✋🏻", "✋🏼", "✋🏽", "✋🏾", "✋🏿"];

interface Item {
  emoji: string;
  name: string;
}
interface Section {
  id: string;
  name: string;
  items: Item[];
}

/** Names for the Recent row, whichever tone it was picked in. */
let namesByEmoji: Map<string, string> | null = null;
function nameOf(emoji: string): string {
  if (!namesByEmoji) {
    namesByEmoji = new Map();
    for (const e of EMOJI) {
      namesByEmoji.set(e.emoji, e.name);
      for (const skin of e.skins ?? []) namesByEmoji.set(skin, e.name);
    }
  }
  return namesByEmoji.get(emoji) ?? emoji;
}

const item = (entry: EmojiEntry, tone: number): Item => ({
  emoji: withSkin(entry, tone),
  name: entry.name,
});

function sectionsFor(query: string, tone: number, recent: readonly string[]): Section[] {
  if (query.trim() !== "") {
    return [
      {
        id: "results",
        name: "Search results",
        items: searchEmoji(query).map((e) => item(e, tone)),
      },
    ];
  }
  const sections: Section[] = [];
  if (recent.length > 0) {
    sections.push({
      id: "recent",
      name: "Recent",
      items: recent.map((emoji) => ({ emoji, name: nameOf(emoji) })),
    });
  }
  for (const category of CATEGORIES) {
    sections.push({
      id: `group-${category.group}`,
      name: category.name,
      items: EMOJI.filter((e) => e.group === category.group).map((e) => item(e, tone)),
    });
  }
  return sections;
}

/** Where the picker stands: under its opener, or over it when there is no room below. */
function placement(anchor: HTMLElement | null): { top: number; left: number } {
  const width = Math.min(WIDTH, window.innerWidth - 16);
  const height = Math.min(HEIGHT, window.innerHeight - 16);
  if (!anchor) return { top: 8, left: 8 };
  const rect = anchor.getBoundingClientRect();
  const below = rect.bottom + 4 + height <= window.innerHeight;
  const top = below ? rect.bottom + 4 : Math.max(8, rect.top - 4 - height);
  const left = Math.min(Math.max(8, rect.right - width), window.innerWidth - width - 8);
  return { top, left };
}

export function EmojiPickerPanel({ label, anchor, onPick, onClose }: EmojiPickerProps) {
  const [query, setQuery] = useState("");
  const [tone, setTone] = useState(skinTone);
  const [recent] = useState(recentEmoji);
  const [position, setPosition] = useState<{ top: number; left: number } | null>(null);
  const panel = useRef<HTMLDivElement>(null);
  const search = useRef<HTMLInputElement>(null);
  const grid = useRef<HTMLDivElement>(null);
  const headingId = useId();
  const sections = sectionsFor(query, tone, recent);
  const total = sections.reduce((n, s) => n + s.items.length, 0);

  useLayoutEffect(() => setPosition(placement(anchor)), [anchor]);
  useEffect(() => search.current?.focus(), []);
  // A press anywhere else closes it, as menus do (its own button toggles it instead).
  useEffect(() => {
    const away = (event: PointerEvent) => {
      const target = event.target as Node;
      if (!panel.current?.contains(target) && !anchor?.contains(target)) onClose();
    };
    document.addEventListener("pointerdown", away);
    return () => document.removeEventListener("pointerdown", away);
  }, [anchor, onClose]);

  const buttons = () => [
    ...(grid.current?.querySelectorAll<HTMLButtonElement>("button[data-emoji]") ?? []),
  ];
  const pick = (emoji: string) => {
    rememberEmoji(emoji);
    onPick(emoji);
  };

  function onGridKey(event: KeyboardEvent) {
    const all = buttons();
    const at = all.indexOf(event.target as HTMLButtonElement);
    if (at < 0) return;
    const step = { ArrowRight: 1, ArrowLeft: -1, ArrowDown: COLUMNS, ArrowUp: -COLUMNS }[event.key];
    if (step !== undefined) {
      event.preventDefault();
      const next = at + step;
      if (next < 0) search.current?.focus();
      else all[Math.min(next, all.length - 1)]?.focus();
    } else if (event.key === "Home" || event.key === "End") {
      event.preventDefault();
      all[event.key === "Home" ? 0 : all.length - 1]?.focus();
    }
  }

  function onSearchKey(event: KeyboardEvent) {
    if (event.key === "ArrowDown") {
      event.preventDefault();
      buttons()[0]?.focus();
    } else if (event.key === "Enter") {
      event.preventDefault();
      const first = sections[0]?.items[0];
      if (first && query.trim() !== "") pick(first.emoji);
    }
  }

  return (
    <div
      ref={panel}
      class={styles.emojiPicker}
      role="dialog"
      aria-label={label}
      style={position ? { top: `${position.top}px`, left: `${position.left}px` } : undefined}
      onKeyDown={(event) => {
        if (event.key === "Escape") {
          event.preventDefault();
          event.stopPropagation();
          onClose();
        }
      }}
    >
      <div class={styles.emojiPickerTop}>
        <input
          ref={search}
          type="search"
          class={styles.emojiPickerSearch}
          placeholder="Search emoji"
          aria-label="Search emoji"
          value={query}
          onInput={(e) => setQuery(e.currentTarget.value)}
          onKeyDown={onSearchKey}
        />
        <select
          class={styles.emojiPickerTone}
          aria-label="Skin tone"
          value={String(tone)}
          onChange={(e) => {
            const next = Number(e.currentTarget.value);
            setTone(next);
            setSkinTone(next);
          }}
        >
          {TONES.map((name, i) => (
            <option key={name} value={String(i)}>
              {`${TONE_SWATCH[i]} ${name}`}
            </option>
          ))}
        </select>
      </div>
      {query.trim() === "" && (
        <nav class={styles.emojiPickerCategories} aria-label="Emoji categories">
          {CATEGORIES.map((category) => (
            <button
              type="button"
              key={category.group}
              class={styles.emojiPickerCategory}
              aria-label={category.name}
              title={category.name}
              onClick={() => {
                const section = grid.current?.querySelector(
                  `#${headingId}-group-${category.group}`,
                );
                section?.scrollIntoView({ block: "start" });
                section?.parentElement?.querySelector<HTMLElement>("button[data-emoji]")?.focus();
              }}
            >
              <span aria-hidden="true">{category.icon}</span>
            </button>
          ))}
        </nav>
      )}
      <div class={styles.emojiPickerGrid} ref={grid}>
        {total === 0 && <p class="muted">No emoji found</p>}
        {sections.map((section, s) => (
          <section key={section.id} aria-labelledby={`${headingId}-${section.id}`}>
            <h3 id={`${headingId}-${section.id}`} class={styles.emojiPickerHeading}>
              {section.name}
            </h3>
            <div class={styles.emojiPickerRow}>
              {section.items.map((entry, i) => (
                <button
                  type="button"
                  key={entry.emoji}
                  class={styles.emojiPickerEmoji}
                  data-emoji={entry.emoji}
                  aria-label={entry.name}
                  title={entry.name}
                  tabIndex={s === 0 && i === 0 ? 0 : -1}
                  onClick={() => pick(entry.emoji)}
                  onKeyDown={onGridKey}
                >
                  {entry.emoji}
                </button>
              ))}
            </div>
          </section>
        ))}
      </div>
      <p class="visually-hidden" aria-live="polite">
        {query.trim() === "" ? "" : `${total} emoji found`}
      </p>
    </div>
  );
}
