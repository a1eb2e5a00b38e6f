// `:shortcode:` in the composer: `:par` before the caret asks for completions, and a whole
// `:tada:` typed out becomes 🎉 (replaceShortcode, in the lazy emoji data). The data loads the
// first time a `:xx` is typed.
import { useEffect, useState } from "preact/hooks";
import { loadEmojiData } from "../emoji-picker";

type EmojiData = Awaited<ReturnType<typeof loadEmojiData>>;

let loaded: EmojiData | null = null;
let loading: Promise<EmojiData> | null = null;

/** The `:partial` (two characters or more) right before the caret, if the caret is in one. */
export function shortcodeAt(text: string, caret: number): { start: number; query: string } | null {
  const match = /(?:^|[\s([{]):([a-zA-Z0-9_+-]{2,32})$/.exec(text.slice(0, caret));
  if (!match) return null;
  const query = match[1] ?? "";
  return { start: caret - query.length - 1, query: query.toLowerCase() };
}

/** The emoji data once loaded; `want()` starts loading it (once per page). */
export function useEmojiData(): { data: EmojiData | null; want: () => void } {
  const [data, setData] = useState<EmojiData | null>(loaded);
  const [wanted, setWanted] = useState(false);
  useEffect(() => {
    if (!wanted || data) return;
    loading ??= loadEmojiData();
    void loading.then((module) => {
      loaded = module;
      setData(module);
    });
  }, [wanted, data]);
  return { data, want: () => setWanted(true) };
}
