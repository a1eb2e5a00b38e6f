// The root: provides the app state and picks the screen for the session.
import type { AppState } from "../../state/app-state";
import { AppStateContext } from "../../state/use-app-state";
import { AuthScreen } from "../auth-screen";
import { lazyPanel } from "../lazy-panel";
import { Workspace } from "../workspace";
import * as styles from "./app.module.css";

export function App({ state }: { state: AppState }) {
  return (
    <AppStateContext.Provider value={state}>
      <Screen state={state} />
    </AppStateContext.Provider>
  );
}

function Screen({ state }: { state: AppState }) {
  const session = state.session.value;
  switch (session.status) {
    case "unknown":
      return (
        <main class={styles.splash} aria-busy="true">
          <p class="brand brand--large">Confab</p>
        </main>
      );
    case "error":
      return (
        <main class={styles.splash}>
          <p class="brand brand--large">Confab</p>
          <p role="alert">{session.error.message}</p>
          <button type="button" class="button button--primary" onClick={() => void state.start()}>
            Retry
          </button>
        </main>
      );
    case "signed-out":
    case "signed-in": {
      const onboarding = state.onboarding.value;
      if (onboarding) return <LazyOnboardingPage link={onboarding} />;
      return session.status === "signed-in" ? <Workspace user={session.user} /> : <AuthScreen />;
    }
  }
}

// An invite or set-password link: few visits open one, so its page loads on demand.
const LazyOnboardingPage = lazyPanel(() =>
  import("../onboarding-page").then((m) => m.OnboardingPage),
);
