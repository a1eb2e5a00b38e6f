// "Ana is typing…" for the people typing in the room right now (their names, not ids).
import * as styles from "./typing-indicator.module.css";
export function typingText(names: readonly string[]): string {
  if (names.length === 0) return "";
  if (names.length === 1) return `${names[0]} is typing…`;
  if (names.length === 2) return `${names[0]} and ${names[1]} are typing…`;
  return "Several people are typing…";
}

export function TypingIndicator({ names }: { names: readonly string[] }) {
  return (
    <p class={styles.typing} aria-live="polite">
      {typingText(names)}
    </p>
  );
}
