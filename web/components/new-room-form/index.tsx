// Create a channel (anyone can find and join it) or a private room (members only).
import { useState } from "preact/hooks";
import { useSubmit } from "../../hooks/use-submit";
import { type CreateRoomInput, fieldErrors } from "../../net/api";
import { useAppState } from "../../state/use-app-state";
import { Field } from "../field";
import * as fieldStyles from "../field/field.module.css";
import { FormAlert } from "../form-alert";
import { Panel } from "../panel";
import { InWorkspace } from "../workspace-settings/in-workspace";
import * as styles from "./new-room-form.module.css";

const FIELDS = ["kind", "name", "topic"] as const;

const KINDS = [
  { kind: "channel", label: "Channel", hint: "Anyone in the workspace can find and join it." },
  { kind: "private", label: "Private room", hint: "Only people who are added can see it." },
] as const;

export function NewRoomForm() {
  const state = useAppState();
  const [kind, setKind] = useState<CreateRoomInput["kind"]>("channel");
  const [name, setName] = useState("");
  const [topic, setTopic] = useState("");
  const { pending, error, submit } = useSubmit(state.createRoom);
  const errors = fieldErrors(error);

  return (
    <Panel title="New room" focusKey="new-room" subtitle={<InWorkspace />}>
      <form
        class={`stack ${styles.formNarrow}`}
        onSubmit={(e) => {
          e.preventDefault();
          void submit({ kind, name, ...(topic.trim() ? { topic } : {}) });
        }}
      >
        <fieldset class={styles.choice}>
          <legend class={fieldStyles.fieldLabel}>Kind</legend>
          {KINDS.map((option) => (
            <label class={styles.choiceOption} key={option.kind}>
              <input
                type="radio"
                name="kind"
                value={option.kind}
                checked={kind === option.kind}
                onChange={() => setKind(option.kind)}
              />
              <span>
                <span class={styles.choiceLabel}>{option.label}</span>
                <span class={styles.choiceHint}>{option.hint}</span>
              </span>
            </label>
          ))}
          {errors.kind && <p class={fieldStyles.fieldError}>{errors.kind}</p>}
        </fieldset>
        <Field
          label="Name"
          name="name"
          value={name}
          onValue={setName}
          autoComplete="off"
          required
          error={errors.name}
        />
        <Field
          label="Topic (optional)"
          name="topic"
          value={topic}
          onValue={setTopic}
          multiline
          hint="What the room is about; shown under its name."
          error={errors.topic}
        />
        <FormAlert error={error} fields={FIELDS} />
        <div class="button-row">
          <button class="button button--primary" type="submit" disabled={pending}>
            {pending ? "Creating…" : "Create room"}
          </button>
          <button type="button" class="button" onClick={() => state.show({ kind: "home" })}>
            Cancel
          </button>
        </div>
      </form>
    </Panel>
  );
}
