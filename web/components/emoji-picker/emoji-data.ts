// The emoji the picker and `:shortcode:` completion offer, built from emojibase-data (English
// names and tags, GitHub's shortcodes). Loaded on demand only: this module and its JSON are a
// lazy chunk. Only emoji that pass the server's one-emoji rule (isEmoji) are offered.
import compact from "emojibase-data/en/compact.json";
import github from "emojibase-data/en/shortcodes/github.json";
import { isEmoji } from "../../../src/shared/text";

export interface EmojiEntry {
  /** The emoji as a reaction stores it (one RGI emoji). */
  emoji: string;
  name: string;
  group: number;
  shortcodes: readonly string[];
  /** Lower-case words searched: the name's words, tags and shortcodes. */
  words: readonly string[];
  /** The five skin tones, light to dark, when the emoji has them. */
  skins: readonly string[] | null;
}

/** The categories shown, in emojibase's group order; group 2 (skin tones, hair) is left out. */
export const CATEGORIES = [
  { group: 0, name: "Smileys & emotion", icon: "😀" },
  { group: 1, name: "People & body", icon: "👋" },
  { group: 3, name: "Animals & nature", icon: "🐻" },
  { group: 4, name: "Food & drink", icon: "🍔" },
  { group: 5, name: "Travel & places", icon: "🚗" },
  { group: 6, name: "Activities", icon: "⚽" },
  { group: 7, name: "Objects", icon: "💡" },
  { group: 8, name: "Symbols", icon: "❤️" },
  { group: 9, name: "Flags", icon: "🏁" },
] as const;

interface CompactEmoji {
  group?: number;
  hexcode: string;
  label: string;
  tags?: string[];
  unicode: string;
  skins?: Array<{ hexcode: string; unicode: string }>;
}

/**
 * The form the server takes: emojibase writes some with a variation selector that is not part of
 * the RGI sequence (👍 as 👍 + U+FE0F); null when no form is one emoji by the rule.
 */
export function asReaction(unicode: string): string | null {
  for (const form of [unicode, unicode.replace(/\uFE0F$/, ""), unicode.replace(/\uFE0F/g, "")]) {
    if (isEmoji(form)) return form;
  }
  return null;
}

const TONES = ["1F3FB", "1F3FC", "1F3FD", "1F3FE", "1F3FF"];

/** The five one-tone variants (light to dark), or null when the emoji has not all of them. */
function skinsOf(entry: CompactEmoji): string[] | null {
  if (!entry.skins) return null;
  const skins = TONES.map((tone) => {
    const skin = entry.skins?.find((s) => {
      const tones = s.hexcode.split("-").filter((part) => TONES.includes(part));
      return tones.length > 0 && tones.every((t) => t === tone);
    });
    return skin ? asReaction(skin.unicode) : null;
  });
  return skins.every((s) => s !== null) ? (skins as string[]) : null;
}

const shortcodesOf = (hexcode: string): string[] => {
  const codes = (github as Record<string, string | string[] | undefined>)[hexcode];
  return codes === undefined ? [] : typeof codes === "string" ? [codes] : codes;
};

/** Every emoji offered, in Unicode's order. */
export function buildEmojiTable(entries: readonly CompactEmoji[]): EmojiEntry[] {
  const table: EmojiEntry[] = [];
  for (const entry of entries) {
    if (entry.group === undefined || entry.group === 2) continue;
    const emoji = asReaction(entry.unicode);
    if (!emoji) continue;
    const shortcodes = shortcodesOf(entry.hexcode);
    const words = new Set([
      ...entry.label.toLowerCase().split(/[\s:,]+/),
      ...(entry.tags ?? []),
      ...shortcodes,
    ]);
    words.delete("");
    table.push({
      emoji,
      name: entry.label,
      group: entry.group,
      shortcodes,
      words: [...words],
      skins: skinsOf(entry),
    });
  }
  return table;
}

export const EMOJI: readonly EmojiEntry[] = buildEmojiTable(compact as CompactEmoji[]);

/** An emoji in the chosen skin tone (0: none, 1–5: light to dark) when it has tones. */
export const withSkin = (entry: EmojiEntry, tone: number): string =>
  (tone > 0 ? entry.skins?.[tone - 1] : undefined) ?? entry.emoji;

/**
 * Emoji for a search: a shortcode or a name or tag word that starts with the query ranks before
 * one that only contains it; each word of a query of several must match.
 */
export function searchEmoji(query: string, limit = 200): EmojiEntry[] {
  const terms = query.toLowerCase().trim().replace(/^:|:$/g, "").split(/\s+/).filter(Boolean);
  if (terms.length === 0) return [];
  const scored: Array<{ entry: EmojiEntry; score: number }> = [];
  for (const entry of EMOJI) {
    let score = 0;
    for (const term of terms) {
      const best = entry.shortcodes.includes(term)
        ? 4
        : entry.shortcodes.some((c) => c.startsWith(term))
          ? 3
          : entry.words.some((w) => w.startsWith(term))
            ? 2
            : entry.words.some((w) => w.includes(term))
              ? 1
              : 0;
      if (best === 0) {
        score = 0;
        break;
      }
      score += best;
    }
    if (score > 0) scored.push({ entry, score });
  }
  // Stable: equal scores keep Unicode's order, so 😀 comes before 😃.
  return scored
    .sort((a, b) => b.score - a.score)
    .slice(0, limit)
    .map((s) => s.entry);
}

/** Shortcode completions for `:par` (by shortcode only, as Slack and GitHub do). */
export function completeShortcode(
  prefix: string,
  limit = 6,
): Array<{ code: string; entry: EmojiEntry }> {
  const wanted = prefix.toLowerCase();
  const exact: Array<{ code: string; entry: EmojiEntry }> = [];
  const starts: Array<{ code: string; entry: EmojiEntry }> = [];
  for (const entry of EMOJI) {
    for (const code of entry.shortcodes) {
      if (code === wanted) exact.push({ code, entry });
      else if (code.startsWith(wanted)) starts.push({ code, entry });
    }
  }
  return [...exact, ...starts].slice(0, limit);
}

/** The emoji a whole `:shortcode:` names, if any. */
export const byShortcode = (code: string): EmojiEntry | undefined =>
  EMOJI.find((e) => e.shortcodes.includes(code.toLowerCase()));

/**
 * `text` with a whole `:code:` that ends at the caret replaced by its emoji, if it names one (the
 * composer asks once the data is loaded).
 */
export function replaceShortcode(
  text: string,
  caret: number,
): { text: string; caret: number } | null {
  const match = /(?:^|[\s([{]):([a-zA-Z0-9_+-]{2,32}):$/.exec(text.slice(0, caret));
  const code = match?.[1];
  const entry = code ? byShortcode(code) : undefined;
  if (!code || !entry) return null;
  const start = caret - code.length - 2;
  return {
    text: text.slice(0, start) + entry.emoji + text.slice(caret),
    caret: start + entry.emoji.length,
  };
}
