// Sessions: opaque random bearer secrets, only their SHA-256 stored; one cookie for browsers.
import { eq } from "drizzle-orm";
import type { Context } from "hono";
import { deleteCookie, setCookie } from "hono/cookie";
import type { Db } from "../../db/client";
import { sessions } from "../../db/schema";
import type { AppEnv } from "../context";
import { newSecret, sha256Hex } from "./crypto";

export const SESSION_COOKIE = "confab_session";
export const SESSION_PREFIX = "cs";
export const API_TOKEN_PREFIX = "ct";

export async function newSession(db: Db, userId: string, ttlMs: number) {
  const token = newSecret(SESSION_PREFIX);
  const now = Date.now();
  const insert = db.insert(sessions).values({
    tokenHash: await sha256Hex(token),
    userId,
    createdAt: now,
    expiresAt: now + ttlMs,
  });
  return { token, insert, expiresAt: now + ttlMs };
}

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
