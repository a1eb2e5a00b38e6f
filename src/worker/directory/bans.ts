// Room bans (docs/api.md, "Bans"): who may not be in a room, and until when. Banning removes the
// member (their sockets close with 1008) and join and add-member refuse them (403 `banned`) while
// the ban stands; the room's alarm lifts a ban whose `until` has come. Bans live in D1 beside
// memberships, where join and add-member are decided.
import { and, desc, eq, sql } from "drizzle-orm";
import { alias } from "drizzle-orm/sqlite-core";
import type { RoomBan } from "../../../src/shared/api";
import { canBan, canSeeBans } from "../../../src/shared/permissions";
import type { Env } from "../../config/env";
import { audit } from "../../db/audit";
import { type Db, isoOrNull } from "../../db/client";
import { roomBans, users } from "../../db/schema";
import * as serialize from "../../db/serialize";
import { ApiError, forbidden, notFound } from "../errors";
import * as notify from "../notify";
import { findMembership, type RoomAccess, roomAccess, roomAccessQuery } from "./access";
import { removal } from "./members";

/** Who bans: a user, and whether they are an instance admin (who may ban in any room). */
export interface BanActor {
  userId: string;
  isAdmin: boolean;
  /** The credential may use the actor's workspace admin role (see Principal). */
  mayAdminister: boolean;
}

/** How many bans `GET /api/rooms/:id/bans` lists at most (the newest first). */
export const BANS_LIST_MAX = 1_000;

/** A ban at or after this moment has ended, alarm or not. */
const standing = (now: number) => sql`(${roomBans.until} IS NULL OR ${roomBans.until} > ${now})`;

/** The room as its moderator (or an admin) sees it; a DM has no bans (400). */
async function moderatedRoom(db: Db, actor: BanActor, roomId: string): Promise<RoomAccess> {
  const access = roomAccess(await roomAccessQuery(db, roomId, actor.userId).get(), actor, "member");
  if (access.room.kind === "dm") throw new ApiError("invalid", "A DM has no bans");
  if (!canSeeBans(access.actor)) throw forbidden("Only owners and moderators manage bans");
  return access;
}

async function assertUserExists(db: Db, userId: string): Promise<void> {
  const user = await db.select({ id: users.id }).from(users).where(eq(users.id, userId)).get();
  if (!user) throw notFound("No such user");
}

/**
 * Bans `userId` from `roomId` as `actor`, until `until` (epoch ms; null: until lifted), and makes
 * it felt: removed from the room (with an heir if they were its last owner), their sockets there
 * closed (1008 "Banned from the room"), their inbox told, and the room's alarm set for the end.
 * Banning again replaces the reason and end. Throws `ApiError`: 404 no such room (or not visible
 * to the actor) or user, 400 a DM, oneself or an `until` not in the future, 403 the actor may not
 * (moderators ban plain members and outsiders only; owners and admins anyone).
 */
export async function banFromRoom(
  env: Env,
  db: Db,
  actor: BanActor,
  roomId: string,
  userId: string,
  options: { reason?: string | null; until?: number | null } = {},
): Promise<void> {
  const { room, actor: roomActor } = await moderatedRoom(db, actor, roomId);
  if (userId === actor.userId) throw new ApiError("invalid", "You cannot ban yourself");
  const now = Date.now();
  const until = options.until ?? null;
  if (until !== null && until <= now) {
    throw new ApiError("invalid", "A ban must end in the future", [
      { in: "json", path: ["until"], message: "Must be in the future" },
    ]);
  }
  await assertUserExists(db, userId);
  const member = await findMembership(db, room.id, userId);
  if (!canBan(roomActor, member?.role ?? null)) {
    throw forbidden("Moderators can ban members only; owners anyone");
  }
  const reason = options.reason ?? null;
  const ban = { reason, until, bannedBy: actor.userId, createdAt: now };
  const removed = member
    ? await removal(db, actor.userId, member, { role: member.role, via: "ban" })
    : { statements: [], newOwner: null };
  await db.batch([
    db
      .insert(roomBans)
      .values({ roomId: room.id, userId, ...ban })
      .onConflictDoUpdate({ target: [roomBans.roomId, roomBans.userId], set: ban }),
    audit(db, {
      actorId: actor.userId,
      action: "member.ban",
      roomId: room.id,
      targetId: userId,
      detail: { reason, until: isoOrNull(until), role: member?.role ?? null },
    }),
    ...removed.statements,
  ]);
  await notify.memberBanned(env, room, userId, {
    until,
    removed: member !== null,
    newOwner: removed.newOwner,
  });
}

/** Lifts `userId`'s ban (404 when there is none standing); audited. */
export async function unbanFromRoom(
  db: Db,
  actor: BanActor,
  roomId: string,
  userId: string,
): Promise<void> {
  const { room } = await moderatedRoom(db, actor, roomId);
  const where = and(eq(roomBans.roomId, room.id), eq(roomBans.userId, userId));
  const ban = await db
    .select({ until: roomBans.until })
    .from(roomBans)
    .where(and(where, standing(Date.now())))
    .get();
  if (!ban) throw notFound("This person is not banned here");
  await db.batch([
    db.delete(roomBans).where(where),
    audit(db, { actorId: actor.userId, action: "member.unban", roomId: room.id, targetId: userId }),
  ]);
}

const banner = alias(users, "banner");

/** The room's standing bans, newest first (at most BANS_LIST_MAX). */
export async function listBans(db: Db, actor: BanActor, roomId: string): Promise<RoomBan[]> {
  const { room } = await moderatedRoom(db, actor, roomId);
  const rows = await db
    .select({ ban: roomBans, user: users, banner })
    .from(roomBans)
    .innerJoin(users, eq(users.id, roomBans.userId))
    .leftJoin(banner, eq(banner.id, roomBans.bannedBy))
    .where(and(eq(roomBans.roomId, room.id), standing(Date.now())))
    .orderBy(desc(roomBans.createdAt), roomBans.userId)
    .limit(BANS_LIST_MAX)
    .all();
  return rows.map((row) => serialize.roomBan(row.ban, row.user, row.banner));
}
