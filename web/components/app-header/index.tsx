// The top bar: the app's name, who is signed in (and whether as admin), and signing out.

import type { SelfUser } from "../../../src/shared/api";
import { useSubmit } from "../../hooks/use-submit";
import { useAppState } from "../../state/use-app-state";
import { ThemePicker } from "../theme-picker";

export function AppHeader({ user }: { user: SelfUser }) {
  const state = useAppState();
  const { pending, error, submit } = useSubmit(state.signOut);
  return (
    <header class="app-header">
      <p class="brand">Confab</p>
      <div class="app-header__me">
        <span class="app-header__name" title={`@${user.handle}`}>
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
        {error && (
          <span class="app-header__error" role="alert">
            {error.message}
          </span>
        )}
      </div>
    </header>
  );
}
