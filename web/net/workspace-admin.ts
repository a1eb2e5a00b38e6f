// Managing a workspace (its owners and admins): settings, members, its rooms and audit log. Apart
// from web/net/api.ts so that only the lazy workspace settings carry it.
import type { Workspace, WorkspaceMember, WorkspaceRole } from "../../src/shared/api";
import type { Api, UpdateWorkspaceInput } from "./api";

const given = (value: string | number | undefined) =>
  value === undefined || value === "" ? undefined : String(value);

export function workspaceAdmin(api: Api, workspaceId: string) {
  const at = `/workspaces/${encodeURIComponent(workspaceId)}`;
  const member = (userId: string) => `${at}/members/${encodeURIComponent(userId)}`;
  return {
    update: (input: UpdateWorkspaceInput) =>
      api.request<{ workspace: Workspace }>("PATCH", at, { json: input }),
    members: (q: string, cursor?: string) =>
      api.request<{ members: WorkspaceMember[]; nextCursor: string | null }>(
        "GET",
        `${at}/members`,
        { query: { q: given(q), cursor: given(cursor) } },
      ),
    /** Someone of the instance, by handle (admins know people by it) or id. */
    add: (who: { handle: string } | { userId: string }, role?: WorkspaceRole) =>
      api.workspaces.addMember(workspaceId, who, role),
    setRole: (userId: string, role: WorkspaceRole) =>
      api.request<{ member: WorkspaceMember }>("PATCH", member(userId), { json: { role } }),
    /** Also out of every room of the workspace; myself: leaving it. */
    remove: (userId: string) => api.request<null>("DELETE", member(userId)),
    /** The workspace's rooms, as the admin page lists the instance's. */
    rooms: (q: string, cursor?: string) =>
      api.request<Awaited<ReturnType<Api["admin"]["rooms"]>>>("GET", `${at}/admin/rooms`, {
        query: { q: given(q), cursor: given(cursor) },
      }),
    audit: (before?: number) =>
      api.request<Awaited<ReturnType<Api["admin"]["audit"]>>>("GET", `${at}/admin/audit`, {
        query: { before: given(before) },
      }),
  };
}
