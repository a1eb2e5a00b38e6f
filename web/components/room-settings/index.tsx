// For owners and moderators: rename the room, change its topic, invite people, work through its
// reported messages, and see and lift its bans; for owners, archive (read-only) or unarchive it,
// and delete it after a confirmation.
import { useState } from "preact/hooks";
import type { PublicUser, RoomDetails } from "../../../src/shared/api";
import { canCloseRoom } from "../../../src/shared/permissions";
import { useSearch } from "../../hooks/use-search";
import { useSubmit } from "../../hooks/use-submit";
import { fieldErrors } from "../../net/api";
import { useAppState } from "../../state/use-app-state";
import { Confirm } from "../confirm";
import { CopyField } from "../copy-field";
import { Field } from "../field";
import { FormAlert } from "../form-alert";
import * as memberListStyles from "../member-list/member-list.module.css";
import { ModerationQueue } from "../moderation-queue";
import { BannedList } from "../room-bans";
import { ResultRow } from "../search-results";

export function RoomSettings({ details }: { details: RoomDetails }) {
  const state = useAppState();
  const { room } = details;
  const [name, setName] = useState(room.name ?? "");
  const [topic, setTopic] = useState(room.topic);
  const [saved, setSaved] = useState(false);
  const save = useSubmit(async () => {
    setSaved(false);
    await state.updateRoom(room.id, { name, topic });
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
        <h3 class={memberListStyles.membersHeading}>Room settings</h3>
        <FormAlert error={save.error} fields={["name", "topic"]} />
        <Field label="Name" name="name" value={name} onValue={setName} error={errors.name} />
        <Field
          label="Topic"
          name="topic"
          value={topic}
          onValue={setTopic}
          error={errors.topic}
          multiline
        />
        <div class="button-row">
          <button type="submit" class="button button--primary" disabled={save.pending}>
            Save
          </button>
          {saved && (
            <span class="muted" role="status">
              Saved
            </span>
          )}
        </div>
      </form>
      <Invite details={details} />
      {(details.me?.role === "owner" || state.me.value?.role === "admin") &&
        details.room.kind !== "dm" &&
        !details.room.archived && <InviteLink roomId={room.id} />}
      <section class="stack" aria-labelledby="reports-heading">
        <h3 class={memberListStyles.membersHeading} id="reports-heading">
          Reports{details.openReports ? ` (${details.openReports} open)` : ""}
        </h3>
        <ModerationQueue roomId={room.id} isAdmin={state.me.value?.role === "admin"} />
      </section>
      <BannedList roomId={room.id} version={details} />
      {details.me && canCloseRoom({ isAdmin: false, role: details.me.role }) && (
        <CloseRoom details={details} />
      )}
    </div>
  );
}

/** Archive / unarchive, and delete for good (asked first: it cannot be undone). */
function CloseRoom({ details }: { details: RoomDetails }) {
  const state = useAppState();
  const { room } = details;
  const [asking, setAsking] = useState(false);
  const archive = useSubmit(() => state.updateRoom(room.id, { archived: !room.archived }));
  const remove = useSubmit(() => state.deleteRoom(room.id));
  return (
    <div class="stack">
      <h3 class={memberListStyles.membersHeading}>Close the room</h3>
      <FormAlert error={archive.error ?? remove.error} fields={[]} />
      <p class="muted">
        {room.archived
          ? "Archived: everyone can read it, nobody can write."
          : "Archiving keeps the history readable and stops new messages."}
      </p>
      <div class="button-row">
        <button
          type="button"
          class="button"
          disabled={archive.pending}
          onClick={() => void archive.submit(undefined)}
        >
          {room.archived ? "Unarchive" : "Archive"}
        </button>
        <button
          type="button"
          class="button button--danger"
          disabled={remove.pending}
          onClick={() => setAsking(true)}
        >
          Delete room
        </button>
      </div>
      {asking && (
        <Confirm
          action="Delete"
          onConfirm={() => {
            setAsking(false);
            void remove.submit(undefined);
          }}
          onCancel={() => setAsking(false)}
        >
          Delete “{room.name}” for everyone, with all its messages and files? This cannot be undone.
        </Confirm>
      )}
    </div>
  );
}

/** How long a room's invite link works: long enough to pass on, short enough to forget safely. */
const INVITE_LINK_HOURS = 7 * 24;

/** Owners (and admins): a link anyone may follow to sign up (or sign in) and join this room. */
function InviteLink({ roomId }: { roomId: string }) {
  const state = useAppState();
  const [url, setUrl] = useState<string | null>(null);
  const create = useSubmit(async () => {
    // The invite is to the room's workspace (which may not be the one the sidebar shows).
    const rooms = state.rooms.value;
    const workspaceId =
      rooms.status === "ready"
        ? rooms.value.find((item) => item.room.id === roomId)?.room.workspaceId
        : undefined;
    const { invite } = await state.createInvite(
      { roomIds: [roomId], expiresInHours: INVITE_LINK_HOURS },
      workspaceId ?? state.currentWorkspace.value?.id,
    );
    setUrl(invite.url);
  });
  return (
    <section class="stack invite-link" aria-labelledby="invite-link-heading">
      <h3 class={memberListStyles.membersHeading} id="invite-link-heading">
        Invite link
      </h3>
      <p class="muted">
        Whoever opens it can sign up (or sign in) and joins this room. It works for 7 days.
      </p>
      <FormAlert error={create.error} fields={[]} />
      {url && <CopyField key={url} label="Invite link" value={url} />}
      <div class="button-row">
        <button
          type="button"
          class="button"
          disabled={create.pending}
          onClick={() => void create.submit(undefined)}
        >
          {url ? "Create another link" : "Create invite link"}
        </button>
      </div>
    </section>
  );
}

/** Find people and add them (also a group DM's "Add people", with its own heading). */
export function Invite({
  details,
  heading = "Invite people",
}: {
  details: RoomDetails;
  heading?: string;
}) {
  const state = useAppState();
  const [query, setQuery] = useState("");
  const { results } = useSearch(state.findPeople, query);
  const [message, setMessage] = useState<string | null>(null);
  const memberIds = new Set(details.members.map((m) => m.user.id));
  const invite = useSubmit(async (user: PublicUser) => {
    setMessage(null);
    await state.call(() => state.api.addMember(details.room.id, { userId: user.id }));
    setMessage(`${user.displayName} was added.`);
    await state.reloadRoom(details.room.id);
  });
  return (
    <section class="stack" aria-labelledby="invite-heading">
      <h3 class={memberListStyles.membersHeading} id="invite-heading">
        {heading}
      </h3>
      <Field
        label="Find people"
        name="invite"
        type="search"
        value={query}
        onValue={setQuery}
        verbatim
      />
      <FormAlert error={invite.error} fields={[]} />
      {message && (
        <p class="muted" role="status">
          {message}
        </p>
      )}
      {query.trim() !== "" && results.status === "ready" && (
        <ul class="result-list">
          {results.value.map((user) => (
            <ResultRow key={user.id} title={user.displayName} detail={`@${user.handle}`}>
              {memberIds.has(user.id) ? (
                <span class="muted">member</span>
              ) : (
                <button
                  type="button"
                  class="button button--small"
                  disabled={invite.pending}
                  aria-label={`Add ${user.displayName}`}
                  onClick={() => void invite.submit(user)}
                >
                  Add
                </button>
              )}
            </ResultRow>
          ))}
          {results.value.length === 0 && <li class="result muted">Nobody found.</li>}
        </ul>
      )}
    </section>
  );
}
