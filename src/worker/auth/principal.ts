// Who is calling: a session (cookie or bearer) or an API token, resolved once per request.
import { and, eq, isNull, type SQLWrapper, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { Context } from "hono";
import { getCookie } from "hono/cookie";
import { createMiddleware } from "hono/factory";
import type { TokenScope } from "../../../src/shared/api";
import type { Db } from "../../db/client";
import { apiTokens, sessions, users } from "../../db/schema";
import type { AppEnv, Principal } from "../context";
import { ApiError } from "../errors";
import { sha256Hex } from "./crypto";
import {
  API_TOKEN_PREFIX,
  LAST_SEEN_GRANULARITY_MS,
  SESSION_COOKIE,
  touchSession,
} from "./sessions";

/** How often an API token's `last_used_at` is refreshed; writing it on every call is waste. */
const LAST_USED_GRANULARITY_MS = 60_000;

export function bearerToken(authorization: string | undefined): string | null {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "");
  return match?.[1] ?? null;
}

type WaitUntil = (p: Promise<unknown>) => void;

// Only columns whose names differ from the users' (D1 batches key rows by column name).
const sessionQuery = (db: Db, tokenHash: string) =>
  db
    .select({
      user: users,
      sessionId: sql<string>`${sessions.id}`.as("session_id"),
      expiresAt: sessions.expiresAt,
      lastSeenAt: sessions.lastSeenAt,
    })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(eq(sessions.tokenHash, tokenHash));

type SessionRow = Awaited<ReturnType<typeof sessionQuery>>[number];

function sessionPrincipal(
  db: Db,
  row: SessionRow | undefined,
  tokenHash: string,
  waitUntil: WaitUntil,
): Principal | null {
  const now = Date.now();
  if (!row || row.expiresAt <= now) return null;
  // "Last seen" without a write per request, and without making the request wait for it.
  if (row.lastSeenAt <= now - LAST_SEEN_GRANULARITY_MS) {
    waitUntil(touchSession(db, tokenHash, now).run());
  }
  return {
    user: row.user,
    via: "session",
    credentialHash: tokenHash,
    sessionId: row.sessionId,
    tokenId: null,
    scopes: new Set(),
    isAdmin: row.user.role === "admin",
    mayAdminister: true,
  };
}

// Only columns whose names differ from the users' (D1 batches key rows by column name).
const tokenQuery = (db: Db, tokenHash: string) =>
  db
    .select({
      user: users,
      tokenId: sql<string>`${apiTokens.id}`.as("token_id"),
      scopes: apiTokens.scopes,
      lastUsedAt: apiTokens.lastUsedAt,
    })
    .from(apiTokens)
    .innerJoin(users, eq(users.id, apiTokens.userId))
    .where(and(eq(apiTokens.tokenHash, tokenHash), isNull(apiTokens.revokedAt)));

type TokenRow = Awaited<ReturnType<typeof tokenQuery>>[number];

function tokenPrincipal(
  db: Db,
  row: TokenRow | undefined,
  tokenHash: string,
  waitUntil: WaitUntil,
): Principal | null {
  if (!row) return null;
  const now = Date.now();
  if ((row.lastUsedAt ?? 0) < now - LAST_USED_GRANULARITY_MS) {
    waitUntil(
      db.update(apiTokens).set({ lastUsedAt: now }).where(eq(apiTokens.id, row.tokenId)).run(),
    );
  }
  const scopes = new Set(JSON.parse(row.scopes) as TokenScope[]);
  return {
    user: row.user,
    via: "token",
    credentialHash: tokenHash,
    sessionId: null,
    tokenId: row.tokenId,
    scopes,
    // A token never grants more than its user has now: `admin` scope counts only while the
    // user is an instance admin.
    isAdmin: scopes.has("admin") && row.user.role === "admin",
    mayAdminister: scopes.has("admin"),
  };
}

/**
 * How to find the principal of a presented secret, in parts a caller can batch with its own
 * queries into one D1 round trip (the socket upgrade does): the query, the id of its user as
 * a subquery, and how to read the query's rows. Every caller runs the query in a D1 batch, so
 * its columns must have distinct names: a batch's rows come keyed by column name.
 */
export interface CredentialLookup {
  query: BatchItem<"sqlite">;
  userId: SQLWrapper;
  read(rows: unknown): Principal | null;
}

export function credentialLookup(
  db: Db,
  secret: string,
  tokenHash: string,
  waitUntil: WaitUntil,
): CredentialLookup {
  if (secret.startsWith(`${API_TOKEN_PREFIX}_`)) {
    return {
      query: tokenQuery(db, tokenHash),
      userId: db
        .select({ id: apiTokens.userId })
        .from(apiTokens)
        .where(and(eq(apiTokens.tokenHash, tokenHash), isNull(apiTokens.revokedAt))),
      read: (rows) => tokenPrincipal(db, (rows as TokenRow[])[0], tokenHash, waitUntil),
    };
  }
  return {
    query: sessionQuery(db, tokenHash),
    userId: db
      .select({ id: sessions.userId })
      .from(sessions)
      .where(eq(sessions.tokenHash, tokenHash)),
    read: (rows) => sessionPrincipal(db, (rows as SessionRow[])[0], tokenHash, waitUntil),
  };
}

/**
 * The principal of a stored credential hash (what a ws ticket remembers), as of now: its
 * session if it still lives, else its API token if not revoked.
 */
export async function principalOfCredential(
  db: Db,
  credentialHash: string,
  waitUntil: WaitUntil,
): Promise<Principal | null> {
  return (
    sessionPrincipal(db, await sessionQuery(db, credentialHash).get(), credentialHash, waitUntil) ??
    tokenPrincipal(db, await tokenQuery(db, credentialHash).get(), credentialHash, waitUntil)
  );
}

/** The secret a request presents: a bearer token, else the session cookie. */
export const presentedSecret = (c: Context<AppEnv>): string | null =>
  bearerToken(c.req.header("authorization")) ?? getCookie(c, SESSION_COOKIE) ?? null;

export const resolvePrincipal = () =>
  createMiddleware<AppEnv>(async function resolvePrincipal(c, next) {
    const secret = presentedSecret(c);
    let principal: Principal | null = null;
    if (secret) {
      const lookup = credentialLookup(c.get("db"), secret, await sha256Hex(secret), (p) =>
        c.executionCtx.waitUntil(p),
      );
      const [rows] = await c.get("db").batch([lookup.query]);
      principal = lookup.read(rows);
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
