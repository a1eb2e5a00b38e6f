// Serving a stored file: its bytes from R2 with the headers that keep a hostile upload harmless
// (nosniff, a sandboxing CSP, inline only for media and a download otherwise), private caching
// with an ETag, and byte ranges.
import type { AttachmentKind } from "../../../src/shared/protocol";

export interface ServedFile {
  name: string;
  /** null: the type stored with the object (previews). */
  contentType: string | null;
  kind: AttachmentKind;
}

/** How long a browser may reuse a file without asking (deletion is seen after at most this). */
const MAX_AGE_SECONDS = 3600;

/** RFC 6266 / RFC 8187: an ASCII fallback and the exact UTF-8 name. */
export function contentDisposition(kind: "inline" | "attachment", name: string): string {
  const fallback = name.replace(/[^\x20-\x7e]|["\\%;]/g, "_") || "file";
  const exact = encodeURIComponent(name).replace(
    /['()*]/g,
    (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `${kind}; filename="${fallback}"; filename*=UTF-8''${exact}`;
}

function fileHeaders(file: ServedFile, object: R2Object): Headers {
  const media = file.kind !== "file";
  return new Headers({
    "content-type":
      file.contentType ?? object.httpMetadata?.contentType ?? "application/octet-stream",
    "content-disposition": contentDisposition(media ? "inline" : "attachment", file.name),
    "x-content-type-options": "nosniff",
    "content-security-policy": "sandbox",
    "cache-control": `private, max-age=${MAX_AGE_SECONDS}`,
    etag: object.httpEtag,
    "last-modified": object.uploaded.toUTCString(),
    "accept-ranges": "bytes",
  });
}

/** The response for `GET` of a file stored at `key`; null when R2 no longer has it. */
export async function serveFile(
  bucket: R2Bucket,
  key: string,
  request: Request,
  file: ServedFile,
): Promise<Response | null> {
  let object: R2Object | R2ObjectBody | null;
  try {
    object = await bucket.get(key, { range: request.headers, onlyIf: request.headers });
  } catch {
    // A Range R2 cannot satisfy (past the end, malformed).
    const head = await bucket.head(key);
    if (!head) return null;
    return new Response(null, {
      status: 416,
      headers: { "content-range": `bytes */${head.size}` },
    });
  }
  if (!object) return null;
  const headers = fileHeaders(file, object);
  if (!("body" in object)) {
    // A condition failed: If-None-Match / If-Modified-Since mean "you have it" (304).
    const notModified =
      request.headers.has("if-none-match") || request.headers.has("if-modified-since");
    return new Response(null, { status: notModified ? 304 : 412, headers });
  }
  const range = request.headers.has("range") ? object.range : undefined;
  if (range && "offset" in range && range.offset !== undefined) {
    const length = range.length ?? object.size - range.offset;
    headers.set(
      "content-range",
      `bytes ${range.offset}-${range.offset + length - 1}/${object.size}`,
    );
    headers.set("content-length", String(length));
    return new Response(object.body, { status: 206, headers });
  }
  if (range && "suffix" in range && range.suffix !== undefined) {
    const length = Math.min(range.suffix, object.size);
    headers.set("content-range", `bytes ${object.size - length}-${object.size - 1}/${object.size}`);
    headers.set("content-length", String(length));
    return new Response(object.body, { status: 206, headers });
  }
  headers.set("content-length", String(object.size));
  return new Response(object.body, { status: 200, headers });
}
