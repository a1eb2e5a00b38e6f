// The admin page's rooms, audit entries and invites in words: rooms by name (DMs by their
// people), how many messages a room stores, who did what where, by name rather than by id, and
// how far an invite has been used.
import type { AdminRoom, AuditEntry, Invite, PublicUser } from "../../../src/shared/api";

const count = (n: number) => n.toLocaleString("en");
const names = (people: readonly PublicUser[]) => people.map((p) => p.displayName).join(", ");

/** "general"; a DM as "DM: Ana Lima, Bob Jensen". */
export function roomLabel(
  room: Pick<AdminRoom, "name" | "participants"> & { kind: AdminRoom["kind"] | null },
): string {
  if (room.kind !== "dm") return room.name ?? "Untitled room";
  return room.participants.length > 0 ? `DM: ${names(room.participants)}` : "DM with nobody left";
}

/** "6 messages stored (1 deleted)": what the room holds now, as retention counts it. */
export function storedText(room: Pick<AdminRoom, "storedMessages" | "deletedMessages">): string {
  const stored = `${count(room.storedMessages)} message${room.storedMessages === 1 ? "" : "s"} stored`;
  return room.deletedMessages > 0 ? `${stored} (${count(room.deletedMessages)} deleted)` : stored;
}

const person = (user: PublicUser) => `${user.displayName} (@${user.handle})`;

/** Who acted: a person by name, "—" for nobody (a failed sign-in), the bare id if they are gone. */
export function auditActor(entry: AuditEntry): string {
  if (entry.actor) return person(entry.actor);
  return entry.actorId ?? "—";
}

/** Where: the room's name (a DM by its people), marked when the room no longer exists. */
export function auditRoom(entry: AuditEntry): string {
  const room = entry.room;
  if (!room) return "—";
  if (room.gone) return room.name ? `${room.name} (deleted)` : `Deleted room ${room.id}`;
  return roomLabel(room);
}

/** On whom or what: a person, or an API token by its name. */
export function auditTarget(entry: AuditEntry): string {
  const target = entry.target;
  if (!target) return entry.targetId ?? "—";
  return target.kind === "user" && target.handle
    ? `${target.name} (@${target.handle})`
    : `API token “${target.name}”`;
}

/** "3 of 10 uses · expires 5/1/2027, 10:00 · 2 rooms": an invite in the list. */
export function inviteSummary(invite: Invite, now = Date.now()): string {
  const uses =
    invite.maxUses === null
      ? `${invite.uses} use${invite.uses === 1 ? "" : "s"}`
      : `${invite.uses} of ${invite.maxUses} uses`;
  const expires =
    invite.expiresAt === null
      ? "never expires"
      : Date.parse(invite.expiresAt) <= now
        ? "expired"
        : `expires ${new Date(invite.expiresAt).toLocaleString()}`;
  const rooms = invite.roomIds.length;
  const where = rooms === 0 ? "no rooms" : `${rooms} room${rooms === 1 ? "" : "s"}`;
  return `${uses} · ${expires} · ${where}`;
}
