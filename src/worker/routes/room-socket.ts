// The room WebSocket upgrade (`GET /api/rooms/:id/ws`): every check in the Worker, before the
// upgrade, then a grant the Worker builds itself and the relay between client and room.
import { and, eq, gt } from "drizzle-orm";
import type { Context } from "hono";
import { adminSockets, wsTickets } from "../../db/schema";
import { RELAY_HEADER } from "../../realtime/relays";
import { relayStub, roomStub } from "../../realtime/stubs";
import { CONNECT_HEADER, type ConnectGrant } from "../../room/room-sockets";
import { sha256Hex } from "../auth/crypto";
import { checkSocketOrigin } from "../auth/csrf";
import {
  credentialLookup,
  currentPrincipal,
  presentedSecret,
  principalOfCredential,
} from "../auth/principal";
import type { AppEnv, Principal } from "../context";
import { loadRoom, type RoomAccess, roomAccess, roomAccessQuery } from "../directory/access";
import { ApiError } from "../errors";
import { actorOf, roomInfo } from "../room-calls";
import { relaySocket } from "./socket-relay";

/** Redeems a ticket once: the row is deleted as it is read. */
async function redeemTicket(
  c: Context<AppEnv>,
  roomId: string,
  ticket: string,
): Promise<Principal | null> {
  const db = c.get("db");
  const row = await db
    .delete(wsTickets)
    .where(
      and(
        eq(wsTickets.tokenHash, await sha256Hex(ticket)),
        eq(wsTickets.roomId, roomId),
        gt(wsTickets.expiresAt, Date.now()),
      ),
    )
    .returning()
    .get();
  if (!row) return null;
  // The ticket acts with what the credential that asked for it may do now: it dies with that
  // session or token, and carries its scope (a bot token's ticket is not an admin's).
  const principal = await principalOfCredential(db, row.sessionHash, (p) =>
    c.executionCtx.waitUntil(p),
  );
  return principal?.user.id === row.userId ? principal : null;
}

/**
 * `GET /api/rooms/:id/ws`: every check happens here, before the upgrade, with HTTP answers:
 * 401 without a valid session or ticket, 403 for a foreign Origin, 404 for rooms the caller
 * is not in. The room learns who connected from the Worker only.
 */
export async function roomSocket(c: Context<AppEnv>): Promise<Response> {
  const roomId = c.req.param("id") ?? "";
  const db = c.get("db");
  const secret = presentedSecret(c);
  let principal: Principal | null = null;
  let room: RoomAccess | null = null;
  if (secret) {
    // Who is asking and their place in the room in one D1 round trip: a connect waits on D1
    // once (this route runs before the app's principal middleware for that reason).
    const lookup = credentialLookup(db, secret, await sha256Hex(secret), (p) =>
      c.executionCtx.waitUntil(p),
    );
    const [credential, access] = await db.batch([
      lookup.query,
      roomAccessQuery(db, roomId, lookup.userId),
    ]);
    principal = lookup.read(credential);
    if (principal) {
      c.set("principal", principal);
      currentPrincipal(c);
      checkSocketOrigin(c);
      room = roomAccess(access[0], principal, "member");
    }
  }
  const ticket = c.req.query("ticket");
  if (!principal && ticket) {
    principal = await redeemTicket(c, roomId, ticket);
    if (principal) {
      c.set("principal", principal);
      currentPrincipal(c);
      checkSocketOrigin(c);
      room = await loadRoom(db, principal, roomId, "member");
    }
  }
  if (!principal || !room) throw new ApiError("unauthorized", "Sign in first");
  if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
    throw new ApiError("invalid", "Expected a WebSocket upgrade");
  }
  const sinceRevText = c.req.query("sinceRev");
  const sinceRev = sinceRevText === undefined ? null : Number(sinceRevText);
  if (sinceRev !== null && (!Number.isSafeInteger(sinceRev) || sinceRev < 0)) {
    throw new ApiError("invalid", "sinceRev is a non-negative integer");
  }
  const batchText = c.req.query("batch");
  if (batchText !== undefined && batchText !== "1" && batchText !== "0") {
    throw new ApiError("invalid", "batch is 1 (frames may come several to a message) or 0");
  }
  if (!room.membership) {
    await db
      .insert(adminSockets)
      .values({ sessionHash: principal.credentialHash, userId: principal.user.id, roomId })
      .onConflictDoNothing()
      .run();
  }
  const grant: ConnectGrant = {
    actor: actorOf(principal, room),
    room: roomInfo(room.room),
    sessionHash: principal.credentialHash,
    sinceRev,
    batch: batchText === "1",
  };
  // A fresh request: nothing of the client's headers reaches the room but the upgrade itself.
  const headers = new Headers({ upgrade: "websocket", [CONNECT_HEADER]: JSON.stringify(grant) });
  // Relayed, not handed through: see socket-relay.ts (server-side closes would reach the client
  // only when the room is evicted).
  let upstream = await roomStub(c.env, roomId).fetch(
    new Request("https://room/connect", { headers }),
  );
  const relay = upstream.headers.get(RELAY_HEADER);
  if (upstream.status === 204 && relay !== null) {
    // The room holds all it should itself: the socket goes to the relay it names, with the
    // same grant (identity is only ever established here).
    headers.set(RELAY_HEADER, relay);
    upstream = await relayStub(c.env, roomId, Number(relay)).fetch(
      new Request("https://relay/connect", { headers }),
    );
  }
  return relaySocket(upstream, c.get("config").socketFrames);
}
