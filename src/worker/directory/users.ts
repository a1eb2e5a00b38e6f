// People: sign-up, lookup, and the admin's role and disable switches.
import { and, asc, count, eq, ne, or, sql } from "drizzle-orm";
import type { Env } from "../../config/env";
import { audit } from "../../db/audit";
import { type Db, isUniqueViolation, likePattern } from "../../db/client";
import { users } from "../../db/schema";
import { newId } from "../auth/crypto";
import { hashPassword } from "../auth/password";
import { revokeUserSessions } from "../auth/sessions";
import type { UserRow } from "../context";
import { ApiError, notFound } from "../errors";
import * as notify from "../notify";
import { takeSlot, type Window } from "../sliding-window";
import { pageOf } from "./paging";

export async function registerUser(
  db: Db,
  input: { handle: string; displayName: string; password: string },
  policy: { open: boolean; perIp: Window },
  ip: string,
): Promise<UserRow> {
  if (!policy.open) {
    const existing = await db.select({ n: count() }).from(users).get();
    if ((existing?.n ?? 0) > 0)
      throw new ApiError("registration_closed", "Sign-up is closed on this instance");
  }
  // Counted before the password hash, the costly part, and whatever the outcome: a script
  // retrying taken handles (409) is bounded too. People rarely sign up more than once.
  await takeSlot(db, policy.perIp, `ip:${ip}`, "Too many sign-ups from this address; try later");
  const id = newId("usr");
  const createdAt = Date.now();
  try {
    const [inserted] = await db.batch([
      db
        .insert(users)
        .values({
          id,
          handle: input.handle,
          displayName: input.displayName,
          passwordHash: await hashPassword(input.password),
          // Decided inside the INSERT so two first sign-ups cannot both become admin.
          role: sql`CASE WHEN EXISTS (SELECT 1 FROM users) THEN 'user' ELSE 'admin' END`,
          createdAt,
        })
        .returning(),
      audit(db, {
        actorId: id,
        action: "auth.register",
        targetId: id,
        detail: { handle: input.handle, ip },
      }),
    ]);
    const user = inserted[0];
    if (!user) throw new Error("insert returned no row");
    return user;
  } catch (error) {
    if (isUniqueViolation(error))
      throw new ApiError("conflict", "That handle is taken", [
        { in: "json", path: "handle", message: "That handle is taken" },
      ]);
    throw error;
  }
}

export async function findUser(db: Db, id: string): Promise<UserRow> {
  const user = await db.select().from(users).where(eq(users.id, id)).get();
  if (!user) throw notFound("No such user");
  return user;
}

/** People whose handle or display name starts with `q` (or any word of the name does). */
export async function searchUsers(
  db: Db,
  opts: { q?: string | undefined; offset: number; limit: number; includeDisabled: boolean },
) {
  const q = opts.q?.toLowerCase();
  const rows = await db
    .select()
    .from(users)
    .where(
      and(
        opts.includeDisabled ? undefined : sql`${users.disabledAt} IS NULL`,
        q
          ? or(
              sql`${users.handle} LIKE ${likePattern(q)} ESCAPE '\\'`,
              sql`${users.displayName} LIKE ${likePattern(q)} ESCAPE '\\' COLLATE NOCASE`,
              sql`${users.displayName} LIKE ${`% ${likePattern(q)}`} ESCAPE '\\' COLLATE NOCASE`,
            )
          : undefined,
      ),
    )
    .orderBy(asc(users.handle))
    .limit(opts.limit + 1)
    .offset(opts.offset)
    .all();
  const { items, nextCursor } = pageOf(rows, opts);
  return { users: items, nextCursor };
}

/** Admin: change someone's instance role, disable or re-enable them (disabling signs them out). */
export async function updateUser(
  db: Db,
  actorId: string,
  target: UserRow,
  change: { role?: "admin" | "user" | undefined; disabled?: boolean | undefined },
): Promise<UserRow> {
  const next: Partial<UserRow> = {};
  if (change.role !== undefined && change.role !== target.role) next.role = change.role;
  if (change.disabled !== undefined && change.disabled !== (target.disabledAt != null)) {
    next.disabledAt = change.disabled ? Date.now() : null;
  }
  if (Object.keys(next).length === 0) return target;
  const losesAdmin = target.role === "admin" && (next.role === "user" || next.disabledAt != null);
  if (losesAdmin) {
    const otherAdmins = await db.$count(
      users,
      and(eq(users.role, "admin"), ne(users.id, target.id), sql`${users.disabledAt} IS NULL`),
    );
    if (otherAdmins === 0)
      throw new ApiError("conflict", "The instance needs at least one active admin");
  }
  const [updated] = await db.batch([
    db.update(users).set(next).where(eq(users.id, target.id)).returning(),
    ...(next.disabledAt != null ? [revokeUserSessions(db, target.id)] : []),
    audit(db, {
      actorId,
      action: "user.update",
      targetId: target.id,
      detail: {
        ...(next.role ? { role: next.role } : {}),
        ...("disabledAt" in next ? { disabled: next.disabledAt != null } : {}),
      },
    }),
  ]);
  return updated[0] ?? target;
}

/**
 * updateUser, then what the change means for open sockets: a disabled person's close, and a
 * former admin's admin-only sockets close.
 */
export async function changeUser(
  env: Env,
  db: Db,
  actorId: string,
  target: UserRow,
  change: { role?: "admin" | "user" | undefined; disabled?: boolean | undefined },
): Promise<UserRow> {
  const user = await updateUser(db, actorId, target, change);
  if (user.disabledAt != null && target.disabledAt == null) {
    await notify.sessionsEnded(env, db, user.id);
  } else if (target.role === "admin" && user.role !== "admin") {
    await notify.adminRevoked(env, db, user.id);
  }
  return user;
}
