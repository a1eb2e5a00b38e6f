// Removing files from R2, from the room's alarm and in bounded batches: keys whose rows went
// (deleted messages, retention, abandoned uploads) wait in the room's `file_trash`; uploads never
// sent are moved there after a day; a deleted room's whole prefix is listed and removed.
import type { RoomStore } from "./store";
import { roomFilesPrefix } from "./store";
import { UNSENT_UPLOAD_TTL_MS } from "./uploads";

/** Keys one R2 `delete` call takes (its limit is 1,000). */
const DELETE_BATCH = 1000;
/** Batches one alarm runs before it lets other work in and comes back. */
const BATCHES_PER_RUN = 5;
const UNSENT_PER_RUN = 500;

/**
 * The alarm's files task: empties the trash (a few batches), moves unsent uploads older than a
 * day into it, and says when to run again (at once while there is more, else when the oldest
 * unsent upload comes of age).
 */
export async function cleanFiles(
  store: RoomStore,
  bucket: R2Bucket,
  roomId: string,
  now: number,
): Promise<number | null> {
  store.files.releaseUnsentBefore(now - UNSENT_UPLOAD_TTL_MS, UNSENT_PER_RUN);
  const prefix = roomFilesPrefix(roomId);
  for (let batch = 0; batch < BATCHES_PER_RUN; batch++) {
    const keys = store.files.trash(DELETE_BATCH);
    if (keys.length === 0) break;
    // Deleting a key that is not there (a preview never made) succeeds: R2 deletes are idempotent.
    await bucket.delete(keys.map((key) => prefix + key));
    store.files.emptied(keys);
  }
  if (store.files.trash(1).length > 0) return Date.now();
  const oldest = store.files.oldestUnsentAt();
  return oldest === null ? null : Math.max(now + 1000, oldest + UNSENT_UPLOAD_TTL_MS);
}

/**
 * One step of removing a deleted room's files: lists and deletes up to a batch of keys under
 * its prefix; true when none are left.
 */
export async function purgeRoomFiles(bucket: R2Bucket, roomId: string): Promise<boolean> {
  const listed = await bucket.list({ prefix: roomFilesPrefix(roomId), limit: DELETE_BATCH });
  if (listed.objects.length > 0) await bucket.delete(listed.objects.map((o) => o.key));
  return !listed.truncated && listed.objects.length < DELETE_BATCH;
}
