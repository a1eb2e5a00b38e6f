// The audit log: who did what to which room or person. Entries are built as statements so they
// commit in the same D1 batch as the change they describe.
import { sql } from "drizzle-orm";
import type { Db } from "./client";
import { auditLog, rooms } from "./schema";

export type AuditAction =
  | "auth.register"
  | "auth.login_failed"
  | "room.create"
  | "room.update"
  | "room.archive"
  | "room.delete"
  | "member.add"
  | "member.remove"
  | "member.role"
  | "member.ban"
  | "member.unban"
  | "user.update"
  | "user.rename"
  | "user.password"
  | "session.end"
  | "token.create"
  | "token.delete"
  | "retention.set"
  | "retention.run"
  | "report.create"
  | "report.resolve"
  | "report.dismiss"
  | "invite.create"
  | "invite.delete"
  | "invite.use"
  | "user.create"
  | "user.password_reset_link"
  | "user.password_reset"
  | "workspace.create"
  | "workspace.update"
  | "workspace.member_add"
  | "workspace.member_role"
  | "workspace.member_remove";

export interface AuditRecord {
  actorId: string | null;
  action: AuditAction;
  roomId?: string | null;
  /** Defaults to the room's workspace (read in the same statement) when the entry names a room. */
  workspaceId?: string | null;
  targetId?: string | null;
  detail?: Record<string, unknown>;
}

export function audit(db: Db, record: AuditRecord) {
  return db.insert(auditLog).values({
    at: Date.now(),
    actorId: record.actorId,
    action: record.action,
    roomId: record.roomId ?? null,
    // Read by the insert itself: put before a room's deletion in a batch, it still finds the room.
    workspaceId:
      record.workspaceId ??
      (record.roomId
        ? sql`(SELECT ${rooms.workspaceId} FROM ${rooms} WHERE ${rooms.id} = ${record.roomId})`
        : null),
    targetId: record.targetId ?? null,
    detailJson: record.detail ? JSON.stringify(record.detail) : null,
  });
}
