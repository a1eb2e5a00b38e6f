// Uploads into a room, as the room sees them: the Worker streams the bytes into R2 and asks the
// room before (a row, so an upload never finished is still found and removed) and after (what
// the bytes turned out to be). Plain functions over the store, like handlers.ts.
import { type Attachment, ROOM_ARCHIVED } from "../../src/shared/protocol";
import type { Actor, Result, RoomInfo } from "./handlers";
import { type FileRow, type RoomStore, toAttachment, type UploadedFile } from "./store";

/** Unsent uploads one person may have in a room at once. */
export const PENDING_UPLOADS_MAX = 50;
/** An upload not sent with a message this long after it began is deleted. */
export const UNSENT_UPLOAD_TTL_MS = 24 * 60 * 60 * 1000;

const fail = <T>(code: "invalid" | "not_found" | "archived" | "rate_limited", message: string) =>
  ({ ok: false, code, message }) as Result<T>;

export function beginUpload(
  store: RoomStore,
  room: RoomInfo,
  actor: Actor,
  upload: { id: string; name: string; contentType: string },
  now: number,
): Result<{ id: string }> {
  if (room.archived) return fail("archived", ROOM_ARCHIVED);
  if (store.files.pendingOf(actor.id) >= PENDING_UPLOADS_MAX) {
    return fail(
      "rate_limited",
      `At most ${PENDING_UPLOADS_MAX} uploads may wait to be sent; send or remove some first`,
    );
  }
  store.files.begin({ ...upload, uploaderId: actor.id, at: now });
  return { ok: true, value: { id: upload.id } };
}

export function finishUpload(
  store: RoomStore,
  roomId: string,
  id: string,
  file: UploadedFile,
): Result<Attachment> {
  const row = store.files.finish(id, file);
  if (!row) return fail("not_found", "No such upload");
  return { ok: true, value: toAttachment(roomId, row) };
}

/** The uploader's own unsent upload, the only one whose preview may still be set. */
export function ownUnsent(store: RoomStore, actor: Actor, id: string): Result<FileRow> {
  const row = store.files.get(id);
  if (!row || row.uploader_id !== actor.id || row.state !== "ready") {
    return fail("not_found", "No such upload");
  }
  if (row.seq !== null) return fail("invalid", "This attachment was already sent");
  return { ok: true, value: row };
}

export function setPreview(
  store: RoomStore,
  roomId: string,
  id: string,
  size: { width: number; height: number },
): Result<Attachment> {
  const row = store.files.setPreview(id, size.width, size.height);
  if (!row) return fail("not_found", "No such upload");
  return { ok: true, value: toAttachment(roomId, row) };
}

/**
 * A file someone may fetch: a sent one (their access to the room was checked by the Worker), or
 * their own upload before it is sent. Deleted and purged files are gone.
 */
export function visibleFile(store: RoomStore, actor: Actor, id: string): FileRow | null {
  const row = store.files.get(id);
  if (row?.state !== "ready") return null;
  if (row.seq === null && row.uploader_id !== actor.id) return null;
  return row;
}
