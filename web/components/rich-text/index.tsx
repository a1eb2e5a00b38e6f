// A message body as text, with links that open safely elsewhere and highlighted @mentions.
import { textParts } from "../../lib/rich-text";
import * as styles from "./rich-text.module.css";

interface RichTextProps {
  body: string;
  /** Handles of the room's members: only those @mentions are highlighted. */
  handles?: ReadonlySet<string>;
  myHandle?: string | undefined;
  /** False inside a message list, whose rows are reached with arrow keys instead of Tab. */
  tabbable?: boolean;
}

export function RichText({ body, handles, myHandle, tabbable = true }: RichTextProps) {
  return (
    <>
      {textParts(body).map((part, i) => {
        switch (part.kind) {
          case "text":
            return part.text;
          case "link":
            return (
              <a
                key={i}
                href={part.href}
                target="_blank"
                rel="noopener noreferrer"
                tabIndex={tabbable ? undefined : -1}
              >
                {part.text}
              </a>
            );
          case "mention": {
            const known = part.handle === myHandle || (handles?.has(part.handle) ?? false);
            if (!known) return part.text;
            return (
              <span
                key={i}
                class={`${styles.mention}${part.handle === myHandle ? ` ${styles.mentionMe}` : ""}`}
              >
                {part.text}
              </span>
            );
          }
        }
        return null;
      })}
    </>
  );
}
