// How the Worker and the Durable Objects reach each other: a room's object by the room's id, an
// inbox's by its user's id.
import type { Env } from "../config/env";

export const roomStub = (env: Env, roomId: string) => env.ROOM.get(env.ROOM.idFromName(roomId));

export const inboxStub = (env: Env, userId: string) => env.INBOX.get(env.INBOX.idFromName(userId));
