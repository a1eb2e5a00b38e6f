// Create an account: handle, display name, password. The server's checks are shown per field.
import { useState } from "preact/hooks";
import { useSubmit } from "../../hooks/use-submit";
import { fieldErrors } from "../../net/api";
import { useAppState } from "../../state/use-app-state";
import { Field } from "../field";
import { FormAlert } from "../form-alert";

const FIELDS = ["handle", "displayName", "password"] as const;

export function SignUpForm() {
  const state = useAppState();
  const [handle, setHandle] = useState("");
  const [displayName, setDisplayName] = useState("");
  const [password, setPassword] = useState("");
  const { pending, error, submit } = useSubmit(state.signUp);
  const errors = fieldErrors(error);
  // A taken handle is a conflict without details; it still belongs next to the handle.
  const handleTaken = error?.code === "conflict";
  const handleError = errors.handle ?? (handleTaken ? error.message : undefined);

  return (
    <form
      class="stack"
      onSubmit={(e) => {
        e.preventDefault();
        void submit({ handle, displayName, password });
      }}
    >
      <Field
        label="Handle"
        name="handle"
        value={handle}
        onValue={setHandle}
        autoComplete="username"
        hint="3–32 characters: letters, digits and _. Others find you by it."
        required
        verbatim
        autoFocus
        error={handleError}
      />
      <Field
        label="Display name"
        name="displayName"
        value={displayName}
        onValue={setDisplayName}
        autoComplete="name"
        hint="How you appear in rooms."
        required
        error={errors.displayName}
      />
      <Field
        label="Password"
        name="password"
        type="password"
        value={password}
        onValue={setPassword}
        autoComplete="new-password"
        hint="At least 8 characters."
        required
        verbatim
        error={errors.password}
      />
      <FormAlert error={handleTaken ? null : error} fields={FIELDS} />
      <button class="button button--primary" type="submit" disabled={pending}>
        {pending ? "Creating account…" : "Create account"}
      </button>
    </form>
  );
}
