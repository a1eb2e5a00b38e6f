// A message body as elements: the Markdown subset of lib/rich-text.ts (bold, italic, strike,
// code, code blocks, quotes, lists), links that open safely elsewhere and highlighted @mentions.
// Everything is a text node or an element made here; nothing is ever given to the page as HTML.
import type { ComponentChildren, ComponentType } from "preact";
import { useEffect, useState } from "preact/hooks";
import { type Block, type Inline, parseBody } from "../../lib/rich-text";
import { showLinkImages } from "../../state/preferences";
import type { LinkImagesProps } from "./link-images";
import * as styles from "./rich-text.module.css";

interface RichTextProps {
  body: string;
  /** Handles of the room's members: only those @mentions are highlighted. */
  handles?: ReadonlySet<string> | undefined;
  myHandle?: string | undefined;
  /** False inside a message list, whose rows are reached with arrow keys instead of Tab. */
  tabbable?: boolean;
}

type Options = Omit<RichTextProps, "body">;

function inline(parts: Inline[], options: Options): ComponentChildren[] {
  return parts.map((part, i) => {
    switch (part.kind) {
      case "text":
        return part.text;
      case "code":
        return (
          <code key={i} class={styles.code}>
            {part.text}
          </code>
        );
      case "strong":
        return <strong key={i}>{inline(part.children, options)}</strong>;
      case "em":
        return <em key={i}>{inline(part.children, options)}</em>;
      case "strike":
        return <s key={i}>{inline(part.children, options)}</s>;
      case "link":
        return (
          <a
            key={i}
            href={part.href}
            target="_blank"
            rel="noopener noreferrer"
            tabIndex={options.tabbable === false ? -1 : undefined}
          >
            {part.text}
          </a>
        );
      case "mention": {
        const me = part.handle === options.myHandle;
        if (!me && !options.handles?.has(part.handle)) return part.text;
        return (
          <span key={i} class={`${styles.mention}${me ? ` ${styles.mentionMe}` : ""}`}>
            {part.text}
          </span>
        );
      }
    }
    return null;
  });
}

function block(item: Block, i: number, options: Options): ComponentChildren {
  switch (item.kind) {
    case "paragraph":
      return (
        <p key={i} class={styles.para}>
          {inline(item.children, options)}
        </p>
      );
    case "code":
      return (
        <pre key={i} class={styles.codeBlock}>
          <code>{item.text}</code>
        </pre>
      );
    case "quote":
      return (
        <blockquote key={i} class={styles.quote}>
          {item.children.map((child, j) => block(child, j, options))}
        </blockquote>
      );
    case "list": {
      const items = item.items.map((parts, j) => <li key={j}>{inline(parts, options)}</li>);
      return item.ordered ? (
        <ol key={i} class={styles.list} start={item.start}>
          {items}
        </ol>
      ) : (
        <ul key={i} class={styles.list}>
          {items}
        </ul>
      );
    }
  }
}

export function RichText({ body, ...options }: RichTextProps) {
  const blocks = parseBody(body);
  // A body of one paragraph (most messages) is its text alone, as it always was.
  const only = blocks[0];
  if (blocks.length === 1 && only?.kind === "paragraph")
    return <>{inline(only.children, options)}</>;
  return <>{blocks.map((item, i) => block(item, i, options))}</>;
}

let Images: ComponentType<LinkImagesProps> | null = null;
// Fetched as the app starts, not in its first chunk: here before the first messages, so that a
// row is drawn (and measured by the message list) with its images' box from the start.
const loadImages = import("./link-images").then((module) => {
  Images = module.LinkImages;
});

/** Whether a body's images from links are shown here (a quick look: most link to none). */
const showsImages = (body: string) =>
  showLinkImages.value && /https:\/\/\S+\.(?:png|jpe?g|gif|webp|avif)\b/i.test(body);

/** The height images from links add to a message row (their boxes are fixed), for estimates. */
export const linkImagesHeight = (body: string) => (showsImages(body) ? 204 : 0);

/** Images linked in a body, unless this device turned them off. */
export function LinkImages(props: LinkImagesProps) {
  const wanted = showsImages(props.body);
  const [, setLoaded] = useState(false);
  useEffect(() => {
    if (wanted && !Images) void loadImages.then(() => setLoaded(true));
  }, [wanted]);
  return wanted && Images ? <Images {...props} /> : null;
}
