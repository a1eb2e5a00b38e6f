// A person's picture, or their initials on their own colour when they have none (or it fails to
// load); decorative, the name is always written next to it.
import { useState } from "preact/hooks";
import * as styles from "./avatar.module.css";
import { avatarColour, initialsOf } from "./initials";

export function Avatar({
  id,
  name,
  url,
}: {
  /** The person's id: their colour follows it, not the name they may change. */
  id: string;
  name: string;
  url?: string | null | undefined;
}) {
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
  const initials = initialsOf(name);
  return (
    <span
      class={`${styles.avatar}${initials.length > 1 ? ` ${styles.avatarTwo}` : ""}`}
      style={{ background: avatarColour(id) }}
      aria-hidden="true"
    >
      {initials}
    </span>
  );
}
