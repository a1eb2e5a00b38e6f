// Reads a message body as a small, safe Markdown subset: paragraphs, ``` code blocks, > quotes,
// - and 1. lists; inside them **bold**, *italic* or _italic_, ~~strike~~, `code`, links (http(s),
// [text](url), bare domains, e-mail addresses) and @mentions. The result is data, rendered as
// Preact elements (components/rich-text): user text never becomes HTML, nothing inside code is
// read, and only http(s) and mailto: become links. Pure, so the tests read it without a browser.

export type Inline =
  | { kind: "text"; text: string }
  | { kind: "code"; text: string }
  | { kind: "link"; text: string; href: string }
  | { kind: "mention"; text: string; handle: string }
  | { kind: "strong" | "em" | "strike"; children: Inline[] };

export type Block =
  | { kind: "paragraph"; children: Inline[] }
  | { kind: "code"; text: string }
  | { kind: "quote"; children: Block[] }
  | { kind: "list"; ordered: boolean; start: number; items: Inline[][] };

const SCHEMES = new Set(["http:", "https:", "mailto:"]);

/** The href of a link if it is http(s) or mailto: and parses; null for anything else. */
export function safeHref(candidate: string): string | null {
  try {
    const url = new URL(candidate);
    return SCHEMES.has(url.protocol) ? url.href : null;
  } catch {
    return null;
  }
}

const WORD = /[\p{L}\p{N}]/u;
const SPACE = /\s/;
// Bare domains only under common top-level domains, so that file.ts or e.g. stay text.
const AUTOLINKS: [RegExp, string][] = [
  [/https?:\/\/[^\s<>"]+/iy, ""],
  [/[\w.+-]+@(?:[a-z0-9-]+\.)+[a-z]{2,}(?![\w-])/iy, "mailto:"],
  [
    /(?:www\.(?:[a-z0-9-]+\.)+[a-z]{2,}|(?:[a-z0-9-]+\.)+(?:com|org|net|io|dev|app|ai|co|info|edu|gov|eu|uk|de|fr|nl|ch|ca|au|jp|us|xyz)(?![\w-]|\.\w))(?:[/?#][^\s<>"]*)?/iy,
    "https://",
  ],
];
const MENTION = /@[a-zA-Z0-9_]{3,32}\b/y;
const LINK = /\[([^\]\n]+)\]\(((?:[^\s()]|\([^\s()]*\))+)\)/y;
const TICKS = /`+/g;
const MARKS = [
  ["**", "strong"],
  ["~~", "strike"],
  ["*", "em"],
  ["_", "em"],
] as const;

/** Trailing punctuation belongs to the sentence, a closing parenthesis only when unopened. */
function trimUrl(url: string): string {
  let end = url.length;
  while (end > 0) {
    const c = url[end - 1] as string;
    if (c === ")") {
      const head = url.slice(0, end);
      if (head.split("(").length >= head.split(")").length) break;
    } else if (!".,;:!?'\"]}*_~>".includes(c)) break;
    end--;
  }
  return url.slice(0, end);
}

interface Found {
  node: Inline;
  end: number;
}

export function inlineParts(s: string): Inline[] {
  const codeEnds = new Map<number, number>();
  const failed = new Map<string, number>();

  const sticky = (re: RegExp, at: number) => {
    re.lastIndex = at;
    return re.exec(s);
  };

  /** A code span from a run of backticks to the next run as long; unmatched, the run is text. */
  function codeAt(i: number): Found {
    const run = (sticky(/`+/y, i) as RegExpExecArray)[0];
    const open = i + run.length;
    let close = codeEnds.get(i);
    if (close === undefined) {
      close = -1;
      TICKS.lastIndex = open;
      for (let m = TICKS.exec(s); m; m = TICKS.exec(s)) {
        if (m[0].length === run.length) {
          close = m.index;
          break;
        }
      }
      codeEnds.set(i, close);
    }
    return close < 0
      ? { node: { kind: "text", text: run }, end: open }
      : { node: { kind: "code", text: s.slice(open, close) }, end: close + run.length };
  }

  /** What is read whole at `i`, whatever markers it holds: code, a link, a mention. */
  function atomAt(i: number, from: number, to: number): Found | null {
    const c = s[i];
    const prev = i > from ? (s[i - 1] as string) : " ";
    if (c === "`") return codeAt(i);
    if (c === "[") {
      const m = sticky(LINK, i);
      const href = m && safeHref(m[2] as string);
      return m && href
        ? { node: { kind: "link", text: m[1] as string, href }, end: m.index + m[0].length }
        : null;
    }
    if (c === "@") {
      const m = !/[\w@]/.test(prev) && sticky(MENTION, i);
      if (!m) return null;
      return {
        node: { kind: "mention", text: m[0], handle: m[0].slice(1).toLowerCase() },
        end: i + m[0].length,
      };
    }
    if (/[\p{L}\p{N}.+\-@/]/u.test(prev)) return null;
    for (const [re, scheme] of AUTOLINKS) {
      const m = sticky(re, i);
      if (!m) continue;
      const text = trimUrl(m[0].slice(0, to - i));
      const href = safeHref(scheme + text);
      if (href) return { node: { kind: "link", text, href }, end: i + text.length };
    }
    return null;
  }

  /** Where `mark` closes a span that starts at `from`, or -1; spans end with their line. */
  function closerOf(mark: string, from: number, to: number): number {
    // Once a search fails, later ones on the same line would too: each opener is not a new scan.
    const key = `${mark} ${to}`;
    const failedFrom = failed.get(key);
    if (failedFrom !== undefined && failedFrom <= from && s.lastIndexOf("\n", from) < failedFrom) {
      return -1;
    }
    for (let j = from; j < to && s[j] !== "\n"; ) {
      const atom = atomAt(j, from, to);
      if (atom) {
        j = atom.end;
        continue;
      }
      if (s.startsWith(mark, j)) {
        // A single * or _ never closes on half of a double one (an inner span's).
        const double = mark.length === 1 && s[j + 1] === mark;
        const end = j + mark.length;
        if (!double && j > from && end <= to && !SPACE.test(s[j - 1] as string)) {
          if (!WORD.test(s[end] ?? " ")) return j;
        }
        j = double ? j + 2 : end;
        continue;
      }
      j++;
    }
    failed.set(key, from);
    return -1;
  }

  /** A span opened at `i`: never inside a word (2*3*4, snake_case), never before a space. */
  function spanAt(i: number, from: number, to: number): Found | null {
    if (i > from && WORD.test(s[i - 1] as string)) return null;
    for (const [mark, kind] of MARKS) {
      if (!s.startsWith(mark, i)) continue;
      const start = i + mark.length;
      if (start >= to || SPACE.test(s[start] as string) || s[start] === mark) return null;
      const close = closerOf(mark, start, to);
      if (close < 0) return null;
      return { node: { kind, children: parse(start, close) }, end: close + mark.length };
    }
    return null;
  }

  function parse(from: number, to: number): Inline[] {
    const parts: Inline[] = [];
    let text = "";
    for (let i = from; i < to; ) {
      let found = atomAt(i, from, to) ?? spanAt(i, from, to);
      if (found && found.end > to) found = null;
      if (!found) {
        text += s[i];
        i++;
        continue;
      }
      if (found.node.kind === "text") text += found.node.text;
      else {
        if (text) parts.push({ kind: "text", text });
        text = "";
        parts.push(found.node);
      }
      i = found.end;
    }
    if (text) parts.push({ kind: "text", text });
    return parts;
  }

  return parse(0, s.length);
}

export const FENCE = /^ {0,3}```\s*[\w+-]*\s*$/;
const FENCE_END = /^ {0,3}```\s*$/;
const QUOTE = /^ {0,3}> ?(.*)$/;
const BULLET = /^ {0,3}[-*•] +(.*)$/;
const NUMBERED = /^ {0,3}(\d{1,9})[.)] +(.*)$/;

/** A body's blocks; an unclosed ``` runs to the end, as it does while being typed. */
export function parseBody(body: string, depth = 0): Block[] {
  const lines = body.split("\n");
  const blocks: Block[] = [];
  let paragraph: string[] = [];
  const endParagraph = () => {
    const text = paragraph.join("\n").replace(/^\n+|\n+$/g, "");
    if (text) blocks.push({ kind: "paragraph", children: inlineParts(text) });
    paragraph = [];
  };
  /** The lines from `i` on that `re` matches, by their first group. */
  const run = (i: number, re: RegExp) => {
    const matches: RegExpExecArray[] = [];
    for (let m = re.exec(lines[i] ?? ""); m; m = re.exec(lines[i + matches.length] ?? "")) {
      matches.push(m);
    }
    return matches;
  };
  for (let i = 0; i < lines.length; ) {
    const line = lines[i] as string;
    if (FENCE.test(line)) {
      endParagraph();
      let end = i + 1;
      while (end < lines.length && !FENCE_END.test(lines[end] as string)) end++;
      blocks.push({ kind: "code", text: lines.slice(i + 1, end).join("\n") });
      i = end + 1;
      continue;
    }
    const quote = depth < 3 ? run(i, QUOTE) : [];
    const bullets = run(i, BULLET);
    const numbers = run(i, NUMBERED);
    if (quote.length + bullets.length + numbers.length === 0) {
      paragraph.push(line);
      i++;
      continue;
    }
    endParagraph();
    if (quote.length > 0) {
      const inner = quote.map((m) => m[1]).join("\n");
      blocks.push({ kind: "quote", children: parseBody(inner, depth + 1) });
      i += quote.length;
    } else if (bullets.length > 0) {
      blocks.push({
        kind: "list",
        ordered: false,
        start: 1,
        items: bullets.map((m) => inlineParts(m[1] as string)),
      });
      i += bullets.length;
    } else {
      blocks.push({
        kind: "list",
        ordered: true,
        start: Number(numbers[0]?.[1]),
        items: numbers.map((m) => inlineParts(m[2] as string)),
      });
      i += numbers.length;
    }
  }
  endParagraph();
  return blocks;
}

const inlineText = (parts: Inline[]): string =>
  parts.map((p) => ("children" in p ? inlineText(p.children) : p.text)).join("");

function blockText(block: Block): string {
  switch (block.kind) {
    case "paragraph":
      return inlineText(block.children);
    case "code":
      return block.text;
    case "quote":
      return block.children.map(blockText).join("\n");
    case "list":
      return block.items.map(inlineText).join("\n");
  }
}

/** A body without its markup, for one-line previews and quotes: "**hi** `x`" reads "hi x". */
export function plainText(body: string): string {
  return parseBody(body).map(blockText).join("\n");
}

/** Every link of a body outside code, in order (image embeds read them). */
export function linksOf(blocks: Block[]): { text: string; href: string }[] {
  const links: { text: string; href: string }[] = [];
  const visit = (parts: Inline[]) => {
    for (const part of parts) {
      if (part.kind === "link") links.push(part);
      else if ("children" in part) visit(part.children);
    }
  };
  for (const block of blocks) {
    if (block.kind === "paragraph") visit(block.children);
    else if (block.kind === "quote") links.push(...linksOf(block.children));
    else if (block.kind === "list") block.items.forEach(visit);
  }
  return links;
}
