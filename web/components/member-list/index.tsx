// The room's members with who is online now, their roles, and (for owners and moderators)
// role changes, removal and bans.
import { useState } from "preact/hooks";
import type { Member, MemberRole, PublicUser } from "../../../src/shared/api";
import { canBan } from "../../../src/shared/permissions";
import { Avatar } from "../avatar";
import { Confirm } from "../confirm";
import * as styles from "./member-list.module.css";

const ROLE_LABELS: Record<MemberRole, string | null> = {
  owner: "owner",
  moderator: "moderator",
  member: null,
};

interface MemberListProps {
  members: readonly Member[];
  memberCount: number;
  online: ReadonlySet<string>;
  meId: string;
  /** My role: owners change roles; owners and moderators remove plain members. */
  myRole: MemberRole | null;
  onRole?: (userId: string, role: MemberRole) => void;
  onRemove?: (userId: string) => void;
  /** Whether I am an instance admin (who bans anyone), and asking to ban someone. */
  isAdmin?: boolean;
  onBan?: (user: PublicUser) => void;
  /** People I blocked, and blocking (after a confirm) or unblocking one of the others. */
  blocked?: ReadonlySet<string>;
  onBlock?: (user: PublicUser, blocked: boolean) => void;
}

export function MemberList(props: MemberListProps) {
  const { members, memberCount, online, meId, myRole } = props;
  const [blocking, setBlocking] = useState<PublicUser | null>(null);
  const blockButton = (member: Member) => {
    const isBlocked = props.blocked?.has(member.user.id) ?? false;
    return (
      <button
        type="button"
        class="button button--ghost button--small"
        aria-label={`${isBlocked ? "Unblock" : "Block"} ${member.user.displayName}`}
        onClick={() => (isBlocked ? props.onBlock?.(member.user, false) : setBlocking(member.user))}
      >
        {isBlocked ? "Unblock" : "Block"}
      </button>
    );
  };
  const hidden = memberCount - members.length;
  const sorted = [...members].sort(
    (a, b) => Number(online.has(b.user.id)) - Number(online.has(a.user.id)),
  );
  const removeButton = (member: Member) => (
    <button
      type="button"
      class="button button--ghost button--small"
      aria-label={`Remove ${member.user.displayName}`}
      onClick={() => props.onRemove?.(member.user.id)}
    >
      Remove
    </button>
  );
  const mayBan = (member: Member) =>
    props.onBan !== undefined &&
    member.user.id !== meId &&
    canBan({ isAdmin: props.isAdmin ?? false, role: myRole }, member.role);
  const banButton = (member: Member) => (
    <button
      type="button"
      class="button button--ghost button--small"
      aria-label={`Ban ${member.user.displayName} from the room`}
      onClick={() => props.onBan?.(member.user)}
    >
      Ban
    </button>
  );
  return (
    <section class={styles.members} aria-labelledby="members-heading">
      <h3 class={styles.membersHeading} id="members-heading">
        Members <span class={styles.membersCount}>{memberCount}</span>
      </h3>
      <ul class={styles.membersList}>
        {sorted.map((member) => {
          const isOnline = online.has(member.user.id);
          const canRemove =
            member.user.id !== meId &&
            (myRole === "owner" || (myRole === "moderator" && member.role === "member"));
          return (
            <li class={styles.member} key={member.user.id}>
              <span class={styles.presenceAvatar}>
                <Avatar
                  id={member.user.id}
                  name={member.user.displayName}
                  url={member.user.avatarUrl}
                />
                <span
                  class={`${styles.presenceDot}${isOnline ? ` ${styles.presenceDotOnline}` : ""}`}
                  title={isOnline ? "Online" : "Offline"}
                />
              </span>
              <span class={styles.memberNames}>
                <span class={styles.memberName} dir="auto">
                  {member.user.displayName}
                  {member.user.id === meId && <span class="muted"> (you)</span>}
                  {member.user.bot && (
                    <>
                      {" "}
                      <span class="badge badge--bot">bot</span>
                    </>
                  )}
                </span>
                <span class={styles.memberHandle}>
                  @{member.user.handle}
                  <span class="visually-hidden">{isOnline ? ", online" : ", offline"}</span>
                </span>
              </span>
              {myRole === "owner" && props.onRole && member.user.id !== meId ? (
                <span class={styles.memberControls}>
                  <select
                    class={styles.memberRole}
                    aria-label={`Role of ${member.user.displayName}`}
                    value={member.role}
                    onChange={(e) =>
                      props.onRole?.(member.user.id, e.currentTarget.value as MemberRole)
                    }
                  >
                    <option value="owner">owner</option>
                    <option value="moderator">moderator</option>
                    <option value="member">member</option>
                  </select>
                  {canRemove && props.onRemove && removeButton(member)}
                  {mayBan(member) && banButton(member)}
                  {props.onBlock && blockButton(member)}
                </span>
              ) : (
                <>
                  {ROLE_LABELS[member.role] && (
                    <span class={`badge badge--${member.role}`}>{ROLE_LABELS[member.role]}</span>
                  )}
                  {((canRemove && props.onRemove) ||
                    mayBan(member) ||
                    (props.onBlock && member.user.id !== meId)) && (
                    <span class={styles.memberControls}>
                      {canRemove && props.onRemove && removeButton(member)}
                      {mayBan(member) && banButton(member)}
                      {props.onBlock && member.user.id !== meId && blockButton(member)}
                    </span>
                  )}
                </>
              )}
            </li>
          );
        })}
      </ul>
      {hidden > 0 && <p class="muted">and {hidden} more</p>}
      {blocking && (
        <Confirm
          action="Block"
          onConfirm={() => {
            props.onBlock?.(blocking, true);
            setBlocking(null);
          }}
          onCancel={() => setBlocking(null)}
        >
          {blockQuestion(blocking.displayName)}
        </Confirm>
      )}
    </section>
  );
}

/** What blocking does, as the confirm asks it (the member list and a DM's header). */
export const blockQuestion = (name: string) =>
  `Block ${name}? They won't be able to message you directly or add you to group DMs, and you won't see their messages in rooms you share (you can show each one). They are not told.`;
