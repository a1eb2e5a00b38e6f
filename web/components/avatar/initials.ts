// What an avatar without a picture shows: up to two initials of a name and a colour that is the
// same for the same person everywhere (derived from their id, not their name, which may change).

/**
 * Backgrounds for white initials, each at least 4.5:1 against #ffffff (WCAG AA for text), and
 * apart enough in hue that neighbours in a list are told apart.
 */
export const AVATAR_COLOURS = [
  "#b42318", // red
  "#b54708", // orange
  "#8a5300", // amber
  "#2f7a1f", // green
  "#0f766e", // teal
  "#0369a1", // sky
  "#3e4bc2", // indigo
  "#7a3db8", // violet
  "#a3196a", // magenta
  "#4b5565", // slate
] as const;

const segmenter =
  typeof Intl !== "undefined" && "Segmenter" in Intl ? new Intl.Segmenter() : undefined;

/** The first user-perceived character (an emoji with its modifiers, a letter with its accents). */
function firstGrapheme(text: string): string {
  if (segmenter) {
    for (const { segment } of segmenter.segment(text)) return segment;
    return "";
  }
  return [...text][0] ?? "";
}

/**
 * "Ana Lima" → "AL", "Ana Maria de Lima" → "AL", "ana" → "A", "王小明" → "王", "🦊 Fox" → "F",
 * "🦊" → "🦊", "" → "?". Words that start with a letter or digit count; when none does (emoji,
 * punctuation), the name's first character stands in.
 */
export function initialsOf(name: string): string {
  const words = name
    .trim()
    .split(/\s+/u)
    .filter((word) => /^[\p{L}\p{N}]/u.test(word));
  const first = words[0];
  if (first === undefined) return firstGrapheme(name.trim()) || "?";
  const last = words.length > 1 ? words[words.length - 1] : undefined;
  // Scripts without case (CJK, Arabic…) are unchanged by toUpperCase; one of their characters is
  // a whole syllable or word, so one is enough.
  const a = firstGrapheme(first).toUpperCase();
  if (!last || !/^[\p{Lu}\p{Ll}\p{Lt}\p{N}]/u.test(a)) return a;
  return a + firstGrapheme(last).toUpperCase();
}

/** The background of someone's initials: a hash (FNV-1a) of their id picks one colour. */
export function avatarColour(id: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    hash ^= id.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return AVATAR_COLOURS[(hash >>> 0) % AVATAR_COLOURS.length] ?? AVATAR_COLOURS[0];
}
