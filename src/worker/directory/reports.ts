// Reports and the moderation queue (docs/api.md, "Reports"): a person reports a message once; the
// room's owners and moderators see their room's reports, instance admins every room's. Closing a
// report closes every open report of the same message with it: the queue is about messages, and
// one decision answers all who reported it.
import { and, desc, eq, type SQL } from "drizzle-orm";
import { alias } from "drizzle-orm/sqlite-core";
import { LIMITS, type Report } from "../../../src/shared/api";
import type { Message } from "../../../src/shared/protocol";
import { audit } from "../../db/audit";
import { type Db, isUniqueViolation } from "../../db/client";
import { reports, rooms, users } from "../../db/schema";
import * as serialize from "../../db/serialize";
import { newId } from "../auth/crypto";
import { ApiError, notFound } from "../errors";
import { type OffsetPage, pageOf } from "./paging";

export type ReportRow = typeof reports.$inferSelect;
export type ReportStatus = ReportRow["status"];
export type ReportAction = NonNullable<ReportRow["action"]>;

/** What the moderators will read: the text, and the names of any files, cut to the limit. */
export function excerptOf(message: Message): string {
  const files = message.attachments.map((a) => `[${a.name}]`);
  return [message.body, ...files]
    .filter((part) => part !== "")
    .join(" ")
    .slice(0, LIMITS.reportExcerpt.max);
}

/** Files a report of `message` by `reporterId`; a second report of the same message is a 409. */
export async function fileReport(
  db: Db,
  roomId: string,
  message: Message | null,
  reporterId: string,
  input: { reason: ReportRow["reason"]; note?: string | undefined },
): Promise<string> {
  if (!message || message.deleted) throw notFound("No such message");
  if (message.sender.id === reporterId) {
    throw new ApiError("invalid", "You cannot report your own message");
  }
  const id = newId("rpt");
  try {
    await db.batch([
      db.insert(reports).values({
        id,
        roomId,
        seq: message.seq,
        reporterId,
        authorId: message.sender.id,
        reason: input.reason,
        note: input.note ?? "",
        excerpt: excerptOf(message),
        createdAt: Date.now(),
      }),
      audit(db, {
        actorId: reporterId,
        action: "report.create",
        roomId,
        targetId: message.sender.id,
        detail: { report: id, seq: message.seq, reason: input.reason },
      }),
    ]);
  } catch (err) {
    if (isUniqueViolation(err)) throw new ApiError("conflict", "You already reported this message");
    throw err;
  }
  return id;
}

const reporter = alias(users, "reporter");
const author = alias(users, "author");
const closer = alias(users, "closer");

function reportsQuery(db: Db, where: SQL | undefined) {
  return db
    .select({ report: reports, room: rooms, reporter, author, closer })
    .from(reports)
    .innerJoin(rooms, eq(rooms.id, reports.roomId))
    .leftJoin(reporter, eq(reporter.id, reports.reporterId))
    .leftJoin(author, eq(author.id, reports.authorId))
    .leftJoin(closer, eq(closer.id, reports.closedBy))
    .where(where);
}

type ReportJoined = Awaited<ReturnType<typeof reportsQuery>>[number];

const orNullUser = (u: ReportJoined["reporter"]) => (u ? serialize.publicUser(u) : null);

function toReport(row: ReportJoined): Report {
  const { report } = row;
  return {
    id: report.id,
    room: { id: row.room.id, kind: row.room.kind, name: row.room.name },
    seq: report.seq,
    reason: report.reason,
    note: report.note,
    excerpt: report.excerpt,
    reporter: orNullUser(row.reporter),
    author: orNullUser(row.author),
    createdAt: new Date(report.createdAt).toISOString(),
    status: report.status,
    action: report.action,
    closedBy: orNullUser(row.closer),
    closedAt: report.closedAt == null ? null : new Date(report.closedAt).toISOString(),
  };
}

/** A page of the queue, newest first: one room's (`roomId`) or the whole instance's. */
export async function listReports(
  db: Db,
  filter: { roomId?: string; workspaceId?: string; status: ReportStatus },
  page: OffsetPage,
): Promise<{ reports: Report[]; nextCursor: string | null }> {
  const rows = await reportsQuery(
    db,
    and(
      eq(reports.status, filter.status),
      filter.roomId === undefined ? undefined : eq(reports.roomId, filter.roomId),
      // One workspace's queue (its admins'): reports of its rooms.
      filter.workspaceId === undefined ? undefined : eq(rooms.workspaceId, filter.workspaceId),
    ),
  )
    .orderBy(desc(reports.createdAt), desc(reports.id))
    .limit(page.limit + 1)
    .offset(page.offset)
    .all();
  const { items, nextCursor } = pageOf(rows, page);
  return { reports: items.map(toReport), nextCursor };
}

export async function findReport(db: Db, id: string, roomId?: string): Promise<Report> {
  const row = await reportsQuery(
    db,
    and(eq(reports.id, id), roomId === undefined ? undefined : eq(reports.roomId, roomId)),
  ).get();
  if (!row) throw notFound("No such report");
  return toReport(row);
}

/**
 * Closes `report` and every other open report of its message, in one batch with the audit entry
 * (the action itself was applied before: it is what the entry records).
 */
export async function closeReports(
  db: Db,
  actorId: string,
  report: Report,
  outcome: { status: "resolved" | "dismissed"; action?: ReportAction | undefined },
): Promise<Report> {
  const now = Date.now();
  await db.batch([
    db
      .update(reports)
      .set({
        status: outcome.status,
        action: outcome.action ?? null,
        closedBy: actorId,
        closedAt: now,
      })
      .where(
        and(
          eq(reports.roomId, report.room.id),
          eq(reports.seq, report.seq),
          eq(reports.status, "open"),
        ),
      ),
    audit(db, {
      actorId,
      action: outcome.status === "resolved" ? "report.resolve" : "report.dismiss",
      roomId: report.room.id,
      targetId: report.author?.id ?? null,
      detail: { report: report.id, seq: report.seq, action: outcome.action ?? null },
    }),
  ]);
  return findReport(db, report.id);
}
