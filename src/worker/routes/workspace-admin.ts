// A workspace's admin views (docs/api.md, "Workspaces"): its owners and admins (and instance
// admins) see their workspace as instance admins see the instance — its rooms, its audit log,
// its reports — through the same queries with a workspace filter. Acting on what they see goes
// through the ordinary room routes, which treat them as admins in its rooms (access.ts).
import { createRoute, z } from "@hono/zod-openapi";
import {
  AdminRoom,
  AuditEntry,
  AuditQuery,
  Id,
  PageQuery,
  Report,
  ReportsQuery,
} from "../../../src/shared/api";
import { currentPrincipal, requireUser } from "../auth/principal";
import { adminRoomPage, auditPage } from "../directory/admin-views";
import { listReports } from "../directory/reports";
import { loadManagedWorkspace } from "../directory/workspaces";
import { failures, ok, pageRequest, router, security } from "./openapi";

const WorkspaceParams = z.object({ id: Id });

export const workspaceAdminRoutes = router([["/workspaces/*", requireUser()]])
  .openapi(
    createRoute({
      method: "get",
      path: "/workspaces/{id}/admin/rooms",
      operationId: "listWorkspaceAdminRooms",
      tags: ["workspaces"],
      summary:
        "The workspace's rooms as GET /api/admin/rooms lists the instance's (its admins), newest first",
      security,
      request: { params: WorkspaceParams, query: PageQuery },
      responses: {
        200: ok(z.object({ rooms: z.array(AdminRoom), nextCursor: z.string().nullable() })),
        ...failures(400, 401, 403, 404),
      },
    }),
    async (c) => {
      const db = c.get("db");
      const { workspace } = await loadManagedWorkspace(
        db,
        currentPrincipal(c),
        c.req.valid("param").id,
      );
      const page = pageRequest(c.req.valid("query"));
      return c.json(await adminRoomPage(db, { ...page, workspaceId: workspace.id }), 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/workspaces/{id}/admin/audit",
      operationId: "listWorkspaceAdminAudit",
      tags: ["workspaces"],
      summary: "The workspace's audit entries as GET /api/admin/audit gives the instance's",
      security,
      request: { params: WorkspaceParams, query: AuditQuery },
      responses: {
        200: ok(
          z.object({ entries: z.array(AuditEntry), nextBefore: z.number().int().nullable() }),
        ),
        ...failures(400, 401, 403, 404),
      },
    }),
    async (c) => {
      const db = c.get("db");
      const { workspace } = await loadManagedWorkspace(
        db,
        currentPrincipal(c),
        c.req.valid("param").id,
      );
      const { limit, ...filter } = c.req.valid("query");
      const page = await auditPage(db, {
        ...filter,
        workspaceId: workspace.id,
        limit: pageRequest({ limit }).limit,
      });
      return c.json(page, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/workspaces/{id}/admin/reports",
      operationId: "listWorkspaceAdminReports",
      tags: ["workspaces", "moderation"],
      summary: "Reports of the workspace's rooms, newest first (its admins)",
      security,
      request: { params: WorkspaceParams, query: ReportsQuery },
      responses: {
        200: ok(z.object({ reports: z.array(Report), nextCursor: z.string().nullable() })),
        ...failures(400, 401, 403, 404),
      },
    }),
    async (c) => {
      const db = c.get("db");
      const { workspace } = await loadManagedWorkspace(
        db,
        currentPrincipal(c),
        c.req.valid("param").id,
      );
      const { status, ...page } = c.req.valid("query");
      return c.json(
        await listReports(db, { status, workspaceId: workspace.id }, pageRequest(page)),
        200,
      );
    },
  );
