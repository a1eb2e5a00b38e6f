// A search snippet (the server's HTML: escaped text, hits in <mark>…</mark>) read as parts of
// plain text and hits, to be rendered as text nodes and <mark> elements: the snippet is never
// given to the browser as HTML. Anything but <mark> and </mark> stays text, as written (less the
// Markdown markers that can only be markup).

export interface SnippetPart {
  text: string;
  hit: boolean;
}

const ENTITIES: Record<string, string> = {
  "&amp;": "&",
  "&lt;": "<",
  "&gt;": ">",
  "&quot;": '"',
  "&#39;": "'",
};

/**
 * The entities the server escapes with, decoded; any other `&…;` is left as it stands. The
 * unambiguous Markdown markers (`**`, `~~`, backticks) go: a snippet is a cut of the text, in
 * which spans cannot be read, and the words read better without them.
 */
const decode = (text: string) =>
  text
    .replace(/&(?:amp|lt|gt|quot|#39);/g, (entity) => ENTITIES[entity] ?? entity)
    .replace(/\*\*|~~|`+/g, "");

export function snippetParts(html: string): SnippetPart[] {
  const parts: SnippetPart[] = [];
  const push = (raw: string, hit: boolean) => {
    const text = decode(raw);
    if (!text) return;
    const previous = parts.at(-1);
    if (previous && previous.hit === hit) previous.text += text;
    else parts.push({ text, hit });
  };
  let inHit = false;
  let last = 0;
  for (const tag of html.matchAll(/<(\/?)mark>/g)) {
    const start = tag.index ?? 0;
    push(html.slice(last, start), inHit);
    last = start + tag[0].length;
    // Only a matching tag changes state: a stray close (or a second open) is dropped.
    inHit = tag[1] !== "/";
  }
  push(html.slice(last), inHit);
  return parts;
}
