// The sign of a room's kind: # for a channel, a lock for a private room, a person for a DM.
import type { Room } from "../../../src/shared/api";
import * as styles from "./room-icon.module.css";

const LABELS: Record<Room["kind"], string> = {
  channel: "Channel",
  private: "Private room",
  dm: "Direct message",
};

export function RoomIcon({ kind, large }: { kind: Room["kind"]; large?: boolean }) {
  return (
    <span
      class={large ? `${styles.roomIcon} ${styles.roomIconLarge}` : styles.roomIcon}
      role="img"
      aria-label={LABELS[kind]}
    >
      {kind === "channel" && <span class={styles.roomIconHash}>#</span>}
      {kind === "private" && (
        <svg viewBox="0 0 16 16" width="16" height="16" aria-hidden="true" focusable="false">
          <path
            fill="currentColor"
            d="M4.5 7V5a3.5 3.5 0 0 1 7 0v2h.5A1.5 1.5 0 0 1 13.5 8.5v5A1.5 1.5 0 0 1 12 15H4a1.5 1.5 0 0 1-1.5-1.5v-5A1.5 1.5 0 0 1 4 7h.5Zm1.5 0h4V5a2 2 0 1 0-4 0v2Z"
          />
        </svg>
      )}
      {kind === "dm" && (
        <svg viewBox="0 0 16 16" width="16" height="16" aria-hidden="true" focusable="false">
          <path
            fill="currentColor"
            d="M8 8a3 3 0 1 0 0-6 3 3 0 0 0 0 6Zm-5.5 6.25C2.5 11.9 4.96 10 8 10s5.5 1.9 5.5 4.25V15h-11v-.75Z"
          />
        </svg>
      )}
    </span>
  );
}
