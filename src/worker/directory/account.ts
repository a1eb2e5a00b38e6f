// Self-service: my display name, my password, my sessions. Each change and its audit entry land
// in one D1 batch; the caller closes the sockets of the sessions that ended.
import { and, eq, ne } from "drizzle-orm";
import { audit } from "../../db/audit";
import type { Db } from "../../db/client";
import { sessions, users } from "../../db/schema";
import { hashPassword, verifyPassword } from "../auth/password";
import { revokeSession } from "../auth/sessions";
import type { Principal, UserRow } from "../context";
import { ApiError, notFound } from "../errors";
import { assertBelowLimit, recordEvent, type Window } from "../sliding-window";

export async function renameMe(db: Db, user: UserRow, displayName: string): Promise<UserRow> {
  if (displayName === user.displayName) return user;
  const [updated] = await db.batch([
    db.update(users).set({ displayName }).where(eq(users.id, user.id)).returning(),
    audit(db, {
      actorId: user.id,
      action: "user.rename",
      targetId: user.id,
      detail: { from: user.displayName, to: displayName },
    }),
  ]);
  return updated[0] ?? user;
}

/**
 * Checks `current` as a sign-in would (a wrong one counts as a failed sign-in of this handle
 * and address, and the login window refuses with 429 when full), then stores the new password
 * and ends every other session of mine. Answers the ended sessions' hashes.
 */
export async function changePassword(
  db: Db,
  principal: Principal,
  input: { current: string; password: string },
  limit: { window: Window; ip: string },
): Promise<string[]> {
  const { user } = principal;
  const subjects = [`handle:${user.handle}`, `ip:${limit.ip}`];
  await assertBelowLimit(db, limit.window, subjects, "Too many failed sign-ins; try again later");
  if (!(await verifyPassword(input.current, user.passwordHash))) {
    await db.batch([
      recordEvent(db, limit.window, subjects),
      audit(db, {
        actorId: user.id,
        action: "auth.login_failed",
        targetId: user.id,
        detail: { handle: user.handle, ip: limit.ip, reason: "password change" },
      }),
    ]);
    // 403, not 401: the request's credential is fine (clients sign out on 401).
    throw new ApiError("forbidden", "The current password is wrong", [
      { in: "json", path: "current", message: "Wrong password" },
    ]);
  }
  const passwordHash = await hashPassword(input.password);
  const others = and(
    eq(sessions.userId, user.id),
    principal.sessionId ? ne(sessions.id, principal.sessionId) : undefined,
  );
  const [, ended] = await db.batch([
    db.update(users).set({ passwordHash }).where(eq(users.id, user.id)),
    db.delete(sessions).where(others).returning({ tokenHash: sessions.tokenHash }),
    audit(db, { actorId: user.id, action: "user.password", targetId: user.id }),
  ]);
  return ended.map((s) => s.tokenHash);
}

/** Ends one of my sessions by its public id (someone else's is 404); answers its hash. */
export async function endMySession(db: Db, userId: string, sessionId: string): Promise<string> {
  const row = await db
    .select({ tokenHash: sessions.tokenHash })
    .from(sessions)
    .where(and(eq(sessions.id, sessionId), eq(sessions.userId, userId)))
    .get();
  if (!row) throw notFound("No such session");
  await db.batch([
    revokeSession(db, row.tokenHash),
    audit(db, { actorId: userId, action: "session.end", targetId: sessionId }),
  ]);
  return row.tokenHash;
}
