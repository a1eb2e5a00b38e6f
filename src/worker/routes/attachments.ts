// Attachments (docs/api.md, "Attachments"): uploads streamed into R2 with the room's say before
// and after, client-made previews, and serving. The bytes never pass through the room; the room
// keeps what they are and who may see them (src/room/uploads.ts).
import { type OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { Hono } from "hono";
import {
  Attachment,
  FILE_NAME_MAX_CHARS,
  PREVIEW_MAX_BYTES,
  PREVIEW_MAX_EDGE,
} from "../../../src/shared/protocol";
import { dropBodyControls } from "../../../src/shared/text";
import { roomFiles } from "../../realtime/stubs";
import type { FileRow } from "../../room/store";
import { fileKey, previewKey } from "../../room/store";
import { newId } from "../auth/crypto";
import { requireUser } from "../auth/principal";
import type { AppEnv } from "../context";
import { ApiError, forbidden, notFound } from "../errors";
import { serveFile } from "../files/serve";
import { declaredType, SNIFF_BYTES, sniff } from "../files/sniff";
import {
  storeUpload,
  UploadEmpty,
  UploadLengthMismatch,
  UploadTooLarge,
} from "../files/store-upload";
import { access, unwrap } from "../room-calls";
import { takeSlot } from "../sliding-window";
import { errorResponse, errors, failures, ok, rateLimited, security } from "./openapi";

/** Paths whose bodies are files, not JSON: the app's JSON body limit does not apply to them. */
export const isFileUpload = (method: string, path: string) =>
  (method === "POST" && /^\/api\/rooms\/[^/]+\/attachments$/.test(path)) ||
  (method === "PUT" && /^\/api\/rooms\/[^/]+\/attachments\/[^/]+\/preview$/.test(path)) ||
  (method === "PUT" && path === "/api/me/avatar");

/**
 * A stored file name: one line, no path, no controls, at most FILE_NAME_MAX_CHARS characters
 * (a long name keeps its extension).
 */
export function cleanFileName(raw: string | undefined): string {
  const base = dropBodyControls(raw ?? "")
    .replace(/[\r\n\t]/g, " ")
    .split(/[/\\]/)
    .pop()
    ?.trim();
  const name = base && base !== "." && base !== ".." ? base : "file";
  const chars = [...name];
  if (chars.length <= FILE_NAME_MAX_CHARS) return name;
  const dot = name.lastIndexOf(".");
  const ext = dot > 0 ? [...name.slice(dot)].slice(0, 16).join("") : "";
  return chars.slice(0, FILE_NAME_MAX_CHARS - [...ext].length).join("") + ext;
}

/** The length a request declares, null when it does not (chunked); 400 when it is nonsense. */
export function declaredLength(c: Context<AppEnv>): number | null {
  const header = c.req.header("content-length");
  if (header === undefined) return null;
  const n = Number(header);
  if (!Number.isSafeInteger(n) || n < 0) throw new ApiError("invalid", "Bad Content-Length");
  return n;
}

/** The upload limits, one wording: 413 `too_large`, 400 for an empty or truncated body. */
export function uploadError(error: unknown, maxBytes: number): ApiError {
  if (error instanceof UploadTooLarge) {
    return new ApiError("too_large", `Files are at most ${maxBytes} bytes`);
  }
  if (error instanceof UploadEmpty) return new ApiError("invalid", "The file is empty");
  if (error instanceof UploadLengthMismatch) {
    return new ApiError("invalid", "The body did not match its Content-Length");
  }
  return error instanceof ApiError ? error : new ApiError("internal", "Upload failed");
}

/** Checks a declared length before any byte is read. */
export function checkDeclared(length: number | null, maxBytes: number): void {
  if (length === 0) throw new ApiError("invalid", "The file is empty");
  if (length !== null && length > maxBytes) {
    throw new ApiError("too_large", `Files are at most ${maxBytes} bytes`);
  }
}

/** Reads a small body whole (previews, pictures): at most `maxBytes`, else 413. */
export async function smallBody(c: Context<AppEnv>, maxBytes: number): Promise<Uint8Array> {
  const length = declaredLength(c);
  checkDeclared(length, maxBytes);
  const body = c.req.raw.body;
  if (!body) throw new ApiError("invalid", "The file is empty");
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.byteLength;
    if (size > maxBytes) throw new ApiError("too_large", `At most ${maxBytes} bytes`);
    chunks.push(chunk);
  }
  if (size === 0) throw new ApiError("invalid", "The file is empty");
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.byteLength;
  }
  return bytes;
}

/** Files are for the room's members and admins; to anyone else they do not exist. */
async function readerAccess(c: Context<AppEnv>) {
  const ctx = await access(c, "view");
  if (!ctx.room.membership && !ctx.room.actor.isAdmin) throw notFound("No such attachment");
  return ctx;
}

const servedAs = (row: FileRow) => ({
  name: row.name,
  contentType: row.content_type,
  kind: row.kind,
});

export const attachmentRoutes = new Hono<AppEnv>()
  .use("/rooms/*", requireUser())
  .post("/rooms/:id/attachments", async (c) => {
    const { files, windows } = c.get("config");
    const max = files.attachmentMaxBytes;
    const length = declaredLength(c);
    checkDeclared(length, max);
    const ctx = await access(c, "member");
    if (!ctx.room.membership) throw forbidden("Only members can do that here");
    const body = c.req.raw.body;
    if (!body) throw new ApiError("invalid", "The file is empty");
    await takeSlot(
      c.get("db"),
      windows.uploads,
      `user:${ctx.principal.user.id}`,
      "Too many uploads",
    );
    const id = newId("att");
    const name = cleanFileName(c.req.query("name"));
    const declared = declaredType(c.req.header("content-type"));
    unwrap(await ctx.stub.beginUpload(ctx.info, ctx.actor, { id, name, contentType: declared }));
    let attachment: Attachment;
    try {
      const stored = await storeUpload(
        roomFiles(c.env, ctx.info.id),
        fileKey(ctx.info.id, id),
        body,
        length,
        max,
      );
      const what = sniff(stored.head);
      attachment = unwrap<Attachment>(
        await ctx.stub.finishUpload(ctx.info.id, id, {
          size: stored.size,
          kind: what.kind,
          contentType: what.contentType ?? declared,
          width: what.width,
          height: what.height,
        }),
      );
    } catch (error) {
      // Whatever reached R2 goes with the row (the room's trash deletes the key).
      await ctx.stub.abandonUpload(id);
      throw uploadError(error, max);
    }
    return c.json({ attachment }, 201);
  })
  .put("/rooms/:id/attachments/:attId/preview", async (c) => {
    const ctx = await access(c, "member");
    const attId = c.req.param("attId");
    unwrap<FileRow>(await ctx.stub.ownUnsentUpload(ctx.actor, attId));
    const bytes = await smallBody(c, PREVIEW_MAX_BYTES);
    const what = sniff(bytes.subarray(0, SNIFF_BYTES));
    if (what.kind !== "image" || what.width === null || what.height === null) {
      throw new ApiError("invalid", "A preview is a png, jpeg, gif or webp image");
    }
    if (Math.max(what.width, what.height) > PREVIEW_MAX_EDGE) {
      throw new ApiError("invalid", `A preview is at most ${PREVIEW_MAX_EDGE} pixels on a side`);
    }
    await roomFiles(c.env, ctx.info.id).put(previewKey(ctx.info.id, attId), bytes, {
      httpMetadata: { contentType: what.contentType ?? "application/octet-stream" },
    });
    const attachment = unwrap<Attachment>(
      await ctx.stub.setPreview(ctx.info.id, attId, { width: what.width, height: what.height }),
    );
    return c.json({ attachment }, 200);
  })
  .get("/rooms/:id/attachments/:attId", async (c) => {
    const ctx = await readerAccess(c);
    const row = await ctx.stub.visibleFile(ctx.actor, c.req.param("attId"));
    if (!row) throw notFound("No such attachment");
    const served = await serveFile(
      roomFiles(c.env, ctx.info.id),
      fileKey(ctx.info.id, row.id),
      c.req.raw,
      servedAs(row),
    );
    if (!served) throw notFound("No such attachment");
    return served;
  })
  .get("/rooms/:id/attachments/:attId/preview", async (c) => {
    const ctx = await readerAccess(c);
    const row = await ctx.stub.visibleFile(ctx.actor, c.req.param("attId"));
    if (!row || row.preview_width === null) throw notFound("No preview");
    const served = await serveFile(
      roomFiles(c.env, ctx.info.id),
      previewKey(ctx.info.id, row.id),
      c.req.raw,
      {
        name: row.name,
        contentType: null,
        kind: "image",
      },
    );
    if (!served) throw notFound("No preview");
    return served;
  });

// ---- the OpenAPI document (the routes above take raw bodies, so they are declared by hand) ----

const FileParams = z.object({ id: z.string(), attId: z.string() });
const binary = (description: string) => ({
  description,
  content: { "*/*": { schema: z.string().meta({ format: "binary" }) } },
});
const fileTooLarge = errorResponse("The file is over its limit (`too_large`), also mid-stream");
const served = {
  200: {
    ...binary(
      "The bytes: `inline` for images, video and audio, else a download (`attachment; filename*=`); always `nosniff`, `Content-Security-Policy: sandbox`, `Cache-Control: private`, an `ETag`",
    ),
  },
  206: binary("A byte range (`Range`), with `Content-Range`"),
  304: { description: "Unchanged since the `If-None-Match` ETag" },
  401: errors[401],
  403: { ...errors[403], description: "A disabled account (`disabled`)" },
  404: { ...errors[404], description: "No such file (also once deleted or purged), or not yours" },
};

export function describeAttachmentRoutes(registry: OpenAPIHono["openAPIRegistry"]): void {
  const AttachmentBody = z.object({ attachment: Attachment });
  registry.registerPath({
    method: "post",
    path: "/api/rooms/{id}/attachments",
    operationId: "uploadAttachment",
    tags: ["messages"],
    summary:
      "Upload a file for a message in this room (raw body, `Content-Type` of the file); kind and size come from the bytes",
    security,
    request: {
      params: z.object({ id: z.string() }),
      query: z.object({ name: z.string().optional() }),
      body: {
        content: { "*/*": { schema: z.string().meta({ format: "binary" }) } },
        required: true,
      },
    },
    responses: {
      201: ok(AttachmentBody, "Stored; send its `id` in a message's `attachments`"),
      ...failures(400, 401, 403, 404),
      413: fileTooLarge,
      429: rateLimited,
    },
  });
  registry.registerPath({
    method: "put",
    path: "/api/rooms/{id}/attachments/{attId}/preview",
    operationId: "setAttachmentPreview",
    tags: ["messages"],
    summary: `A small copy of my unsent image upload for timelines (png, jpeg, gif or webp; ≤ ${PREVIEW_MAX_BYTES} bytes, ≤ ${PREVIEW_MAX_EDGE} px a side)`,
    security,
    request: {
      params: FileParams,
      body: {
        content: { "image/*": { schema: z.string().meta({ format: "binary" }) } },
        required: true,
      },
    },
    responses: {
      200: ok(AttachmentBody, "The attachment with its `preview`"),
      ...failures(400, 401, 403, 404),
      413: fileTooLarge,
    },
  });
  registry.registerPath({
    method: "get",
    path: "/api/rooms/{id}/attachments/{attId}",
    operationId: "getAttachment",
    tags: ["messages"],
    summary:
      "A file of a message in this room (members, and anyone who may read the room's history)",
    security,
    request: { params: FileParams },
    responses: served,
  });
  registry.registerPath({
    method: "get",
    path: "/api/rooms/{id}/attachments/{attId}/preview",
    operationId: "getAttachmentPreview",
    tags: ["messages"],
    summary: "The preview of an image attachment",
    security,
    request: { params: FileParams },
    responses: served,
  });
}
