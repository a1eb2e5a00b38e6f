// A person's picture, or their initial in a circle when they have none (or it fails to load);
// decorative, the name is always written next to it.
import { useState } from "preact/hooks";
import * as styles from "./avatar.module.css";

export function Avatar({ name, url }: { name: string; url?: string | null | undefined }) {
  const [broken, setBroken] = useState<string | null>(null);
  if (url && broken !== url) {
    return (
      <img
        class={styles.avatar}
        src={url}
        alt=""
        width={32}
        height={32}
        loading="lazy"
        decoding="async"
        onError={() => setBroken(url)}
      />
    );
  }
  // Spread by code points, so an emoji or astral letter is not cut in half.
  const [first] = [...name.trim()];
  return (
    <span class={styles.avatar} aria-hidden="true">
      {(first ?? "?").toUpperCase()}
    </span>
  );
}
