// Admin: make a person (a password now, or a one-time link to set it) or a bot (its API token,
// shown once), and a password reset link for someone.
import { useState } from "preact/hooks";
import { useSubmit } from "../../hooks/use-submit";
import { fieldErrors } from "../../net/api";
import { useAppState } from "../../state/use-app-state";
import { CopyField } from "../copy-field";
import { Field } from "../field";
import { FormAlert } from "../form-alert";

const FIELDS = ["handle", "displayName", "password"] as const;

export function NewPerson({ onCreated }: { onCreated: () => void }) {
  const state = useAppState();
  const [handle, setHandle] = useState("");
  const [displayName, setDisplayName] = useState("");
  const [password, setPassword] = useState("");
  const [bot, setBot] = useState(false);
  const [shown, setShown] = useState<{ label: string; value: string; who: string } | null>(null);
  const create = useSubmit(async () => {
    setShown(null);
    const made = await state.call(() =>
      state.api.admin.createUser({
        handle,
        displayName,
        ...(password ? { password } : {}),
        ...(bot ? { bot } : {}),
      }),
    );
    const who = `${made.user.displayName} (@${made.user.handle})`;
    if (made.token)
      setShown({ label: "The bot's API token (shown only now)", value: made.token, who });
    else if (made.setPasswordUrl)
      setShown({ label: "Link to set the password (once, 24 h)", value: made.setPasswordUrl, who });
    else setShown(null);
    setHandle("");
    setDisplayName("");
    setPassword("");
    onCreated();
  });
  const errors = fieldErrors(create.error);
  const taken = create.error?.code === "conflict";
  return (
    <form
      class="stack new-person"
      aria-label="Create person or bot"
      onSubmit={(e) => {
        e.preventDefault();
        void create.submit(undefined);
      }}
    >
      <Field
        label="Handle"
        name="handle"
        value={handle}
        onValue={setHandle}
        required
        verbatim
        error={errors.handle ?? (taken ? create.error?.message : undefined)}
      />
      <Field
        label="Display name"
        name="displayName"
        value={displayName}
        onValue={setDisplayName}
        required
        error={errors.displayName}
      />
      {!bot && (
        <Field
          label="Password"
          name="password"
          type="password"
          value={password}
          onValue={setPassword}
          autoComplete="new-password"
          hint="Empty: they get a one-time link to set their own."
          verbatim
          error={errors.password}
        />
      )}
      <label>
        <input type="checkbox" checked={bot} onChange={(e) => setBot(e.currentTarget.checked)} /> A
        bot (an API token instead of a password)
      </label>
      <FormAlert error={taken ? null : create.error} fields={FIELDS} />
      <div class="button-row">
        <button type="submit" class="button button--primary" disabled={create.pending}>
          {bot ? "Create bot" : "Create person"}
        </button>
      </div>
      {shown && (
        <div class="stack" role="status">
          <p>Created {shown.who}. Copy this now: it is not shown again.</p>
          <CopyField key={shown.value} label={shown.label} value={shown.value} />
        </div>
      )}
    </form>
  );
}

/** One person's "Reset password link": the link to hand them, shown once. */
export function ResetLink({ userId, name }: { userId: string; name: string }) {
  const state = useAppState();
  const [url, setUrl] = useState<string | null>(null);
  const make = useSubmit(async () => {
    const { resetUrl } = await state.call(() => state.api.admin.passwordResetLink(userId));
    setUrl(resetUrl);
  });
  return (
    <>
      <button
        type="button"
        class="button button--small"
        disabled={make.pending}
        aria-label={`Reset password link for ${name}`}
        onClick={() => void make.submit(undefined)}
      >
        Reset password link
      </button>
      <FormAlert error={make.error} fields={[]} />
      {url && (
        <div class="stack reset-link">
          <CopyField key={url} label={`Password link for ${name} (once, 24 h)`} value={url} />
        </div>
      )}
    </>
  );
}
