// The signed-out screen: sign in, or switch to creating an account. When the app signed me out
// by itself (my account was disabled, my session ended), it says so first.
import { useEffect, useState } from "preact/hooks";
import type { InstanceConfig } from "../../../src/shared/api";
import type { SignedOutNotice } from "../../state/app-state";
import { useAppState } from "../../state/use-app-state";
import * as formAlertStyles from "../form-alert/form-alert.module.css";
import { SignInForm } from "../sign-in-form";
import { SignUpForm } from "../sign-up-form";
import * as styles from "./auth-screen.module.css";

const NOTICES: Record<SignedOutNotice, string> = {
  disabled:
    "You were signed out: an administrator disabled your account. Ask them to enable it again.",
  ended: "Your session ended (you signed out elsewhere, or it expired). Sign in again to continue.",
};

export function AuthScreen() {
  const state = useAppState();
  const session = state.session.value;
  const notice = session.status === "signed-out" ? session.notice : null;
  const [mode, setMode] = useState<"sign-in" | "sign-up">("sign-in");
  // Unknown until asked (and if asking fails): the form is offered, the server decides.
  const [config, setConfig] = useState<InstanceConfig | null>(null);
  useEffect(() => {
    state.instanceConfig().then(setConfig, () => undefined);
  }, [state]);
  // The first account may always sign up (with the bootstrap token when one is set).
  const later = config !== null && !config.firstAccount;
  const closed = later && config.registration === "closed";
  const signingUp = mode === "sign-up" && !closed;
  return (
    <main class={styles.auth}>
      <div class={styles.authCard}>
        <p class="brand brand--large">Confab</p>
        <h1 class={styles.authTitle}>{signingUp ? "Create your account" : "Sign in"}</h1>
        {notice && (
          <p class={`${formAlertStyles.formAlert} auth__notice`} role="alert">
            {NOTICES[notice]}
          </p>
        )}
        {signingUp ? (
          <SignUpForm
            key="sign-up"
            askInvite={later && config.registration === "invite"}
            askBootstrap={config?.firstAccount === true && config.bootstrap}
          />
        ) : (
          <SignInForm key="sign-in" />
        )}
        {closed ? (
          <p class={`${styles.authSwitch} auth__closed`}>
            Sign-up is closed on this instance: an administrator can make you an account or send you
            an invite link.
          </p>
        ) : (
          <AuthSwitch
            signingUp={signingUp}
            onSwitch={() => setMode(signingUp ? "sign-in" : "sign-up")}
          />
        )}
      </div>
    </main>
  );
}

/** "New here? Create an account" / "Already have an account? Sign in": the other form. */
export function AuthSwitch({ signingUp, onSwitch }: { signingUp: boolean; onSwitch(): void }) {
  return (
    <p class={styles.authSwitch}>
      {signingUp ? "Already have an account?" : "New here?"}{" "}
      <button type="button" class="link-button" onClick={onSwitch}>
        {signingUp ? "Sign in" : "Create an account"}
      </button>
    </p>
  );
}
