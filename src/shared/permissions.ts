// Who may do what in a room: pure rules over the actor's room role and instance role, shared by
// the Worker, the room and the web client so all three agree.
import type { MemberRole } from "./api.ts";

export interface RoomActor {
  isAdmin: boolean;
  /** The actor's role in the room, or null when not a member. */
  role: MemberRole | null;
}

const isOwner = (a: RoomActor) => a.isAdmin || a.role === "owner";

/** Archive, unarchive and delete the room. */
export const canCloseRoom = (a: RoomActor) => isOwner(a);

/** Rename, set the topic. */
export const canModerate = (a: RoomActor) => isOwner(a) || a.role === "moderator";

/** Moderators bring in members; only owners (and admins) hand out moderator or owner. */
export const canInvite = (a: RoomActor, newRole: MemberRole) =>
  isOwner(a) || (a.role === "moderator" && newRole === "member");

export const canChangeRole = (a: RoomActor) => isOwner(a);

/** Anyone may remove themselves; moderators remove plain members; owners anyone. */
export const canRemove = (a: RoomActor, target: MemberRole, isSelf: boolean) =>
  isSelf || isOwner(a) || (a.role === "moderator" && target === "member");

/** See the room's bans and lift them: owners, moderators and admins. */
export const canSeeBans = (a: RoomActor) => canModerate(a);

/**
 * Ban someone (`target`: their role here, null when not a member): owners and admins anyone;
 * moderators plain members and people not in the room. Nobody bans themselves (a 400, not a rule
 * of roles).
 */
export const canBan = (a: RoomActor, target: MemberRole | null) =>
  isOwner(a) || (a.role === "moderator" && target !== "owner" && target !== "moderator");

/** Pin and unpin: any member in a DM; owners, moderators and admins elsewhere. */
export const canPin = (a: RoomActor, roomKind: "channel" | "private" | "dm") =>
  roomKind === "dm" ? a.role !== null || a.isAdmin : canModerate(a);
