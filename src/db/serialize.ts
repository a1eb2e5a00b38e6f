// Rows → API objects. The only place that decides what a stored row looks like on the wire.
import type {
  AdminUser,
  ApiTokenInfo,
  AuditEntry,
  PublicUser,
  Room,
  RoomBan,
  SelfUser,
  Session,
  TokenScope,
} from "../../src/shared/api";
import { iso, isoOrNull } from "./client";
import type { apiTokens, auditLog, roomBans, rooms, sessions, users } from "./schema";

type UserRow = typeof users.$inferSelect;
type RoomRow = typeof rooms.$inferSelect;

/** Where a user's picture is served; the version makes each new picture a new URL. */
export const avatarUrl = (userId: string, version: number | null): string | null =>
  version === null ? null : `/api/users/${encodeURIComponent(userId)}/avatar?v=${version}`;

export const publicUser = (
  u: Pick<UserRow, "id" | "handle" | "displayName" | "avatarVersion" | "bot">,
): PublicUser => ({
  id: u.id,
  handle: u.handle,
  displayName: u.displayName,
  avatarUrl: avatarUrl(u.id, u.avatarVersion),
  bot: u.bot,
});

export const roomBan = (
  ban: typeof roomBans.$inferSelect,
  user: UserRow,
  bannedBy: UserRow | null,
): RoomBan => ({
  user: publicUser(user),
  reason: ban.reason,
  until: isoOrNull(ban.until),
  createdAt: iso(ban.createdAt),
  bannedBy: bannedBy ? publicUser(bannedBy) : null,
});

export const selfUser = (u: UserRow): SelfUser => ({
  ...publicUser(u),
  role: u.role,
  createdAt: iso(u.createdAt),
});

export const adminUser = (u: UserRow): AdminUser => ({
  ...selfUser(u),
  disabled: u.disabledAt != null,
  disabledAt: isoOrNull(u.disabledAt),
});

/** One of my sessions; `currentId` is the session of the request (null for an API token). */
export const session = (s: typeof sessions.$inferSelect, currentId: string | null): Session => ({
  id: s.id,
  createdAt: iso(s.createdAt),
  lastSeenAt: iso(s.lastSeenAt),
  userAgent: s.userAgent,
  current: s.id === currentId,
});

/**
 * A group DM: a DM opened for three people or more, or one whose people changed since (its
 * `dm_key`, the sorted member ids, is then null). Its members add people, leave and name it; a
 * 1:1 DM stays fixed.
 */
export const isGroupDm = (room: Pick<RoomRow, "kind" | "dmKey">): boolean =>
  room.kind === "dm" && (room.dmKey === null || room.dmKey.split(",").length > 2);

export const room = (r: RoomRow): Room => ({
  id: r.id,
  workspaceId: r.workspaceId,
  kind: r.kind,
  group: isGroupDm(r),
  name: r.name,
  topic: r.topic,
  createdBy: r.createdBy,
  createdAt: iso(r.createdAt),
  archived: r.archivedAt != null,
  archivedAt: isoOrNull(r.archivedAt),
  ephemeral: r.ephemeral,
  externalRef: r.externalRef,
  metadata:
    r.metadataJson === null ? null : (JSON.parse(r.metadataJson) as Record<string, unknown>),
  lastSeq: r.lastSeq,
  lastMessageAt: isoOrNull(r.lastMessageAt),
  lastPreview: r.lastPreview,
});

export const apiToken = (t: typeof apiTokens.$inferSelect): ApiTokenInfo => ({
  id: t.id,
  name: t.name,
  userId: t.userId,
  scopes: JSON.parse(t.scopes) as TokenScope[],
  createdAt: iso(t.createdAt),
  lastUsedAt: isoOrNull(t.lastUsedAt),
  revokedAt: isoOrNull(t.revokedAt),
});

/** An audit row as stored; auditPage (src/worker/directory/admin-views.ts) adds the names. */
export const auditEntry = (
  e: typeof auditLog.$inferSelect,
): Omit<AuditEntry, "actor" | "room" | "target"> => ({
  id: e.id,
  at: iso(e.at),
  actorId: e.actorId,
  action: e.action,
  roomId: e.roomId,
  targetId: e.targetId,
  detail: e.detailJson == null ? null : JSON.parse(e.detailJson),
});
