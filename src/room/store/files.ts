// The room's files: a row per upload (the bytes are in R2), claimed by a message when it is sent,
// released (row gone, R2 keys queued in `file_trash`) when the message, its history or the room
// goes, or when an upload is never sent. The room's alarm empties the trash in bounded batches.
import type { Attachment, AttachmentKind } from "../../../src/shared/protocol";

export type FileRow = {
  id: string;
  uploader_id: string;
  name: string;
  content_type: string;
  kind: AttachmentKind;
  state: "uploading" | "ready";
  size: number;
  width: number | null;
  height: number | null;
  preview_width: number | null;
  preview_height: number | null;
  seq: number | null;
  created_at: number;
};

/** What the Worker learned from an upload's bytes. */
export interface UploadedFile {
  size: number;
  kind: AttachmentKind;
  contentType: string;
  width: number | null;
  height: number | null;
}

const FILE_COLUMNS =
  "id, uploader_id, name, content_type, kind, state, size, width, height, preview_width, preview_height, seq, created_at";

/** Where a file's bytes live in R2: every key of a room under one prefix (room deletion lists it). */
export const roomFilesPrefix = (roomId: string) => `rooms/${roomId}/`;
export const fileKey = (roomId: string, id: string) => `${roomFilesPrefix(roomId)}${id}`;
export const previewKey = (roomId: string, id: string) => `${fileKey(roomId, id)}/preview`;
/** The keys of one file under its room's prefix, as the trash holds them. */
const keysOf = (id: string) => [id, `${id}/preview`];

export const fileUrl = (roomId: string, id: string) =>
  `/api/rooms/${encodeURIComponent(roomId)}/attachments/${encodeURIComponent(id)}`;

/** The attachment as messages carry it. */
export function toAttachment(roomId: string, row: FileRow): Attachment {
  const url = fileUrl(roomId, row.id);
  return {
    id: row.id,
    name: row.name,
    size: row.size,
    contentType: row.content_type,
    kind: row.kind,
    width: row.width,
    height: row.height,
    url,
    preview:
      row.preview_width != null && row.preview_height != null
        ? { url: `${url}/preview`, width: row.preview_width, height: row.preview_height }
        : null,
  };
}

export class RoomFiles {
  /** Set by every change the files task must look at (the room's tasks clear it). */
  changed = false;

  constructor(private readonly sql: SqlStorage) {}

  get(id: string): FileRow | null {
    return (
      this.sql.exec<FileRow>(`SELECT ${FILE_COLUMNS} FROM files WHERE id = ?`, id).toArray()[0] ??
      null
    );
  }

  /** Uploads of one person not yet sent (bounds what one person can leave pending). */
  pendingOf(uploaderId: string): number {
    return this.sql
      .exec<{ n: number }>(
        "SELECT count(*) AS n FROM files WHERE seq IS NULL AND uploader_id = ?",
        uploaderId,
      )
      .one().n;
  }

  begin(row: { id: string; uploaderId: string; name: string; contentType: string; at: number }) {
    this.changed = true;
    this.sql.exec(
      `INSERT INTO files (id, uploader_id, name, content_type, kind, state, created_at)
       VALUES (?, ?, ?, ?, 'file', 'uploading', ?)`,
      row.id,
      row.uploaderId,
      row.name,
      row.contentType,
      row.at,
    );
  }

  finish(id: string, file: UploadedFile): FileRow | null {
    return (
      this.sql
        .exec<FileRow>(
          `UPDATE files SET state = 'ready', size = ?, kind = ?, content_type = ?, width = ?, height = ?
           WHERE id = ? AND state = 'uploading' RETURNING ${FILE_COLUMNS}`,
          file.size,
          file.kind,
          file.contentType,
          file.width,
          file.height,
          id,
        )
        .toArray()[0] ?? null
    );
  }

  setPreview(id: string, width: number, height: number): FileRow | null {
    return (
      this.sql
        .exec<FileRow>(
          `UPDATE files SET preview_width = ?, preview_height = ? WHERE id = ? RETURNING ${FILE_COLUMNS}`,
          width,
          height,
          id,
        )
        .toArray()[0] ?? null
    );
  }

  /** A message takes these files (already checked: the sender's own, ready, unsent). */
  claim(ids: readonly string[], seq: number): void {
    for (const id of ids) this.sql.exec("UPDATE files SET seq = ? WHERE id = ?", seq, id);
  }

  /** Removes files and queues their R2 keys for deletion; returns how many rows went. */
  #release(where: string, ...args: (string | number)[]): number {
    const ids = this.sql
      .exec<{ id: string }>(`SELECT id FROM files WHERE ${where}`, ...args)
      .toArray()
      .map((r) => r.id);
    const at = Date.now();
    if (ids.length > 0) this.changed = true;
    for (const id of ids) {
      for (const key of keysOf(id)) {
        this.sql.exec(
          "INSERT INTO file_trash (key, at) VALUES (?, ?) ON CONFLICT DO NOTHING",
          key,
          at,
        );
      }
      this.sql.exec("DELETE FROM files WHERE id = ?", id);
    }
    return ids.length;
  }

  /** The files of a deleted message. */
  releaseSeq(seq: number): number {
    return this.#release("seq = ?", seq);
  }

  /** The files of the messages retention removes (seq ≤ throughSeq). */
  releaseThrough(throughSeq: number): number {
    return this.#release("seq <= ?", throughSeq);
  }

  /** One upload, abandoned (failed, cancelled, never finished). */
  releaseUpload(id: string): number {
    return this.#release("id = ? AND seq IS NULL", id);
  }

  /** Uploads never sent, older than `cutoff`: at most `limit` of them. */
  releaseUnsentBefore(cutoff: number, limit: number): number {
    return this.#release(
      "id IN (SELECT id FROM files WHERE seq IS NULL AND created_at < ? ORDER BY created_at LIMIT ?)",
      cutoff,
      limit,
    );
  }

  /** When the oldest unsent upload was made, or null. */
  oldestUnsentAt(): number | null {
    return (
      this.sql
        .exec<{ at: number | null }>("SELECT min(created_at) AS at FROM files WHERE seq IS NULL")
        .one().at ?? null
    );
  }

  /** Keys (under the room's prefix) waiting to be deleted from R2, oldest first. */
  trash(limit: number): string[] {
    return this.sql
      .exec<{ key: string }>("SELECT key FROM file_trash ORDER BY at, key LIMIT ?", limit)
      .toArray()
      .map((r) => r.key);
  }

  emptied(keys: readonly string[]): void {
    for (const key of keys) this.sql.exec("DELETE FROM file_trash WHERE key = ?", key);
  }
}
