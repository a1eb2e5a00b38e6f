// Room bans, for owners, moderators and admins: banning someone from the member list (a reason
// and how long), and the room settings' "Banned" list with Unban. Loaded with the room settings,
// outside the initial JS.
import { useEffect, useId, useState } from "preact/hooks";
import type { PublicUser, RoomBan } from "../../../src/shared/api";
import { useSubmit } from "../../hooks/use-submit";
import { fieldErrors } from "../../net/api";
import { useAppState } from "../../state/use-app-state";
import { Field } from "../field";
import * as fieldStyles from "../field/field.module.css";
import { FormAlert } from "../form-alert";
import * as memberListStyles from "../member-list/member-list.module.css";
import { ResultRow } from "../search-results";

const HOUR_MS = 3_600_000;
/** How long a ban lasts, as the form offers it (null: until lifted). */
const DURATIONS = [
  { label: "1 hour", ms: HOUR_MS },
  { label: "1 day", ms: 24 * HOUR_MS },
  { label: "7 days", ms: 7 * 24 * HOUR_MS },
  { label: "Forever", ms: null },
] as const;

interface BanFormProps {
  roomId: string;
  user: PublicUser;
  onDone(): void;
  onCancel(): void;
}

/** Ban one person: an optional reason and a duration, then Ban (or Cancel). */
export function BanForm({ roomId, user, onDone, onCancel }: BanFormProps) {
  const state = useAppState();
  const durationId = useId();
  const [reason, setReason] = useState("");
  const [duration, setDuration] = useState(0);
  const ban = useSubmit(async () => {
    const ms = DURATIONS[duration]?.ms ?? null;
    await state.call(() =>
      state.api.ban(roomId, {
        userId: user.id,
        reason: reason.trim() || null,
        until: ms === null ? null : new Date(Date.now() + ms).toISOString(),
      }),
    );
    await state.reloadRoom(roomId);
    onDone();
  });
  return (
    <form
      class="stack"
      aria-label={`Ban ${user.displayName}`}
      onSubmit={(e) => {
        e.preventDefault();
        void ban.submit(undefined);
      }}
    >
      <h3 class={memberListStyles.membersHeading}>Ban {user.displayName} from the room</h3>
      <p class="muted">
        They are removed at once and cannot join or be added again until the ban ends or is lifted.
      </p>
      <FormAlert error={ban.error} fields={["reason"]} />
      <Field
        label="Reason (optional, for moderators)"
        name="reason"
        value={reason}
        onValue={setReason}
        error={fieldErrors(ban.error).reason}
      />
      <div class={fieldStyles.field}>
        <label class={fieldStyles.fieldLabel} for={durationId}>
          For how long
        </label>
        <select
          id={durationId}
          class={fieldStyles.fieldInput}
          value={String(duration)}
          onChange={(e) => setDuration(Number(e.currentTarget.value))}
        >
          {DURATIONS.map((d, i) => (
            <option key={d.label} value={String(i)}>
              {d.label}
            </option>
          ))}
        </select>
      </div>
      <div class="button-row">
        <button type="submit" class="button button--danger" disabled={ban.pending}>
          Ban
        </button>
        <button type="button" class="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

const until = (ban: RoomBan) =>
  ban.until ? `until ${new Date(ban.until).toLocaleString()}` : "until lifted";

/** The room's bans, newest first, each with Unban; read again when the room's details change. */
export function BannedList({ roomId, version }: { roomId: string; version: unknown }) {
  const state = useAppState();
  const [bans, setBans] = useState<readonly RoomBan[] | null>(null);
  const load = async () => setBans((await state.call(() => state.api.bans(roomId))).bans);
  const unban = useSubmit(async (userId: string) => {
    await state.call(() => state.api.unban(roomId, userId));
    await load();
  });
  // `version` (the room's details, new after each change) is the reason to read again.
  useEffect(() => {
    void load().catch(() => setBans([]));
  }, [roomId, version]);
  return (
    <section class="stack" aria-labelledby="banned-heading">
      <h3 class={memberListStyles.membersHeading} id="banned-heading">
        Banned
      </h3>
      <FormAlert error={unban.error} fields={[]} />
      {bans === null ? (
        <p class="muted">Loading…</p>
      ) : bans.length === 0 ? (
        <p class="muted">Nobody is banned.</p>
      ) : (
        <ul class="result-list">
          {bans.map((ban) => (
            <ResultRow
              key={ban.user.id}
              title={ban.user.displayName}
              detail={`@${ban.user.handle} · ${until(ban)}${ban.reason ? ` · ${ban.reason}` : ""}`}
            >
              <button
                type="button"
                class="button button--small"
                disabled={unban.pending}
                aria-label={`Unban ${ban.user.displayName}`}
                onClick={() => void unban.submit(ban.user.id)}
              >
                Unban
              </button>
            </ResultRow>
          ))}
        </ul>
      )}
    </section>
  );
}
