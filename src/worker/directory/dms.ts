// Direct messages: one room per set of people, found again by its sorted member ids.
import { eq, inArray } from "drizzle-orm";
import type { Db } from "../../db/client";
import { isUniqueViolation } from "../../db/client";
import { rooms, users } from "../../db/schema";
import { newId } from "../auth/crypto";
import { ApiError, notFound } from "../errors";
import { assertBelowLimit, recordEvent, type Window } from "../sliding-window";
import type { RoomRow } from "./access";
import { membershipInserts } from "./rooms";

export const dmKey = (userIds: Iterable<string>) => [...new Set(userIds)].sort().join(",");

/**
 * Opens (or finds) the DM between the caller and `others`; `created` tells which. Only creating
 * one counts toward the caller's `perUser` window: finding an existing DM again is free.
 */
export async function openDm(
  db: Db,
  me: string,
  others: readonly string[],
  limits: { maxMembers: number; perUser: Window },
): Promise<{ room: RoomRow; created: boolean }> {
  const { maxMembers, perUser } = limits;
  const people = [...new Set([me, ...others])];
  if (people.length > maxMembers) {
    throw new ApiError("invalid", `A group DM holds at most ${maxMembers} people`);
  }
  const key = dmKey(people);
  const existing = await db.select().from(rooms).where(eq(rooms.dmKey, key)).get();
  if (existing) return { room: existing, created: false };

  const found = await db
    .select({ id: users.id })
    .from(users)
    .where(inArray(users.id, people))
    .all();
  if (found.length !== people.length) throw notFound("No such user");
  const subjects = [`user:${me}`];
  await assertBelowLimit(db, perUser, subjects, "Too many new conversations; try again later");

  const room: RoomRow = {
    id: newId("room"),
    kind: "dm",
    name: null,
    topic: "",
    dmKey: key,
    externalRef: null,
    createdBy: me,
    createdAt: Date.now(),
    archivedAt: null,
    retentionJson: null,
    ephemeral: false,
    lastSeq: 0,
    firstSeq: 1,
    lastMessageAt: null,
    lastPreview: null,
    lastSenderId: null,
  };
  try {
    await db.batch([
      db.insert(rooms).values(room),
      recordEvent(db, perUser, subjects, room.createdAt),
      ...membershipInserts(
        db,
        room.id,
        people.map((userId) => ({ userId, role: "member" as const })),
        room.createdAt,
      ),
    ]);
    return { room, created: true };
  } catch (error) {
    // Two people opened the same DM at once: the other request's room is the one.
    if (!isUniqueViolation(error)) throw error;
    const winner = await db.select().from(rooms).where(eq(rooms.dmKey, key)).get();
    if (!winner) throw error;
    return { room: winner, created: false };
  }
}
