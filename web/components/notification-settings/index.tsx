// Notification settings: push on this device (on, off, why it cannot be), a test push and its
// outcome, and where each room's level is set. Opened from the top bar's menu; loaded lazily.
import { useId } from "preact/hooks";
import { useAppState } from "../../state/use-app-state";
import { Panel } from "../panel";
import { BlockedPeople } from "./blocked-people";
import * as styles from "./notification-settings.module.css";
import { deviceText, testText } from "./notification-text";

export function NotificationSettings() {
  const { push } = useAppState();
  const status = push.status.value;
  const problem = push.problem.value;
  const test = push.test.value;
  const deviceHeading = useId();
  const roomsHeading = useId();
  const on = status === "on";
  return (
    <Panel title="Notifications" focusKey="notifications">
      <section
        class={`stack ${styles.notificationSettingsSection}`}
        aria-labelledby={deviceHeading}
      >
        <h3 class={styles.notificationSettingsHeading} id={deviceHeading}>
          This device
        </h3>
        <label class={styles.notificationSettingsToggle}>
          <input
            type="checkbox"
            checked={on}
            disabled={status !== "on" && status !== "off"}
            onChange={(event) =>
              void (event.currentTarget.checked ? push.enable() : push.disable())
            }
          />
          Push notifications on this device
        </label>
        <p class="muted" role="status">
          {deviceText(status)}
        </p>
        {problem && (
          <p class={styles.notificationSettingsProblem} role="alert">
            {problem}
          </p>
        )}
        <div class="button-row">
          <button
            type="button"
            class="button"
            disabled={!on || test?.state === "sending"}
            onClick={() => void push.sendTest()}
          >
            Send a test notification
          </button>
        </div>
        {test && <p role="status">{testText(test)}</p>}
      </section>
      <section class={`stack ${styles.notificationSettingsSection}`} aria-labelledby={roomsHeading}>
        <h3 class={styles.notificationSettingsHeading} id={roomsHeading}>
          Rooms
        </h3>
        <p class="muted">
          Each room's header (its ⋯ menu on a phone) has a Notify choice: all messages, mentions
          only, or nothing. Direct messages start at all messages, other rooms at mentions only.
        </p>
      </section>
      <BlockedPeople />
    </Panel>
  );
}
