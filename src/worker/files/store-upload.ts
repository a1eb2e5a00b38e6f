// Streaming an upload into R2 without holding it in memory: counted (and cut off past the limit,
// also when no length was declared), its head kept for sniffing. A declared length streams in
// one `put`; an undeclared one goes up in fixed-size multipart parts (one part in memory).
import { SNIFF_BYTES } from "./sniff";

export class UploadTooLarge extends Error {}
export class UploadEmpty extends Error {}
/** The body ended before, or ran past, the length it declared. */
export class UploadLengthMismatch extends Error {}

/** R2 multipart parts: all the same size but the last (R2's rule), at least 5 MiB. */
const PART_BYTES = 5 * 1024 * 1024;

export interface StoredUpload {
  size: number;
  head: Uint8Array;
}

/** Counts bytes through, keeps the first SNIFF_BYTES, errors past `maxBytes`. */
function meter(maxBytes: number) {
  const head = new Uint8Array(SNIFF_BYTES);
  let headLength = 0;
  let size = 0;
  const stream = new TransformStream<Uint8Array, Uint8Array>({
    transform(chunk, controller) {
      size += chunk.byteLength;
      if (size > maxBytes) throw new UploadTooLarge();
      if (headLength < SNIFF_BYTES) {
        const take = Math.min(chunk.byteLength, SNIFF_BYTES - headLength);
        head.set(chunk.subarray(0, take), headLength);
        headLength += take;
      }
      controller.enqueue(chunk);
    },
  });
  return { stream, result: (): StoredUpload => ({ size, head: head.subarray(0, headLength) }) };
}

/**
 * Stores `body` at `key`. Throws UploadTooLarge, UploadEmpty or UploadLengthMismatch (nothing is
 * left in R2 then, but a `put` that failed midway is the caller's to delete, as with any key).
 */
export async function storeUpload(
  bucket: R2Bucket,
  key: string,
  body: ReadableStream<Uint8Array>,
  declaredLength: number | null,
  maxBytes: number,
): Promise<StoredUpload> {
  const counted = meter(maxBytes);
  const metered = body.pipeThrough(counted.stream);
  if (declaredLength !== null) {
    try {
      await bucket.put(key, metered.pipeThrough(new FixedLengthStream(declaredLength)));
    } catch (error) {
      if (error instanceof UploadTooLarge) throw error;
      if (counted.result().size !== declaredLength) throw new UploadLengthMismatch();
      throw error;
    }
  } else {
    await putInParts(bucket, key, metered);
  }
  const stored = counted.result();
  if (stored.size === 0) throw new UploadEmpty();
  return stored;
}

/** Cuts a stream into parts of exactly PART_BYTES (the last one shorter), one at a time. */
function partsOf(body: ReadableStream<Uint8Array>) {
  const reader = body.getReader();
  let rest: Uint8Array = new Uint8Array(0);
  let ended = false;
  return {
    /** The next part, or null when the stream is over. */
    async next(): Promise<Uint8Array | null> {
      const part = new Uint8Array(PART_BYTES);
      let filled = 0;
      while (filled < PART_BYTES) {
        if (rest.byteLength === 0) {
          if (ended) break;
          const read = await reader.read();
          if (read.done) {
            ended = true;
            break;
          }
          rest = read.value;
        }
        const take = Math.min(rest.byteLength, PART_BYTES - filled);
        part.set(rest.subarray(0, take), filled);
        filled += take;
        rest = rest.subarray(take);
      }
      return filled === 0 ? null : part.subarray(0, filled);
    },
    async cancel(): Promise<void> {
      await reader.cancel().catch(() => undefined);
    },
  };
}

/** One `put` if the body fits in one part, else a multipart upload (one part in memory). */
async function putInParts(bucket: R2Bucket, key: string, body: ReadableStream<Uint8Array>) {
  const parts = partsOf(body);
  const first = await parts.next();
  if (first === null) return;
  if (first.byteLength < PART_BYTES) {
    await bucket.put(key, first);
    return;
  }
  const second = await parts.next();
  if (second === null) {
    await bucket.put(key, first);
    return;
  }
  const upload = await bucket.createMultipartUpload(key);
  try {
    const uploaded = [await upload.uploadPart(1, first), await upload.uploadPart(2, second)];
    for (let part = await parts.next(); part !== null; part = await parts.next()) {
      uploaded.push(await upload.uploadPart(uploaded.length + 1, part));
    }
    await upload.complete(uploaded);
  } catch (error) {
    await upload.abort().catch(() => undefined);
    await parts.cancel();
    throw error;
  }
}
