// The character rules for text people write: names and topics, message bodies, reactions.

/**
 * C0 controls other than tab, line feed and carriage return (U+0000–U+0008, U+000B, U+000C,
 * U+000E–U+001F), and DEL (U+007F). None draws anything in a chat line; they can upset
 * terminals and logs that print a message; and U+0002/U+0003 are what the room's search
 * snippets mark hits with, so a body holding them could forge or break a highlight.
 */
const BODY_CONTROLS = /(?![\t\n\r\u0080-\u009F])\p{Cc}/gu;

/** Every control character (general category Cc: C0, DEL, C1): a name is one line of text. */
const CONTROLS = /\p{Cc}/u;
/** Cc but tab, which a topic may hold (pasted from a table, say). */
const CONTROLS_BUT_TAB = /(?!\t)\p{Cc}/u;
/**
 * Bidirectional embeddings, overrides (U+202A–U+202E) and isolates (U+2066–U+2069): they
 * reorder what follows, so "admin\u202Egnp.exe" would read as "adminexe.png".
 */
const BIDI_CONTROLS = /[\u202A-\u202E\u2066-\u2069]/;
/**
 * Characters that show nothing on their own: white space, format characters (ZWSP, ZWJ,
 * U+2060, U+FEFF, U+180E…), the other default-ignorables (Hangul fillers, variation selectors,
 * tags…), and the blank Braille pattern. A name made only of them looks empty.
 */
const INVISIBLE_ONLY = /^[\p{White_Space}\p{Cf}\p{Default_Ignorable_Code_Point}\p{Cc}\u2800]+$/u;

/** A body as it is stored and counted: the controls above dropped, then trimmed. */
export function cleanBody(text: string): string {
  return dropBodyControls(text).trim();
}

/** The controls a body may not carry, dropped (also for showing bodies stored before the rule). */
export function dropBodyControls(text: string): string {
  return text.replace(BODY_CONTROLS, "");
}

/**
 * What is wrong with a name, room name or topic (already trimmed and NFC-normalised), if
 * anything. `tab`: topics may hold tabs. Empty is left to the caller (a topic may be empty).
 */
export function nameProblem(text: string, opts: { tab?: boolean } = {}): string | null {
  if ((opts.tab ? CONTROLS_BUT_TAB : CONTROLS).test(text)) return "No control characters";
  if (BIDI_CONTROLS.test(text)) return "No text direction override or isolate characters";
  if (INVISIBLE_ONLY.test(text)) return "Needs at least one visible character";
  return null;
}

/**
 * Built on first use, not at load: the `v` flag is missing from some browsers the client still
 * runs in, where a module-level `new RegExp(…, "v")` would stop the whole app from starting.
 */
let rgiEmoji: RegExp | null | undefined;

/**
 * The shape of one emoji, for engines without the `v` flag: a flag, a keycap, or a pictograph
 * with its modifiers, presentation selector, ZWJ-joined parts and tag sequence. Looser than
 * RGI; the server (workerd has `v`) is the one that decides.
 */
const EMOJI_SHAPE =
  /^(?:\p{Regional_Indicator}{2}|[#*0-9]\uFE0F?\u20E3|\p{Extended_Pictographic}(?:\p{Emoji_Modifier}|\uFE0F|[\u{E0020}-\u{E007F}]|\u200D\p{Extended_Pictographic})*)$/u;

/**
 * Whether the text is exactly one emoji of the set recommended for general interchange (RGI):
 * one grapheme such as 👍, 👍🏽, 👨‍👩‍👧, 🇫🇷 or ❤️ — not letters, markup or two emoji.
 */
export function isEmoji(text: string): boolean {
  if (rgiEmoji === undefined) {
    try {
      // biome-ignore lint/complexity/useRegexLiterals: a `v` literal is a parse error where unsupported
      rgiEmoji = new RegExp(String.raw`^\p{RGI_Emoji}$`, "v");
    } catch {
      rgiEmoji = null;
    }
  }
  return (rgiEmoji ?? EMOJI_SHAPE).test(text);
}
