// A group DM's settings, for any of its people (docs/api.md, "Group DMs"): its name and adding
// people. Nobody owns it, so there are no roles, bans or archiving; leaving is in the header.
import { useState } from "preact/hooks";
import type { RoomDetails } from "../../../src/shared/api";
import { useSubmit } from "../../hooks/use-submit";
import { fieldErrors } from "../../net/api";
import { useAppState } from "../../state/use-app-state";
import { Field } from "../field";
import { FormAlert } from "../form-alert";
import * as memberListStyles from "../member-list/member-list.module.css";
import { Invite } from ".";

export function GroupDmSettings({ details }: { details: RoomDetails }) {
  const state = useAppState();
  const { room } = details;
  const [name, setName] = useState(room.name ?? "");
  const [saved, setSaved] = useState(false);
  const save = useSubmit(async () => {
    setSaved(false);
    await state.updateRoom(room.id, { name });
    setSaved(true);
  });
  const errors = fieldErrors(save.error);
  return (
    <div class="stack">
      <form
        class="stack"
        onSubmit={(e) => {
          e.preventDefault();
          void save.submit(undefined);
        }}
      >
        <h3 class={memberListStyles.membersHeading}>Group conversation</h3>
        <FormAlert error={save.error} fields={["name"]} />
        <Field
          label="Conversation name"
          name="name"
          value={name}
          onValue={setName}
          error={errors.name}
          hint="Everyone in it sees this name instead of the list of people."
        />
        <div class="button-row">
          <button type="submit" class="button button--primary" disabled={save.pending}>
            Save name
          </button>
          {saved && (
            <span class="muted" role="status">
              Saved
            </span>
          )}
        </div>
      </form>
      <Invite details={details} heading="Add people" />
    </div>
  );
}
