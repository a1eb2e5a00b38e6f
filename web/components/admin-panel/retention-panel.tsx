// One room's retention, for instance admins: the policy in force, its own fields to edit (empty:
// the instance default), a dry run, and running it now after a confirmation. Saving applies the
// policy at once, so saving says what it deleted.
import { useEffect, useRef, useState } from "preact/hooks";
import type { RetentionPolicy, Room } from "../../../src/shared/api";
import { useSubmit } from "../../hooks/use-submit";
import { formatBytes, formatDays, keptText } from "../../lib/retention";
import { type ApiError, asApiError, fieldErrors, type RoomRetention } from "../../net/api";
import { useAppState } from "../../state/use-app-state";
import { Confirm } from "../confirm";
import { Field } from "../field";
import { FormAlert } from "../form-alert";
import * as formAlertStyles from "../form-alert/form-alert.module.css";
import * as styles from "./admin-panel.module.css";
import {
  deletedText,
  fieldText,
  type PolicyFields,
  previewText,
  readPolicy,
  savedText,
} from "./retention-text";

const FIELDS = ["maxAgeDays", "maxMessages", "maxBytes"] as const;

const fieldsOf = (retention: RoomRetention): PolicyFields => ({
  maxAgeDays: fieldText(retention.policy.maxAgeDays),
  maxMessages: fieldText(retention.policy.maxMessages),
  maxBytes: fieldText(retention.policy.maxBytes),
});

interface RetentionPanelProps {
  room: Room;
  /** How the admin list names the room (DMs by their people). */
  label: string;
  id: string;
  /** Messages were deleted (by saving or running): the list's counts are stale. */
  onApplied?: () => void;
}

export function RetentionPanel({ room, label, id, onApplied }: RetentionPanelProps) {
  const state = useAppState();
  const [retention, setRetention] = useState<RoomRetention | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [fields, setFields] = useState<PolicyFields>({
    maxAgeDays: "",
    maxMessages: "",
    maxBytes: "",
  });
  // The instance's default age, known while the room's own field is empty (effective = default).
  const [defaultDays, setDefaultDays] = useState<number | null>(null);
  const [localErrors, setLocalErrors] = useState<Record<string, string>>({});
  const [outcome, setOutcome] = useState("");
  const [actionError, setActionError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const [confirming, setConfirming] = useState(false);

  const show = (next: RoomRetention) => {
    setRetention(next);
    setFields(fieldsOf(next));
    if (next.policy.maxAgeDays === null) setDefaultDays(next.effective.maxAgeDays);
  };

  useEffect(() => {
    let current = true;
    state
      .call(() => state.api.admin.retention(room.id))
      .then(
        (loaded) => current && show(loaded),
        (e: unknown) => current && setLoadError(asApiError(e).message),
      );
    return () => {
      current = false;
    };
  }, [room.id]);

  const save = useSubmit(async (policy: RetentionPolicy) => {
    const saved = await state.call(() => state.api.admin.setRetention(room.id, policy));
    show(saved);
    setOutcome(savedText(saved.deleted));
    if (saved.deleted.messages > 0) onApplied?.();
  });

  /** Preview and run: one at a time (Run now stays enabled, so focus can return to it), their answer (or error) in the status line. */
  const act = async (run: () => Promise<string>) => {
    if (busy) return;
    setBusy(true);
    setActionError(null);
    setOutcome("");
    try {
      setOutcome(await run());
    } catch (e) {
      setActionError(asApiError(e));
    } finally {
      setBusy(false);
    }
  };
  /** The dry run is of what the form says, so an admin sees a policy's effect before saving it. */
  const preview = () => {
    const read = readPolicy(fields);
    if ("errors" in read) {
      setLocalErrors(read.errors);
      return;
    }
    setLocalErrors({});
    void act(async () =>
      previewText(await state.call(() => state.api.admin.previewRetention(room.id, read.policy))),
    );
  };
  const runNow = () => {
    setConfirming(false);
    void act(async () => {
      const { deleted } = await state.call(() => state.api.admin.runRetention(room.id));
      if (deleted.messages > 0) onApplied?.();
      return deletedText(deleted);
    });
  };

  // The keyboard follows the confirmation (onto "Delete now"), and back to "Run now" after.
  const runRef = useRef<HTMLButtonElement>(null);
  const wasConfirming = useRef(false);
  useEffect(() => {
    if (!confirming && wasConfirming.current) runRef.current?.focus();
    wasConfirming.current = confirming;
  }, [confirming]);

  const serverErrors = fieldErrors(save.error);
  const errorOf = (key: (typeof FIELDS)[number]) => localErrors[key] ?? serverErrors[key];
  const setField = (key: (typeof FIELDS)[number]) => (value: string) =>
    setFields((f) => ({ ...f, [key]: value }));
  const bytes = Number(fields.maxBytes);
  const days = Number(fields.maxAgeDays);

  if (loadError) {
    return (
      <p class={`${formAlertStyles.formAlert} ${styles.retention}`} id={id} role="alert">
        {loadError}
      </p>
    );
  }
  if (!retention) {
    return (
      <p class={`muted ${styles.retention}`} id={id} aria-busy="true">
        Loading retention…
      </p>
    );
  }
  return (
    <form
      class={`${styles.retention} stack`}
      id={id}
      aria-label={`Retention of ${label}`}
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        const read = readPolicy(fields);
        if ("errors" in read) {
          setLocalErrors(read.errors);
          return;
        }
        setLocalErrors({});
        setOutcome("");
        void save.submit(read.policy);
      }}
    >
      <p class={styles.retentionNow}>{keptText(retention.effective)}</p>
      <FormAlert error={save.error} fields={FIELDS} />
      <div class={styles.retentionFields}>
        <Field
          label="Keep for (days)"
          name="maxAgeDays"
          inputMode="decimal"
          value={fields.maxAgeDays}
          onValue={setField("maxAgeDays")}
          placeholder={defaultDays === null ? "Default" : `${defaultDays} (default)`}
          hint={
            fields.maxAgeDays.trim() !== "" && days > 0 ? formatDays(days) : "Empty: the default"
          }
          error={errorOf("maxAgeDays")}
        />
        <Field
          label="At most (messages)"
          name="maxMessages"
          inputMode="numeric"
          value={fields.maxMessages}
          onValue={setField("maxMessages")}
          placeholder="No limit (default)"
          error={errorOf("maxMessages")}
        />
        <Field
          label="At most (bytes)"
          name="maxBytes"
          inputMode="numeric"
          value={fields.maxBytes}
          onValue={setField("maxBytes")}
          placeholder="No limit (default)"
          hint={fields.maxBytes.trim() !== "" && bytes > 0 ? formatBytes(bytes) : undefined}
          error={errorOf("maxBytes")}
        />
      </div>
      <div class="button-row">
        <button type="submit" class="button button--primary button--small" disabled={save.pending}>
          Save
        </button>
        <button
          type="button"
          class="button button--small"
          disabled={busy}
          onClick={() => void preview()}
        >
          Preview
        </button>
        <button
          type="button"
          class="button button--small"
          ref={runRef}
          aria-expanded={confirming}
          onClick={() => setConfirming(true)}
        >
          Run now
        </button>
      </div>
      {confirming && (
        <Confirm action="Delete now" onConfirm={runNow} onCancel={() => setConfirming(false)}>
          Delete now every message the policy no longer keeps? This cannot be undone.
        </Confirm>
      )}
      {actionError && (
        <p class={formAlertStyles.formAlert} role="alert">
          {actionError.message}
        </p>
      )}
      <p class={styles.retentionOutcome} role="status">
        {outcome}
      </p>
    </form>
  );
}
