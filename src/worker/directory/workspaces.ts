// Workspaces in D1: which exist, who is in each and in what role. Every other part of the
// directory asks here before it lets anything cross a workspace's edge: a workspace someone is
// not in answers 404, exactly as if it did not exist (instance admins see every workspace).
import { and, eq } from "drizzle-orm";
import type { Db } from "../../db/client";
import { workspaceMembers, workspaces } from "../../db/schema";
import type { Principal } from "../context";
import { forbidden, notFound } from "../errors";

export type WorkspaceRow = typeof workspaces.$inferSelect;
export type WorkspaceRole = (typeof workspaceMembers.$inferSelect)["role"];

/** Holds every room and person from before workspaces; requests without `workspaceId` go here. */
export const DEFAULT_WORKSPACE_ID = "ws_default";

export const WORKSPACE_NOT_FOUND = "No such workspace";

export interface WorkspaceAccess {
  workspace: WorkspaceRow;
  /** The caller's role in it; null for an instance admin who is not a member. */
  role: WorkspaceRole | null;
  /** Manages it: its owners and admins, and instance admins. */
  canAdmin: boolean;
}

export const managesWorkspace = (role: WorkspaceRole | null | undefined, isAdmin: boolean) =>
  isAdmin || role === "owner" || role === "admin";

/** The workspace (`id`, or the default one) as the caller sees it; 404 when they are not in it. */
export async function loadWorkspace(
  db: Db,
  principal: Pick<Principal, "user" | "isAdmin">,
  id: string | undefined,
): Promise<WorkspaceAccess> {
  const row = await db
    .select({ workspace: workspaces, role: workspaceMembers.role })
    .from(workspaces)
    .leftJoin(
      workspaceMembers,
      and(
        eq(workspaceMembers.workspaceId, workspaces.id),
        eq(workspaceMembers.userId, principal.user.id),
      ),
    )
    .where(eq(workspaces.id, id ?? DEFAULT_WORKSPACE_ID))
    .get();
  if (!row || (row.role === null && !principal.isAdmin)) throw notFound(WORKSPACE_NOT_FOUND);
  return {
    workspace: row.workspace,
    role: row.role,
    canAdmin: managesWorkspace(row.role, principal.isAdmin),
  };
}

/** As loadWorkspace, for what only the workspace's admins (and instance admins) may do. */
export async function loadManagedWorkspace(
  db: Db,
  principal: Pick<Principal, "user" | "isAdmin">,
  id: string | undefined,
): Promise<WorkspaceAccess> {
  const access = await loadWorkspace(db, principal, id);
  if (!access.canAdmin) throw forbidden("Only the workspace's admins may do that");
  return access;
}

/** Whether `userId` is in workspace `workspaceId`. */
export async function isWorkspaceMember(
  db: Db,
  workspaceId: string,
  userId: string,
): Promise<boolean> {
  const row = await db
    .select({ role: workspaceMembers.role })
    .from(workspaceMembers)
    .where(and(eq(workspaceMembers.workspaceId, workspaceId), eq(workspaceMembers.userId, userId)))
    .get();
  return row !== undefined;
}
