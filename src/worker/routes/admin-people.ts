// The admin API for people and credentials: users (role, disabling), the audit log, API tokens.
import { createRoute, z } from "@hono/zod-openapi";
import {
  AdminCreateUserBody,
  AdminUpdateUserBody,
  AdminUser,
  ApiTokenInfo,
  AuditEntry,
  AuditQuery,
  CreateTokenBody,
  Id,
  PageQuery,
} from "../../../src/shared/api";
import * as serialize from "../../db/serialize";
import { currentPrincipal, requireAdmin } from "../auth/principal";
import { auditPage } from "../directory/admin-views";
import { passwordResetLink, setPasswordUrl } from "../directory/password-links";
import { createToken, listTokens, revokeToken } from "../directory/tokens";
import { changeUser, createUserByAdmin, findUser, searchUsers } from "../directory/users";
import { ApiError } from "../errors";
import * as notify from "../notify";
import {
  errors,
  jsonBody,
  noContent,
  ok,
  pageRequest,
  router,
  security,
  tooLarge,
} from "./openapi";

const Params = z.object({ id: Id });

export const adminPeopleRoutes = router([["/admin/*", requireAdmin()]])
  .openapi(
    createRoute({
      method: "get",
      path: "/admin/users",
      operationId: "adminListUsers",
      tags: ["admin"],
      summary: "People, disabled ones included",
      security,
      request: { query: PageQuery },
      responses: {
        200: ok(z.object({ users: z.array(AdminUser), nextCursor: z.string().nullable() })),
        ...errors,
      },
    }),
    async (c) => {
      const request = pageRequest(c.req.valid("query"));
      const page = await searchUsers(c.get("db"), { ...request, includeDisabled: true });
      return c.json(
        { users: page.users.map(serialize.adminUser), nextCursor: page.nextCursor },
        200,
      );
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/admin/users",
      operationId: "adminCreateUser",
      tags: ["admin"],
      summary:
        "Create a person (no password: a one-time `setPasswordUrl`, 24 h) or a bot (its API token, shown once)",
      security,
      request: jsonBody(AdminCreateUserBody),
      responses: {
        201: ok(
          z.object({
            user: AdminUser,
            setPasswordUrl: z.string().optional(),
            token: z.string().optional(),
          }),
          "Created",
        ),
        ...errors,
        413: tooLarge,
      },
    }),
    async (c) => {
      const created = await createUserByAdmin(
        c.get("db"),
        currentPrincipal(c).user.id,
        c.req.valid("json"),
      );
      const origin = new URL(c.req.url).origin;
      return c.json(
        {
          user: serialize.adminUser(created.user),
          ...(created.setPasswordToken
            ? { setPasswordUrl: setPasswordUrl(origin, created.setPasswordToken) }
            : {}),
          ...(created.botToken ? { token: created.botToken } : {}),
        },
        201,
      );
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/admin/users/{id}/password-reset",
      operationId: "adminPasswordResetLink",
      tags: ["admin"],
      summary: "A one-time link (24 h) that sets someone's password; using it ends their sessions",
      security,
      request: { params: Params },
      responses: { 200: ok(z.object({ resetUrl: z.string() })), ...errors, 413: tooLarge },
    }),
    async (c) => {
      const db = c.get("db");
      const target = await findUser(db, c.req.valid("param").id);
      const token = await passwordResetLink(db, currentPrincipal(c).user.id, target.id);
      return c.json({ resetUrl: setPasswordUrl(new URL(c.req.url).origin, token) }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "patch",
      path: "/admin/users/{id}",
      operationId: "adminUpdateUser",
      tags: ["admin"],
      summary: "Change someone's role, or disable them (revokes their sessions)",
      security,
      request: { params: Params, ...jsonBody(AdminUpdateUserBody) },
      responses: { 200: ok(z.object({ user: AdminUser })), ...errors, 413: tooLarge },
    }),
    async (c) => {
      const db = c.get("db");
      const target = await findUser(db, c.req.valid("param").id);
      const actorId = currentPrincipal(c).user.id;
      const user = await changeUser(c.env, db, actorId, target, c.req.valid("json"));
      return c.json({ user: serialize.adminUser(user) }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/admin/audit",
      operationId: "adminListAudit",
      tags: ["admin"],
      summary: "The audit log, newest first, its ids named; page with `before`",
      security,
      request: { query: AuditQuery },
      responses: {
        200: ok(
          z.object({ entries: z.array(AuditEntry), nextBefore: z.number().int().nullable() }),
        ),
        ...errors,
      },
    }),
    async (c) => {
      const { limit, ...filter } = c.req.valid("query");
      const page = await auditPage(c.get("db"), { ...filter, limit: pageRequest({ limit }).limit });
      return c.json(page, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/admin/tokens",
      operationId: "adminCreateToken",
      tags: ["admin"],
      summary: "Create an API token; the secret is shown only in this answer",
      security,
      request: jsonBody(CreateTokenBody),
      responses: {
        201: ok(z.object({ token: ApiTokenInfo, secret: z.string() }), "Created"),
        ...errors,
        413: tooLarge,
      },
    }),
    async (c) => {
      const db = c.get("db");
      const body = c.req.valid("json");
      const me = currentPrincipal(c).user.id;
      const owner = body.userId ? await findUser(db, body.userId) : null;
      // The scope could never act (a token has no more power than its user), so refuse it
      // rather than mint something that reads like an admin credential.
      if (owner && owner.role !== "admin" && body.scopes.includes("admin")) {
        throw new ApiError("invalid", "Only an instance admin's token can have the admin scope");
      }
      const { row, secret } = await createToken(db, me, {
        name: body.name,
        scopes: body.scopes,
        userId: owner?.id ?? me,
      });
      return c.json({ token: serialize.apiToken(row), secret }, 201);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/admin/tokens",
      operationId: "adminListTokens",
      tags: ["admin"],
      summary: "Live API tokens (never their secrets)",
      security,
      responses: { 200: ok(z.object({ tokens: z.array(ApiTokenInfo) })), ...errors },
    }),
    async (c) => c.json({ tokens: (await listTokens(c.get("db"))).map(serialize.apiToken) }, 200),
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/admin/tokens/{id}",
      operationId: "adminRevokeToken",
      tags: ["admin"],
      summary: "Revoke an API token",
      security,
      request: { params: Params },
      responses: { ...noContent, ...errors, 413: tooLarge },
    }),
    async (c) => {
      const db = c.get("db");
      const token = await revokeToken(db, currentPrincipal(c).user.id, c.req.valid("param").id);
      // Sockets opened with the token are tagged with its hash, like a session's.
      await notify.sessionsEnded(c.env, db, token.userId, token.tokenHash);
      return c.body(null, 204);
    },
  );
