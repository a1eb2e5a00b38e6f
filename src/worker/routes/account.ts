// My account: display name, password, and the sessions (devices) signed in as me.
import { createRoute, z } from "@hono/zod-openapi";
import { ChangePasswordBody, Id, SelfUser, Session, UpdateMeBody } from "../../../src/shared/api";
import * as serialize from "../../db/serialize";
import { currentPrincipal, requireUser } from "../auth/principal";
import { clearSessionCookie, sessionsOf } from "../auth/sessions";
import { changePassword, endMySession, renameMe } from "../directory/account";
import * as notify from "../notify";
import { clientIp } from "./auth";
import {
  failures,
  jsonBody,
  noContent,
  ok,
  rateLimited,
  router,
  security,
  tooLarge,
} from "./openapi";

export const accountRoutes = router()
  .openapi(
    createRoute({
      method: "patch",
      path: "/me",
      operationId: "updateMe",
      tags: ["auth"],
      summary: "Change my display name (open room sockets keep the old one until they reconnect)",
      security,
      middleware: [requireUser()] as const,
      request: jsonBody(UpdateMeBody),
      responses: {
        200: ok(z.object({ user: SelfUser })),
        ...failures(400, 401, 403),
        413: tooLarge,
      },
    }),
    async (c) => {
      const { displayName } = c.req.valid("json");
      const user = await renameMe(c.get("db"), currentPrincipal(c).user, displayName);
      return c.json({ user: serialize.selfUser(user) }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "put",
      path: "/me/password",
      operationId: "changePassword",
      tags: ["auth"],
      summary:
        "Change my password; signs out my other sessions. A wrong `current` is 403 and counts as a failed sign-in",
      security,
      middleware: [requireUser()] as const,
      request: jsonBody(ChangePasswordBody),
      responses: {
        ...noContent,
        ...failures(400, 401, 403),
        413: tooLarge,
        429: rateLimited,
      },
    }),
    async (c) => {
      const principal = currentPrincipal(c);
      const db = c.get("db");
      const ended = await changePassword(db, principal, c.req.valid("json"), {
        window: c.get("config").windows.login,
        ip: clientIp(c),
      });
      await notify.sessionsEnded(c.env, db, principal.user.id, ended);
      return c.body(null, 204);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/me/sessions",
      operationId: "listMySessions",
      tags: ["auth"],
      summary: "The sessions signed in as me, the most recently seen first",
      security,
      middleware: [requireUser()] as const,
      responses: {
        200: ok(z.object({ sessions: z.array(Session) })),
        ...failures(401, 403),
      },
    }),
    async (c) => {
      const principal = currentPrincipal(c);
      const rows = await sessionsOf(c.get("db"), principal.user.id);
      return c.json(
        { sessions: rows.map((row) => serialize.session(row, principal.sessionId)) },
        200,
      );
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/me/sessions/{id}",
      operationId: "endMySession",
      tags: ["auth"],
      summary: "Sign out one of my sessions (this one too: then it works as logout)",
      security,
      middleware: [requireUser()] as const,
      request: { params: z.object({ id: Id }) },
      responses: {
        ...noContent,
        ...failures(401, 403, 404),
        413: tooLarge,
      },
    }),
    async (c) => {
      const principal = currentPrincipal(c);
      const db = c.get("db");
      const { id } = c.req.valid("param");
      const tokenHash = await endMySession(db, principal.user.id, id);
      await notify.sessionsEnded(c.env, db, principal.user.id, tokenHash);
      if (id === principal.sessionId) clearSessionCookie(c);
      return c.body(null, 204);
    },
  );
