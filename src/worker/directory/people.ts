// The people of several rooms at once, in one D1 query (DM titles, the admin's room list).
import { asc, eq, type SQL } from "drizzle-orm";
import type { PublicUser } from "../../../src/shared/api";
import type { Db } from "../../db/client";
import { memberships, users } from "../../db/schema";
import * as serialize from "../../db/serialize";

/** The members the `which` condition on memberships picks, grouped by room, by handle. */
export async function peopleByRoom(db: Db, which: SQL): Promise<Map<string, PublicUser[]>> {
  const rows = await db
    .select({
      roomId: memberships.roomId,
      id: users.id,
      handle: users.handle,
      displayName: users.displayName,
      avatarVersion: users.avatarVersion,
      bot: users.bot,
    })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(which)
    .orderBy(asc(users.handle))
    .all();
  const byRoom = new Map<string, PublicUser[]>();
  for (const { roomId, ...person } of rows) {
    const list = byRoom.get(roomId) ?? [];
    list.push(serialize.publicUser(person));
    byRoom.set(roomId, list);
  }
  return byRoom;
}
