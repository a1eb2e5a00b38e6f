// My account: my name and picture, my password, this device's preferences, and the devices
// signed in as me (each can be signed out). Opened from the top bar's menu; loaded lazily.
import { useEffect, useId, useState } from "preact/hooks";
import type { Session } from "../../../src/shared/api";
import { useSubmit } from "../../hooks/use-submit";
import { deviceName } from "../../lib/device-name";
import { timeAgo } from "../../lib/threads-text";
import { type ApiError, asApiError, fieldErrors } from "../../net/api";
import { setShowLinkImages, showLinkImages } from "../../state/preferences";
import { useAppState } from "../../state/use-app-state";
import { Avatar } from "../avatar";
import { Field, NewPasswordField } from "../field";
import { FormAlert } from "../form-alert";
import { Panel } from "../panel";
import { PictureButtons } from "../picture-buttons";
import * as styles from "./account-settings.module.css";

export function AccountSettings() {
  // Bumped by a password change, which signs the other devices out: their list is read again.
  const [passwordChanges, setPasswordChanges] = useState(0);
  return (
    <Panel title="Account" focusKey="account">
      <Profile />
      <PasswordForm onChanged={() => setPasswordChanges((n) => n + 1)} />
      <Preferences />
      <Devices reload={passwordChanges} />
    </Panel>
  );
}

/** What this device shows: kept in its storage, not with the account. */
function Preferences() {
  const heading = useId();
  return (
    <section class={`stack ${styles.accountSection}`} aria-labelledby={heading}>
      <h3 class={styles.accountHeading} id={heading}>
        Preferences
      </h3>
      <label>
        <input
          type="checkbox"
          checked={showLinkImages.value}
          onChange={(e) => setShowLinkImages(e.currentTarget.checked)}
        />{" "}
        Show images from links
      </label>
      <p class="muted">
        Images linked in messages load from the sites they are on, which then see this device's
        address. Applies on this device only.
      </p>
    </section>
  );
}

function Profile() {
  const state = useAppState();
  const me = state.me.value;
  const heading = useId();
  const [name, setName] = useState(me?.displayName ?? "");
  const [saved, setSaved] = useState(false);
  const { pending, error, submit } = useSubmit(state.rename);
  if (!me) return null;
  return (
    <section class={`stack ${styles.accountSection}`} aria-labelledby={heading}>
      <h3 class={styles.accountHeading} id={heading}>
        Profile
      </h3>
      <div class={styles.accountPicture}>
        <Avatar id={me.id} name={me.displayName} url={me.avatarUrl} />
        <span class="muted">@{me.handle}</span>
        <PictureButtons user={me} />
      </div>
      {me.bot && (
        <p class="account__bot">
          <span class="badge badge--bot">bot</span> Bot account: a program signs in with its API
          token; people see it marked as a bot.
        </p>
      )}
      <form
        class="stack"
        onSubmit={(event) => {
          event.preventDefault();
          setSaved(false);
          void submit(name).then((done) => setSaved(done));
        }}
      >
        <Field
          label="Display name"
          name="displayName"
          value={name}
          onValue={(value) => {
            setName(value);
            setSaved(false);
          }}
          autoComplete="name"
          required
          hint="Messages you send from now on carry it."
          error={fieldErrors(error).displayName}
        />
        <FormAlert error={error} fields={["displayName"]} />
        <div class="button-row">
          <button class="button button--primary" type="submit" disabled={pending}>
            {pending ? "Saving…" : "Save name"}
          </button>
          {saved && <span role="status">Saved.</span>}
        </div>
      </form>
    </section>
  );
}

function PasswordForm({ onChanged }: { onChanged(): void }) {
  const state = useAppState();
  const heading = useId();
  const [current, setCurrent] = useState("");
  const [password, setPassword] = useState("");
  const [confirm, setConfirm] = useState("");
  const [changed, setChanged] = useState(false);
  const { pending, error, submit } = useSubmit(state.changePassword);
  const mismatch = confirm !== "" && confirm !== password;
  const errors = fieldErrors(error);
  // A wrong current password is 403 `forbidden`, named for its field.
  const currentError = errors.current ?? (error?.status === 403 ? error.message : undefined);
  return (
    <section class={`stack ${styles.accountSection}`} aria-labelledby={heading}>
      <h3 class={styles.accountHeading} id={heading}>
        Password
      </h3>
      <form
        class="stack"
        onSubmit={(event) => {
          event.preventDefault();
          if (mismatch) return;
          setChanged(false);
          void submit({ current, password }).then((done) => {
            if (!done) return;
            setChanged(true);
            onChanged();
            setCurrent("");
            setPassword("");
            setConfirm("");
          });
        }}
      >
        <Field
          label="Current password"
          name="current"
          type="password"
          value={current}
          onValue={setCurrent}
          autoComplete="current-password"
          verbatim
          required
          error={currentError}
        />
        <NewPasswordField
          label="New password"
          value={password}
          onValue={setPassword}
          error={errors.password}
        />
        <Field
          label="Confirm new password"
          name="confirm"
          type="password"
          value={confirm}
          onValue={setConfirm}
          autoComplete="new-password"
          verbatim
          required
          error={mismatch ? "The two new passwords differ" : undefined}
        />
        {error?.status !== 403 && <FormAlert error={error} fields={["current", "password"]} />}
        <div class="button-row">
          <button class="button button--primary" type="submit" disabled={pending || mismatch}>
            {pending ? "Changing…" : "Change password"}
          </button>
        </div>
        {changed && <p role="status">Password changed. Other devices were signed out.</p>}
      </form>
    </section>
  );
}

function Devices({ reload }: { reload: number }) {
  const state = useAppState();
  const heading = useId();
  const [sessions, setSessions] = useState<Session[] | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [ending, setEnding] = useState<string | null>(null);
  const now = new Date();

  async function load() {
    try {
      setSessions(await state.mySessions());
      setError(null);
    } catch (caught) {
      setError(asApiError(caught));
    }
  }
  useEffect(() => {
    void load();
  }, [reload]);

  async function end(id: string) {
    setEnding(id);
    try {
      await state.endSession(id);
      setSessions((list) => list?.filter((s) => s.id !== id) ?? null);
    } catch (caught) {
      setError(asApiError(caught));
    } finally {
      setEnding(null);
    }
  }

  return (
    <section class={`stack ${styles.accountSection}`} aria-labelledby={heading}>
      <h3 class={styles.accountHeading} id={heading}>
        Signed-in devices
      </h3>
      {error && (
        <p class={styles.accountProblem} role="alert">
          {error.message}
        </p>
      )}
      {sessions === null ? (
        !error && (
          <p class="muted" aria-busy="true">
            Loading…
          </p>
        )
      ) : (
        <ul class={styles.accountDevices} aria-labelledby={heading}>
          {sessions.map((s) => (
            <li key={s.id} class={styles.accountDevice} data-session={s.id}>
              <span class={styles.accountDeviceName} title={s.userAgent ?? undefined}>
                {deviceName(s.userAgent)}
              </span>
              <span class="muted">
                {s.current ? "This device" : `Last seen ${timeAgo(s.lastSeenAt, now)}`}
              </span>
              {!s.current && (
                <button
                  type="button"
                  class="button"
                  disabled={ending === s.id}
                  aria-label={`Sign out ${deviceName(s.userAgent)}, last seen ${timeAgo(s.lastSeenAt, now)}`}
                  onClick={() => void end(s.id)}
                >
                  Sign out
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
