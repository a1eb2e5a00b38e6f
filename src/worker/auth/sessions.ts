// Sessions: opaque random bearer secrets, only their SHA-256 stored; one cookie for browsers.
import { and, desc, eq, gt } from "drizzle-orm";
import type { Context } from "hono";
import { deleteCookie, setCookie } from "hono/cookie";
import type { Db } from "../../db/client";
import { sessions } from "../../db/schema";
import type { AppEnv } from "../context";
import { newId, newSecret, sha256Hex } from "./crypto";

export const SESSION_COOKIE = "confab_session";
export const SESSION_PREFIX = "cs";
export const API_TOKEN_PREFIX = "ct";

/** How often a session's `last_seen_at` moves: often enough for "last seen", rarely a write. */
export const LAST_SEEN_GRANULARITY_MS = 10 * 60_000;
/** A User-Agent is kept to name the device in the session list; longer ones are cut. */
export const USER_AGENT_MAX = 256;

export async function newSession(
  db: Db,
  userId: string,
  ttlMs: number,
  userAgent: string | undefined,
) {
  const token = newSecret(SESSION_PREFIX);
  const now = Date.now();
  const insert = db.insert(sessions).values({
    tokenHash: await sha256Hex(token),
    id: newId("ses"),
    userId,
    createdAt: now,
    expiresAt: now + ttlMs,
    userAgent: userAgent ? userAgent.slice(0, USER_AGENT_MAX) : null,
    lastSeenAt: now,
  });
  return { token, insert, expiresAt: now + ttlMs };
}

/** Marks the session seen now; the caller decides whether it is due (LAST_SEEN_GRANULARITY_MS). */
export const touchSession = (db: Db, tokenHash: string, now: number) =>
  db.update(sessions).set({ lastSeenAt: now }).where(eq(sessions.tokenHash, tokenHash));

/** A user's live sessions, the most recently seen first (bounded: nobody keeps 100 devices). */
export const sessionsOf = (db: Db, userId: string) =>
  db
    .select()
    .from(sessions)
    .where(and(eq(sessions.userId, userId), gt(sessions.expiresAt, Date.now())))
    .orderBy(desc(sessions.lastSeenAt))
    .limit(100)
    .all();

export const revokeSession = (db: Db, tokenHash: string) =>
  db.delete(sessions).where(eq(sessions.tokenHash, tokenHash));

export const revokeUserSessions = (db: Db, userId: string) =>
  db.delete(sessions).where(eq(sessions.userId, userId));

/** Plain http is only used on loopback during development; everywhere else the cookie is Secure. */
function isLocalHttp(url: string): boolean {
  const { protocol, hostname } = new URL(url);
  return protocol === "http:" && ["localhost", "127.0.0.1", "[::1]"].includes(hostname);
}

export function setSessionCookie(c: Context<AppEnv>, token: string, expiresAt: number): void {
  setCookie(c, SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: "Lax",
    secure: !isLocalHttp(c.req.url),
    path: "/",
    expires: new Date(expiresAt),
  });
}

export function clearSessionCookie(c: Context<AppEnv>): void {
  deleteCookie(c, SESSION_COOKIE, { path: "/", secure: !isLocalHttp(c.req.url) });
}
