// Managing a room's members; mounted for room managers and, under /admin, for instance admins.
import { createRoute, z } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import { AddMemberBody, Id, Member, UpdateMemberBody } from "../../../src/shared/api";
import { currentPrincipal } from "../auth/principal";
import type { AppEnv } from "../context";
import { loadRoom } from "../directory/access";
import { addToGroupDm } from "../directory/dms";
import { addMember, changeRole, removeMember } from "../directory/members";
import { roomDetails } from "../directory/rooms";
import * as notify from "../notify";
import { errors, jsonBody, noContent, ok, router, security, tooLarge } from "./openapi";

const Params = z.object({ id: Id });
const MemberParams = z.object({ id: Id, userId: Id });
const MembersBody = z.object({ members: z.array(Member), memberCount: z.number().int() });

/** First page of members after a change, so callers see the result without another request. */
async function membersAfterChange(c: Parameters<MiddlewareHandler<AppEnv>>[0], roomId: string) {
  const access = await loadRoom(c.get("db"), currentPrincipal(c), roomId, "view");
  const details = await roomDetails(c.get("db"), access, { limit: 100 }, c.get("config").retention);
  return { members: details.members, memberCount: details.memberCount };
}

/** `addMember` for room managers, `adminAddMember` under /admin: one name per operation. */
const operationName = (base: string, action: string) =>
  base.startsWith("/admin/") ? `admin${action[0]?.toUpperCase()}${action.slice(1)}` : action;

/** `base` is a literal ("/rooms", "/admin/rooms"), so the paths stay typed for hono's client. */
export function memberRoutes<Base extends string>(
  base: Base,
  tag: string,
  guard: MiddlewareHandler<AppEnv>,
) {
  return router([[`${base}/*`, guard]])
    .openapi(
      createRoute({
        method: "post",
        path: `${base}/{id}/members`,
        operationId: operationName(base, "addMember"),
        tags: [tag],
        summary:
          "Add someone to the room (owners: any role; moderators: members; a group DM: any member)",
        security,
        request: { params: Params, ...jsonBody(AddMemberBody) },
        responses: { 201: ok(MembersBody, "Added"), ...errors, 413: tooLarge },
      }),
      async (c) => {
        const principal = currentPrincipal(c);
        const { id } = c.req.valid("param");
        const body = c.req.valid("json");
        const access = await loadRoom(c.get("db"), principal, id, "member");
        const member = { userId: body.userId, role: body.role ?? "member" };
        if (access.room.kind === "dm" && member.role === "member") {
          await addToGroupDm(c.get("db"), access, member.userId, c.get("config").dmMaxMembers);
        } else {
          await addMember(c.get("db"), principal.user.id, access, member);
        }
        await notify.membersAdded(c.env, id, [member]);
        return c.json(await membersAfterChange(c, id), 201);
      },
    )
    .openapi(
      createRoute({
        method: "patch",
        path: `${base}/{id}/members/{userId}`,
        operationId: operationName(base, "changeMemberRole"),
        tags: [tag],
        summary: "Change a member's role (owners)",
        security,
        request: { params: MemberParams, ...jsonBody(UpdateMemberBody) },
        responses: { 200: ok(MembersBody), ...errors, 413: tooLarge },
      }),
      async (c) => {
        const principal = currentPrincipal(c);
        const { id, userId } = c.req.valid("param");
        const access = await loadRoom(c.get("db"), principal, id, "member");
        const { role } = c.req.valid("json");
        await changeRole(c.get("db"), principal.user.id, access, { userId, role });
        await notify.memberRoleChanged(c.env, id, userId, role);
        return c.json(await membersAfterChange(c, id), 200);
      },
    )
    .openapi(
      createRoute({
        method: "delete",
        path: `${base}/{id}/members/{userId}`,
        operationId: operationName(base, "removeMember"),
        tags: [tag],
        summary: "Remove a member (owners: anyone; moderators: members; anyone: themselves)",
        security,
        request: { params: MemberParams },
        responses: { ...noContent, ...errors, 413: tooLarge },
      }),
      async (c) => {
        const principal = currentPrincipal(c);
        const { id, userId } = c.req.valid("param");
        const access = await loadRoom(c.get("db"), principal, id, "member");
        const { newOwner } = await removeMember(c.get("db"), principal.user.id, access, userId);
        await notify.memberRemoved(c.env, id, userId, newOwner);
        return c.body(null, 204);
      },
    );
}
