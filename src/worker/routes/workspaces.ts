// Workspaces (docs/api.md, "Workspaces"): mine, creating one, one's details and settings, its
// people and their roles, removal and leaving. Its admin views: workspace-admin.ts.
import { createRoute, z } from "@hono/zod-openapi";
import {
  AddWorkspaceMemberBody,
  CreateWorkspaceBody,
  Id,
  PageQuery,
  UpdateWorkspaceBody,
  UpdateWorkspaceMemberBody,
  Workspace,
  WorkspaceMember,
} from "../../../src/shared/api";
import { currentPrincipal, requireUser } from "../auth/principal";
import { removeFromWorkspace } from "../directory/workspace-removal";
import {
  addWorkspaceMember,
  changeWorkspaceRole,
  createWorkspace,
  getWorkspace,
  listWorkspaceMembers,
  listWorkspaces,
  loadManagedWorkspace,
  loadWorkspace,
  updateWorkspace,
} from "../directory/workspaces";
import { forbidden } from "../errors";
import * as notify from "../notify";
import {
  failures,
  jsonBody,
  noContent,
  ok,
  pageRequest,
  router,
  security,
  tooLarge,
} from "./openapi";

const WorkspaceParams = z.object({ id: Id });
const MemberParams = z.object({ id: Id, userId: Id });
const WorkspaceBody = z.object({ workspace: Workspace });
const MemberBody = z.object({ member: WorkspaceMember });

export const workspaceRoutes = router([
  ["/workspaces", requireUser()],
  ["/workspaces/*", requireUser()],
])
  .openapi(
    createRoute({
      method: "get",
      path: "/workspaces",
      operationId: "listWorkspaces",
      tags: ["workspaces"],
      summary: "My workspaces (instance admins: every one), the default first",
      security,
      responses: {
        200: ok(z.object({ workspaces: z.array(Workspace) })),
        ...failures(401, 403),
      },
    }),
    async (c) =>
      c.json({ workspaces: await listWorkspaces(c.get("db"), currentPrincipal(c)) }, 200),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/workspaces",
      operationId: "createWorkspace",
      tags: ["workspaces"],
      summary:
        "Create a workspace (instance admins, or anyone when WORKSPACE_CREATION=open); I own it",
      security,
      request: jsonBody(CreateWorkspaceBody),
      responses: {
        201: ok(WorkspaceBody, "Created"),
        ...failures(400, 401, 403, 409),
        413: tooLarge,
      },
    }),
    async (c) => {
      const principal = currentPrincipal(c);
      if (!principal.isAdmin && c.get("config").workspaceCreation !== "open") {
        throw forbidden("Only instance admins create workspaces here");
      }
      const workspace = await createWorkspace(c.get("db"), principal.user.id, c.req.valid("json"));
      return c.json({ workspace }, 201);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/workspaces/{id}",
      operationId: "getWorkspace",
      tags: ["workspaces"],
      summary: "A workspace of mine",
      security,
      request: { params: WorkspaceParams },
      responses: { 200: ok(WorkspaceBody), ...failures(401, 403, 404) },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      return c.json({ workspace: await getWorkspace(c.get("db"), currentPrincipal(c), id) }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/workspaces/{id}/members",
      operationId: "addWorkspaceMember",
      tags: ["workspaces"],
      summary: "Add someone of the instance (by id or handle) to the workspace (its admins)",
      security,
      request: { params: WorkspaceParams, ...jsonBody(AddWorkspaceMemberBody) },
      responses: {
        201: ok(z.object({ member: WorkspaceMember }), "Added"),
        ...failures(400, 401, 403, 404, 409),
        413: tooLarge,
      },
    }),
    async (c) => {
      const principal = currentPrincipal(c);
      const db = c.get("db");
      const access = await loadManagedWorkspace(db, principal, c.req.valid("param").id);
      const { userId, handle, role = "member" } = c.req.valid("json");
      const member = await addWorkspaceMember(
        db,
        access,
        principal.user.id,
        { userId, handle },
        role,
      );
      await notify.workspaceMembershipChanged(
        c.env,
        member.user.id,
        access.workspace.id,
        "added",
        member.role,
      );
      return c.json({ member }, 201);
    },
  )
  .openapi(
    createRoute({
      method: "patch",
      path: "/workspaces/{id}",
      operationId: "updateWorkspace",
      tags: ["workspaces"],
      summary:
        "Rename the workspace or change its defaults for new rooms (its admins); its data location is fixed",
      security,
      request: { params: WorkspaceParams, ...jsonBody(UpdateWorkspaceBody) },
      responses: { 200: ok(WorkspaceBody), ...failures(400, 401, 403, 404), 413: tooLarge },
    }),
    async (c) => {
      const principal = currentPrincipal(c);
      const db = c.get("db");
      const access = await loadManagedWorkspace(db, principal, c.req.valid("param").id);
      const workspace = await updateWorkspace(db, access, principal.user.id, c.req.valid("json"));
      return c.json({ workspace }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/workspaces/{id}/members",
      operationId: "listWorkspaceMembers",
      tags: ["workspaces"],
      summary: "The workspace's people by handle, paged; `q` finds them by handle or name",
      security,
      request: { params: WorkspaceParams, query: PageQuery },
      responses: {
        200: ok(z.object({ members: z.array(WorkspaceMember), nextCursor: z.string().nullable() })),
        ...failures(400, 401, 403, 404),
      },
    }),
    async (c) => {
      const db = c.get("db");
      const access = await loadWorkspace(db, currentPrincipal(c), c.req.valid("param").id);
      return c.json(await listWorkspaceMembers(db, access, pageRequest(c.req.valid("query"))), 200);
    },
  )
  .openapi(
    createRoute({
      method: "patch",
      path: "/workspaces/{id}/members/{userId}",
      operationId: "updateWorkspaceMember",
      tags: ["workspaces"],
      summary:
        "Change someone's role (its admins; only owners make or unmake owners; the last owner stays)",
      security,
      request: { params: MemberParams, ...jsonBody(UpdateWorkspaceMemberBody) },
      responses: { 200: ok(MemberBody), ...failures(400, 401, 403, 404, 409), 413: tooLarge },
    }),
    async (c) => {
      const principal = currentPrincipal(c);
      const db = c.get("db");
      const { id, userId } = c.req.valid("param");
      const access = await loadManagedWorkspace(db, principal, id);
      const { member, from, instanceAdmin } = await changeWorkspaceRole(
        db,
        access,
        principal.user.id,
        userId,
        c.req.valid("json").role,
      );
      // No longer one of its admins: sockets they hold as such in its rooms lose those powers
      // (and close where they are not a member), unless they are an instance admin anyway.
      if (from !== "member" && member.role === "member" && !instanceAdmin) {
        await notify.adminRevoked(c.env, db, userId, access.workspace.id);
      }
      if (from !== member.role) {
        await notify.workspaceMembershipChanged(
          c.env,
          userId,
          access.workspace.id,
          "role",
          member.role,
        );
      }
      return c.json({ member }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/workspaces/{id}/members/{userId}",
      operationId: "removeWorkspaceMember",
      tags: ["workspaces"],
      summary:
        "Remove someone (its admins; owners only by owners) or leave; they leave every room of the workspace",
      security,
      request: { params: MemberParams },
      responses: { ...noContent, ...failures(401, 403, 404, 409), 413: tooLarge },
    }),
    async (c) => {
      const principal = currentPrincipal(c);
      const db = c.get("db");
      const { id, userId } = c.req.valid("param");
      const access = await loadWorkspace(db, principal, id);
      await removeFromWorkspace(c.env, db, access, principal.user.id, userId);
      await notify.workspaceMembershipChanged(c.env, userId, access.workspace.id, "removed");
      return c.body(null, 204);
    },
  );
