// Sign in with handle and password.
import { useState } from "preact/hooks";
import { useSubmit } from "../../hooks/use-submit";
import { ApiError, fieldErrors } from "../../net/api";
import { useAppState } from "../../state/use-app-state";
import { Field } from "../field";
import { FormAlert } from "../form-alert";

const FIELDS = ["handle", "password"] as const;
const DISABLED =
  "This account is disabled: an administrator turned it off. Ask them to enable it again.";

export function SignInForm() {
  const state = useAppState();
  const [handle, setHandle] = useState("");
  const [password, setPassword] = useState("");
  const { pending, error, submit } = useSubmit(state.signIn);
  const errors = fieldErrors(error);
  // The server's 403 `disabled` is the one refusal a person cannot fix by retyping: say who can.
  const shown =
    error?.code === "disabled" ? new ApiError(error.status, error.code, DISABLED) : error;

  return (
    <form
      class="stack"
      onSubmit={(e) => {
        e.preventDefault();
        void submit({ handle, password });
      }}
    >
      <Field
        label="Handle"
        name="handle"
        value={handle}
        onValue={setHandle}
        autoComplete="username"
        required
        verbatim
        autoFocus
        error={errors.handle}
      />
      <Field
        label="Password"
        name="password"
        type="password"
        value={password}
        onValue={setPassword}
        autoComplete="current-password"
        required
        verbatim
        error={errors.password}
      />
      <FormAlert error={shown} fields={FIELDS} />
      <button class="button button--primary" type="submit" disabled={pending}>
        {pending ? "Signing in…" : "Sign in"}
      </button>
    </form>
  );
}
