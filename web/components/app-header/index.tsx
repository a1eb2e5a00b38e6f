// The top bar: the app's name, who is signed in (and whether as admin), and signing out. On
// narrow screens everything but the name folds into a menu, and the bar shows only beside the
// room list (a room has its own header, with the way back).

import type { SelfUser } from "../../../src/shared/api";
import { useSubmit } from "../../hooks/use-submit";
import { useAppState } from "../../state/use-app-state";
import { OverflowMenu } from "../overflow-menu";
import { ThemePicker } from "../theme-picker";
import * as styles from "./app-header.module.css";

export function AppHeader({ user }: { user: SelfUser }) {
  const state = useAppState();
  const { pending, error, submit } = useSubmit(state.signOut);
  return (
    <header class={styles.appHeader}>
      <p class="brand">Confab</p>
      <OverflowMenu label="Menu" class={styles.appHeaderMe}>
        <span class={styles.appHeaderName} title={`@${user.handle}`} dir="auto">
          {user.displayName}
        </span>
        {user.role === "admin" && (
          <button
            type="button"
            class="button button--ghost"
            aria-pressed={state.panel.value.kind === "admin"}
            onClick={() => state.show({ kind: "admin" })}
          >
            Admin
          </button>
        )}
        {state.notifications.value === "default" && (
          <button
            type="button"
            class="button button--ghost"
            onClick={() => void state.enableNotifications()}
          >
            Enable notifications
          </button>
        )}
        <ThemePicker />
        <button
          type="button"
          class="button button--ghost"
          disabled={pending}
          onClick={() => void submit(undefined)}
        >
          Sign out
        </button>
      </OverflowMenu>
      {error && (
        <span class={styles.appHeaderError} role="alert">
          {error.message}
        </span>
      )}
    </header>
  );
}
