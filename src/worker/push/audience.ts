// Who in a room could get a push, read from D1 in two queries whatever the room's size: the
// members who have at least one browser subscribed, with their level, and the room's title as
// each of them sees it (a DM has no name: the other people's names stand in).
import { eq, inArray } from "drizzle-orm";
import type { NotifyLevel } from "../../../src/shared/api";
import type { Db } from "../../db/client";
import { memberships, pushSubscriptions, rooms, users } from "../../db/schema";
import { notifyLevel } from "../directory/rooms";
import type { PushTarget } from "./send";

export interface Subscriber {
  userId: string;
  level: NotifyLevel;
  subscriptions: Array<PushTarget & { id: string }>;
}

export interface Audience {
  kind: "channel" | "private" | "dm";
  /** The room's title for one reader. */
  titleFor(userId: string): string;
  /** Members with a subscription and a level other than `none`. */
  subscribers: Map<string, Subscriber>;
}

/** Names a DM's title lists before "and N others". */
const DM_TITLE_NAMES = 3;

/** The room's push audience, or null when the room is gone. */
export async function pushAudience(db: Db, roomId: string): Promise<Audience | null> {
  const [room, rows] = await db.batch([
    db
      .select({ kind: rooms.kind, name: rooms.name })
      .from(rooms)
      .where(eq(rooms.id, roomId))
      .limit(1),
    db
      .select({
        userId: memberships.userId,
        muted: memberships.muted,
        notify: memberships.notify,
        subscriptionId: pushSubscriptions.id,
        endpoint: pushSubscriptions.endpoint,
        p256dh: pushSubscriptions.p256dh,
        auth: pushSubscriptions.auth,
      })
      .from(memberships)
      .innerJoin(pushSubscriptions, eq(pushSubscriptions.userId, memberships.userId))
      .where(eq(memberships.roomId, roomId)),
  ]);
  const found = room[0];
  if (!found) return null;
  const subscribers = new Map<string, Subscriber>();
  for (const row of rows) {
    const level = notifyLevel(found.kind, row.muted, row.notify);
    if (level === "none") continue;
    let subscriber = subscribers.get(row.userId);
    if (!subscriber) {
      subscriber = { userId: row.userId, level, subscriptions: [] };
      subscribers.set(row.userId, subscriber);
    }
    subscriber.subscriptions.push({
      id: row.subscriptionId,
      endpoint: row.endpoint,
      p256dh: row.p256dh,
      auth: row.auth,
    });
  }
  const names =
    found.name === null && found.kind === "dm" && subscribers.size > 0
      ? await memberNames(db, roomId)
      : new Map<string, string>();
  return {
    kind: found.kind,
    subscribers,
    titleFor: (userId) => found.name ?? dmTitle(names, userId),
  };
}

async function memberNames(db: Db, roomId: string): Promise<Map<string, string>> {
  const rows = await db
    .select({ id: users.id, name: users.displayName })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(eq(memberships.roomId, roomId))
    .orderBy(users.displayName);
  return new Map(rows.map((r) => [r.id, r.name]));
}

/** "Ana", "Ana and Bo", "Ana, Bo, Cy and 2 others": everyone but the reader. */
function dmTitle(names: ReadonlyMap<string, string>, readerId: string): string {
  const others = [...names].filter(([id]) => id !== readerId).map(([, name]) => name);
  if (others.length === 0) return "Direct message";
  if (others.length === 1) return others[0] ?? "";
  const shown = others.slice(0, DM_TITLE_NAMES);
  const rest = others.length - shown.length;
  return rest > 0
    ? `${shown.join(", ")} and ${rest} other${rest === 1 ? "" : "s"}`
    : `${shown.slice(0, -1).join(", ")} and ${shown.at(-1)}`;
}

/** A subscription by id (a retry), or null when it was removed meanwhile. */
export async function subscriptionById(db: Db, id: string) {
  return (
    (await db.select().from(pushSubscriptions).where(eq(pushSubscriptions.id, id)).get()) ?? null
  );
}

/** Push services answered 404/410: the browsers are gone. */
export async function dropSubscriptions(db: Db, ids: readonly string[]): Promise<void> {
  if (ids.length > 0) {
    await db.delete(pushSubscriptions).where(inArray(pushSubscriptions.id, [...ids]));
  }
}
