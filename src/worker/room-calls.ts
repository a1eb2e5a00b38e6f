// How the Worker calls a room: what it tells the room about itself and about the caller (built
// from D1's rows), the room's stub for the request, and its answers turned into HTTP errors.
import type { Context } from "hono";
import type { RetentionPolicy } from "../../src/shared/api";
import { roomStub } from "../realtime/stubs";
import type { Actor, Result, RoomInfo } from "../room/handlers";
import { currentPrincipal } from "./auth/principal";
import type { AppEnv, Principal } from "./context";
import { loadRoom, type RoomAccess, type RoomRow } from "./directory/access";
import { ApiError } from "./errors";

export const roomInfo = (room: RoomRow): RoomInfo => ({
  id: room.id,
  kind: room.kind,
  name: room.name,
  topic: room.topic,
  archived: room.archivedAt != null,
  ephemeral: room.ephemeral,
  retention: room.retentionJson ? (JSON.parse(room.retentionJson) as RetentionPolicy) : null,
});

/**
 * The caller as the room sees them: identity from the session, role from D1, admin of the
 * instance or of the room's workspace (access.ts decided).
 */
export const actorOf = (principal: Principal, access: RoomAccess): Actor => ({
  id: principal.user.id,
  handle: principal.user.handle,
  name: principal.user.displayName,
  role: access.membership?.role ?? null,
  isAdmin: access.actor.isAdmin,
});

/** Room results cross the RPC boundary as structured clones; their shape is the handlers'. */
export function unwrap<T>(outcome: unknown): T {
  const result = outcome as Result<T>;
  if (result.ok) return result.value;
  const retryAfter =
    result.retryAfterMs === undefined ? undefined : Math.ceil(result.retryAfterMs / 1000);
  throw new ApiError(result.code, result.message, undefined, retryAfter);
}

/** The room of the request (`:id`) as the caller may use it (`need`), with its stub. */
export function access(c: Context<AppEnv>, need: "view" | "member") {
  const { id } = c.req.param() as { id: string };
  return accessRoom(c, id, need);
}

/** Room `id` as the caller may use it (`need`), with its stub. */
export async function accessRoom(c: Context<AppEnv>, id: string, need: "view" | "member") {
  const principal = currentPrincipal(c);
  const room = await loadRoom(c.get("db"), principal, id, need);
  return {
    principal,
    room,
    stub: roomStub(c.env, id),
    info: roomInfo(room.room),
    actor: actorOf(principal, room),
  };
}
