// One room, live: its messages (upserted by seq, newer rev wins), my outbox of messages not yet
// acknowledged, presence, typing and read marks — the signals the components read and the
// actions they call. The machines are connection.ts, outbox.ts, timeline.ts and presence.ts;
// live.ts drives them over the injected transport (the browser's socket and fetch by default);
// paging.ts moves the window of loaded messages (older, newer, to a message, to the newest);
// thread.ts is the thread open beside the room, pins.ts its pinned messages.
import { computed, type ReadonlySignal, signal } from "@preact/signals";
import type { Message } from "../../../src/shared/protocol";
import { bodyProblem } from "../../../src/shared/protocol/rules";
import { cleanBody, isEmoji } from "../../../src/shared/text";
import { asApiError } from "../../net/api";
import { systemClock } from "./clock";
import type { Connection } from "./connection";
import { createLiveRoom, type RoomApi, type RoomDeps } from "./live";
import * as box from "./outbox";
import { createPaging } from "./paging";
import { createPins } from "./pins";
import type * as who from "./presence";
import { createThread, type Thread } from "./thread";
import * as tl from "./timeline";
import type { RoomEvents, RoomSummary } from "./types";
import { createUploads, type Upload } from "./uploads";

export type { Clock } from "./clock";
export type { Connection } from "./connection";
export type { RoomApi, RoomDeps } from "./live";
export { newCid, type PendingMessage } from "./outbox";
export { MISSING_MESSAGE } from "./paging";
export { applyPins } from "./pins";
export { TYPING_GAP_MS } from "./presence";
export type { Thread } from "./thread";
export type { ThreadWindow } from "./thread-window";
export type { MemberFrame, RoomEvents, RoomFrame, RoomSummary } from "./types";
export type { Upload, UploadApi } from "./uploads";

export function createRoomState(
  roomId: string,
  meId: string,
  api: RoomApi,
  events: RoomEvents = {},
  deps: RoomDeps = {},
) {
  // Files upload over HTTP beside the socket; the outbox holds a message until its files are in.
  const uploads = createUploads(
    roomId,
    {
      onDone: () => live.flush(),
      onFailed: (cid, message) => live.setOutbox(box.uploadFailed(live.outbox(), cid, message)),
    },
    {
      api: deps.uploadApi,
      clock: deps.clock ?? systemClock,
      isOnline: deps.isOnline ?? (() => navigator.onLine),
      // The socket's source of online/offline news, the window's by default.
      network: deps.transport?.network ?? (typeof window === "undefined" ? null : window),
    },
  );
  const live = createLiveRoom(
    roomId,
    meId,
    api,
    events,
    deps,
    {
      ready: (item) => (item.files?.length ? uploads.ready(item.files) : []),
      settled: (cid) => uploads.forget(cid),
    },
    // A link to a message opens the room there (the first load asks paging where).
    { open: (newest) => paging.open(newest) },
  );
  const paging = createPaging(roomId, api, live);
  const { messages, pending, connection, online, onlineCount, readMarks, summary } = live.signals;
  const { deliveredMarks, hasOlder, hasNewer } = live.signals;
  const { loaded, loadError, lastError } = live.status;
  const pins = createPins(roomId, api);
  /** The thread open beside the room, if any. */
  const thread = signal<Thread | null>(null);
  live.listen((incoming) => {
    pins.heard(incoming);
    thread.value?.heard(incoming);
  });
  // My replies wait in the one outbox (in order with the rest), each shown where it will land.
  const mainPending = computed(() => pending.value.filter((p) => p.threadOf === undefined));
  const threadPending = computed(() => {
    const rootSeq = thread.value?.rootSeq;
    return pending.value.filter((p) => p.threadOf !== undefined && p.threadOf === rootSeq);
  });

  return {
    roomId,
    /** Hears every message the room receives (frames, replays, pages), thread replies included. */
    listen: live.listen,
    messages: messages as ReadonlySignal<Message[]>,
    /** My messages on their way to the main timeline. */
    pending: mainPending as ReadonlySignal<box.PendingMessage[]>,
    connection: connection as ReadonlySignal<Connection>,
    online: online as ReadonlySignal<who.Online>,
    /** How many are online: the server's count (a big room's `ready` lists only some of them). */
    onlineCount: onlineCount as ReadonlySignal<number>,
    typing: live.typing.others,
    readMarks: readMarks as ReadonlySignal<who.ReadMarks>,
    /** Members' delivery marks: messages up to the seq reached one of their devices. */
    deliveredMarks: deliveredMarks as ReadonlySignal<who.ReadMarks>,
    summary: summary as ReadonlySignal<RoomSummary | null>,
    hasOlder: hasOlder as ReadonlySignal<boolean>,
    loadingOlder: paging.loadingOlder,
    /** The window stops short of the newest messages (opened at an older one): newer pages follow. */
    hasNewer: hasNewer as ReadonlySignal<boolean>,
    loadingNewer: paging.loadingNewer,
    /** The message to bring into view and highlight (a new object each time it is asked for). */
    focus: paging.focus,
    loaded: loaded as ReadonlySignal<boolean>,
    loadError: loadError as ReadonlySignal<string | null>,
    /** The last refusal of an action (edit, delete, react), for the status line. */
    lastError: lastError as ReadonlySignal<string | null>,
    /** Every change up to this rev is here (null before the first page): where a resume starts. */
    resumeRev: () => live.link().resumeRev,

    /** Everyone online, when the server listed only some (`onlineCount` above the set's size). */
    loadOnline: () => live.loadOnline(),

    /** Connects (again); the state kept from before is brought up to date from its rev. */
    open: () => live.dispatch({ type: "open" }),

    /** Disconnects; messages and the outbox stay for when the room opens again. */
    close: () => live.close(),

    hasUnsent: () => box.hasUnsent(live.outbox()),

    /** My files on their way: the composer's (no cid) and those of messages waiting to go. */
    uploads: uploads.list as ReadonlySignal<readonly Upload[]>,

    /** Starts uploading files for the next message; what was left out, if anything. */
    attach: (files: readonly File[]) => uploads.add(files),

    /** Tries a failed upload again (one in the composer, or a waiting message's). */
    retryUpload(key: string) {
      const cid = uploads.list.value.find((u) => u.key === key)?.cid;
      uploads.retry(key);
      const stillFailed = uploads.list.value.some((u) => u.cid === cid && u.status === "failed");
      if (cid && !stillFailed) live.setOutbox(box.retry(live.outbox(), cid));
    },

    /** Cancels an upload; a waiting message goes without that file. */
    cancelUpload(key: string) {
      const cid = uploads.cancel(key);
      if (!cid) return;
      live.setOutbox(box.dropFile(live.outbox(), cid, key));
      live.flush();
    },

    loadOlder: paging.loadOlder,
    loadNewer: paging.loadNewer,
    /** Opens the room at a message (before or after it opened): in view, highlighted. */
    showMessage: paging.showMessage,
    /** Back to the newest messages from a window further up. */
    showLatest: paging.showLatest,

    /** Queues a message; it goes out as soon as there is a connection, exactly once. */
    send(body: string, replyTo: number | null = null): string | null {
      const text = cleanBody(body);
      const drafts = uploads.drafts();
      const problem = bodyProblem(text, drafts.length);
      if (problem) return problem.message;
      if (drafts.some((u) => u.status === "failed")) {
        return "A file did not upload: retry it or remove it first.";
      }
      live.typing.sent();
      const createdAt = new Date(live.clock.now()).toISOString();
      const cid = box.newCid();
      // The composer's files go with it, in the order they were attached.
      const files = uploads.assign(cid);
      const item: box.PendingMessage = {
        cid,
        body: text,
        replyTo,
        createdAt,
        status: "queued",
        ...(files.length > 0 ? { files } : {}),
      };
      live.setOutbox(box.enqueue(live.outbox(), item));
      live.flush();
      // My message goes at the end: a window further up moves there, or it would not show.
      void paging.showLatest();
      return null;
    },

    retry(cid: string) {
      uploads.retryMessage(cid);
      live.setOutbox(box.retry(live.outbox(), cid));
      live.flush();
    },

    discard(cid: string) {
      const next = box.discard(live.outbox(), cid);
      // Only a message not on the wire is dropped; its uploads go with it.
      if (next.items.length !== live.outbox().items.length) uploads.forget(cid);
      live.setOutbox(next);
    },

    async edit(seq: number, body: string): Promise<void> {
      live.apply([(await api.edit(roomId, seq, body)).message]);
    },

    async remove(seq: number): Promise<void> {
      live.apply([(await api.deleteMessage(roomId, seq)).message]);
    },

    async react(seq: number, emoji: string, on: boolean): Promise<void> {
      // The server's rule, so a bad reaction is refused here without a round trip.
      if (!isEmoji(emoji)) {
        lastError.value = "A reaction is exactly one emoji";
        return;
      }
      try {
        live.apply([(await api.react(roomId, seq, emoji, on)).message]);
      } catch (error) {
        lastError.value = asApiError(error).message;
      }
    },

    /** The thread open beside the room (null: none). */
    thread: thread as ReadonlySignal<Thread | null>,
    /** My replies on their way to the open thread. */
    threadPending: threadPending as ReadonlySignal<box.PendingMessage[]>,

    /** Opens the thread of message `rootSeq` beside the room (null closes it). */
    showThread(rootSeq: number | null): void {
      if (thread.value?.rootSeq === rootSeq) return;
      thread.value?.close();
      if (rootSeq === null) {
        thread.value = null;
        return;
      }
      const next = createThread(roomId, rootSeq, meId, api, live.clock, {
        onCounts: () => events.onThreadCounts?.(roomId),
      });
      thread.value = next;
      next.open();
    },

    /** Queues a reply in the thread of `rootSeq`: the outbox sends it like any message. */
    sendReply(rootSeq: number, body: string): string | null {
      const text = cleanBody(body);
      const problem = bodyProblem(text, 0);
      if (problem) return problem.message;
      const createdAt = new Date(live.clock.now()).toISOString();
      const item: box.PendingMessage = {
        cid: box.newCid(),
        body: text,
        replyTo: null,
        threadOf: rootSeq,
        createdAt,
        status: "queued",
      };
      live.setOutbox(box.enqueue(live.outbox(), item));
      live.flush();
      if (thread.value?.rootSeq === rootSeq) thread.value.replied();
      return null;
    },

    /** The pinned messages, newest pin first (null until loaded), and why they did not load. */
    pins: pins.list as ReadonlySignal<Message[] | null>,
    pinsError: pins.error as ReadonlySignal<string | null>,
    loadPins: pins.load,

    /** Pins or unpins a message; a refusal (not allowed, too many) is the status line's. */
    async pin(seq: number, on: boolean): Promise<void> {
      try {
        live.apply([(await api.pin(roomId, seq, on)).message]);
      } catch (error) {
        const { code, message } = asApiError(error);
        lastError.value = code === "too_many" ? `Not pinned: ${message}` : message;
      }
    },

    /** Marks everything loaded as read (call while the room is visible and focused). */
    markRead() {
      const last = tl.newestSeq(live.timeline());
      if (last <= live.myReadSeq()) return;
      live.noteMyRead(last);
      readMarks.value = { ...readMarks.value, [meId]: last };
      if (!live.socket.send({ type: "read", seq: last })) {
        api.markRead(roomId, last).catch(() => {
          // Best effort: the next visit marks it again.
        });
      }
    },

    /** Called as I type: `typing on` renewed every few seconds, `off` after a pause. */
    typed: (text: string) => live.typing.typed(text),

    stopTyping: () => live.typing.stop(),

    readSeq: () => live.myReadSeq(),

    setInitialReadSeq(seq: number) {
      if (seq > live.myReadSeq()) live.noteMyRead(seq, { silent: true });
    },
  };
}

export type RoomState = ReturnType<typeof createRoomState>;
