// The open room's members as the client holds them — the first page of GET /api/rooms/:id, plus
// people learnt since — kept current by the room socket's `member` frames, so the member list,
// its count, who is online and `@` suggestions follow joins, departures and role changes.
import type { Member, MemberRole, RoomDetails } from "../../src/shared/api";
import type { ServerFrame } from "../../src/shared/protocol";

export type MemberFrame = Extract<ServerFrame, { type: "member" }>;

const RANK: Record<MemberRole, number> = { owner: 0, moderator: 1, member: 2 };

/** The server's order: owners, then moderators, then by join time. */
function byRoleThenJoin(a: Member, b: Member): number {
  return RANK[a.role] - RANK[b.role] || a.joinedAt.localeCompare(b.joinedAt);
}

/**
 * Applies one `member` frame to the details. `unknown` is true when someone joined whom the
 * details cannot name (the frame carries only an id): the caller fetches them once.
 */
export function applyMemberFrame(
  details: RoomDetails,
  frame: MemberFrame,
  meId: string,
): { details: RoomDetails; unknown: boolean } {
  const at = details.members.findIndex((m) => m.user.id === frame.userId);
  const known = details.members[at];
  const isMe = frame.userId === meId;
  switch (frame.change) {
    case "joined": {
      // Already listed: the details were loaded after the join; only the role may be news.
      if (known)
        return { details: withRole(details, at, frame.role ?? known.role, isMe), unknown: false };
      return {
        details: { ...details, memberCount: details.memberCount + 1 },
        unknown: true,
      };
    }
    case "left": {
      const complete = details.members.length >= details.memberCount;
      // Not listed in a complete list: the details were loaded after they left.
      if (!known && complete) return { details, unknown: false };
      return {
        details: {
          ...details,
          members: known ? details.members.filter((_, i) => i !== at) : details.members,
          memberCount: Math.max(details.memberCount - 1, details.members.length - (known ? 1 : 0)),
          me: isMe ? null : details.me,
        },
        unknown: false,
      };
    }
    case "role":
      if (!frame.role) return { details, unknown: false };
      if (!known) {
        // Someone beyond the loaded page; only my own role matters here.
        return {
          details:
            isMe && details.me ? { ...details, me: { ...details.me, role: frame.role } } : details,
          unknown: false,
        };
      }
      return { details: withRole(details, at, frame.role, isMe), unknown: false };
  }
}

function withRole(details: RoomDetails, at: number, role: MemberRole, isMe: boolean): RoomDetails {
  const member = details.members[at];
  if (!member || member.role === role) return details;
  const members = details.members.slice();
  members[at] = { ...member, role };
  members.sort(byRoleThenJoin);
  return {
    ...details,
    members,
    me: isMe && details.me ? { ...details.me, role } : details.me,
  };
}

/**
 * Fresh details of the same room, keeping the people learnt beyond its first page (who joined
 * while the room was open) unless the fresh page is the whole list; `found` adds more of them.
 */
export function mergeMembers(
  fresh: RoomDetails,
  held: RoomDetails | null,
  found: readonly Member[] = [],
): RoomDetails {
  const listed = new Set(fresh.members.map((m) => m.user.id));
  const extra: Member[] = [];
  const complete = fresh.members.length >= fresh.memberCount;
  const candidates = [
    ...found,
    ...(held && held.room.id === fresh.room.id && !complete ? held.members : []),
  ];
  for (const member of candidates) {
    if (listed.has(member.user.id)) continue;
    listed.add(member.user.id);
    extra.push(member);
  }
  if (extra.length === 0) return fresh;
  // Never more people than the room has: the count is the server's.
  const room = fresh.memberCount - fresh.members.length;
  return { ...fresh, members: [...fresh.members, ...extra.slice(0, Math.max(0, room))] };
}
