// Create an account: handle, display name, password (and, where sign-up needs one, an invite).
// The server's checks are shown per field.
import { useState } from "preact/hooks";
import { useSubmit } from "../../hooks/use-submit";
import { fieldErrors } from "../../net/api";
import { useAppState } from "../../state/use-app-state";
import { Field, NewPasswordField } from "../field";
import { FormAlert } from "../form-alert";

const FIELDS = ["handle", "displayName", "password", "invite", "bootstrap"] as const;

/** The code of an invite, from the code itself or the whole link pasted. */
const inviteCode = (text: string) =>
  text
    .trim()
    .replace(/^.*\/invite\//, "")
    .replace(/\/$/, "");

interface SignUpFormProps {
  /** The invite being followed (its page): sent with the sign-up, whose rooms are joined. */
  invite?: string;
  /** Sign-up here needs an invite (REGISTRATION `invite`): the form asks for its link. */
  askInvite?: boolean;
  /** The instance's first account, whose server wants ADMIN_BOOTSTRAP_TOKEN presented. */
  askBootstrap?: boolean;
}

export function SignUpForm({ invite, askInvite = false, askBootstrap = false }: SignUpFormProps) {
  const state = useAppState();
  const [bootstrap, setBootstrap] = useState("");
  const [typedInvite, setTypedInvite] = useState("");
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
        const code = invite ?? (askInvite ? inviteCode(typedInvite) : "");
        void submit({
          handle,
          displayName,
          password,
          ...(code ? { invite: code } : {}),
          ...(askBootstrap ? { bootstrap: bootstrap.trim() } : {}),
        });
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
      <NewPasswordField value={password} onValue={setPassword} error={errors.password} />
      {askBootstrap && (
        <Field
          label="Bootstrap token"
          name="bootstrap"
          type="password"
          value={bootstrap}
          onValue={setBootstrap}
          hint="The first account becomes admin: give the ADMIN_BOOTSTRAP_TOKEN this instance was deployed with."
          required
          verbatim
          error={errors.bootstrap}
        />
      )}
      {askInvite && !invite && (
        <Field
          label="Invite link"
          name="invite"
          value={typedInvite}
          onValue={setTypedInvite}
          hint="Sign-up here needs an invite: paste the link you were sent."
          required
          verbatim
          error={errors.invite}
        />
      )}
      <FormAlert error={handleTaken ? null : error} fields={FIELDS} />
      <button class="button button--primary" type="submit" disabled={pending}>
        {pending ? "Creating account…" : "Create account"}
      </button>
    </form>
  );
}
