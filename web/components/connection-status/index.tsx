// The room's connection in a few words: nothing while live, otherwise what is going on and
// that typed messages wait for the connection.
import type { Connection } from "../../state/room";
import * as styles from "./connection-status.module.css";

const LABELS: Record<Connection, string | null> = {
  connected: null,
  connecting: "Connecting…",
  reconnecting: "Reconnecting… messages you write are kept and sent when back.",
  offline: "Offline. Messages you write are queued and sent when you are back online.",
  polling: "Live connection unavailable: checking for new messages every few seconds.",
};

export function ConnectionStatus({ connection }: { connection: Connection }) {
  const label = LABELS[connection];
  return (
    <p
      class={`${styles.connection} connection--${connection}`}
      role="status"
      data-connection={connection}
    >
      {label && (
        <>
          <span class={styles.connectionDot} aria-hidden="true" />
          {label}
        </>
      )}
    </p>
  );
}
