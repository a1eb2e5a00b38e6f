// Workspaces (docs/api.md, "Workspaces"): mine, creating one, one's details and its people.
import { createRoute, z } from "@hono/zod-openapi";
import {
  AddWorkspaceMemberBody,
  CreateWorkspaceBody,
  Id,
  Workspace,
  WorkspaceMember,
} from "../../../src/shared/api";
import { currentPrincipal, requireUser } from "../auth/principal";
import {
  addWorkspaceMember,
  createWorkspace,
  getWorkspace,
  listWorkspaces,
  loadManagedWorkspace,
} from "../directory/workspaces";
import { forbidden } from "../errors";
import * as notify from "../notify";
import { failures, jsonBody, ok, router, security, tooLarge } from "./openapi";

const WorkspaceParams = z.object({ id: Id });
const WorkspaceBody = z.object({ workspace: Workspace });

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
      responses: { 200: ok(z.object({ workspaces: z.array(Workspace) })), ...failures(401, 403) },
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
  );
