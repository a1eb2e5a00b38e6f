// The people I blocked, each with Unblock: the one place to undo a block made from a member
// list or a DM's header. Part of the lazily loaded settings panel.
import { useId, useState } from "preact/hooks";
import { asApiError } from "../../net/api";
import { useAppState } from "../../state/use-app-state";
import { Avatar } from "../avatar";
import * as styles from "./notification-settings.module.css";

export function BlockedPeople() {
  const state = useAppState();
  const heading = useId();
  const [error, setError] = useState<string | null>(null);
  const people = state.blocked.value;
  return (
    <section class={`stack ${styles.notificationSettingsSection}`} aria-labelledby={heading}>
      <h3 class={styles.notificationSettingsHeading} id={heading}>
        Blocked people
      </h3>
      {people.length === 0 ? (
        <p class="muted">
          Nobody. Block someone from a room's member list or a direct message's header.
        </p>
      ) : (
        <ul class={styles.notificationSettingsBlockedList}>
          {people.map((person) => (
            <li class={styles.notificationSettingsBlockedPerson} key={person.id}>
              <Avatar id={person.id} name={person.displayName} url={person.avatarUrl} />
              <span dir="auto">{person.displayName}</span>
              <span class="muted">@{person.handle}</span>
              <button
                type="button"
                class="button button--small"
                aria-label={`Unblock ${person.displayName}`}
                onClick={() =>
                  void state
                    .unblock(person.id)
                    .then(() => setError(null))
                    .catch((e: unknown) => setError(asApiError(e).message))
                }
              >
                Unblock
              </button>
            </li>
          ))}
        </ul>
      )}
      {error && <p role="alert">{error}</p>}
    </section>
  );
}
