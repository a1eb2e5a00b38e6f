// Accounts: sign up, sign in, sign out, who am I.
import { createRoute, z } from "@hono/zod-openapi";
import { eq } from "drizzle-orm";
import type { Context } from "hono";
import {
  InstanceConfig,
  LoginBody,
  PasswordResetBody,
  RegisterBody,
  SelfUser,
} from "../../../src/shared/api";
import { audit } from "../../db/audit";
import { batchAll } from "../../db/batch";
import { users } from "../../db/schema";
import * as serialize from "../../db/serialize";
import { UNKNOWN_USER_HASH, verifyPassword } from "../auth/password";
import { currentPrincipal, requireUser } from "../auth/principal";
import { clearSessionCookie, newSession, revokeSession, setSessionCookie } from "../auth/sessions";
import type { AppEnv, UserRow } from "../context";
import { usePasswordToken } from "../directory/password-links";
import { registerUser } from "../directory/users";
import { ApiError } from "../errors";
import * as notify from "../notify";
import { assertBelowLimit, recordEvent } from "../sliding-window";
import { joinInviteRooms } from "./invites";
import {
  failures,
  jsonBody,
  noContent,
  ok,
  publicRoute,
  rateLimited,
  router,
  security,
  tooLarge,
} from "./openapi";

const SignedIn = z.object({ user: SelfUser, token: z.string() });
/** A sign-up with an invite also says which of its rooms were joined, in the invite's order. */
const SignedUp = SignedIn.extend({ roomIds: z.array(z.string()).optional() });

/**
 * The client's address. Cloudflare sets CF-Connecting-IP in production, and wrangler dev sets it
 * from the socket's address unless the client sent one; the Worker sees no address otherwise.
 * Only calls that bypass both (tests, service bindings) fall back to one shared "unknown".
 */
export const clientIp = (c: Context<AppEnv>) => c.req.header("cf-connecting-ip") ?? "unknown";

async function signIn(c: Context<AppEnv>, user: UserRow) {
  const { token, insert, expiresAt } = await newSession(
    c.get("db"),
    user.id,
    c.get("config").sessionTtlMs,
    c.req.header("user-agent"),
  );
  await insert.run();
  setSessionCookie(c, token, expiresAt);
  return { user: serialize.selfUser(user), token };
}

export const authRoutes = router()
  .openapi(
    createRoute({
      method: "post",
      path: "/auth/register",
      operationId: "register",
      tags: ["auth"],
      security: publicRoute,
      summary:
        "Create an account and sign it in; the first account becomes admin (presenting `bootstrap` when ADMIN_BOOTSTRAP_TOKEN is set). REGISTRATION `invite`/`closed` need an `invite`, whose rooms are joined",
      request: jsonBody(RegisterBody),
      responses: {
        201: ok(SignedUp, "Signed up"),
        ...failures(400, 403, 409),
        413: tooLarge,
        429: rateLimited,
      },
    }),
    async (c) => {
      const body = c.req.valid("json");
      const config = c.get("config");
      const db = c.get("db");
      const { user, invite } = await registerUser(
        db,
        body,
        {
          mode: config.registration,
          bootstrapToken: config.bootstrapToken,
          perIp: config.windows.register,
        },
        clientIp(c),
      );
      const roomIds = invite ? await joinInviteRooms(c.env, db, user.id, invite) : undefined;
      return c.json({ ...(await signIn(c, user)), ...(roomIds ? { roomIds } : {}) }, 201);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/auth/login",
      operationId: "login",
      tags: ["auth"],
      security: publicRoute,
      summary: "Sign in; 10 failed attempts a minute per handle and per IP",
      request: jsonBody(LoginBody),
      responses: {
        200: ok(SignedIn),
        ...failures(400, 401, 403),
        413: tooLarge,
        429: rateLimited,
      },
    }),
    async (c) => {
      const { handle, password } = c.req.valid("json");
      const db = c.get("db");
      const window = c.get("config").windows.login;
      const ip = clientIp(c);
      // Failures count per handle (guessing one password from many IPs) and per IP (one client
      // trying many handles); successful sign-ins never count.
      const subjects = [`handle:${handle}`, `ip:${ip}`];
      await assertBelowLimit(db, window, subjects, "Too many failed sign-ins; try again later");
      const user = await db.select().from(users).where(eq(users.handle, handle)).get();
      const valid = await verifyPassword(password, user?.passwordHash ?? UNKNOWN_USER_HASH);
      if (!user || !valid) {
        await batchAll(db, [
          recordEvent(db, window, subjects),
          audit(db, {
            actorId: null,
            action: "auth.login_failed",
            targetId: user?.id ?? null,
            detail: { handle, ip },
          }),
        ]);
        throw new ApiError("unauthorized", "Wrong handle or password");
      }
      if (user.disabledAt != null) throw new ApiError("disabled", "This account is disabled");
      return c.json(await signIn(c, user), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/auth/logout",
      operationId: "logout",
      tags: ["auth"],
      summary: "End this session (API tokens are revoked with DELETE /api/admin/tokens/{id})",
      security,
      middleware: [requireUser()] as const,
      responses: {
        ...noContent,
        ...failures(400, 401, 403),
        413: tooLarge,
      },
    }),
    async (c) => {
      const principal = currentPrincipal(c);
      // Answering 204 to a token would tell a script its token is gone while it still works.
      if (principal.via === "token") {
        throw new ApiError(
          "invalid",
          "Logout ends sessions; revoke an API token with DELETE /api/admin/tokens/:id",
        );
      }
      await revokeSession(c.get("db"), principal.credentialHash).run();
      await notify.sessionsEnded(c.env, c.get("db"), principal.user.id, principal.credentialHash);
      clearSessionCookie(c);
      return c.body(null, 204);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/me",
      operationId: "getMe",
      tags: ["auth"],
      summary: "Who am I",
      security,
      middleware: [requireUser()] as const,
      responses: { 200: ok(z.object({ user: SelfUser })), ...failures(401, 403) },
    }),
    (c) => c.json({ user: serialize.selfUser(currentPrincipal(c).user) }, 200),
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/config",
      operationId: "getInstanceConfig",
      tags: ["auth"],
      security: publicRoute,
      summary:
        "What a sign-up form needs before anyone signs in: the REGISTRATION mode, and whether the first account (and its bootstrap token) is still to come",
      responses: { 200: ok(InstanceConfig) },
    }),
    async (c) => {
      const config = c.get("config");
      const anyone = await c.get("db").select({ id: users.id }).from(users).limit(1).get();
      return c.json(
        {
          registration: config.registration,
          firstAccount: !anyone,
          bootstrap: config.bootstrapToken !== null,
          workspaceCreation: config.workspaceCreation,
        },
        200,
      );
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/auth/password-reset",
      operationId: "resetPassword",
      tags: ["auth"],
      security: publicRoute,
      summary:
        "Set a password with a one-time link's token (24 h; from an admin): ends every session of the account",
      request: jsonBody(PasswordResetBody),
      responses: { ...noContent, ...failures(400, 403), 413: tooLarge },
    }),
    async (c) => {
      const { token, password } = c.req.valid("json");
      const db = c.get("db");
      const { userId, ended } = await usePasswordToken(db, token, password);
      await notify.sessionsEnded(c.env, db, userId, ended);
      return c.body(null, 204);
    },
  );
