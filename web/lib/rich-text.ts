// Splits a message body into plain text, safe links (http and https only) and @mentions. The
// parts are rendered as text nodes and <a> elements: user text never becomes HTML.

export type TextPart =
  | { kind: "text"; text: string }
  | { kind: "link"; text: string; href: string }
  | { kind: "mention"; text: string; handle: string };

// A URL runs to the next space; trailing punctuation belongs to the sentence, not the link.
const TOKEN = /(https?:\/\/[^\s<>"]+)|((?<![\w@])@[a-zA-Z0-9_]{3,32}\b)/gi;
const TRAILING = /[.,;:!?'")\]}]+$/;

/** The href of a link if it is http(s) and parses; null for anything else. */
export function safeHref(candidate: string): string | null {
  try {
    const url = new URL(candidate);
    return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
  } catch {
    return null;
  }
}

export function textParts(body: string): TextPart[] {
  const parts: TextPart[] = [];
  let last = 0;
  const pushText = (text: string) => {
    if (!text) return;
    const previous = parts.at(-1);
    if (previous?.kind === "text") previous.text += text;
    else parts.push({ kind: "text", text });
  };
  for (const match of body.matchAll(TOKEN)) {
    const start = match.index ?? 0;
    pushText(body.slice(last, start));
    let token = match[0];
    if (match[1]) {
      const trailing = token.match(TRAILING)?.[0] ?? "";
      token = token.slice(0, token.length - trailing.length);
      const href = safeHref(token);
      if (href) parts.push({ kind: "link", text: token, href });
      else pushText(token);
      pushText(trailing);
    } else {
      parts.push({ kind: "mention", text: token, handle: token.slice(1).toLowerCase() });
    }
    last = start + match[0].length;
  }
  pushText(body.slice(last));
  return parts;
}
