// Invite links: made by workspace admins (to their workspace, optionally to rooms in it) and by
// room owners (to their rooms); used at sign-up or accepted by someone signed in, joining the
// invite's workspace and then its rooms. A use is one conditional UPDATE, so concurrent sign-ups
// never pass `max_uses`.
import { and, desc, eq, sql } from "drizzle-orm";
import { audit } from "../../db/audit";
import type { Db } from "../../db/client";
import { invites, memberships, users, workspaces } from "../../db/schema";
import { toBase64Url } from "../auth/crypto";
import type { Principal } from "../context";
import { ApiError, forbidden, notFound } from "../errors";
import { type RoomAccess, roomAccess, roomAccessQuery } from "./access";
import { DEFAULT_WORKSPACE_ID, isWorkspaceMember, loadWorkspace } from "./workspaces";

export type InviteRow = typeof invites.$inferSelect;

/** The most invites a list shows (admins rarely keep more than a handful alive). */
const INVITES_LIST_MAX = 200;
const INVITE_NOT_FOUND = "No such invite (deleted, or the link is mistyped)";
export const INVITE_UNUSABLE = "This invite has expired, been used up or deleted";

/** 144 random bits, base64url: unguessable, and short enough for a link. */
const newInviteCode = () => toBase64Url(crypto.getRandomValues(new Uint8Array(18)));

export const inviteRoomIds = (row: InviteRow): string[] => JSON.parse(row.roomIds) as string[];

/**
 * Invites join a workspace, and rooms in it. Its admins (and instance admins) invite to the
 * workspace, with or without rooms; room owners only to rooms they own, and must name one.
 * Every room must be in the invite's workspace (400): `workspaceId`, else the rooms', else the
 * default one. Rooms or workspaces the caller cannot see are 404, rooms they see but do not own 403.
 */
export async function createInvite(
  db: Db,
  principal: Principal,
  input: {
    maxUses?: number | undefined;
    expiresInHours?: number | undefined;
    roomIds?: string[] | undefined;
    workspaceId?: string | undefined;
  },
): Promise<InviteRow> {
  const roomIds = [...new Set(input.roomIds ?? [])];
  const found: RoomAccess[] = [];
  for (const id of roomIds) {
    const access = roomAccess(
      await roomAccessQuery(db, id, principal.user.id).get(),
      principal,
      "view",
    );
    const { room, membership, actor } = access;
    if (room.kind === "dm") throw forbidden("The people in a DM are fixed");
    if (room.archivedAt != null) throw new ApiError("archived", "This room is archived");
    if (!actor.isAdmin && membership?.role !== "owner")
      throw forbidden("Only the room's owners (and admins) invite to it");
    found.push(access);
  }
  const workspaceId = input.workspaceId ?? found[0]?.room.workspaceId ?? DEFAULT_WORKSPACE_ID;
  if (found.some(({ room }) => room.workspaceId !== workspaceId)) {
    throw new ApiError("invalid", "Every room of an invite must be in its workspace", [
      { in: "json", path: "roomIds", message: "Not all in the invite's workspace" },
    ]);
  }
  const { canAdmin } = await loadWorkspace(db, principal, workspaceId);
  if (!canAdmin && roomIds.length === 0)
    throw forbidden("Only the workspace's admins invite to it; owners invite to rooms they own");
  const now = Date.now();
  const invite: InviteRow = {
    code: newInviteCode(),
    createdBy: principal.user.id,
    createdAt: now,
    expiresAt: input.expiresInHours ? now + Math.round(input.expiresInHours * 3_600_000) : null,
    maxUses: input.maxUses ?? null,
    uses: 0,
    roomIds: JSON.stringify(roomIds),
    workspaceId,
  };
  await db.batch([
    db.insert(invites).values(invite),
    audit(db, {
      actorId: principal.user.id,
      action: "invite.create",
      workspaceId,
      targetId: invite.code,
      detail: { maxUses: invite.maxUses, expiresAt: invite.expiresAt, roomIds },
    }),
  ]);
  return invite;
}

/** The invites `principal` manages: instance admins every one; others those they made, and
 * (workspace owners and admins) every invite to their workspaces. */
const managedBy = (principal: Principal) =>
  principal.isAdmin
    ? undefined
    : sql`(${invites.createdBy} = ${principal.user.id} OR ${invites.workspaceId} IN (
        SELECT workspace_id FROM workspace_members
        WHERE user_id = ${principal.user.id} AND role IN ('owner', 'admin')))`;

/** The invites the caller may manage, the newest first. */
export const listInvites = (db: Db, principal: Principal) =>
  db
    .select()
    .from(invites)
    .where(managedBy(principal))
    .orderBy(desc(invites.createdAt))
    .limit(INVITES_LIST_MAX)
    .all();

export async function deleteInvite(db: Db, principal: Principal, code: string): Promise<void> {
  const row = await db
    .select()
    .from(invites)
    .where(and(eq(invites.code, code), managedBy(principal)))
    .get();
  if (!row) throw notFound(INVITE_NOT_FOUND);
  await db.batch([
    db.delete(invites).where(eq(invites.code, code)),
    audit(db, {
      actorId: principal.user.id,
      action: "invite.delete",
      workspaceId: row.workspaceId,
      targetId: code,
    }),
  ]);
}

/** What the link's landing page shows; 404 for a code that never was or was deleted. */
export async function previewInvite(db: Db, code: string) {
  const row = await db
    .select({
      invite: invites,
      name: users.displayName,
      disabledAt: users.disabledAt,
      workspace: workspaces.name,
    })
    .from(invites)
    .innerJoin(users, eq(users.id, invites.createdBy))
    .innerJoin(workspaces, eq(workspaces.id, invites.workspaceId))
    .where(eq(invites.code, code))
    .get();
  if (!row) throw notFound(INVITE_NOT_FOUND);
  const { invite } = row;
  const now = Date.now();
  const valid =
    row.disabledAt == null &&
    (invite.expiresAt == null || invite.expiresAt > now) &&
    (invite.maxUses == null || invite.uses < invite.maxUses);
  return {
    valid,
    inviter: { name: row.name },
    rooms: inviteRoomIds(invite).length,
    workspace: { name: row.workspace },
  };
}

/**
 * Counts one use, if the invite still allows one (not expired, not used up, its maker not
 * disabled): one UPDATE whose WHERE is the whole rule, so two concurrent uses of the last slot
 * cannot both pass. 403 `invite_invalid` otherwise.
 */
export async function claimInvite(db: Db, code: string): Promise<InviteRow> {
  const now = Date.now();
  const claimed = await db
    .update(invites)
    .set({ uses: sql`${invites.uses} + 1` })
    .where(
      and(
        eq(invites.code, code),
        sql`(${invites.maxUses} IS NULL OR ${invites.uses} < ${invites.maxUses})`,
        sql`(${invites.expiresAt} IS NULL OR ${invites.expiresAt} > ${now})`,
        sql`${invites.createdBy} IN (SELECT id FROM users WHERE disabled_at IS NULL)`,
      ),
    )
    .returning()
    .get();
  if (!claimed) throw new ApiError("invite_invalid", INVITE_UNUSABLE);
  return claimed;
}

/** Gives back a use claimed for a sign-up that then failed (e.g. its handle was taken). */
export const releaseInvite = (db: Db, code: string) =>
  db
    .update(invites)
    .set({ uses: sql`${invites.uses} - 1` })
    .where(and(eq(invites.code, code), sql`${invites.uses} > 0`))
    .run();

/**
 * The invite, when `userId` is already in its workspace and every one of its rooms (accepting it
 * again would change nothing, so it costs no use); null otherwise.
 */
export async function joinedAlready(
  db: Db,
  userId: string,
  code: string,
): Promise<InviteRow | null> {
  const row = await db.select().from(invites).where(eq(invites.code, code)).get();
  if (!row || !(await isWorkspaceMember(db, row.workspaceId, userId))) return null;
  const roomCount = inviteRoomIds(row).length;
  if (roomCount === 0) return row;
  const joined = await db.$count(
    memberships,
    and(
      eq(memberships.userId, userId),
      sql`${memberships.roomId} IN (SELECT value FROM json_each(${row.roomIds}))`,
    ),
  );
  return joined === roomCount ? row : null;
}
