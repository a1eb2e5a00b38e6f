// The workspace edge for people and lists: whom a caller may learn of (someone they share a
// workspace with), who may be put in a room (people of its workspace), and the optional
// `workspaceId` filter of the lists that span all my workspaces. Rooms have theirs in access.ts.
import { and, eq, sql } from "drizzle-orm";
import type { Db } from "../../db/client";
import { users, workspaceMembers } from "../../db/schema";
import type { Principal } from "../context";
import { notFound } from "../errors";
import { isWorkspaceMember, loadWorkspace } from "./workspaces";

export const USER_NOT_FOUND = "No such user";

/**
 * The workspace a list is narrowed to: null without `workspaceId` (every workspace of mine), else
 * its id once the caller is seen to be in it (404 otherwise, as for any workspace not theirs).
 */
export async function workspaceFilter(
  db: Db,
  principal: Pick<Principal, "user" | "isAdmin" | "mayAdminister">,
  workspaceId: string | undefined,
): Promise<string | null> {
  if (workspaceId === undefined) return null;
  return (await loadWorkspace(db, principal, workspaceId)).workspace.id;
}

/**
 * Whether the caller may learn that `userId` exists: themselves, instance admins, and anyone who
 * shares a workspace with them. Everyone else answers as a person who does not exist.
 */
export async function canSeePerson(
  db: Db,
  principal: Pick<Principal, "user" | "isAdmin">,
  userId: string,
): Promise<boolean> {
  if (principal.isAdmin || principal.user.id === userId) return true;
  const shared = await db
    .select({ one: sql`1` })
    .from(workspaceMembers)
    .where(
      and(
        eq(workspaceMembers.userId, userId),
        sql`${workspaceMembers.workspaceId} IN (SELECT workspace_id FROM workspace_members WHERE user_id = ${principal.user.id})`,
      ),
    )
    .get();
  return shared !== undefined;
}

/** 404 `No such user` unless `userId` is someone of workspace `workspaceId` (rooms take no others). */
export async function assertInWorkspace(db: Db, workspaceId: string, userId: string) {
  if (!(await isWorkspaceMember(db, workspaceId, userId))) throw notFound(USER_NOT_FOUND);
}

/** The condition "this `users` row is in workspace `workspaceId`", for people searches. */
export const inWorkspace = (workspaceId: string) =>
  sql`${users.id} IN (SELECT user_id FROM workspace_members WHERE workspace_id = ${workspaceId})`;
