// The hono app: per-request setup, auth, CSRF, routes, the OpenAPI document and error mapping.
import { OpenAPIHono, z } from "@hono/zod-openapi";
import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import { readConfig } from "../config/env";
import { openDb } from "../db/client";
import { originGuard } from "./auth/csrf";
import { requireAdmin, requireUser, resolvePrincipal } from "./auth/principal";
import type { AppEnv } from "./context";
import { ApiError, type ErrorCode } from "./errors";
import { accountRoutes } from "./routes/account";
import { adminRoutes } from "./routes/admin";
import { adminPeopleRoutes } from "./routes/admin-people";
import { asyncApiDocument } from "./routes/asyncapi";
import { attachmentRoutes, describeAttachmentRoutes, isFileUpload } from "./routes/attachments";
import { authRoutes } from "./routes/auth";
import { avatarRoutes, describeAvatarRoutes } from "./routes/avatars";
import { banRoutes } from "./routes/bans";
import { blockRoutes } from "./routes/blocks";
import { inboxSocket } from "./routes/inbox";
import { inviteRoutes } from "./routes/invites";
import { memberRoutes } from "./routes/members";
import { messageRoutes } from "./routes/messages";
import { errors, publicRoute, rateLimited, security } from "./routes/openapi";
import { pushRoutes } from "./routes/push";
import { reportRoutes } from "./routes/reports";
import { retentionRoutes } from "./routes/retention";
import { roomExport } from "./routes/room-export";
import { roomSocket } from "./routes/room-socket";
import { roomRoutes } from "./routes/rooms";
import { searchRoutes } from "./routes/search";
import { socketTicketRoutes } from "./routes/socket-tickets";
import { threadRoutes } from "./routes/threads";
import { workspaceAdminRoutes } from "./routes/workspace-admin";
import { workspaceRoutes } from "./routes/workspaces";

/** JSON bodies are small; anything larger is refused before it is parsed. */
const MAX_BODY_BYTES = 64 * 1024;

const HTTP_EXCEPTION_CODES: Partial<Record<number, ErrorCode>> = {
  401: "unauthorized",
  403: "forbidden",
  404: "not_found",
  413: "too_large",
  429: "rate_limited",
};

export const app = new OpenAPIHono<AppEnv>();

app.use("/api/*", async (c, next) => {
  c.set("config", readConfig(c.env));
  c.set("db", openDb(c.env.DB));
  await next();
});
const jsonBodyLimit = bodyLimit({
  maxSize: MAX_BODY_BYTES,
  onError: () => {
    throw new ApiError("too_large", `Request bodies are limited to ${MAX_BODY_BYTES} bytes`);
  },
});
// Uploads stream files of their own limits (routes/attachments.ts); every other body is JSON.
app.use("/api/*", (c, next) =>
  isFileUpload(c.req.method, c.req.path) ? next() : jsonBodyLimit(c, next),
);
app.use("/api/*", originGuard());
// Before the principal middleware: the upgrade finds its caller and room in one D1 round trip.
app.get("/api/rooms/:id/ws", roomSocket);
app.use("/api/*", resolvePrincipal());

app.get("/api/me/ws", inboxSocket);
app.get("/api/rooms/:id/export", roomExport);
app.route("/api", attachmentRoutes);
app.route("/api", avatarRoutes);
app.get("/api/asyncapi.json", (c) => c.json(asyncApiDocument()));

const api = app
  .route("/api", authRoutes)
  .route("/api", accountRoutes)
  .route("/api", messageRoutes)
  .route("/api", searchRoutes)
  .route("/api", socketTicketRoutes)
  .route("/api", roomRoutes)
  .route("/api", memberRoutes("/rooms", "members", requireUser()))
  .route("/api", memberRoutes("/admin/rooms", "admin", requireAdmin()))
  .route("/api", adminRoutes)
  .route("/api", adminPeopleRoutes)
  .route("/api", retentionRoutes)
  .route("/api", pushRoutes)
  .route("/api", threadRoutes)
  .route("/api", blockRoutes)
  .route("/api", reportRoutes)
  .route("/api", banRoutes)
  .route("/api", inviteRoutes)
  .route("/api", workspaceRoutes)
  .route("/api", workspaceAdminRoutes);

export type AppType = typeof api;

app.openAPIRegistry.registerComponent("securitySchemes", "bearer", {
  type: "http",
  scheme: "bearer",
  description: "A session token from /api/auth/login or an API token from /api/admin/tokens",
});
app.openAPIRegistry.registerComponent("securitySchemes", "cookie", {
  type: "apiKey",
  in: "cookie",
  name: "confab_session",
  description: "The session cookie register and login set (HttpOnly, SameSite=Lax)",
});
app.openAPIRegistry.registerComponent("securitySchemes", "ticket", {
  type: "apiKey",
  in: "query",
  name: "ticket",
  description:
    "A one-time, 30-second ticket from POST /api/rooms/{id}/ws-ticket, for the room WebSocket only",
});

const RoomParams = z.object({ id: z.string().min(1).max(64) });
const switchingProtocols = (protocol: string) => ({
  description: `Switching protocols: the socket speaks ${protocol} (GET /api/asyncapi.json)`,
});

app.openAPIRegistry.registerPath({
  method: "get",
  path: "/api/rooms/{id}/ws",
  operationId: "connectRoomSocket",
  tags: ["messages"],
  summary:
    "WebSocket to the room (protocol in docs/api.md); `?sinceRev=` resumes, `?ticket=` authenticates",
  security: [...security, { ticket: [] }],
  request: {
    params: RoomParams,
    query: z.object({ sinceRev: z.string().optional() }),
  },
  responses: {
    101: switchingProtocols("the room protocol"),
    400: { ...errors[400], description: "Not an upgrade, or a bad `sinceRev` (`invalid`)" },
    401: { ...errors[401], description: "No valid session, token or ticket (`unauthorized`)" },
    403: { ...errors[403], description: "Foreign Origin, or a disabled account" },
    404: { ...errors[404], description: "No such room, or not yours (`not_found`)" },
    429: rateLimited,
  },
});
describeAttachmentRoutes(app.openAPIRegistry);
describeAvatarRoutes(app.openAPIRegistry);
app.openAPIRegistry.registerPath({
  method: "get",
  path: "/api/rooms/{id}/export",
  operationId: "exportRoom",
  tags: ["messages"],
  summary:
    "The room's whole history as NDJSON, one message per line in seq order (members, admins)",
  security,
  request: { params: RoomParams },
  responses: {
    200: {
      description: "One message (the WebSocket protocol's shape, tombstones included) per line",
      content: { "application/x-ndjson": { schema: z.string() } },
    },
    401: errors[401],
    403: { ...errors[403], description: "Not a member of this public channel, or disabled" },
    404: { ...errors[404], description: "No such room, or not yours (`not_found`)" },
  },
});
app.openAPIRegistry.registerPath({
  method: "get",
  path: "/api/me/ws",
  operationId: "connectInboxSocket",
  tags: ["rooms"],
  summary: "WebSocket to my inbox: live room activity and membership changes (docs/api.md)",
  security,
  responses: {
    101: switchingProtocols("the inbox protocol"),
    400: { ...errors[400], description: "Not an upgrade (`invalid`)" },
    401: errors[401],
    403: { ...errors[403], description: "Foreign Origin, or a disabled account" },
  },
});
app.openAPIRegistry.registerPath({
  method: "get",
  path: "/api/asyncapi.json",
  operationId: "getAsyncApiDocument",
  tags: ["docs"],
  summary: "The room and inbox WebSocket protocols as AsyncAPI 3.0",
  security: publicRoute,
  responses: {
    200: {
      description: "The AsyncAPI document",
      content: { "application/json": { schema: z.record(z.string(), z.unknown()) } },
    },
  },
});
app.openAPIRegistry.registerPath({
  method: "get",
  path: "/api/openapi.json",
  operationId: "getOpenApiDocument",
  tags: ["docs"],
  summary: "This document",
  security: publicRoute,
  responses: {
    200: {
      description: "The OpenAPI 3.1 document",
      content: { "application/json": { schema: z.record(z.string(), z.unknown()) } },
    },
  },
});
app.doc31("/api/openapi.json", {
  openapi: "3.1.0",
  info: {
    title: "Confab API",
    version: "1",
    description:
      "Real-time chat on Durable Objects. Errors: {error: {code, message, details?}}. The WebSocket protocols are described in GET /api/asyncapi.json; docs/api.md is the prose contract.",
  },
  // Relative: the paths carry /api, and whatever origin served this document serves the API.
  servers: [{ url: "/", description: "The origin that served this document" }],
  tags: [
    { name: "auth", description: "Accounts: sign up, sign in, sign out, who am I" },
    { name: "people", description: "Finding people to talk to" },
    { name: "rooms", description: "Rooms as a member sees them, DMs, and the inbox socket" },
    { name: "members", description: "Managing a room's members (owners and moderators)" },
    { name: "messages", description: "History, sending, reactions, search and the room socket" },
    {
      name: "moderation",
      description: "Reports of messages and the queues of room moderators and admins",
    },
    {
      name: "invites",
      description: "Invite links: made by admins and room owners, used at sign-up",
    },
    { name: "admin", description: "Instance admins and admin-scoped API tokens" },
    { name: "docs", description: "The machine-readable descriptions of this API" },
  ],
});

app.notFound((c) =>
  c.json(
    new ApiError(
      "not_found",
      `No route for ${c.req.method} ${new URL(c.req.url).pathname}`,
    ).toBody(),
    404,
  ),
);

app.onError((error, c) => {
  if (error instanceof ApiError) {
    if (error.retryAfterSeconds !== undefined)
      c.header("Retry-After", String(error.retryAfterSeconds));
    return c.json(error.toBody(), error.status);
  }
  if (error instanceof HTTPException && error.status < 500) {
    // hono's own exceptions (e.g. a body that is not JSON) speak our error shape too.
    const code = HTTP_EXCEPTION_CODES[error.status] ?? "invalid";
    const mapped = new ApiError(code, error.message || "Invalid request");
    return c.json(mapped.toBody(), mapped.status);
  }
  console.error("unhandled error", c.req.method, c.req.path, error);
  return c.json(new ApiError("internal", "Something went wrong on our side").toBody(), 500);
});
