// Reports and the moderation queue (docs/api.md, "Reports"): report a message; a room's queue for
// its owners and moderators; the instance's queue for admins; closing a report, with its action.
import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { CloseReportBody, Id, Report, ReportBody, ReportsQuery } from "../../../src/shared/api";
import { canModerate } from "../../../src/shared/permissions";
import { requireAdmin, requireUser } from "../auth/principal";
import type { AppEnv } from "../context";
import { banFromRoom } from "../directory/bans";
import {
  closeReports,
  fileReport,
  findReport,
  listReports,
  type ReportAction,
} from "../directory/reports";
import { changeUser, findUser } from "../directory/users";
import { ApiError, forbidden } from "../errors";
import { access, accessRoom, unwrap } from "../room-calls";
import { failures, jsonBody, ok, pageRequest, router, security, tooLarge } from "./openapi";

const SeqParams = z.object({ id: Id, seq: z.coerce.number().int().positive() });
const RoomReportParams = z.object({ id: Id, reportId: Id });
const OneReport = z.object({ report: Report });
const ReportPage = z.object({ reports: z.array(Report), nextCursor: z.string().nullable() });

type RoomCall = Awaited<ReturnType<typeof accessRoom>>;

/** The room's queue is for its owners and moderators (and admins); others get 403. */
async function moderatedRoom(c: Context<AppEnv>): Promise<RoomCall> {
  const room = await access(c, "view");
  if (!canModerate(room.room.actor)) {
    throw forbidden("Only the room's owners and moderators see its reports");
  }
  return room;
}

/** Applies a report's action as `room.actor` (who may moderate that room). */
async function apply(c: Context<AppEnv>, room: RoomCall, report: Report, action: ReportAction) {
  switch (action) {
    case "delete_message":
      try {
        unwrap(await room.stub.delete(room.info, room.actor, report.seq));
      } catch (err) {
        // Purged by retention since it was reported: nothing is left to delete.
        if (!(err instanceof ApiError && err.code === "not_found")) throw err;
      }
      return;
    case "ban_from_room": {
      if (!report.author) throw new ApiError("conflict", "The author's account no longer exists");
      const { principal } = room;
      const actor = {
        userId: principal.user.id,
        isAdmin: principal.isAdmin,
        mayAdminister: principal.mayAdminister,
      };
      // Until lifted: a report resolved this way is no temporary measure; Bans can shorten it.
      await banFromRoom(c.env, c.get("db"), actor, report.room.id, report.author.id, {
        reason: `Reported message (${report.reason})`,
      });
      return;
    }
    case "disable_user": {
      if (!room.principal.isAdmin) throw forbidden("Only instance admins disable accounts");
      if (!report.author) throw new ApiError("conflict", "The author's account no longer exists");
      const db = c.get("db");
      await changeUser(c.env, db, room.principal.user.id, await findUser(db, report.author.id), {
        disabled: true,
      });
      return;
    }
  }
}

/** Closes an open report after applying its action; a closed one is a 409. */
async function close(
  c: Context<AppEnv>,
  room: RoomCall,
  report: Report,
  body: z.infer<typeof CloseReportBody>,
) {
  if (report.status !== "open")
    throw new ApiError("conflict", `This report is already ${report.status}`);
  if (body.action) await apply(c, room, report, body.action);
  return closeReports(c.get("db"), room.principal.user.id, report, body);
}

export const reportRoutes = router([
  ["/rooms/*", requireUser()],
  ["/admin/reports", requireAdmin()],
  ["/admin/reports/*", requireAdmin()],
])
  .openapi(
    createRoute({
      method: "post",
      path: "/rooms/{id}/messages/{seq}/report",
      operationId: "reportMessage",
      tags: ["moderation"],
      summary:
        "Report a message to the room's moderators and the instance's admins; once per person per message",
      security,
      request: { params: SeqParams, ...jsonBody(ReportBody) },
      responses: {
        201: ok(OneReport, "Reported"),
        ...failures(400, 401, 403, 404, 409),
        413: tooLarge,
      },
    }),
    async (c) => {
      const room = await access(c, "view");
      const { seq } = c.req.valid("param");
      const message = await room.stub.message(room.info, seq);
      const db = c.get("db");
      const id = await fileReport(
        db,
        room.room.room.id,
        message,
        room.principal.user.id,
        c.req.valid("json"),
      );
      return c.json({ report: await findReport(db, id) }, 201);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/rooms/{id}/reports",
      operationId: "listRoomReports",
      tags: ["moderation"],
      summary: "The room's moderation queue (owners, moderators, admins), newest first",
      security,
      request: { params: z.object({ id: Id }), query: ReportsQuery },
      responses: { 200: ok(ReportPage), ...failures(400, 401, 403, 404) },
    }),
    async (c) => {
      const room = await moderatedRoom(c);
      const { status, ...page } = c.req.valid("query");
      const db = c.get("db");
      return c.json(
        await listReports(db, { roomId: room.info.id, status }, pageRequest(page)),
        200,
      );
    },
  )
  .openapi(
    createRoute({
      method: "patch",
      path: "/rooms/{id}/reports/{reportId}",
      operationId: "closeRoomReport",
      tags: ["moderation"],
      summary:
        "Resolve (with an action: delete the message or ban its sender) or dismiss a report of the room",
      security,
      request: { params: RoomReportParams, ...jsonBody(CloseReportBody) },
      responses: { 200: ok(OneReport), ...failures(400, 401, 403, 404, 409), 413: tooLarge },
    }),
    async (c) => {
      const room = await moderatedRoom(c);
      const report = await findReport(c.get("db"), c.req.valid("param").reportId, room.info.id);
      return c.json({ report: await close(c, room, report, c.req.valid("json")) }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/admin/reports",
      operationId: "adminListReports",
      tags: ["admin", "moderation"],
      summary: "Every room's reports, newest first",
      security,
      request: { query: ReportsQuery },
      responses: { 200: ok(ReportPage), ...failures(400, 401, 403) },
    }),
    async (c) => {
      const { status, ...page } = c.req.valid("query");
      return c.json(await listReports(c.get("db"), { status }, pageRequest(page)), 200);
    },
  )
  .openapi(
    createRoute({
      method: "patch",
      path: "/admin/reports/{id}",
      operationId: "adminCloseReport",
      tags: ["admin", "moderation"],
      summary:
        "Resolve (deleting the message, banning its sender from the room or disabling their account) or dismiss a report",
      security,
      request: { params: z.object({ id: Id }), ...jsonBody(CloseReportBody) },
      responses: { 200: ok(OneReport), ...failures(400, 401, 403, 404, 409), 413: tooLarge },
    }),
    async (c) => {
      const report = await findReport(c.get("db"), c.req.valid("param").id);
      const room = await accessRoom(c, report.room.id, "member");
      return c.json({ report: await close(c, room, report, c.req.valid("json")) }, 200);
    },
  );
