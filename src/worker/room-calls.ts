// What the Worker tells a room about itself and about the caller, built from D1's rows.

import type { Actor, RoomInfo } from "../room/handlers";
import type { RetentionPolicy } from "../shared/api";
import type { Principal } from "./context";
import type { MembershipRow, RoomRow } from "./directory/access";

export const roomInfo = (room: RoomRow): RoomInfo => ({
  id: room.id,
  kind: room.kind,
  name: room.name,
  topic: room.topic,
  archived: room.archivedAt != null,
  ephemeral: room.ephemeral,
  retention: room.retentionJson ? (JSON.parse(room.retentionJson) as RetentionPolicy) : null,
});

/** The caller as the room sees them: identity from the session, role from D1. */
export const actorOf = (principal: Principal, membership: MembershipRow | null): Actor => ({
  id: principal.user.id,
  handle: principal.user.handle,
  name: principal.user.displayName,
  role: membership?.role ?? null,
  isAdmin: principal.isAdmin,
});
