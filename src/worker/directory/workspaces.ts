// Workspaces in D1: which exist, who is in each and in what role. Every other part of the
// directory asks here before it lets anything cross a workspace's edge: a workspace someone is
// not in answers 404, exactly as if it did not exist (instance admins see every workspace).
import { and, asc, eq, sql } from "drizzle-orm";
import type {
  CreateWorkspaceBody,
  RetentionPolicy,
  Workspace,
  WorkspaceMember,
} from "../../../src/shared/api";
import { audit } from "../../db/audit";
import { type Db, iso, isUniqueViolation } from "../../db/client";
import { users, workspaceMembers, workspaces } from "../../db/schema";
import * as serialize from "../../db/serialize";
import { newId } from "../auth/crypto";
import type { Principal } from "../context";
import { ApiError, forbidden, notFound } from "../errors";

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

/** Whose credential manages a workspace where they have `role`. */
export type Administrator = Pick<Principal, "isAdmin" | "mayAdminister">;

export const managesWorkspace = (role: WorkspaceRole | null | undefined, who: Administrator) =>
  who.isAdmin || (who.mayAdminister && (role === "owner" || role === "admin"));

/** The workspace (`id`, or the default one) as the caller sees it; 404 when they are not in it. */
export async function loadWorkspace(
  db: Db,
  principal: Pick<Principal, "user" | "isAdmin" | "mayAdminister">,
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
    canAdmin: managesWorkspace(row.role, principal),
  };
}

/** As loadWorkspace, for what only the workspace's admins (and instance admins) may do. */
export async function loadManagedWorkspace(
  db: Db,
  principal: Pick<Principal, "user" | "isAdmin" | "mayAdminister">,
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

/** How many people are in each workspace, as a column of a select over `workspaces`. */
const memberCount = sql<number>`(SELECT count(*) FROM ${workspaceMembers} WHERE ${workspaceMembers.workspaceId} = ${workspaces.id})`;

export const workspaceBody = (
  row: WorkspaceRow,
  role: WorkspaceRole | null,
  members: number,
): Workspace => ({
  id: row.id,
  name: row.name,
  slug: row.slug,
  dataLocation: row.dataLocation,
  defaults: {
    retention: row.retentionJson ? (JSON.parse(row.retentionJson) as RetentionPolicy) : null,
    joinPolicy: row.joinPolicy,
  },
  role,
  isDefault: row.id === DEFAULT_WORKSPACE_ID,
  memberCount: members,
  createdAt: iso(row.createdAt),
});

/** My workspaces (an instance admin: every one), the default first, then by name. */
export async function listWorkspaces(
  db: Db,
  principal: Pick<Principal, "user" | "isAdmin" | "mayAdminister">,
): Promise<Workspace[]> {
  const rows = await db
    .select({ workspace: workspaces, role: workspaceMembers.role, members: memberCount })
    .from(workspaces)
    .leftJoin(
      workspaceMembers,
      and(
        eq(workspaceMembers.workspaceId, workspaces.id),
        eq(workspaceMembers.userId, principal.user.id),
      ),
    )
    .where(principal.isAdmin ? undefined : sql`${workspaceMembers.role} IS NOT NULL`)
    .orderBy(sql`${workspaces.id} <> ${DEFAULT_WORKSPACE_ID}`, asc(workspaces.name))
    .all();
  return rows.map((r) => workspaceBody(r.workspace, r.role, r.members));
}

/** The workspace as the caller sees it (404 unless they are in it), with its member count. */
export async function getWorkspace(
  db: Db,
  principal: Pick<Principal, "user" | "isAdmin" | "mayAdminister">,
  id: string,
): Promise<Workspace> {
  const { workspace, role } = await loadWorkspace(db, principal, id);
  return workspaceBody(workspace, role, await countMembers(db, workspace.id));
}

async function countMembers(db: Db, workspaceId: string): Promise<number> {
  const row = await db
    .select({ n: sql<number>`count(*)` })
    .from(workspaceMembers)
    .where(eq(workspaceMembers.workspaceId, workspaceId))
    .get();
  return row?.n ?? 0;
}

/** A new workspace with its creator as owner; 409 when the slug is taken. */
export async function createWorkspace(
  db: Db,
  creatorId: string,
  input: CreateWorkspaceBody,
): Promise<Workspace> {
  const row: WorkspaceRow = {
    id: newId("ws"),
    name: input.name,
    slug: input.slug,
    dataLocation: input.dataLocation ?? null,
    retentionJson: null,
    joinPolicy: "invite",
    createdBy: creatorId,
    createdAt: Date.now(),
  };
  try {
    await db.batch([
      db.insert(workspaces).values(row),
      db
        .insert(workspaceMembers)
        .values({ workspaceId: row.id, userId: creatorId, role: "owner", joinedAt: row.createdAt }),
      audit(db, {
        actorId: creatorId,
        action: "workspace.create",
        workspaceId: row.id,
        targetId: row.id,
        detail: { name: row.name, slug: row.slug, dataLocation: row.dataLocation },
      }),
    ]);
  } catch (error) {
    if (isUniqueViolation(error))
      throw new ApiError("conflict", "That slug is taken", [
        { in: "json", path: "slug", message: "That slug is taken" },
      ]);
    throw error;
  }
  return workspaceBody(row, "owner", 1);
}

/**
 * Adds someone of the instance (by id or handle) to a workspace the caller manages; 404 when
 * there is no such person, 409 when they are in it already. Only owners make owners.
 */
export async function addWorkspaceMember(
  db: Db,
  access: WorkspaceAccess,
  actorId: string,
  who: { userId?: string | undefined; handle?: string | undefined },
  role: WorkspaceRole,
): Promise<WorkspaceMember> {
  if (role === "owner" && access.role !== "owner" && access.role !== null) {
    throw forbidden("Only the workspace's owners make owners");
  }
  const user = await db
    .select()
    .from(users)
    .where(who.userId !== undefined ? eq(users.id, who.userId) : eq(users.handle, who.handle ?? ""))
    .get();
  if (!user) throw notFound("No such user");
  const joinedAt = Date.now();
  try {
    await db.batch([
      db
        .insert(workspaceMembers)
        .values({ workspaceId: access.workspace.id, userId: user.id, role, joinedAt }),
      audit(db, {
        actorId,
        action: "workspace.member_add",
        workspaceId: access.workspace.id,
        targetId: user.id,
        detail: { role },
      }),
    ]);
  } catch (error) {
    if (isUniqueViolation(error)) throw new ApiError("conflict", "Already a member");
    throw error;
  }
  return { user: serialize.publicUser(user), role, joinedAt: iso(joinedAt) };
}
