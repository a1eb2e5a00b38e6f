// Who is calling: a session (cookie or bearer) or an API token, resolved once per request.
import { and, eq, isNull } from "drizzle-orm";
import { getCookie } from "hono/cookie";
import { createMiddleware } from "hono/factory";
import type { TokenScope } from "../../../src/shared/api";
import type { Db } from "../../db/client";
import { apiTokens, sessions, users } from "../../db/schema";
import type { AppEnv, Principal } from "../context";
import { ApiError } from "../errors";
import { sha256Hex } from "./crypto";
import { API_TOKEN_PREFIX, SESSION_COOKIE } from "./sessions";

/** How often an API token's `last_used_at` is refreshed; writing it on every call is waste. */
const LAST_USED_GRANULARITY_MS = 60_000;

export function bearerToken(authorization: string | undefined): string | null {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "");
  return match?.[1] ?? null;
}

async function sessionPrincipal(db: Db, tokenHash: string): Promise<Principal | null> {
  const row = await db
    .select({ user: users, expiresAt: sessions.expiresAt })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(eq(sessions.tokenHash, tokenHash))
    .get();
  if (!row || row.expiresAt <= Date.now()) return null;
  return {
    user: row.user,
    via: "session",
    credentialHash: tokenHash,
    tokenId: null,
    scopes: new Set(),
    isAdmin: row.user.role === "admin",
  };
}

async function tokenPrincipal(
  db: Db,
  tokenHash: string,
  waitUntil: (p: Promise<unknown>) => void,
): Promise<Principal | null> {
  const row = await db
    .select({ user: users, token: apiTokens })
    .from(apiTokens)
    .innerJoin(users, eq(users.id, apiTokens.userId))
    .where(and(eq(apiTokens.tokenHash, tokenHash), isNull(apiTokens.revokedAt)))
    .get();
  if (!row) return null;
  const now = Date.now();
  if ((row.token.lastUsedAt ?? 0) < now - LAST_USED_GRANULARITY_MS) {
    waitUntil(
      db.update(apiTokens).set({ lastUsedAt: now }).where(eq(apiTokens.id, row.token.id)).run(),
    );
  }
  const scopes = new Set(JSON.parse(row.token.scopes) as TokenScope[]);
  return {
    user: row.user,
    via: "token",
    credentialHash: tokenHash,
    tokenId: row.token.id,
    scopes,
    // A token never grants more than its user has now: `admin` scope counts only while the
    // user is an instance admin.
    isAdmin: scopes.has("admin") && row.user.role === "admin",
  };
}

/**
 * The principal of a stored credential hash (what a ws ticket remembers), as of now: its
 * session if it still lives, else its API token if not revoked.
 */
export async function principalOfCredential(
  db: Db,
  credentialHash: string,
  waitUntil: (p: Promise<unknown>) => void,
): Promise<Principal | null> {
  return (
    (await sessionPrincipal(db, credentialHash)) ??
    (await tokenPrincipal(db, credentialHash, waitUntil))
  );
}

export const resolvePrincipal = () =>
  createMiddleware<AppEnv>(async function resolvePrincipal(c, next) {
    const secret = bearerToken(c.req.header("authorization")) ?? getCookie(c, SESSION_COOKIE);
    let principal: Principal | null = null;
    if (secret) {
      const hash = await sha256Hex(secret);
      const db = c.get("db");
      principal = secret.startsWith(`${API_TOKEN_PREFIX}_`)
        ? await tokenPrincipal(db, hash, (p) => c.executionCtx.waitUntil(p))
        : await sessionPrincipal(db, hash);
    }
    c.set("principal", principal);
    await next();
  });

/** The caller, or 401; a disabled account's remaining credentials get 403 `disabled`. */
export function currentPrincipal(c: { get(key: "principal"): Principal | null }): Principal {
  const principal = c.get("principal");
  if (!principal) throw new ApiError("unauthorized", "Sign in first");
  if (principal.user.disabledAt != null) throw new ApiError("disabled", "This account is disabled");
  return principal;
}

export const requireUser = () =>
  createMiddleware<AppEnv>(async function requireUser(c, next) {
    currentPrincipal(c);
    await next();
  });

export const requireAdmin = () =>
  createMiddleware<AppEnv>(async function requireAdmin(c, next) {
    if (!currentPrincipal(c).isAdmin) throw new ApiError("forbidden", "Instance admins only");
    await next();
  });
