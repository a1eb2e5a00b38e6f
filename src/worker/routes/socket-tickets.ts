// One-time tickets for the room WebSocket, for clients that cannot set headers on an upgrade.
import { createRoute, z } from "@hono/zod-openapi";
import { Id } from "../../../src/shared/api";
import { wsTickets } from "../../db/schema";
import { newSecret, sha256Hex } from "../auth/crypto";
import { requireUser } from "../auth/principal";
import { access } from "../room-calls";
import { takeSlot } from "../sliding-window";
import { errors, ok, rateLimited, router, security, tooLarge } from "./openapi";

const TICKET_TTL_MS = 30_000;
const Params = z.object({ id: Id });

export const socketTicketRoutes = router([["/rooms/*", requireUser()]]).openapi(
  createRoute({
    method: "post",
    path: "/rooms/{id}/ws-ticket",
    operationId: "createSocketTicket",
    tags: ["messages"],
    summary: "A one-time, 30-second ticket for the room WebSocket (`?ticket=`)",
    security,
    request: { params: Params },
    responses: {
      201: ok(z.object({ ticket: z.string(), expiresAt: z.string() }), "Issued"),
      ...errors,
      413: tooLarge,
      429: rateLimited,
    },
  }),
  async (c) => {
    const { principal, room } = await access(c, "member");
    const perUser = c.get("config").windows.wsTickets;
    await takeSlot(c.get("db"), perUser, `user:${principal.user.id}`, "Too many socket tickets");
    const ticket = newSecret("wt");
    const expiresAt = Date.now() + TICKET_TTL_MS;
    await c
      .get("db")
      .insert(wsTickets)
      .values({
        tokenHash: await sha256Hex(ticket),
        userId: principal.user.id,
        roomId: room.room.id,
        sessionHash: principal.credentialHash,
        expiresAt,
      })
      .run();
    return c.json({ ticket, expiresAt: new Date(expiresAt).toISOString() }, 201);
  },
);
