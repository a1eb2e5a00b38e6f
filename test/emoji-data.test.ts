// The picker's emoji (web/components/emoji-picker/emoji-data.ts): every one it offers, in every
// skin tone, passes the server's one-emoji rule in workerd, and search and shortcodes find them.
import compact from "emojibase-data/en/compact.json";
import { describe, expect, it } from "vitest";
import { isEmoji } from "../src/shared/text";
import {
  buildEmojiTable,
  byShortcode,
  CATEGORIES,
  completeShortcode,
  EMOJI,
  replaceShortcode,
  searchEmoji,
  withSkin,
} from "../web/components/emoji-picker/emoji-data";
import { trimCompact } from "../web/components/emoji-picker/vite-plugin";
import { QUICK_REACTIONS } from "../web/components/message";

describe("the picker's emoji", () => {
  it("offers only emoji the server takes as a reaction, skin tones included", () => {
    expect(EMOJI.length).toBeGreaterThan(1500);
    const refused = EMOJI.flatMap((e) => [e.emoji, ...(e.skins ?? [])]).filter((e) => !isEmoji(e));
    expect(refused).toEqual([]);
    expect(new Set(EMOJI.map((e) => e.emoji)).size).toBe(EMOJI.length);
    const groups = new Set<number>(CATEGORIES.map((c) => c.group));
    expect(EMOJI.every((e) => groups.has(e.group))).toBe(true);
  });

  it("is the same table from the trimmed data the build ships", () => {
    expect(buildEmojiTable(trimCompact(compact))).toEqual(EMOJI);
  });

  it("has the quick reactions, and thumbs up in five tones", () => {
    const offered = new Set(EMOJI.map((e) => e.emoji));
    for (const emoji of QUICK_REACTIONS) expect(offered.has(emoji), emoji).toBe(true);
    const thumbs = EMOJI.find((e) => e.emoji === "👍");
    expect(thumbs?.skins).toEqual(["👍🏻", "👍🏼", "👍🏽", "👍🏾", "👍🏿"]);
    expect(thumbs && withSkin(thumbs, 3)).toBe("👍🏽");
    expect(thumbs && withSkin(thumbs, 0)).toBe("👍");
  });

  it("finds emoji by name, tag and shortcode", () => {
    expect(searchEmoji("party popper")[0]?.emoji).toBe("🎉");
    expect(searchEmoji("party").map((e) => e.emoji)).toContain("🎉");
    expect(searchEmoji("tada")[0]?.emoji).toBe("🎉");
    expect(searchEmoji("red heart")[0]?.emoji).toBe("❤️");
    expect(searchEmoji("qqqzzz")).toEqual([]);
    expect(byShortcode("smile")?.emoji).toBe("😄");
    expect(completeShortcode("tad")[0]?.entry.emoji).toBe("🎉");
    expect(completeShortcode("smi").map((c) => c.code)).toContain("smile");
  });

  it("replaces a whole :shortcode: before the caret, and only a known one", () => {
    expect(replaceShortcode("hi :smile:", 10)).toEqual({ text: "hi 😄", caret: 5 });
    expect(replaceShortcode(":tada: now", 6)).toEqual({ text: "🎉 now", caret: 2 });
    expect(replaceShortcode("hi :nosuchcode:", 15)).toBeNull();
    expect(replaceShortcode("at 10:30:", 9)).toBeNull();
  });
});
