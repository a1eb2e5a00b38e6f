// Files over HTTP: an upload is an XMLHttpRequest, because only XHR reports how much of a body
// has gone (fetch has no upload progress); the preview of an image is a small PUT. Same-origin
// with the session cookie (the browser adds the Origin the API asks for); errors are ApiErrors.
import type { Attachment } from "../../src/shared/protocol";
import { ApiError, errorFromBody } from "./api";

/** What an upload answered: the stored attachment. */
interface AttachmentAnswer {
  attachment: Attachment;
}

/** An upload cancelled by the person (not a failure to show). */
export const ABORTED = "aborted";

/** Seconds of a `Retry-After` header as ms, if it says any. */
function retryAfterMs(header: string | null): number | undefined {
  const seconds = Number(header);
  return header && Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : undefined;
}

/** An ApiError that also says how long the server asked to wait (429 `Retry-After`). */
export class UploadError extends ApiError {
  constructor(
    error: ApiError,
    readonly retryAfterMs?: number,
  ) {
    super(error.status, error.code, error.message, error.details);
  }
}

function parse(text: string): unknown {
  try {
    return text ? JSON.parse(text) : null;
  } catch {
    return null;
  }
}

const attachmentsPath = (roomId: string) => `/api/rooms/${encodeURIComponent(roomId)}/attachments`;

/**
 * Uploads one file to a room (not sent yet: its id goes with a message). `onProgress` hears the
 * bytes sent so far; aborting `signal` cancels it (rejecting with code ABORTED).
 */
export function uploadAttachment(
  roomId: string,
  file: File,
  onProgress: (sent: number) => void,
  signal: AbortSignal,
): Promise<Attachment> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new UploadError(new ApiError(0, ABORTED, "Cancelled")));
    const xhr = new XMLHttpRequest();
    xhr.open("POST", `${attachmentsPath(roomId)}?name=${encodeURIComponent(file.name)}`);
    xhr.setRequestHeader("content-type", file.type || "application/octet-stream");
    xhr.setRequestHeader("accept", "application/json");
    xhr.upload.onprogress = (event) => onProgress(event.loaded);
    xhr.onload = () => {
      const body = parse(xhr.responseText);
      if (xhr.status >= 200 && xhr.status < 300 && body) {
        resolve((body as AttachmentAnswer).attachment);
        return;
      }
      const after = retryAfterMs(xhr.getResponseHeader("retry-after"));
      reject(new UploadError(errorFromBody(xhr.status, body), after));
    };
    xhr.onerror = () =>
      reject(
        new UploadError(
          new ApiError(
            0,
            "network",
            "Could not reach the server. Check your connection and retry.",
          ),
        ),
      );
    xhr.onabort = () => reject(new UploadError(new ApiError(0, ABORTED, "Cancelled")));
    signal.addEventListener("abort", () => xhr.abort(), { once: true });
    xhr.send(file);
  });
}

/** Gives my unsent image upload its preview (a small png/jpeg/gif/webp): the attachment after. */
export async function putPreview(roomId: string, attId: string, image: Blob): Promise<Attachment> {
  let response: Response;
  try {
    response = await fetch(`${attachmentsPath(roomId)}/${encodeURIComponent(attId)}/preview`, {
      method: "PUT",
      headers: { "content-type": image.type, accept: "application/json" },
      credentials: "same-origin",
      body: image,
    });
  } catch {
    throw new ApiError(0, "network", "Could not reach the server");
  }
  const body = parse(await response.text());
  if (!response.ok || !body) throw errorFromBody(response.status, body);
  return (body as AttachmentAnswer).attachment;
}
