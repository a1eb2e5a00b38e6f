// CSRF: a browser sends the session cookie on cross-site requests too, so every cookie-carrying
// mutation must prove it comes from this instance's own pages, whatever its content type
// (hono/csrf only checks form-like ones). Bearer-token requests cannot be forged this way.
import type { Context } from "hono";
import { getCookie } from "hono/cookie";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../context";
import { ApiError } from "../errors";
import { bearerToken } from "./principal";
import { SESSION_COOKIE } from "./sessions";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

export function isTrustedOrigin(origin: string, requestUrl: string, allowed: ReadonlySet<string>) {
  return origin === new URL(requestUrl).origin || allowed.has(origin);
}

/**
 * WebSocket upgrades are GETs, so the CSRF guard does not see them: a browser page on another
 * site could open a socket with the user's cookie. Browsers always send Origin on upgrades;
 * clients without one (bots, CLIs) are not browsers and carry their own credentials.
 */
export function checkSocketOrigin(c: Context<AppEnv>): void {
  const origin = c.req.header("origin");
  if (origin && !isTrustedOrigin(origin, c.req.url, c.get("config").allowedOrigins)) {
    throw new ApiError("forbidden", "WebSocket from a foreign origin refused");
  }
}

export const originGuard = () =>
  createMiddleware<AppEnv>(async function originGuard(c, next) {
    if (SAFE_METHODS.has(c.req.method) || bearerToken(c.req.header("authorization"))) {
      return next();
    }
    const origin = c.req.header("origin");
    const allowed = c.get("config").allowedOrigins;
    if (origin) {
      // A foreign page may not post here at all, signed in or not (login CSRF included).
      if (!isTrustedOrigin(origin, c.req.url, allowed)) {
        throw new ApiError("forbidden", "Cross-origin request refused");
      }
    } else if (getCookie(c, SESSION_COOKIE) && c.req.header("sec-fetch-site") !== "same-origin") {
      throw new ApiError("forbidden", "Cookie-authenticated requests must send Origin");
    }
    return next();
  });
