// People: sign-up (by REGISTRATION mode, bootstrap token and invite), accounts an admin makes
// (people and bots), lookup, and the admin's role and disable switches.
import { and, asc, eq, ne, sql } from "drizzle-orm";
import type { Env, RegistrationMode } from "../../config/env";
import { audit } from "../../db/audit";
import { type Db, isUniqueViolation } from "../../db/client";
import { users, workspaceMembers, workspaces } from "../../db/schema";
import { constantTimeEqual, newId, sha256Hex } from "../auth/crypto";
import { hashPassword, UNKNOWN_USER_HASH } from "../auth/password";
import { revokeUserSessions } from "../auth/sessions";
import type { UserRow } from "../context";
import { ApiError, notFound } from "../errors";
import * as notify from "../notify";
import { takeSlot, type Window } from "../sliding-window";
import { claimInvite, type InviteRow, releaseInvite } from "./invites";
import { pageOf } from "./paging";
import { newPasswordToken } from "./password-links";
import { matchesPerson } from "./person-match";
import { createToken } from "./tokens";
import { inWorkspace } from "./workspace-scope";

export interface RegistrationPolicy {
  mode: RegistrationMode;
  /** ADMIN_BOOTSTRAP_TOKEN, or null when unset. */
  bootstrapToken: string | null;
  perIp: Window;
}

/** Compares a presented secret with the configured one in constant time (digests: equal length). */
async function sameSecret(presented: string, expected: string): Promise<boolean> {
  const [a, b] = await Promise.all([sha256Hex(presented), sha256Hex(expected)]);
  return constantTimeEqual(new TextEncoder().encode(a), new TextEncoder().encode(b));
}

/**
 * Who may sign up (docs/api.md, "Registration and invites"): the first account always (presenting the
 * bootstrap token when one is set); later ones by the mode, an invite letting anyone in. The
 * invite's use is claimed before the account is made and given back if making it fails.
 */
export async function registerUser(
  db: Db,
  input: RegisterInput,
  policy: RegistrationPolicy,
  ip: string,
): Promise<{ user: UserRow; invite: InviteRow | null }> {
  const needsCount = policy.bootstrapToken !== null || policy.mode !== "open";
  const empty = needsCount && (await db.$count(users)) === 0;
  if (empty && policy.bootstrapToken !== null) {
    if (!input.bootstrap)
      throw new ApiError(
        "bootstrap_required",
        "The first account must present the instance's bootstrap token (ADMIN_BOOTSTRAP_TOKEN)",
      );
    if (!(await sameSecret(input.bootstrap, policy.bootstrapToken)))
      throw new ApiError("bootstrap_invalid", "That is not the instance's bootstrap token");
  }
  if (!empty && !input.invite && policy.mode === "invite")
    throw new ApiError("invite_required", "Sign-up on this instance needs an invite link");
  if (!empty && !input.invite && policy.mode === "closed")
    throw new ApiError("registration_closed", "Sign-up is closed on this instance");
  // Counted before the password hash, the costly part, and whatever the outcome: a script
  // retrying taken handles (409) is bounded too. People rarely sign up more than once.
  await takeSlot(db, policy.perIp, `ip:${ip}`, "Too many sign-ups from this address; try later");
  const invite = input.invite ? await claimInvite(db, input.invite) : null;
  try {
    const user = await insertUser(db, input, { actorId: null, ip });
    return { user, invite };
  } catch (error) {
    if (invite) await releaseInvite(db, invite.code);
    throw error;
  }
}

interface RegisterInput {
  handle: string;
  displayName: string;
  password: string;
  invite?: string | undefined;
  bootstrap?: string | undefined;
}

/**
 * Inserts an account with its audit entry. Self sign-ups (`actorId` null) get the role inside
 * the INSERT, so two first sign-ups cannot both become admin; admin-made accounts are users.
 */
async function insertUser(
  db: Db,
  input: {
    handle: string;
    displayName: string;
    password?: string;
    bot?: boolean;
  },
  by: { actorId: string | null; ip?: string },
): Promise<UserRow> {
  const id = newId("usr");
  const createdAt = Date.now();
  // Without a password nothing signs in: no password derives to UNKNOWN_USER_HASH.
  const passwordHash = input.password ? await hashPassword(input.password) : UNKNOWN_USER_HASH;
  try {
    const [inserted] = await db.batch([
      db
        .insert(users)
        .values({
          id,
          handle: input.handle,
          displayName: input.displayName,
          passwordHash,
          role:
            by.actorId === null
              ? sql`CASE WHEN EXISTS (SELECT 1 FROM users) THEN 'user' ELSE 'admin' END`
              : "user",
          bot: input.bot ?? false,
          createdAt,
        })
        .returning(),
      // Everyone new joins the workspaces open to all (the default one, unless made invite-only);
      // the first account, the instance's admin, as their admin.
      db.insert(workspaceMembers).select(
        db
          .select({
            workspaceId: workspaces.id,
            userId: sql<string>`${id}`.as("user_id"),
            role: sql<
              "admin" | "member"
            >`CASE (SELECT ${users.role} FROM ${users} WHERE ${users.id} = ${id}) WHEN 'admin' THEN 'admin' ELSE 'member' END`.as(
              "role",
            ),
            joinedAt: sql<number>`${createdAt}`.as("joined_at"),
          })
          .from(workspaces)
          .where(eq(workspaces.joinPolicy, "open")),
      ),
      by.actorId === null
        ? audit(db, {
            actorId: id,
            action: "auth.register",
            targetId: id,
            detail: { handle: input.handle, ip: by.ip },
          })
        : audit(db, {
            actorId: by.actorId,
            action: "user.create",
            targetId: id,
            detail: { handle: input.handle, bot: input.bot ?? false },
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

/**
 * Admin: a person or a bot. Without a password the account cannot sign in until its one-time
 * link (`setPasswordToken`) is used; a bot gets an API token (scope `bot`), shown once.
 */
export async function createUserByAdmin(
  db: Db,
  actorId: string,
  input: {
    handle: string;
    displayName: string;
    password?: string | undefined;
    bot?: boolean | undefined;
  },
): Promise<{ user: UserRow; setPasswordToken: string | null; botToken: string | null }> {
  const bot = input.bot ?? false;
  const user = await insertUser(
    db,
    {
      handle: input.handle,
      displayName: input.displayName,
      bot,
      ...(input.password ? { password: input.password } : {}),
    },
    { actorId },
  );
  let setPasswordToken: string | null = null;
  if (!bot && !input.password) {
    const { token, insert } = await newPasswordToken(db, user.id);
    await insert.run();
    setPasswordToken = token;
  }
  const botToken = bot
    ? (
        await createToken(db, actorId, {
          name: `${user.handle} (bot)`,
          scopes: ["bot"],
          userId: user.id,
        })
      ).secret
    : null;
  return { user, setPasswordToken, botToken };
}

export async function findUser(db: Db, id: string): Promise<UserRow> {
  const user = await db.select().from(users).where(eq(users.id, id)).get();
  if (!user) throw notFound("No such user");
  return user;
}

/**
 * People whose handle or display name starts with `q` (or any word of the name does); only those
 * of workspace `workspaceId` when given (admins search the whole instance).
 */
export async function searchUsers(
  db: Db,
  opts: {
    q?: string | undefined;
    offset: number;
    limit: number;
    includeDisabled: boolean;
    workspaceId?: string | undefined;
  },
) {
  const rows = await db
    .select()
    .from(users)
    .where(
      and(
        opts.includeDisabled ? undefined : sql`${users.disabledAt} IS NULL`,
        opts.workspaceId !== undefined ? inWorkspace(opts.workspaceId) : undefined,
        opts.q ? matchesPerson(opts.q) : undefined,
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
