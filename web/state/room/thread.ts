// One open thread (the panel beside its room): its window (thread-window.ts) loaded over HTTP and
// kept by the room's socket, older replies paged in, whether I follow it, and my read mark in it.
// My replies go through the room's outbox (index.ts), like every message I write.
import { signal } from "@preact/signals";
import { type Api, asApiError } from "../../net/api";
import type { Clock, Timer } from "./clock";
import {
  emptyThreadWindow,
  type ThreadWindow,
  threadHeard,
  threadLoaded,
  threadOlder,
  threadReadTarget,
} from "./thread-window";

export type ThreadApi = Pick<Api, "thread" | "followThread" | "markThreadRead" | "myThreads">;

/**
 * The server clamps a thread read mark to the last seq D1 has heard of, which trails the room by
 * up to its sync delay (ROOM_SYNC_DELAY_MS, 500 ms): a reply read the moment it arrives is marked
 * short of it. Asked again after this long, a few times at most, the mark reaches it.
 */
const READ_RETRY_MS = 1_000;
const READ_RETRIES = 5;

export interface ThreadHooks {
  /** My counts may have changed (a read mark moved, a follow changed): the room list asks again. */
  onCounts(): void;
}

export function createThread(
  roomId: string,
  rootSeq: number,
  meId: string,
  api: ThreadApi,
  clock: Clock,
  hooks: ThreadHooks,
) {
  const view = signal<ThreadWindow>(emptyThreadWindow(rootSeq));
  const loadError = signal<string | null>(null);
  /** The last refusal of an action here (following), for the panel's status line. */
  const lastError = signal<string | null>(null);
  const loadingOlder = signal(false);
  /** Whether I follow the thread: null until known. */
  const following = signal<boolean | null>(null);
  let readSeq = 0;
  let readTimer: Timer | undefined;
  let closed = false;

  async function load(): Promise<void> {
    loadError.value = null;
    try {
      const page = await api.thread(roomId, rootSeq);
      if (closed) return;
      if (!page.root) throw new Error("no root");
      view.value = threadLoaded(view.value, { ...page, root: page.root });
    } catch (error) {
      if (!closed) loadError.value = asApiError(error).message;
    }
  }

  /** My followed threads say whether this is one (a choice made meanwhile wins). */
  async function loadFollowing(): Promise<void> {
    try {
      const { threads } = await api.myThreads();
      if (closed || following.value !== null) return;
      following.value = threads.some((t) => t.roomId === roomId && t.rootSeq === rootSeq);
    } catch {
      // Unknown: the toggle offers to follow (following twice is harmless).
      if (!closed && following.value === null) following.value = false;
    }
  }

  async function sendRead(target: number, attempt: number): Promise<void> {
    try {
      const { seq } = await api.markThreadRead(roomId, rootSeq, target);
      if (seq < target && attempt < READ_RETRIES) {
        clock.clearTimeout(readTimer);
        readTimer = clock.setTimeout(() => void sendRead(target, attempt + 1), READ_RETRY_MS);
        return;
      }
      hooks.onCounts();
    } catch {
      // Best effort: the next reply seen (or the next visit) marks it again.
      if (readSeq === target) readSeq = 0;
    }
  }

  return {
    roomId,
    rootSeq,
    view,
    loadError,
    lastError,
    loadingOlder,
    following,

    open(): void {
      void load();
      void loadFollowing();
    },

    /** Messages the room heard (frames, replays, answers to my actions). */
    heard(incoming: Parameters<typeof threadHeard>[1]): void {
      view.value = threadHeard(view.value, incoming);
    },

    async loadOlder(): Promise<void> {
      const w = view.value;
      const oldest = w.replies[0]?.seq;
      if (!w.hasOlder || oldest === undefined || loadingOlder.value) return;
      loadingOlder.value = true;
      try {
        const page = await api.thread(roomId, rootSeq, oldest);
        if (!closed) view.value = threadOlder(view.value, page);
      } catch (error) {
        lastError.value = asApiError(error).message;
      } finally {
        loadingOlder.value = false;
      }
    },

    /** Marks the replies loaded as read (call while the panel is seen). */
    markRead(): void {
      const target = threadReadTarget(view.value, readSeq, meId);
      if (target === null) return;
      readSeq = target;
      clock.clearTimeout(readTimer);
      void sendRead(target, 0);
    },

    async setFollowing(on: boolean): Promise<void> {
      const before = following.value;
      following.value = on;
      lastError.value = null;
      try {
        await api.followThread(roomId, rootSeq, on);
        hooks.onCounts();
      } catch (error) {
        following.value = before;
        lastError.value = asApiError(error).message;
      }
    },

    /** I replied: the server follows the thread for me. */
    replied(): void {
      following.value = true;
    },

    /** The panel closed; a read still being retried lands anyway (it is the badge's). */
    close(): void {
      closed = true;
    },
  };
}

export type Thread = ReturnType<typeof createThread>;
