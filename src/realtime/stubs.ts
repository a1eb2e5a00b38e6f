// How the Worker and the Durable Objects reach each other: a room's object by the room's id, an
// inbox's by its user's id.
//
// A room of a workspace with a data location lives in that Durable Object jurisdiction, and its
// files in the R2 bucket of the same jurisdiction. The location is part of the room's id
// (`room-eu_…`), fixed when the room is made, so every caller (the Worker, inboxes, the push
// consumer, the room itself) finds the right namespace from the id alone, without asking D1.
import type { Env } from "../config/env";
import { relayName } from "./relays";

export type DataLocation = "eu" | "fedramp";

const LOCATED_ROOM = /^room-(eu|fedramp)_/;

/** The prefix of a new room's id in a workspace whose data lives in `location` (null: anywhere). */
export const roomIdPrefix = (location: DataLocation | null) =>
  location ? `room-${location}` : "room";

export function dataLocationOfRoom(roomId: string): DataLocation | null {
  const match = LOCATED_ROOM.exec(roomId);
  return match ? (match[1] as DataLocation) : null;
}

/** What workerd (wrangler dev, the tests, self-hosted workerd) answers `jurisdiction()` with. */
const NO_JURISDICTIONS = "Jurisdiction restrictions are not implemented in workerd";

/** Namespaces whose runtime said it has no jurisdictions (asked once each). */
const withoutJurisdictions = new WeakSet<object>();

/**
 * The namespace a room's Durable Object is in: its jurisdiction's, or the global one. On
 * Cloudflare's network `jurisdiction()` gives the restricted namespace. workerd has none and
 * throws; there (and only for that error) the room's object is in the global namespace, still
 * apart from every other room by its id. Said once per isolate, loudly: a deployment on plain
 * workerd cannot promise a data location.
 */
export function roomNamespace(env: Pick<Env, "ROOM">, roomId: string): Env["ROOM"] {
  return located(env.ROOM, roomId);
}

/** `namespace`, or its jurisdiction's for a located room (a room's relays go where it goes). */
function located<N extends { jurisdiction(name: DurableObjectJurisdiction): unknown }>(
  namespace: N,
  roomId: string,
): N {
  const location = dataLocationOfRoom(roomId);
  if (location === null || withoutJurisdictions.has(namespace)) return namespace;
  try {
    return namespace.jurisdiction(location) as N;
  } catch (error) {
    if (!(error instanceof Error && error.message.includes(NO_JURISDICTIONS))) throw error;
    withoutJurisdictions.add(namespace);
    console.warn(
      `This runtime has no Durable Object jurisdictions: rooms of "${location}" workspaces run in the global namespace here (on Cloudflare they run in their jurisdiction).`,
    );
    return namespace;
  }
}

export function roomStub(env: Pick<Env, "ROOM">, roomId: string) {
  const namespace = roomNamespace(env, roomId);
  return namespace.get(namespace.idFromName(roomId));
}

/** One of a room's relay Durable Objects (its fan-out shards), in the room's namespace. */
export function relayStub(env: Pick<Env, "RELAY">, roomId: string, index: number) {
  const namespace = located(env.RELAY, roomId);
  return namespace.get(namespace.idFromName(relayName(roomId, index)));
}

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
