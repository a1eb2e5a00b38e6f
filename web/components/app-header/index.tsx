// The top bar: the app's name, the search across my rooms, who is signed in (and whether as
// admin), my account, notification settings, the theme, and signing out. On narrow screens everything but
// the name and the search folds into a menu, and the bar shows only beside the room list (a
// room has its own header, with the way back).

import type { SelfUser } from "../../../src/shared/api";
import { useSubmit } from "../../hooks/use-submit";
import { useAppState } from "../../state/use-app-state";
import { Avatar } from "../avatar";
import { OverflowMenu } from "../overflow-menu";
import { PictureButtons } from "../picture-buttons";
import { ThemePicker } from "../theme-picker";
import * as styles from "./app-header.module.css";

interface AppHeaderProps {
  user: SelfUser;
  /** Whether the search across my rooms is open. */
  searching: boolean;
  onSearch(): void;
}

export function AppHeader({ user, searching, onSearch }: AppHeaderProps) {
  const state = useAppState();
  const { pending, error, submit } = useSubmit(state.signOut);
  return (
    <header class={styles.appHeader}>
      <p class="brand">Confab</p>
      <button
        type="button"
        class={`button ${styles.appHeaderSearch}`}
        aria-haspopup="dialog"
        aria-expanded={searching}
        aria-keyshortcuts="Control+Shift+F Meta+Shift+F"
        title="Search messages (Ctrl+Shift+F, ⌘⇧F)"
        onClick={onSearch}
      >
        <svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true" focusable="false">
          <path
            fill="currentColor"
            d="M6.5 1a5.5 5.5 0 0 1 4.38 8.82l3.4 3.4-1.06 1.06-3.4-3.4A5.5 5.5 0 1 1 6.5 1Zm0 1.5a4 4 0 1 0 0 8 4 4 0 0 0 0-8Z"
          />
        </svg>
        Search messages
      </button>
      <OverflowMenu label="Menu" class={styles.appHeaderMe}>
        <Avatar id={user.id} name={user.displayName} url={user.avatarUrl} />
        <span class={styles.appHeaderName} title={`@${user.handle}`} dir="auto">
          {user.displayName}
        </span>
        <PictureButtons user={user} />
        <button
          type="button"
          class="button button--ghost"
          aria-pressed={state.panel.value.kind === "account"}
          onClick={() => state.show({ kind: "account" })}
        >
          Account
        </button>
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
        <button
          type="button"
          class="button button--ghost"
          aria-pressed={state.panel.value.kind === "notifications"}
          onClick={() => state.show({ kind: "notifications" })}
        >
          Notifications
        </button>
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
