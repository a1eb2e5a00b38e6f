// The pages a link from outside opens, signed in or not: an invite (who invited me, to how many
// rooms; sign up, sign in, or accept when signed in already, then into its first room) and a
// one-time link that sets my password. Loaded only when such a link is followed.
import { useEffect, useMemo, useState } from "preact/hooks";
import type { InvitePreview } from "../../../src/shared/api";
import type { OnboardingLink } from "../../../src/shared/links";
import { useSubmit } from "../../hooks/use-submit";
import { asApiError, fieldErrors } from "../../net/api";
import { useAppState } from "../../state/use-app-state";
import { AuthSwitch } from "../auth-screen";
import * as authStyles from "../auth-screen/auth-screen.module.css";
import { Field, NewPasswordField } from "../field";
import { FormAlert } from "../form-alert";
import { SignInForm } from "../sign-in-form";
import { SignUpForm } from "../sign-up-form";

export function OnboardingPage({ link }: { link: OnboardingLink }) {
  return (
    <main class={authStyles.auth}>
      <div class={authStyles.authCard}>
        <p class="brand brand--large">Confab</p>
        {link.kind === "invite" ? <InvitePage code={link.code} /> : <SetPasswordPage />}
      </div>
    </main>
  );
}

const roomsText = (n: number) => (n === 0 ? "" : ` (${n} room${n === 1 ? "" : "s"})`);

function InvitePage({ code }: { code: string }) {
  const state = useAppState();
  const me = state.me.value;
  const [preview, setPreview] = useState<InvitePreview | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const [mode, setMode] = useState<"sign-up" | "sign-in">("sign-up");
  const accept = useSubmit(state.acceptInvite);
  useEffect(() => {
    state.invitePreview(code).then(setPreview, (error) => {
      const apiError = asApiError(error);
      setFailure(apiError.status === 404 ? "invalid" : apiError.message);
    });
  }, [state, code]);

  if (failure === "invalid" || preview?.valid === false) {
    return (
      <>
        <h1 class={authStyles.authTitle}>This invite link does not work</h1>
        <p role="alert" class="invite__invalid">
          It has expired, been used up or deleted, or the link is mistyped. Ask whoever sent it for
          a new one.
        </p>
        <button
          type="button"
          class="button button--primary"
          onClick={() => void state.leaveOnboarding()}
        >
          Go to Confab
        </button>
      </>
    );
  }
  if (failure) return <p role="alert">{failure}</p>;
  if (!preview) {
    return (
      <p class="muted" aria-busy="true">
        Loading the invite…
      </p>
    );
  }
  const title = `${preview.inviter.name} invited you to Confab${roomsText(preview.rooms)}`;
  if (me) {
    return (
      <>
        <h1 class={authStyles.authTitle}>{title}</h1>
        <p>You are signed in as {me.displayName}.</p>
        <FormAlert error={accept.error} fields={[]} />
        <button
          type="button"
          class="button button--primary"
          disabled={accept.pending}
          onClick={() => void accept.submit(code)}
        >
          {accept.pending ? "Joining…" : "Accept invite"}
        </button>
      </>
    );
  }
  const signingUp = mode === "sign-up";
  return (
    <>
      <h1 class={authStyles.authTitle}>{title}</h1>
      <p class="muted">
        {signingUp ? "Create your account to join." : "Sign in to join with your account."}
      </p>
      {signingUp ? <SignUpForm key="sign-up" invite={code} /> : <SignInForm key="sign-in" />}
      <AuthSwitch
        signingUp={signingUp}
        onSwitch={() => setMode(signingUp ? "sign-in" : "sign-up")}
      />
    </>
  );
}

/** The token rides in the fragment (`#token=`), which never reaches a server or its logs. */
const fragmentToken = () =>
  typeof location === "undefined"
    ? ""
    : (new URLSearchParams(location.hash.slice(1)).get("token") ?? "");

function SetPasswordPage() {
  const state = useAppState();
  const token = useMemo(fragmentToken, []);
  const [password, setPassword] = useState("");
  const [confirm, setConfirm] = useState("");
  const [mismatch, setMismatch] = useState(false);
  const [done, setDone] = useState(false);
  const { pending, error, submit } = useSubmit(async (next: string) => {
    await state.setPassword(token, next);
    setDone(true);
  });
  const errors = fieldErrors(error);
  const leave = (
    <button
      type="button"
      class="button button--primary"
      onClick={() => void state.leaveOnboarding()}
    >
      Continue to sign in
    </button>
  );
  if (done) {
    return (
      <>
        <h1 class={authStyles.authTitle}>Your password is set</h1>
        <p role="status">Sign in with your handle and the new password.</p>
        {leave}
      </>
    );
  }
  if (!token) {
    return (
      <>
        <h1 class={authStyles.authTitle}>This link is incomplete</h1>
        <p role="alert">
          Open the whole link you were given, or ask an administrator for a new one.
        </p>
        {leave}
      </>
    );
  }
  return (
    <>
      <h1 class={authStyles.authTitle}>Set your password</h1>
      <form
        class="stack"
        onSubmit={(e) => {
          e.preventDefault();
          setMismatch(password !== confirm);
          if (password === confirm) void submit(password);
        }}
      >
        <NewPasswordField
          label="New password"
          value={password}
          onValue={setPassword}
          error={errors.password}
          autoFocus
        />
        <Field
          label="Confirm the password"
          name="confirm"
          type="password"
          value={confirm}
          onValue={setConfirm}
          autoComplete="new-password"
          required
          verbatim
          error={mismatch ? "The two passwords differ" : undefined}
        />
        <FormAlert error={error} fields={["password"]} />
        <button class="button button--primary" type="submit" disabled={pending}>
          {pending ? "Saving…" : "Set password"}
        </button>
      </form>
    </>
  );
}
