// What this device keeps of my writing across reloads: each room's unsent messages (the outbox,
// with their cids, so a resend after a reload is still the same message) and the composers'
// drafts. localStorage, under my user id, bounded; signing out clears it all.
import type { PendingMessage } from "./timeline";

const PREFIX = "confab.saved.";
/** At most this many unsent messages a room are kept (the oldest first, as they will go). */
export const MAX_SAVED_MESSAGES = 100;
/** Drafts longer than this are kept cut (the composer refuses to send past 2,000 anyway). */
export const MAX_DRAFT_CHARS = 8_000;

/** The outbox of one room, as a room's state loads and saves it. */
export interface SavedOutbox {
  load(): PendingMessage[];
  save(items: readonly PendingMessage[]): void;
}

/** One composer's draft (a room's, or a thread's in it). */
export interface SavedDraft {
  load(): string;
  save(text: string): void;
}

/** The fields of a pending message that survive a reload (files do not: their bytes are gone). */
function toSaved(p: PendingMessage) {
  return {
    cid: p.cid,
    body: p.body,
    replyTo: p.replyTo,
    createdAt: p.createdAt,
    ...(p.threadOf === undefined ? {} : { threadOf: p.threadOf }),
    ...(p.status === "failed" ? { status: "failed" as const, error: p.error } : {}),
  };
}

/** What was saved, checked field by field: a foreign or stale value is dropped, never trusted. */
function fromSaved(value: unknown): PendingMessage | null {
  if (typeof value !== "object" || value === null) return null;
  const v = value as Record<string, unknown>;
  if (typeof v.cid !== "string" || typeof v.body !== "string") return null;
  if (typeof v.createdAt !== "string") return null;
  const replyTo = typeof v.replyTo === "number" ? v.replyTo : null;
  const failed = v.status === "failed";
  return {
    cid: v.cid,
    body: v.body,
    replyTo,
    createdAt: v.createdAt,
    ...(typeof v.threadOf === "number" ? { threadOf: v.threadOf } : {}),
    // What was on the wire when the page went is sent again, with the same cid: exactly once.
    status: failed ? "failed" : "queued",
    ...(failed && typeof v.error === "string" ? { error: v.error } : {}),
  };
}

export function createDeviceStore(storage: Storage | null) {
  function read(key: string): string | null {
    try {
      return storage?.getItem(key) ?? null;
    } catch {
      return null;
    }
  }

  function write(key: string, value: string | null): void {
    try {
      if (value === null) storage?.removeItem(key);
      else storage?.setItem(key, value);
    } catch {
      // Full or refused (private mode): the page still works, it only forgets on reload.
    }
  }

  function keys(): string[] {
    if (!storage) return [];
    const found: string[] = [];
    try {
      for (let i = 0; i < storage.length; i++) {
        const key = storage.key(i);
        if (key?.startsWith(PREFIX)) found.push(key);
      }
    } catch {
      return [];
    }
    return found;
  }

  const outboxKey = (userId: string, roomId: string) => `${PREFIX}${userId}.outbox.${roomId}`;
  const draftKey = (userId: string, roomId: string, threadOf: number | null) =>
    `${PREFIX}${userId}.draft.${roomId}${threadOf === null ? "" : `.t${threadOf}`}`;

  return {
    outbox(userId: string, roomId: string): SavedOutbox {
      const key = outboxKey(userId, roomId);
      return {
        load() {
          try {
            const parsed: unknown = JSON.parse(read(key) ?? "[]");
            if (!Array.isArray(parsed)) return [];
            return parsed.map(fromSaved).filter((p): p is PendingMessage => p !== null);
          } catch {
            return [];
          }
        },
        save(items) {
          // A message with files waits for uploads that a reload loses: it is not kept.
          const kept = items.filter((p) => !p.files?.length).slice(0, MAX_SAVED_MESSAGES);
          write(key, kept.length === 0 ? null : JSON.stringify(kept.map(toSaved)));
        },
      };
    },

    draft(userId: string, roomId: string, threadOf: number | null = null): SavedDraft {
      const key = draftKey(userId, roomId, threadOf);
      return {
        load: () => read(key) ?? "",
        save: (text) => write(key, text.trim() === "" ? null : text.slice(0, MAX_DRAFT_CHARS)),
      };
    },

    /** The rooms where I left unsent messages on this device (sent once I am back). */
    roomsWithOutbox(userId: string): string[] {
      const start = `${PREFIX}${userId}.outbox.`;
      return keys()
        .filter((k) => k.startsWith(start))
        .map((k) => k.slice(start.length));
    },

    /** Forgets what others than `userId` left here (null: everyone's, at sign-out). */
    clear(keepUserId: string | null = null): void {
      const keep = keepUserId === null ? null : `${PREFIX}${keepUserId}.`;
      for (const key of keys()) if (!keep || !key.startsWith(keep)) write(key, null);
    },
  };
}

export type DeviceStore = ReturnType<typeof createDeviceStore>;
