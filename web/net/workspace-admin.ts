// Managing a workspace (its owners and admins): settings, members, its rooms and audit log. Apart
// from web/net/api.ts so that only the lazy workspace settings carry it.
import type { WorkspaceRole } from "../../src/shared/api";
import type { Api, ReportStatus, UpdateWorkspaceInput } from "./api";

const given = (value: string | number | undefined) =>
  value === undefined || value === "" ? undefined : String(value);

export function workspaceAdmin(api: Api, workspaceId: string) {
  const { client, answer } = api;
  const workspace = client.workspaces[":id"];
  const param = { id: encodeURIComponent(workspaceId) };
  const member = (userId: string) => ({
    param: { ...param, userId: encodeURIComponent(userId) },
  });
  return {
    update: (input: UpdateWorkspaceInput) => answer(workspace.$patch({ param, json: input })),
    members: (q: string, cursor?: string) =>
      answer(workspace.members.$get({ param, query: { q: given(q), cursor: given(cursor) } })),
    /** Someone of the instance, by handle (admins know people by it) or id. */
    add: (who: { handle: string } | { userId: string }, role?: WorkspaceRole) =>
      api.workspaces.addMember(workspaceId, who, role),
    setRole: (userId: string, role: WorkspaceRole) =>
      answer(workspace.members[":userId"].$patch({ ...member(userId), json: { role } })),
    /** Also out of every room of the workspace; myself: leaving it. */
    remove: (userId: string) => answer(workspace.members[":userId"].$delete(member(userId))),
    /** The workspace's rooms, as the admin page lists the instance's. */
    rooms: (q: string, cursor?: string) =>
      answer(workspace.admin.rooms.$get({ param, query: { q: given(q), cursor: given(cursor) } })),
    audit: (before?: number) =>
      answer(workspace.admin.audit.$get({ param, query: { before: given(before) } })),
    /** Reports of the workspace's rooms (resolved through each room's own route). */
    reports: (status: ReportStatus) =>
      answer(workspace.admin.reports.$get({ param, query: { status } })),
  };
}
