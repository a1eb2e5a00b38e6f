// Create a workspace (instance admins; anyone where the instance lets them): its name, its
// slug (suggested from the name until edited) and where its data stays; it becomes current.
import { useState } from "preact/hooks";
import type { DataLocation } from "../../../src/shared/api";
import { useSubmit } from "../../hooks/use-submit";
import { fieldErrors } from "../../net/api";
import { useAppState } from "../../state/use-app-state";
import { slugFrom } from "../../state/workspaces";
import { Field } from "../field";
import * as fieldStyles from "../field/field.module.css";
import { FormAlert } from "../form-alert";
import * as formStyles from "../new-room-form/new-room-form.module.css";
import { Panel } from "../panel";
import { DATA_LOCATIONS } from "./workspace-text";

const FIELDS = ["name", "slug", "dataLocation"] as const;

export function NewWorkspace() {
  const state = useAppState();
  const [name, setName] = useState("");
  const [slug, setSlug] = useState<string | null>(null);
  const [location, setLocation] = useState<DataLocation | null>(null);
  const { pending, error, submit } = useSubmit(state.createWorkspace);
  const errors = fieldErrors(error);
  const shownSlug = slug ?? slugFrom(name);
  if (!state.canCreateWorkspace.value) {
    return (
      <Panel title="New workspace" focusKey="new-workspace">
        <p>Only the instance's admins create workspaces here.</p>
      </Panel>
    );
  }
  return (
    <Panel title="New workspace" focusKey="new-workspace">
      <form
        class={`stack ${formStyles.formNarrow}`}
        onSubmit={(e) => {
          e.preventDefault();
          void submit({ name, slug: shownSlug, dataLocation: location });
        }}
      >
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
          label="Slug"
          name="slug"
          value={shownSlug}
          onValue={setSlug}
          autoComplete="off"
          verbatim
          required
          hint="Its short name: lowercase letters, digits and hyphens."
          error={errors.slug}
        />
        <fieldset class={formStyles.choice}>
          <legend class={fieldStyles.fieldLabel}>Where its data stays</legend>
          {DATA_LOCATIONS.map((option) => (
            <label class={formStyles.choiceOption} key={option.label}>
              <input
                type="radio"
                name="dataLocation"
                checked={location === option.value}
                onChange={() => setLocation(option.value)}
              />
              <span class={formStyles.choiceLabel}>{option.label}</span>
            </label>
          ))}
          <p class="muted">It cannot be changed later.</p>
          {errors.dataLocation && <p class={fieldStyles.fieldError}>{errors.dataLocation}</p>}
        </fieldset>
        <FormAlert error={error} fields={FIELDS} />
        <div class="button-row">
          <button class="button button--primary" type="submit" disabled={pending}>
            {pending ? "Creating…" : "Create workspace"}
          </button>
          <button type="button" class="button" onClick={() => state.show({ kind: "home" })}>
            Cancel
          </button>
        </div>
      </form>
    </Panel>
  );
}
