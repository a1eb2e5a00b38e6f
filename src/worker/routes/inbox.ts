// The inbox WebSocket (`GET /api/me/ws`, docs/api.md "Inbox WebSocket"): the Worker authenticates, reads the user's
// rooms from D1 and hands the upgrade to the user's inbox Durable Object.
import { eq } from "drizzle-orm";
import type { Context } from "hono";
import { memberships } from "../../db/schema";
import { INBOX_CONNECT_HEADER, type InboxGrant } from "../../inbox/inbox-do";
import { inboxStub } from "../../realtime/stubs";
import { checkSocketOrigin } from "../auth/csrf";
import { currentPrincipal } from "../auth/principal";
import type { AppEnv } from "../context";
import { ApiError } from "../errors";
import { relaySocket } from "./socket-relay";

export async function inboxSocket(c: Context<AppEnv>): Promise<Response> {
  const principal = currentPrincipal(c);
  checkSocketOrigin(c);
  if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
    throw new ApiError("invalid", "Expected a WebSocket upgrade");
  }
  const rooms = await c
    .get("db")
    .select({ roomId: memberships.roomId })
    .from(memberships)
    .where(eq(memberships.userId, principal.user.id))
    .all();
  const grant: InboxGrant = {
    userId: principal.user.id,
    sessionHash: principal.credentialHash,
    roomIds: rooms.map((r) => r.roomId),
  };
  // A fresh request: nothing of the client's headers reaches the inbox but the upgrade itself.
  const headers = new Headers({
    upgrade: "websocket",
    [INBOX_CONNECT_HEADER]: JSON.stringify(grant),
  });
  // Relayed, not handed through: see socket-relay.ts.
  return relaySocket(
    await inboxStub(c.env, principal.user.id).fetch(
      new Request("https://inbox/connect", { headers }),
    ),
    c.get("config").socketFrames,
  );
}
