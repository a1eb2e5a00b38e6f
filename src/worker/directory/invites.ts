// Invite links: made by admins (to the instance, optionally to rooms) and by room owners (to
// their rooms); used at sign-up or accepted by someone signed in. A use is one conditional
// UPDATE, so concurrent sign-ups never pass `max_uses`.
import { and, desc, eq, sql } from "drizzle-orm";
import { audit } from "../../db/audit";
import type { Db } from "../../db/client";
import { invites, memberships, rooms, users } from "../../db/schema";
import { toBase64Url } from "../auth/crypto";
import type { Principal } from "../context";
import { ApiError, forbidden, notFound } from "../errors";
import { ROOM_NOT_FOUND } from "./access";
import { DEFAULT_WORKSPACE_ID } from "./workspaces";

export type InviteRow = typeof invites.$inferSelect;

/** The most invites a list shows (admins rarely keep more than a handful alive). */
const INVITES_LIST_MAX = 200;
const INVITE_NOT_FOUND = "No such invite (deleted, or the link is mistyped)";
export const INVITE_UNUSABLE = "This invite has expired, been used up or deleted";

/** 144 random bits, base64url: unguessable, and short enough for a link. */
const newInviteCode = () => toBase64Url(crypto.getRandomValues(new Uint8Array(18)));

export const inviteRoomIds = (row: InviteRow): string[] => JSON.parse(row.roomIds) as string[];

/**
 * Admins invite to the instance and to any channel or private room; owners only to rooms they
 * own, and must name one. Rooms the caller cannot see are 404, rooms they see but do not own 403.
 */
export async function createInvite(
  db: Db,
  principal: Principal,
  input: {
    maxUses?: number | undefined;
    expiresInHours?: number | undefined;
    roomIds?: string[] | undefined;
  },
): Promise<InviteRow> {
  const roomIds = [...new Set(input.roomIds ?? [])];
  if (!principal.isAdmin && roomIds.length === 0)
    throw forbidden("Only admins invite to the instance; owners invite to rooms they own");
  const found =
    roomIds.length === 0
      ? []
      : await db
          .select({ room: rooms, role: memberships.role })
          .from(rooms)
          .leftJoin(
            memberships,
            and(eq(memberships.roomId, rooms.id), eq(memberships.userId, principal.user.id)),
          )
          .where(sql`${rooms.id} IN (SELECT value FROM json_each(${JSON.stringify(roomIds)}))`)
          .all();
  for (const id of roomIds) {
    const row = found.find((r) => r.room.id === id);
    const visible = row && (principal.isAdmin || row.role != null || row.room.kind === "channel");
    if (!row || !visible) throw notFound(ROOM_NOT_FOUND);
    if (row.room.kind === "dm") throw forbidden("The people in a DM are fixed");
    if (row.room.archivedAt != null) throw new ApiError("archived", "This room is archived");
    if (!principal.isAdmin && row.role !== "owner")
      throw forbidden("Only the room's owners (and admins) invite to it");
  }
  const now = Date.now();
  const invite: InviteRow = {
    code: newInviteCode(),
    createdBy: principal.user.id,
    createdAt: now,
    expiresAt: input.expiresInHours ? now + Math.round(input.expiresInHours * 3_600_000) : null,
    maxUses: input.maxUses ?? null,
    uses: 0,
    roomIds: JSON.stringify(roomIds),
    workspaceId: DEFAULT_WORKSPACE_ID,
  };
  await db.batch([
    db.insert(invites).values(invite),
    audit(db, {
      actorId: principal.user.id,
      action: "invite.create",
      targetId: invite.code,
      detail: { maxUses: invite.maxUses, expiresAt: invite.expiresAt, roomIds },
    }),
  ]);
  return invite;
}

/** Admins see every invite, everyone else the ones they made; the newest first. */
export const listInvites = (db: Db, principal: Principal) =>
  db
    .select()
    .from(invites)
    .where(principal.isAdmin ? undefined : eq(invites.createdBy, principal.user.id))
    .orderBy(desc(invites.createdAt))
    .limit(INVITES_LIST_MAX)
    .all();

export async function deleteInvite(db: Db, principal: Principal, code: string): Promise<void> {
  const row = await db.select().from(invites).where(eq(invites.code, code)).get();
  if (!row || (!principal.isAdmin && row.createdBy !== principal.user.id))
    throw notFound(INVITE_NOT_FOUND);
  await db.batch([
    db.delete(invites).where(eq(invites.code, code)),
    audit(db, { actorId: principal.user.id, action: "invite.delete", targetId: code }),
  ]);
}

/** What the link's landing page shows; 404 for a code that never was or was deleted. */
export async function previewInvite(db: Db, code: string) {
  const row = await db
    .select({ invite: invites, name: users.displayName, disabledAt: users.disabledAt })
    .from(invites)
    .innerJoin(users, eq(users.id, invites.createdBy))
    .where(eq(invites.code, code))
    .get();
  if (!row) throw notFound(INVITE_NOT_FOUND);
  const { invite } = row;
  const now = Date.now();
  const valid =
    row.disabledAt == null &&
    (invite.expiresAt == null || invite.expiresAt > now) &&
    (invite.maxUses == null || invite.uses < invite.maxUses);
  return { valid, inviter: { name: row.name }, rooms: inviteRoomIds(invite).length };
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
 * The invite, when `userId` is already in every one of its rooms (accepting it again would
 * change nothing, so it costs no use); null otherwise.
 */
export async function joinedAlready(
  db: Db,
  userId: string,
  code: string,
): Promise<InviteRow | null> {
  const row = await db.select().from(invites).where(eq(invites.code, code)).get();
  if (!row) return null;
  const roomCount = inviteRoomIds(row).length;
  if (roomCount === 0) return null;
  const joined = await db.$count(
    memberships,
    and(
      eq(memberships.userId, userId),
      sql`${memberships.roomId} IN (SELECT value FROM json_each(${row.roomIds}))`,
    ),
  );
  return joined === roomCount ? row : null;
}
