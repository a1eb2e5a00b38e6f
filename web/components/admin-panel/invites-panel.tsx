// Admin: invite links — make one (how many uses, how long, which rooms), list them with their
// links to copy, delete one.
import { useState } from "preact/hooks";
import type { Invite } from "../../../src/shared/api";
import { useSubmit } from "../../hooks/use-submit";
import { asApiError, fieldErrors } from "../../net/api";
import { useAppState } from "../../state/use-app-state";
import { CopyField } from "../copy-field";
import { Field } from "../field";
import { FormAlert } from "../form-alert";
import { inviteSummary } from "./admin-text";
import { useLoad } from "./use-load";

export function InvitesPanel() {
  const state = useAppState();
  const invites = useLoad(() => state.call(() => state.api.invites.list()), []);
  const rooms = useLoad(() => state.call(() => state.api.admin.rooms("")), []);
  const [maxUses, setMaxUses] = useState("");
  const [hours, setHours] = useState("");
  const [roomIds, setRoomIds] = useState<string[]>([]);
  const [made, setMade] = useState<Invite | null>(null);
  const create = useSubmit(async () => {
    // To the workspace the sidebar shows.
    const { invite } = await state.createInvite({
      ...(maxUses.trim() ? { maxUses: Number(maxUses) } : {}),
      ...(hours.trim() ? { expiresInHours: Number(hours) } : {}),
      roomIds,
    });
    setMade(invite);
    invites.reload();
  });
  const errors = fieldErrors(create.error);
  const remove = async (code: string) => {
    try {
      await state.call(() => state.api.invites.remove(code));
      if (made?.code === code) setMade(null);
      invites.reload();
    } catch (e) {
      invites.setError(asApiError(e).message);
    }
  };
  // The invite joins the current workspace: its rooms only.
  const workspaceId = state.currentWorkspace.value?.id;
  const choosable = (rooms.value?.rooms ?? []).filter(
    (r) =>
      r.kind !== "dm" &&
      !r.archived &&
      (workspaceId === undefined || r.workspaceId === workspaceId),
  );
  return (
    <div class="stack">
      <form
        class="stack invites-form"
        aria-label="New invite"
        onSubmit={(e) => {
          e.preventDefault();
          void create.submit(undefined);
        }}
      >
        <Field
          label="Max uses"
          name="maxUses"
          value={maxUses}
          onValue={setMaxUses}
          inputMode="numeric"
          hint="Empty: no limit."
          error={errors.maxUses}
        />
        <Field
          label="Expires in (hours)"
          name="expiresInHours"
          value={hours}
          onValue={setHours}
          inputMode="decimal"
          hint="Empty: until deleted."
          error={errors.expiresInHours}
        />
        {choosable.length > 0 && (
          <fieldset class="stack">
            <legend>Rooms joined on sign-up</legend>
            {choosable.map((room) => (
              <label key={room.id}>
                <input
                  type="checkbox"
                  checked={roomIds.includes(room.id)}
                  onChange={(e) => {
                    const on = e.currentTarget.checked;
                    setRoomIds((ids) =>
                      on ? [...ids, room.id] : ids.filter((id) => id !== room.id),
                    );
                  }}
                />{" "}
                {room.name}
              </label>
            ))}
          </fieldset>
        )}
        <FormAlert error={create.error} fields={["maxUses", "expiresInHours"]} />
        <div class="button-row">
          <button type="submit" class="button button--primary" disabled={create.pending}>
            Create invite
          </button>
        </div>
      </form>
      {made && <CopyField key={made.code} label="New invite link" value={made.url} />}
      {invites.error && <p role="alert">{invites.error}</p>}
      <ul class="result-list" aria-label="Invites">
        {invites.value?.invites.map((invite) => (
          <li class="result" key={invite.code}>
            <span class="result__text">
              <span class="result__title">{invite.url}</span>
              <span class="result__detail">{inviteSummary(invite)}</span>
            </span>
            <button
              type="button"
              class="button button--small"
              onClick={() => void navigator.clipboard?.writeText(invite.url).catch(() => undefined)}
            >
              Copy link
            </button>
            <button
              type="button"
              class="button button--small button--danger"
              onClick={() => void remove(invite.code)}
            >
              Delete
            </button>
          </li>
        ))}
        {invites.value?.invites.length === 0 && <li class="result muted">No invites yet.</li>}
      </ul>
    </div>
  );
}
