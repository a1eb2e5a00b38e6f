// How the Worker and the Durable Objects reach each other: a room's object by the room's id, an
// inbox's by its user's id.
//
// A room of a workspace with a data location lives in that Durable Object jurisdiction, and its
// files in the R2 bucket of the same jurisdiction. The location is part of the room's id
// (`room-eu_…`), fixed when the room is made, so every caller (the Worker, inboxes, the push
// consumer, the room itself) finds the right namespace from the id alone, without asking D1.
import type { Env } from "../config/env";

export type DataLocation = "eu" | "fedramp";

const LOCATED_ROOM = /^room-(eu|fedramp)_/;

/** The prefix of a new room's id in a workspace whose data lives in `location` (null: anywhere). */
export const roomIdPrefix = (location: DataLocation | null) =>
  location ? `room-${location}` : "room";

export function dataLocationOfRoom(roomId: string): DataLocation | null {
  const match = LOCATED_ROOM.exec(roomId);
  return match ? (match[1] as DataLocation) : null;
}

/** The namespace a room's Durable Object is in: its jurisdiction's, or the global one. */
export function roomNamespace(
  env: Env,
  roomId: string,
): DurableObjectNamespace<Env["ROOM"] extends DurableObjectNamespace<infer T> ? T : never> {
  const location = dataLocationOfRoom(roomId);
  return location ? env.ROOM.jurisdiction(location) : env.ROOM;
}

export const roomStub = (env: Env, roomId: string) =>
  roomNamespace(env, roomId).get(roomNamespace(env, roomId).idFromName(roomId));

/** The bucket a room's files (attachments, previews) are kept in. */
export function roomFiles(env: Env, roomId: string): R2Bucket {
  switch (dataLocationOfRoom(roomId)) {
    case "eu":
      return env.FILES_EU;
    case "fedramp":
      return env.FILES_FEDRAMP;
    default:
      return env.FILES;
  }
}

export const inboxStub = (env: Env, userId: string) => env.INBOX.get(env.INBOX.idFromName(userId));
