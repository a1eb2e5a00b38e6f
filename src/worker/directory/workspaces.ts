// Workspaces in D1: which exist, who is in each and in what role. Every other part of the
// directory asks here before it lets anything cross a workspace's edge: a workspace someone is
// not in answers 404, exactly as if it did not exist (instance admins see every workspace).
import { and, asc, eq, sql } from "drizzle-orm";
import type {
  CreateWorkspaceBody,
  RetentionPolicy,
  UpdateWorkspaceBody,
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
import { pageOf } from "./paging";
import { matchesPerson } from "./person-match";

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
  /** Makes and unmakes owners: its owners, and instance admins. */
  canOwn: boolean;
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
    canOwn: principal.isAdmin || (principal.mayAdminister && row.role === "owner"),
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
  if (role === "owner" && !access.canOwn) {
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

/**
 * Renames the workspace or changes its defaults (for rooms made from now on: existing rooms keep
 * their policy). Its data location is not among them: it is fixed at creation. Audited with
 * what changed, from what to what; a change to nothing is no entry.
 */
export async function updateWorkspace(
  db: Db,
  access: WorkspaceAccess,
  actorId: string,
  input: UpdateWorkspaceBody,
): Promise<Workspace> {
  const before = access.workspace;
  const next: Partial<WorkspaceRow> = {};
  if (input.name !== undefined && input.name !== before.name) next.name = input.name;
  const retention = input.defaults?.retention;
  if (retention !== undefined) {
    const json = retention === null ? null : JSON.stringify(retention);
    if (json !== before.retentionJson) next.retentionJson = json;
  }
  const joinPolicy = input.defaults?.joinPolicy;
  if (joinPolicy !== undefined && joinPolicy !== before.joinPolicy) next.joinPolicy = joinPolicy;
  const after: WorkspaceRow = { ...before, ...next };
  if (Object.keys(next).length > 0) {
    const changes = Object.fromEntries(
      (Object.keys(next) as Array<keyof WorkspaceRow>).map((key) => [
        key === "retentionJson" ? "retention" : key,
        {
          from: key === "retentionJson" ? parseRetention(before.retentionJson) : before[key],
          to: key === "retentionJson" ? parseRetention(after.retentionJson) : after[key],
        },
      ]),
    );
    await db.batch([
      db.update(workspaces).set(next).where(eq(workspaces.id, before.id)),
      audit(db, {
        actorId,
        action: "workspace.update",
        workspaceId: before.id,
        targetId: before.id,
        detail: changes,
      }),
    ]);
  }
  return workspaceBody(after, access.role, await countMembers(db, before.id));
}

const parseRetention = (json: string | null): RetentionPolicy | null =>
  json ? (JSON.parse(json) as RetentionPolicy) : null;

/** How many owners the workspace has (the default workspace has none: instance admins run it). */
export async function ownerCount(db: Db, workspaceId: string): Promise<number> {
  return db.$count(
    workspaceMembers,
    and(eq(workspaceMembers.workspaceId, workspaceId), eq(workspaceMembers.role, "owner")),
  );
}

/** `userId`'s membership of the workspace; 404 when they are not in it. */
export async function findWorkspaceMember(db: Db, workspaceId: string, userId: string) {
  const row = await db
    .select({ member: workspaceMembers, user: users })
    .from(workspaceMembers)
    .innerJoin(users, eq(users.id, workspaceMembers.userId))
    .where(and(eq(workspaceMembers.workspaceId, workspaceId), eq(workspaceMembers.userId, userId)))
    .get();
  if (!row) throw notFound("Not a member of this workspace");
  return row;
}

export const LAST_OWNER = "A workspace needs an owner: make someone else owner first";

/**
 * Changes someone's role in the workspace (its admins). Only owners (and instance admins) make
 * or unmake owners; the last owner stays one (409). Answers the member, their former role and
 * whether they are an instance admin (whose sockets keep an admin's powers whatever this role).
 */
export async function changeWorkspaceRole(
  db: Db,
  access: WorkspaceAccess,
  actorId: string,
  userId: string,
  role: WorkspaceRole,
): Promise<{ member: WorkspaceMember; from: WorkspaceRole; instanceAdmin: boolean }> {
  const workspaceId = access.workspace.id;
  const { member, user } = await findWorkspaceMember(db, workspaceId, userId);
  const from = member.role;
  if ((from === "owner" || role === "owner") && from !== role && !access.canOwn) {
    throw forbidden("Only the workspace's owners make or unmake owners");
  }
  const body = (r: WorkspaceRole): WorkspaceMember => ({
    user: serialize.publicUser(user),
    role: r,
    joinedAt: iso(member.joinedAt),
  });
  const instanceAdmin = user.role === "admin";
  if (from === role) return { member: body(role), from, instanceAdmin };
  if (from === "owner" && (await ownerCount(db, workspaceId)) <= 1) {
    throw new ApiError("conflict", LAST_OWNER);
  }
  await db.batch([
    db
      .update(workspaceMembers)
      .set({ role })
      .where(
        and(eq(workspaceMembers.workspaceId, workspaceId), eq(workspaceMembers.userId, userId)),
      ),
    audit(db, {
      actorId,
      action: "workspace.member_role",
      workspaceId,
      targetId: userId,
      detail: { from, to: role },
    }),
  ]);
  return { member: body(role), from, instanceAdmin };
}

/**
 * The workspace's people by handle, paged; `q` matches the start of a handle, a display name or
 * any word of it, as the people search does. Disabled accounts are listed to its admins only.
 */
export async function listWorkspaceMembers(
  db: Db,
  access: WorkspaceAccess,
  page: { q?: string | undefined; offset: number; limit: number },
): Promise<{ members: WorkspaceMember[]; nextCursor: string | null }> {
  const rows = await db
    .select({ member: workspaceMembers, user: users })
    .from(workspaceMembers)
    .innerJoin(users, eq(users.id, workspaceMembers.userId))
    .where(
      and(
        eq(workspaceMembers.workspaceId, access.workspace.id),
        access.canAdmin ? undefined : sql`${users.disabledAt} IS NULL`,
        page.q ? matchesPerson(page.q) : undefined,
      ),
    )
    .orderBy(asc(users.handle))
    .limit(page.limit + 1)
    .offset(page.offset)
    .all();
  const { items, nextCursor } = pageOf(rows, page);
  return {
    members: items.map(({ member, user }) => ({
      user: serialize.publicUser(user),
      role: member.role,
      joinedAt: iso(member.joinedAt),
    })),
    nextCursor,
  };
}
