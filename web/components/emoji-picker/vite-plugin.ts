// Ships only what the picker reads of emojibase-data: names, tags, groups, the code points and
// the one-tone skins of `en/compact.json`, and nothing else. The picker's data chunk is what a
// first emoji search downloads; without this plugin (the workerd tests) the full files load,
// with the same shape.
import type { Plugin } from "vite";

interface Entry {
  group?: number;
  hexcode: string;
  label: string;
  tags?: string[];
  unicode: string;
  skins?: Array<{ hexcode: string; unicode: string }>;
}

/** The skin-tone modifiers; a skin with one of them (alone or repeated) is one of the five. */
const TONE = /1F3F[B-F]/g;

/** What the picker keeps of each entry (test/emoji-data.test.ts: the same table results). */
export function trimCompact(entries: readonly Entry[]): Entry[] {
  return entries
    .filter((e) => e.group !== undefined && e.group !== 2)
    .map(({ group, hexcode, label, tags, unicode, skins }) => {
      const oneTone = skins
        ?.filter((s) => new Set(s.hexcode.match(TONE)).size === 1)
        .map((s) => ({ hexcode: s.hexcode, unicode: s.unicode }));
      return {
        group,
        hexcode,
        label,
        unicode,
        ...(tags ? { tags } : {}),
        ...(oneTone?.length ? { skins: oneTone } : {}),
      };
    });
}

export function emojiData(): Plugin {
  return {
    name: "confab-emoji-data",
    enforce: "pre",
    transform(code, id) {
      if (!id.replace(/\\/g, "/").endsWith("emojibase-data/en/compact.json")) return null;
      return { code: JSON.stringify(trimCompact(JSON.parse(code) as Entry[])), map: null };
    },
  };
}
