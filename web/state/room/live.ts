// The room's live half: the connection machine driven over the injected socket, HTTP and
// timers — frames applied to the timeline, presence and outbox, the outbox flushed, replays
// completed over HTTP, polling when no socket gets through. index.ts puts the actions on top.
import { batch, signal } from "@preact/signals";
import type { Message, ServerFrame } from "../../../src/shared/protocol";
import { type Api, asApiError } from "../../net/api";
import { loadFrameSchemas, roomFrameReader } from "../../net/frames";
import {
  backoffDelay,
  createLiveSocket,
  type LiveSocket,
  type LiveSocketHandlers,
  type SocketTransport,
} from "../../net/live-socket";
import type { SavedOutbox } from "../device-store";
import { type Clock, systemClock, type Timer } from "./clock";
import {
  type Connection,
  type ConnectionEffect,
  type ConnectionEvent,
  connectionStep,
  initialConnection,
  replaying,
} from "./connection";
import * as box from "./outbox";
import * as who from "./presence";
import * as tl from "./timeline";
import type { RoomEvents, RoomSummary, ServerFrameOf } from "./types";
import { createTyping } from "./typing";
import type { UploadApi } from "./uploads";

/** The HTTP calls a room makes. */
export type RoomApi = Pick<
  Api,
  | "history"
  | "newer"
  | "around"
  | "changes"
  | "send"
  | "edit"
  | "deleteMessage"
  | "react"
  | "markRead"
  | "online"
  | "thread"
  | "followThread"
  | "markThreadRead"
  | "myThreads"
  | "pins"
  | "pin"
>;

/** The transport and the world, injectable: the browser's by default. */
export interface RoomDeps {
  /** Where the room's sockets come from (the live socket's backoff and keep-alive stay). */
  transport?: SocketTransport;
  /** Replaces the live socket as a whole (tests that play the server frame by frame). */
  makeSocket?: (handlers: LiveSocketHandlers) => LiveSocket;
  clock?: Clock;
  isOnline?: () => boolean;
  random?: () => number;
  /** Where files go (XHR uploads, previews made on a canvas by default). */
  uploadApi?: UploadApi;
  /** Where the outbox is kept across reloads (this device's storage); none: memory only. */
  saved?: SavedOutbox;
}

/** What the outbox knows of its messages' files (uploads.ts keeps them). */
export interface OutboxFiles {
  /** The attachment ids of a message's files once every one is uploaded, else null (it waits). */
  ready(item: box.PendingMessage): string[] | null;
  /** The message is stored: its files are the server's now. */
  settled(cid: string): void;
}

const noFiles: OutboxFiles = { ready: () => [], settled: () => undefined };

/** Where the first load opens the room: the newest page, or a window around a message. */
export interface Opening {
  /** Given the window of the newest page, the window to show (paging.ts: a link's message). */
  open(newest: tl.Timeline): Promise<tl.Timeline>;
}

const atNewest: Opening = { open: async (newest) => newest };

const PAGE = 50;

export function createLiveRoom(
  roomId: string,
  meId: string,
  api: RoomApi,
  events: RoomEvents,
  deps: RoomDeps,
  files: OutboxFiles = noFiles,
  opening: Opening = atNewest,
) {
  const clock = deps.clock ?? systemClock;
  const isOnline = deps.isOnline ?? (() => navigator.onLine);
  const random = deps.random ?? Math.random;

  // What a reload left unsent goes first, with its cids: the server stores each once.
  let outbox = box.restore(deps.saved?.load() ?? []);
  const messages = signal<Message[]>([]);
  const pending = signal<box.PendingMessage[]>(outbox.items as box.PendingMessage[]);
  const connection = signal<Connection>("connecting");
  const online = signal<who.Online>(new Set());
  /** How many are online by the server's count (a big room's `ready` lists only some). */
  const onlineCount = signal(0);
  const readMarks = signal<who.ReadMarks>({});
  /** How far each member's devices have received the room (delivery marks). */
  const deliveredMarks = signal<who.ReadMarks>({});
  const summary = signal<RoomSummary | null>(null);
  const hasOlder = signal(true);
  const hasNewer = signal(false);
  const loaded = signal(false);
  const loadError = signal<string | null>(null);
  const lastError = signal<string | null>(null);

  let link = initialConnection();
  let timeline = tl.emptyTimeline;
  let myReadSeq = 0;
  let pollTimer: Timer | undefined;
  let resendTimer: Timer | undefined;
  let initTimer: Timer | undefined;

  const makeSocket = deps.makeSocket ?? ((h) => createLiveSocket(h, deps.transport));
  const socket: LiveSocket = makeSocket({
    // batch=1: while the room is busy, its frames come several to a message.
    path: () =>
      `/api/rooms/${encodeURIComponent(roomId)}/ws?sinceRev=${link.resumeRev ?? 0}&batch=1`,
    before: loadFrameSchemas,
    onText: roomFrameReader((frame) => onFrame(frame)),
    onDown: ({ code, reason }) => dispatch({ type: "down", code, reason, online: isOnline() }),
  });
  const typing = createTyping(clock, (on) => socket.send({ type: "typing", on }));

  // ---- the machines' state into signals, their effects into the world ------------------------

  function setTimeline(next: tl.Timeline) {
    timeline = next;
    batch(() => {
      messages.value = next.messages as Message[];
      hasOlder.value = next.hasOlder;
      hasNewer.value = next.ceiling !== null;
    });
  }

  function setOutbox(next: box.Outbox) {
    const drained = outbox.items.length > 0 && next.items.length === 0;
    if (next.items !== outbox.items) deps.saved?.save(next.items);
    outbox = next;
    pending.value = next.items as box.PendingMessage[];
    if (drained) events.onOutboxEmpty?.(roomId);
  }

  function dispatch(event: ConnectionEvent) {
    const step = connectionStep(link, event);
    link = step.state;
    connection.value = link.status;
    for (const effect of step.effects) run(effect);
  }

  function run(effect: ConnectionEffect) {
    switch (effect.type) {
      case "load-initial":
        return void loadInitial();
      case "retry-load": {
        const ms = backoffDelay(effect.attempt, 500, 30_000, random);
        initTimer = clock.setTimeout(() => void loadInitial(), ms);
        return;
      }
      case "load-refused":
        loadError.value = effect.message;
        return;
      case "socket-start":
        return socket.start();
      case "socket-stop":
        return socket.stop();
      case "socket-healthy":
        return socket.healthy();
      case "socket-reconnect":
        return socket.reconnect();
      case "socket-retry-now":
        return socket.retryNow();
      case "resumed":
        return events.onResumed?.(roomId);
      case "refused":
        return events.onRefused?.(roomId, effect.reason);
      case "wire-down":
        typing.socketDown();
        // Presence comes only over the socket: without it nobody is known to be here (me least).
        if (online.value.size > 0) online.value = new Set();
        onlineCount.value = 0;
        return setOutbox(box.requeue(outbox));
      case "requeue":
        return setOutbox(box.requeue(outbox));
      case "flush":
        return flush();
      case "catch-up":
        return void catchUp(effect.fromRev);
      case "poll-after":
        clock.clearTimeout(pollTimer);
        pollTimer = clock.setTimeout(() => void poll(), effect.ms);
        return;
      case "poll-stop":
        clock.clearTimeout(pollTimer);
        pollTimer = undefined;
        return;
    }
  }

  // ---- applying what the server says ---------------------------------------------------------

  /** What frames and answers brought while a page that replaces the window is on its way. */
  const heardWhileReplacing = new Set<Message[]>();
  /** Who else hears every message the room applies (the open thread, the pinned list). */
  const listeners = new Set<(incoming: readonly Message[]) => void>();

  function apply(incoming: readonly Message[]) {
    for (const listener of listeners) listener(incoming);
    // Thread replies share the room's order (and its replays) but not the main timeline: the
    // open thread hears them through its listener.
    const main = incoming.filter((m) => m.threadOf === null);
    if (main.length === 0) return;
    for (const heard of heardWhileReplacing) heard.push(...main);
    setTimeline(tl.upsert(timeline, main));
  }

  /**
   * Replaces the window with one built from a page fetched now (a jump to a message, back to the
   * newest); `load` answers null when the page is no longer wanted. What frames changed while it
   * was on its way is applied again on top, the newer rev winning, so none of it is lost.
   */
  async function replaceWindow(load: () => Promise<((t: tl.Timeline) => tl.Timeline) | null>) {
    const heard: Message[] = [];
    heardWhileReplacing.add(heard);
    try {
      const build = await load();
      if (build) setTimeline(tl.upsert(build(timeline), heard));
    } finally {
      heardWhileReplacing.delete(heard);
    }
  }

  function trimTo(seq: number) {
    const { timeline: next, removed } = tl.trim(timeline, seq);
    if (next === timeline) return;
    setTimeline(next);
    if (removed.length > 0) events.onTrimmed?.(roomId, removed);
  }

  function onFrame(frame: ServerFrame) {
    switch (frame.type) {
      case "ready":
        batch(() => {
          summary.value = frame.room;
          online.value = new Set(frame.online);
          onlineCount.value = frame.onlineCount;
          readMarks.value = { ...readMarks.value, ...frame.readMarks };
          deliveredMarks.value = { ...deliveredMarks.value, ...frame.deliveredMarks };
          lastError.value = null;
          dispatch({ type: "ready" });
        });
        noteMyRead(frame.readMarks[meId] ?? 0);
        return;
      case "message":
      case "changed": {
        const live = !replaying(link);
        const isNew = frame.type === "message" && live && !tl.holds(timeline, frame.message.seq);
        apply([frame.message]);
        dispatch({ type: "rev", rev: frame.message.rev });
        // Sending marks read: a new message is also its sender's read receipt (a thread reply
        // is not: replying in a thread does not read the room).
        if (frame.type === "message" && frame.message.threadOf === null) {
          noteRead(frame.message.sender.id, frame.message.seq);
        }
        if (live) typing.clear(frame.message.sender.id);
        if (isNew) events.onNewMessage?.(roomId, frame.message);
        return;
      }
      case "ack":
        settle(frame.cid);
        return dispatch({ type: "rev", rev: frame.rev });
      case "synced":
        return dispatch({ type: "synced", rev: frame.rev, complete: frame.complete });
      case "trimmed":
        return trimTo(frame.firstSeq);
      case "typing":
        if (frame.userId === meId) return;
        return frame.on ? typing.show(frame.userId) : typing.clear(frame.userId);
      case "presence":
        return presenceChanged([[frame.userId, frame.online]], frame.onlineCount);
      case "presences":
        return presenceChanged(
          [
            ...frame.online.map((id) => [id, true] as const),
            ...frame.offline.map((id) => [id, false] as const),
          ],
          frame.onlineCount,
        );
      case "read":
        return noteRead(frame.userId, frame.seq);
      case "delivered":
        deliveredMarks.value = who.noteRead(deliveredMarks.value, frame.userId, frame.seq);
        return;
      case "member":
        if (frame.change === "left") typing.clear(frame.userId);
        return events.onMember?.(roomId, frame);
      case "room":
        summary.value = frame.room;
        return events.onRoomChanged?.(roomId, frame);
      case "error":
        return onError(frame);
    }
  }

  /** People whose presence news came while a full list was on its way: the news wins. */
  let heardWhileLoading: Set<string> | null = null;

  /** Fetches everyone online (a big room's `ready` lists only some) and fills the set in. */
  async function loadOnline(): Promise<void> {
    if (heardWhileLoading) return;
    heardWhileLoading = new Set();
    try {
      const answer = await api.online(roomId);
      const heard = heardWhileLoading;
      const next = new Set(online.value);
      for (const userId of answer.online) if (!heard.has(userId)) next.add(userId);
      online.value = next;
    } finally {
      heardWhileLoading = null;
    }
  }

  function presenceChanged(changes: ReadonlyArray<readonly [string, boolean]>, count: number) {
    let next = online.value;
    for (const [userId, on] of changes) {
      heardWhileLoading?.add(userId);
      next = who.setOnline(next, userId, on);
      if (!on) typing.clear(userId);
    }
    batch(() => {
      online.value = next;
      onlineCount.value = count;
    });
  }

  function onError(frame: ServerFrameOf<"error">) {
    const item = frame.ref ? outbox.items.find((p) => p.cid === frame.ref) : undefined;
    if (!item) {
      lastError.value = frame.message;
      return;
    }
    const { code, message, retryAfterMs } = frame;
    const { outbox: next, retry } = box.refused(outbox, item.cid, code, message, retryAfterMs);
    setOutbox(next);
    afterRefusal(retry);
  }

  /** Waits out a refusal before sending again, or moves on to the next message now. */
  function afterRefusal(retry: box.Retry | null) {
    if (!retry) return flush();
    clock.clearTimeout(resendTimer);
    resendTimer = clock.setTimeout(flush, retry.retryInMs);
  }

  /** A read mark moved (a `read` frame, or a message its sender sent): receipts follow. */
  function noteRead(userId: string, seq: number) {
    readMarks.value = who.noteRead(readMarks.value, userId, seq);
    if (userId === meId) noteMyRead(seq);
  }

  /** My read mark moved forward; `silent` when the app told us (nothing to tell it back). */
  function noteMyRead(seq: number, opts: { silent?: boolean } = {}) {
    if (seq <= myReadSeq) return;
    myReadSeq = seq;
    if (!opts.silent) events.onRead?.(roomId, seq);
  }

  // ---- my outbox: in order, one on the wire at a time, each with its cid ---------------------

  function settle(cid: string) {
    setOutbox(box.settle(outbox, cid));
    files.settled(cid);
    flush();
  }

  function flush() {
    const overSocket = link.status === "connected" && socket.isOpen();
    const route: box.Route = overSocket ? "socket" : link.status === "polling" ? "http" : null;
    // A message waits (and those after it) until its files are uploaded.
    const { outbox: next, next: item } = box.take(outbox, route, (p) => files.ready(p) !== null);
    if (!item) return;
    setOutbox(next);
    const ids = files.ready(item) ?? [];
    const extra = {
      ...(item.replyTo === null ? {} : { replyTo: item.replyTo }),
      ...(item.threadOf === undefined ? {} : { threadOf: item.threadOf }),
      ...(ids.length > 0 ? { attachments: ids } : {}),
    };
    if (route === "socket") socket.send({ type: "send", cid: item.cid, body: item.body, ...extra });
    else void sendOverHttp(item, extra);
  }

  async function sendOverHttp(
    item: box.PendingMessage,
    extra: { replyTo?: number; threadOf?: number; attachments?: string[] },
  ) {
    try {
      const { message } = await api.send(roomId, { cid: item.cid, body: item.body, ...extra });
      const isNew = !tl.holds(timeline, message.seq);
      apply([message]);
      // As a `message` frame would: sending marks read (a thread reply does not read the room),
      // and the room list shows it.
      if (message.threadOf === null) noteRead(meId, message.seq);
      if (isNew) events.onNewMessage?.(roomId, message);
      settle(item.cid);
    } catch (error) {
      const { status, message } = asApiError(error);
      const { outbox: next, retry } = box.httpFailed(outbox, item.cid, status, message);
      setOutbox(next);
      afterRefusal(retry);
    }
  }

  // ---- over HTTP: the rest of a cut replay, polling, the first page --------------------------

  /**
   * Pages the changes feed from `rev` until complete and returns the rev reached (NaN if
   * `wanted` said stop on the way); `announce`: new messages of others are news (polling).
   */
  async function readChanges(rev: number, wanted: () => boolean, announce: boolean) {
    for (;;) {
      const page = await api.changes(roomId, rev);
      if (!wanted()) return Number.NaN;
      // No socket, no `trimmed` frames: the feed says where the room begins instead.
      if (page.firstSeq !== undefined) trimTo(page.firstSeq);
      const newest = tl.newestSeq(timeline);
      apply(page.messages);
      if (announce) {
        for (const m of page.messages) {
          if (m.seq > newest && !m.deleted && m.sender.id !== meId)
            events.onNewMessage?.(roomId, m);
        }
      }
      rev = page.rev ?? rev;
      if (page.complete !== false) return rev;
    }
  }

  /** The replay stopped short (more than the server replays at once): page the rest over HTTP. */
  async function catchUp(fromRev: number) {
    let rev: number;
    try {
      rev = await readChanges(fromRev, () => true, false);
    } catch {
      return dispatch({ type: "catch-up-failed" });
    }
    dispatch({ type: "caught-up", rev });
  }

  async function poll() {
    if (!link.running || link.status !== "polling") return;
    let rev: number;
    try {
      rev = await readChanges(link.resumeRev ?? 0, () => link.status === "polling", true);
    } catch {
      return dispatch({ type: "poll-failed" });
    }
    if (!Number.isNaN(rev)) dispatch({ type: "polled", rev });
  }

  async function loadInitial() {
    try {
      const page = await api.history(roomId, undefined, PAGE);
      if (!link.running) return;
      // Fetched after the newest page, a window around a message is at least as fresh: the
      // socket resumes from the newest page's rev for both.
      const first = await opening.open(tl.page(timeline, page));
      if (!link.running) return;
      batch(() => {
        setTimeline(first);
        loaded.value = true;
        loadError.value = null;
      });
      dispatch({ type: "loaded", rev: tl.maxRev(page.messages) });
    } catch (error) {
      const { status, message } = asApiError(error);
      const fatal = status === 404 || status === 403 || status === 401;
      dispatch({ type: "load-failed", fatal, online: isOnline(), message });
    }
  }

  return {
    signals: {
      messages,
      pending,
      connection,
      online,
      onlineCount,
      readMarks,
      deliveredMarks,
      summary,
      hasOlder,
      hasNewer,
    },
    status: { loaded, loadError, lastError },
    loadOnline,
    clock,
    socket,
    typing,
    dispatch,
    link: () => link,
    timeline: () => timeline,
    setTimeline,
    replaceWindow,
    outbox: () => outbox,
    setOutbox,
    apply,
    /** Hears every message applied from now on; answers how to stop. */
    listen(listener: (incoming: readonly Message[]) => void): () => void {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    flush,
    noteMyRead,
    myReadSeq: () => myReadSeq,
    close() {
      clock.clearTimeout(resendTimer);
      clock.clearTimeout(initTimer);
      typing.close();
      dispatch({ type: "close" });
    },
  };
}
