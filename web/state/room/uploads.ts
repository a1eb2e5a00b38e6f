// My files on their way to a room. Each starts uploading as soon as it is attached (progress
// shown), a large image then gets its preview, and it waits in the composer (no cid) until a
// message takes it; that message leaves the outbox only once all its files are done. Uploads
// are HTTP, so the room's socket going down and up does not touch them. A transient failure (no
// answer, 429, 5xx) is tried again after a backoff, once the browser is online; any other waits
// for the person's Retry.
import { type ReadonlySignal, signal } from "@preact/signals";
import type { Attachment } from "../../../src/shared/protocol";
import { MESSAGE_LIMITS } from "../../../src/shared/protocol/rules";
import { asApiError } from "../../net/api";
import { backoffDelay } from "../../net/live-socket";
import { ABORTED, putPreview, UploadError, uploadAttachment } from "../../net/uploads";
import type { Clock, Timer } from "./clock";

/** `preview`: uploaded, its preview being made and sent; `done`: ready to go with a message. */
export type UploadStatus = "uploading" | "preview" | "done" | "failed";

export interface Upload {
  /** This client's name for it (the attachment id comes with the server's answer). */
  key: string;
  /** The message it goes with; null while it waits in the composer. */
  cid: string | null;
  name: string;
  size: number;
  status: UploadStatus;
  /** Bytes sent so far. */
  sent: number;
  error: string | null;
  attachment: Attachment | null;
}

/** The HTTP and canvas work behind uploads, injectable (the browser's by default). */
export interface UploadApi {
  upload(
    roomId: string,
    file: File,
    onProgress: (sent: number) => void,
    signal: AbortSignal,
  ): Promise<Attachment>;
  setPreview(roomId: string, attId: string, image: Blob): Promise<Attachment>;
  makePreview(image: Blob): Promise<Blob | null>;
}

export const browserUploadApi: UploadApi = {
  upload: uploadAttachment,
  setPreview: putPreview,
  // Its own chunk: only people who send images load it.
  makePreview: async (image) => (await import("../../lib/image-preview")).makePreview(image),
};

/** Images beyond either of these get a preview, so timelines never load the original. */
export const PREVIEW_FROM_EDGE = 640;
export const PREVIEW_FROM_BYTES = 150 * 1024;

/**
 * Whether the client makes a preview for this uploaded file: a large image (by the server's
 * sniffing, not the declared type), and every GIF, whose first frame is then the still shown to
 * people who prefer reduced motion and in place of a large animation.
 */
export function wantsPreview(attachment: Attachment): boolean {
  if (attachment.kind !== "image" || attachment.preview) return false;
  if (attachment.contentType === "image/gif") return true;
  const edge = Math.max(attachment.width ?? 0, attachment.height ?? 0);
  return edge > PREVIEW_FROM_EDGE || attachment.size > PREVIEW_FROM_BYTES;
}

/** Transient failures are tried again this many times before the person is asked. */
const MAX_ATTEMPTS = 5;

interface Job {
  abort: AbortController;
  attempt: number;
  timer?: Timer;
}

export interface UploadEvents {
  /** Every file of message `cid` may now be done: the outbox can try it. */
  onDone(cid: string): void;
  /** A file of message `cid` failed for good (until Retry). */
  onFailed(cid: string, message: string): void;
}

export interface UploadDeps {
  api?: UploadApi;
  clock: Clock;
  isOnline: () => boolean;
  /** Where `online` events come from (null: none, the backoff alone decides). */
  network?: Pick<Window, "addEventListener" | "removeEventListener"> | null;
}

export function createUploads(roomId: string, events: UploadEvents, deps: UploadDeps) {
  const api = deps.api ?? browserUploadApi;
  const list = signal<readonly Upload[]>([]);
  const files = new Map<string, File>();
  const jobs = new Map<string, Job>();
  let counter = 0;

  const find = (key: string) => list.value.find((u) => u.key === key);
  function patch(key: string, change: Partial<Upload>) {
    list.value = list.value.map((u) => (u.key === key ? { ...u, ...change } : u));
  }

  function start(key: string) {
    const job: Job = { abort: new AbortController(), attempt: 0 };
    jobs.set(key, job);
    patch(key, { status: "uploading", sent: 0, error: null });
    void run(key, job);
  }

  async function run(key: string, job: Job) {
    const file = files.get(key);
    if (!file) return;
    const current = () => jobs.get(key) === job;
    let attachment: Attachment;
    try {
      attachment = await api.upload(
        roomId,
        file,
        (sent) => {
          if (current()) patch(key, { sent });
        },
        job.abort.signal,
      );
    } catch (error) {
      if (current()) failed(key, job, error);
      return;
    }
    if (!current()) return;
    if (wantsPreview(attachment)) {
      patch(key, { status: "preview", sent: file.size, attachment });
      attachment = await withPreview(attachment, file);
      if (!current()) return;
    }
    jobs.delete(key);
    patch(key, { status: "done", sent: file.size, attachment });
    const cid = find(key)?.cid;
    if (cid) events.onDone(cid);
  }

  /** The attachment with its preview, or as it was if making or sending one fails. */
  async function withPreview(attachment: Attachment, file: File): Promise<Attachment> {
    try {
      const image = await api.makePreview(file);
      return image ? await api.setPreview(roomId, attachment.id, image) : attachment;
    } catch {
      return attachment;
    }
  }

  function failed(key: string, job: Job, error: unknown) {
    const { status, code, message } = asApiError(error);
    if (code === ABORTED) return;
    const transient = status === 0 || status === 429 || status >= 500;
    if (transient && !deps.isOnline() && deps.network) {
      // Offline: the upload goes again when the browser is back, without spending an attempt.
      patch(key, { sent: 0 });
      const again = () => {
        deps.network?.removeEventListener("online", again);
        if (jobs.get(key) === job) void run(key, job);
      };
      deps.network.addEventListener("online", again);
      job.abort.signal.addEventListener("abort", again, { once: true });
      return;
    }
    if (transient && job.attempt < MAX_ATTEMPTS - 1) {
      const waitMs =
        (error instanceof UploadError ? error.retryAfterMs : undefined) ??
        backoffDelay(job.attempt, 1_000, 15_000);
      job.attempt++;
      patch(key, { sent: 0 });
      job.timer = deps.clock.setTimeout(() => {
        if (jobs.get(key) === job) void run(key, job);
      }, waitMs);
      return;
    }
    jobs.delete(key);
    patch(key, { status: "failed", error: message });
    const upload = find(key);
    if (upload?.cid) events.onFailed(upload.cid, `${upload.name} did not upload: ${message}`);
  }

  function stop(key: string) {
    const job = jobs.get(key);
    if (!job) return;
    jobs.delete(key);
    deps.clock.clearTimeout(job.timer);
    job.abort.abort();
  }

  const drafts = () => list.value.filter((u) => u.cid === null);

  return {
    list: list as ReadonlySignal<readonly Upload[]>,

    drafts,

    /**
     * Starts uploading files for the next message; beyond MESSAGE_LIMITS.attachmentsMax the rest
     * are left out, and the answer says so.
     */
    add(added: readonly File[]): string | null {
      const max = MESSAGE_LIMITS.attachmentsMax;
      const room = Math.max(0, max - drafts().length);
      const taken = added.slice(0, room);
      const fresh: Upload[] = taken.map((file) => {
        const key = `u${++counter}`;
        files.set(key, file);
        const name = file.name || "file";
        return {
          key,
          cid: null,
          name,
          size: file.size,
          status: "uploading",
          sent: 0,
          error: null,
          attachment: null,
        };
      });
      list.value = [...list.value, ...fresh];
      for (const upload of fresh) start(upload.key);
      const left = added.length - taken.length;
      if (left === 0) return null;
      return `A message carries at most ${max} files: ${left} ${left === 1 ? "was" : "were"} left out.`;
    },

    /** Cancels and forgets one upload; the message it belonged to, if any. */
    cancel(key: string): string | null {
      const cid = find(key)?.cid ?? null;
      stop(key);
      files.delete(key);
      list.value = list.value.filter((u) => u.key !== key);
      return cid;
    },

    /** Tries a failed upload again. */
    retry(key: string) {
      if (find(key)?.status === "failed") start(key);
    },

    /** Tries every failed upload of a message again. */
    retryMessage(cid: string) {
      for (const u of list.value) if (u.cid === cid && u.status === "failed") start(u.key);
    },

    /** The composer's files go with message `cid`: their keys, in the order attached. */
    assign(cid: string): string[] {
      const keys = drafts().map((u) => u.key);
      if (keys.length > 0) {
        list.value = list.value.map((u) => (u.cid === null ? { ...u, cid } : u));
      }
      return keys;
    },

    /** The attachment ids of these uploads in order once every one is done, else null. */
    ready(keys: readonly string[]): string[] | null {
      const ids: string[] = [];
      for (const key of keys) {
        const upload = find(key);
        if (upload?.status !== "done" || !upload.attachment) return null;
        ids.push(upload.attachment.id);
      }
      return ids;
    },

    /** Message `cid` is stored or given up: its uploads leave (cancelled if still running). */
    forget(cid: string) {
      const gone = list.value.filter((u) => u.cid === cid);
      if (gone.length === 0) return;
      for (const u of gone) {
        stop(u.key);
        files.delete(u.key);
      }
      list.value = list.value.filter((u) => u.cid !== cid);
    },
  };
}

export type Uploads = ReturnType<typeof createUploads>;
