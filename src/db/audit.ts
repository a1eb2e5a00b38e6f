// The audit log: who did what to which room or person. Entries are built as statements so they
// commit in the same D1 batch as the change they describe.
import type { Db } from "./client";
import { auditLog } from "./schema";

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
  | "user.password_reset";

export interface AuditRecord {
  actorId: string | null;
  action: AuditAction;
  roomId?: string | null;
  targetId?: string | null;
  detail?: Record<string, unknown>;
}

export function audit(db: Db, record: AuditRecord) {
  return db.insert(auditLog).values({
    at: Date.now(),
    actorId: record.actorId,
    action: record.action,
    roomId: record.roomId ?? null,
    targetId: record.targetId ?? null,
    detailJson: record.detail ? JSON.stringify(record.detail) : null,
  });
}
