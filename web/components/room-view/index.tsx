// A room's page: its name, topic and members.
import type { Member, RoomDetails, SelfUser } from "../../../src/shared/api";
import { roomTitle } from "../../state/app-state";
import { useAppState } from "../../state/use-app-state";
import { Avatar } from "../avatar";
import { Panel } from "../panel";
import { RoomIcon } from "../room-icon";

const ROLE_LABELS: Record<Member["role"], string | null> = {
  owner: "owner",
  moderator: "moderator",
  member: null,
};

export function RoomView({ roomId }: { roomId: string }) {
  const state = useAppState();
  const details = state.openRoom.value;

  if (!details || details.status === "loading") {
    return (
      <Panel title="Loading…" focusKey={roomId}>
        <p class="muted" aria-busy="true">
          Loading the room…
        </p>
      </Panel>
    );
  }
  if (details.status === "error") {
    return (
      <Panel title="Room unavailable" focusKey={roomId}>
        <p role="alert">{details.error.message}</p>
        <button type="button" class="button" onClick={() => state.show({ kind: "room", roomId })}>
          Retry
        </button>
      </Panel>
    );
  }
  return <RoomPage details={details.value} me={state.me.value} />;
}

function RoomPage({ details, me }: { details: RoomDetails; me: SelfUser | null }) {
  const { room, members, memberCount } = details;
  const peers = members.filter((m) => m.user.id !== me?.id).map((m) => m.user);
  const title = roomTitle({ room, peers }, me);
  const hidden = memberCount - members.length;
  return (
    <Panel
      title={title}
      focusKey={room.id}
      icon={<RoomIcon kind={room.kind} large />}
      badges={room.archived && <span class="badge">archived</span>}
      subtitle={room.topic && <p class="panel__subtitle">{room.topic}</p>}
    >
      <section class="members" aria-labelledby="members-heading">
        <h3 class="members__heading" id="members-heading">
          Members <span class="members__count">{memberCount}</span>
        </h3>
        <ul class="members__list">
          {members.map((member) => (
            <li class="member" key={member.user.id}>
              <Avatar name={member.user.displayName} />
              <span class="member__names">
                <span class="member__name">
                  {member.user.displayName}
                  {member.user.id === me?.id && <span class="muted"> (you)</span>}
                </span>
                <span class="member__handle">@{member.user.handle}</span>
              </span>
              {ROLE_LABELS[member.role] && (
                <span class={`badge badge--${member.role}`}>{ROLE_LABELS[member.role]}</span>
              )}
            </li>
          ))}
        </ul>
        {hidden > 0 && <p class="muted">and {hidden} more</p>}
      </section>
    </Panel>
  );
}
