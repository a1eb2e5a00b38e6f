// What the main panel shows when no room is open, and why, when a link led here instead of to
// its room.
import { useAppState } from "../../state/use-app-state";
import { Panel } from "../panel";
import * as styles from "./home-panel.module.css";

export function HomePanel() {
  const state = useAppState();
  const rooms = state.rooms.value;
  const none = rooms.status === "ready" && rooms.value.length === 0;
  const notice = state.notice.value;
  return (
    <Panel title={none ? "Welcome to Confab" : "Pick a room"} focusKey="home">
      {notice && (
        <p class={styles.homeNotice} role="status">
          {notice}
        </p>
      )}
      <p class="muted">
        {none
          ? "Start a room for your team, join a channel others made, or message someone directly."
          : "Choose a room on the left, or start something new."}
      </p>
      <div class="button-row">
        <button
          type="button"
          class="button button--primary"
          onClick={() => state.show({ kind: "new-room" })}
        >
          New room
        </button>
        <button type="button" class="button" onClick={() => state.show({ kind: "browse" })}>
          Browse channels
        </button>
        <button type="button" class="button" onClick={() => state.show({ kind: "new-dm" })}>
          New message
        </button>
      </div>
    </Panel>
  );
}
