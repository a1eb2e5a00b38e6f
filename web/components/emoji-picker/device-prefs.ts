// What this device remembers of the emoji picker: the emoji used last (newest first) and the
// skin tone chosen. Kept in localStorage, per browser; nothing goes to the server.
const RECENT_KEY = "confab.emoji.recent";
const SKIN_KEY = "confab.emoji.skin";
export const RECENT_MAX = 18;

function storage(): Storage | null {
  try {
    return typeof localStorage === "undefined" ? null : localStorage;
  } catch {
    return null;
  }
}

export function recentEmoji(): string[] {
  try {
    const value: unknown = JSON.parse(storage()?.getItem(RECENT_KEY) ?? "[]");
    return Array.isArray(value) ? value.filter((e): e is string => typeof e === "string") : [];
  } catch {
    return [];
  }
}

export function rememberEmoji(emoji: string): void {
  const next = [emoji, ...recentEmoji().filter((e) => e !== emoji)].slice(0, RECENT_MAX);
  storage()?.setItem(RECENT_KEY, JSON.stringify(next));
}

/** 0: no tone (the yellow default); 1–5: light to dark. */
export function skinTone(): number {
  const tone = Number(storage()?.getItem(SKIN_KEY) ?? 0);
  return Number.isInteger(tone) && tone >= 0 && tone <= 5 ? tone : 0;
}

export function setSkinTone(tone: number): void {
  storage()?.setItem(SKIN_KEY, String(tone));
}
