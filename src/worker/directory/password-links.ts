// One-time links that set a password: an admin-made person's first one, or a reset. Only the
// SHA-256 of the token is stored; using it deletes it, sets the password and ends every
// session of the account (the caller closes their sockets).
import { and, eq, gt } from "drizzle-orm";
import { audit } from "../../db/audit";
import type { Db } from "../../db/client";
import { passwordTokens, sessions, users } from "../../db/schema";
import { newSecret, sha256Hex } from "../auth/crypto";
import { hashPassword } from "../auth/password";
import { ApiError } from "../errors";

export const PASSWORD_LINK_TTL_MS = 24 * 3_600_000;
const PASSWORD_TOKEN_PREFIX = "cp";

/**
 * The link's address: the token rides in the fragment (`#token=`), which browsers never send,
 * so it stays out of server and proxy logs.
 */
export const setPasswordUrl = (origin: string, token: string) =>
  `${origin}/set-password#token=${encodeURIComponent(token)}`;

/** A new one-time token for `userId` (valid 24 h) and the statement that stores its hash. */
export async function newPasswordToken(db: Db, userId: string) {
  const token = newSecret(PASSWORD_TOKEN_PREFIX);
  const now = Date.now();
  const insert = db.insert(passwordTokens).values({
    tokenHash: await sha256Hex(token),
    userId,
    createdAt: now,
    expiresAt: now + PASSWORD_LINK_TTL_MS,
  });
  return { token, insert };
}

/** Admin: a reset link for someone (earlier links of theirs keep working until used or expired). */
export async function passwordResetLink(db: Db, actorId: string, userId: string): Promise<string> {
  const { token, insert } = await newPasswordToken(db, userId);
  await db.batch([
    insert,
    audit(db, { actorId, action: "user.password_reset_link", targetId: userId }),
  ]);
  return token;
}

/**
 * Uses a token: deleting it is the check (a second use, or a race of two, finds nothing), then
 * the password is set and every session of the account ends. Answers the user's id and the
 * ended sessions' hashes; 403 `reset_invalid` for an unknown, used or expired token.
 */
export async function usePasswordToken(
  db: Db,
  token: string,
  password: string,
): Promise<{ userId: string; ended: string[] }> {
  const tokenHash = await sha256Hex(token);
  const used = await db
    .delete(passwordTokens)
    .where(and(eq(passwordTokens.tokenHash, tokenHash), gt(passwordTokens.expiresAt, Date.now())))
    .returning({ userId: passwordTokens.userId })
    .get();
  if (!used)
    throw new ApiError(
      "reset_invalid",
      "This link has expired or was already used; ask an administrator for a new one",
    );
  const passwordHash = await hashPassword(password);
  const [, ended] = await db.batch([
    db.update(users).set({ passwordHash }).where(eq(users.id, used.userId)),
    db
      .delete(sessions)
      .where(eq(sessions.userId, used.userId))
      .returning({ tokenHash: sessions.tokenHash }),
    audit(db, { actorId: used.userId, action: "user.password_reset", targetId: used.userId }),
  ]);
  return { userId: used.userId, ended: ended.map((s) => s.tokenHash) };
}
