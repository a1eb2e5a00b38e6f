// A person's initial in a circle; decorative, the name is always written next to it.
import * as styles from "./avatar.module.css";
export function Avatar({ name }: { name: string }) {
  // Spread by code points, so an emoji or astral letter is not cut in half.
  const [first] = [...name.trim()];
  return (
    <span class={styles.avatar} aria-hidden="true">
      {(first ?? "?").toUpperCase()}
    </span>
  );
}
