// The hono app: per-request setup, auth, CSRF, routes, the OpenAPI document and error mapping.
import { OpenAPIHono, z } from "@hono/zod-openapi";
import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import { originGuard } from "./auth/csrf";
import { requireAdmin, requireUser, resolvePrincipal } from "./auth/principal";
import type { AppEnv } from "./context";
import { openDb } from "./db/client";
import { readConfig } from "./env";
import { ApiError, type ErrorCode } from "./errors";
import { adminRoutes } from "./routes/admin";
import { asyncApiDocument } from "./routes/asyncapi";
import { authRoutes } from "./routes/auth";
import { inboxSocket } from "./routes/inbox";
import { memberRoutes } from "./routes/members";
import { messageRoutes, roomExport, roomSocket } from "./routes/messages";
import { retentionRoutes } from "./routes/retention";
import { roomRoutes } from "./routes/rooms";

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
app.use(
  "/api/*",
  bodyLimit({
    maxSize: MAX_BODY_BYTES,
    onError: () => {
      throw new ApiError("too_large", `Request bodies are limited to ${MAX_BODY_BYTES} bytes`);
    },
  }),
);
app.use("/api/*", originGuard());
app.use("/api/*", resolvePrincipal());

app.get("/api/rooms/:id/ws", roomSocket);
app.get("/api/me/ws", inboxSocket);
app.get("/api/rooms/:id/export", roomExport);
app.get("/api/asyncapi.json", (c) => c.json(asyncApiDocument()));

const api = app
  .route("/api", authRoutes)
  .route("/api", messageRoutes)
  .route("/api", roomRoutes)
  .route("/api", memberRoutes("/rooms", "members", requireUser()))
  .route("/api", memberRoutes("/admin/rooms", "admin", requireAdmin()))
  .route("/api", adminRoutes)
  .route("/api", retentionRoutes);

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
});
app.openAPIRegistry.registerPath({
  method: "get",
  path: "/api/rooms/{id}/ws",
  tags: ["messages"],
  summary:
    "WebSocket to the room (protocol in docs/api.md); `?sinceRev=` resumes, `?ticket=` authenticates",
  request: {
    params: z.object({ id: z.string() }),
    query: z.object({ sinceRev: z.string().optional(), ticket: z.string().optional() }),
  },
  responses: {
    101: { description: "Switching protocols" },
    401: { description: "No valid session, token or ticket" },
    403: { description: "Foreign Origin" },
    404: { description: "No such room, or not yours" },
  },
});
app.openAPIRegistry.registerPath({
  method: "get",
  path: "/api/rooms/{id}/export",
  tags: ["messages"],
  summary:
    "The room's whole history as NDJSON, one message per line in seq order (members, admins)",
  security: [{ bearer: [] }, { cookie: [] }],
  request: { params: z.object({ id: z.string() }) },
  responses: {
    200: {
      description: "One message (the WebSocket protocol's shape, tombstones included) per line",
      content: { "application/x-ndjson": { schema: z.string() } },
    },
    401: { description: "No valid session or token" },
    403: { description: "Not a member of this public channel" },
    404: { description: "No such room, or not yours" },
  },
});
app.openAPIRegistry.registerPath({
  method: "get",
  path: "/api/me/ws",
  tags: ["rooms"],
  summary: "WebSocket to my inbox: live room activity and membership changes (docs/api.md)",
  responses: {
    101: { description: "Switching protocols" },
    401: { description: "No valid session or token" },
    403: { description: "Foreign Origin, or a disabled account" },
  },
});
app.doc31("/api/openapi.json", {
  openapi: "3.1.0",
  info: {
    title: "Confab API",
    version: "1",
    description: "Real-time chat on Durable Objects. Errors: {error: {code, message, details?}}.",
  },
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
