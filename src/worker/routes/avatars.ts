// Profile pictures (docs/api.md, "Profile pictures"): one image per person in R2 at
// `avatars/<userId>`, its version in D1 so every new picture gets a new URL (and browsers may
// keep each one for good). Shown wherever initials are shown otherwise.
import { type OpenAPIHono, z } from "@hono/zod-openapi";
import { eq, sql } from "drizzle-orm";
import { Hono } from "hono";
import { SelfUser } from "../../../src/shared/api";
import { users } from "../../db/schema";
import * as serialize from "../../db/serialize";
import { currentPrincipal, requireUser } from "../auth/principal";
import type { AppEnv } from "../context";
import { canSeePerson } from "../directory/workspace-scope";
import { ApiError, notFound } from "../errors";
import { serveFile } from "../files/serve";
import { sniff } from "../files/sniff";
import { takeSlot } from "../sliding-window";
import { smallBody } from "./attachments";
import { errorResponse, errors, failures, ok, rateLimited, security } from "./openapi";

const avatarKey = (userId: string) => `avatars/${userId}`;

export const avatarRoutes = new Hono<AppEnv>()
  .use("/me/avatar", requireUser())
  .use("/users/*", requireUser())
  .put("/me/avatar", async (c) => {
    const { user } = currentPrincipal(c);
    const { files, windows } = c.get("config");
    const bytes = await smallBody(c, files.avatarMaxBytes);
    const what = sniff(bytes);
    if (what.kind !== "image" || what.contentType === null) {
      throw new ApiError("invalid", "A profile picture is a png, jpeg, gif or webp image");
    }
    await takeSlot(c.get("db"), windows.uploads, `user:${user.id}`, "Too many uploads");
    await c.env.FILES.put(avatarKey(user.id), bytes, {
      httpMetadata: { contentType: what.contentType },
    });
    const [updated] = await c
      .get("db")
      .update(users)
      .set({ avatarVersion: sql`coalesce(${users.avatarVersion}, 0) + 1` })
      .where(eq(users.id, user.id))
      .returning();
    if (!updated) throw notFound("No such user");
    return c.json({ user: serialize.selfUser(updated) }, 200);
  })
  .delete("/me/avatar", async (c) => {
    const { user } = currentPrincipal(c);
    const [updated] = await c
      .get("db")
      .update(users)
      .set({ avatarVersion: null })
      .where(eq(users.id, user.id))
      .returning();
    await c.env.FILES.delete(avatarKey(user.id));
    if (!updated) throw notFound("No such user");
    return c.json({ user: serialize.selfUser(updated) }, 200);
  })
  .get("/users/:id/avatar", async (c) => {
    const id = c.req.param("id");
    // Someone in no workspace of mine has no picture either: they do not exist from here.
    if (!(await canSeePerson(c.get("db"), currentPrincipal(c), id))) throw notFound("No picture");
    const row = await c
      .get("db")
      .select({ version: users.avatarVersion })
      .from(users)
      .where(eq(users.id, id))
      .get();
    if (row?.version == null) throw notFound("No picture");
    const served = await serveFile(c.env.FILES, avatarKey(id), c.req.raw, {
      name: "avatar",
      contentType: null,
      kind: "image",
    });
    if (!served) throw notFound("No picture");
    // The URL names the version: the current one may be kept for good, an old one not at all.
    const current = c.req.query("v") === String(row.version);
    served.headers.set(
      "cache-control",
      current ? "private, max-age=31536000, immutable" : "private, no-cache",
    );
    return served;
  });

export function describeAvatarRoutes(registry: OpenAPIHono["openAPIRegistry"]): void {
  const UserBody = z.object({ user: SelfUser });
  const image = z.string().meta({ format: "binary" });
  registry.registerPath({
    method: "put",
    path: "/api/me/avatar",
    operationId: "setAvatar",
    tags: ["auth"],
    summary:
      "My profile picture (raw png, jpeg, gif or webp, recognised by its bytes; ≤ AVATAR_MAX_BYTES, 2 MiB)",
    security,
    request: { body: { content: { "image/*": { schema: image } }, required: true } },
    responses: {
      200: ok(UserBody, "Me, with the new `avatarUrl`"),
      ...failures(400, 401, 403),
      413: errorResponse("Over AVATAR_MAX_BYTES (`too_large`)"),
      429: rateLimited,
    },
  });
  registry.registerPath({
    method: "delete",
    path: "/api/me/avatar",
    operationId: "deleteAvatar",
    tags: ["auth"],
    summary: "Remove my profile picture (initials are shown again)",
    security,
    responses: {
      200: ok(UserBody, "Me, with `avatarUrl: null`"),
      ...failures(401, 403),
      413: errorResponse("Body over 64 KiB (`too_large`)"),
    },
  });
  registry.registerPath({
    method: "get",
    path: "/api/users/{id}/avatar",
    operationId: "getAvatar",
    tags: ["auth"],
    summary:
      "Someone's profile picture (anyone sharing a workspace with them); `?v=` as in their `avatarUrl`",
    security,
    request: {
      params: z.object({ id: z.string() }),
      query: z.object({ v: z.string().optional() }),
    },
    responses: {
      200: {
        description: "The image, inline, `nosniff`, sandboxed; cached for good at its current `v`",
        content: { "image/*": { schema: image } },
      },
      304: { description: "Unchanged since the `If-None-Match` ETag" },
      401: errors[401],
      403: { ...errors[403], description: "A disabled account (`disabled`)" },
      404: {
        ...errors[404],
        description: "No such person (or none in a workspace of mine), or no picture",
      },
    },
  });
}
