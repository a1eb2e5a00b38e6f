// One room, live: its messages (upserted by seq, newer rev wins), my outbox of messages not yet
// acknowledged, presence, typing and read marks, over the room WebSocket. On reconnect it resumes
// from the last rev it has fully seen; when no socket can be opened at all it polls over HTTP.
import { batch, type ReadonlySignal, signal } from "@preact/signals";
import {
  bodyProblem,
  type Message,
  ServerFrame,
  type ServerFrame as ServerFrameType,
} from "../../src/shared/protocol";
import { cleanBody, isEmoji } from "../../src/shared/text";
import { type Api, asApiError } from "../net/api";
import { backoffDelay, createLiveSocket, type LiveSocket } from "../net/live-socket";
import { lowerBound, type PendingMessage, upsertMessages } from "./timeline";

export type Connection = "connecting" | "connected" | "reconnecting" | "offline" | "polling";

export type RoomSummary = Extract<ServerFrameType, { type: "ready" }>["room"];
export type MemberFrame = Extract<ServerFrameType, { type: "member" }>;
export type RoomFrame = Extract<ServerFrameType, { type: "room" }>;

export interface RoomEvents {
  /** A new message arrived live (not from a replay or a history page). */
  onNewMessage?: (roomId: string, message: Message) => void;
  /** My read mark moved forward (by me, here or elsewhere). */
  onRead?: (roomId: string, seq: number) => void;
  /**
   * The server closed the socket for good reasons of policy (removed, signed out, disabled);
   * `reason` is the close reason (CLOSE_REASONS in the protocol names the sign-out ones).
   */
  onRefused?: (roomId: string, reason: string) => void;
  /** Someone joined or left the room, or a role changed (`member` frames). */
  onMember?: (roomId: string, frame: MemberFrame) => void;
  /** The room's name, topic, archived state or retention policy changed (`room` frames). */
  onRoomChanged?: (roomId: string, frame: RoomFrame) => void;
  /** The socket is back after a gap: `member` and `room` frames may have been missed. */
  onResumed?: (roomId: string) => void;
  /** Retention deleted these loaded messages (the oldest ones): they left the list. */
  onTrimmed?: (roomId: string, removed: readonly Message[]) => void;
}

const TYPING_EXPIRES_MS = 6_000;
const TYPING_RENEW_MS = 3_000;
const TYPING_IDLE_MS = 4_000;
/**
 * The server passes on one typing frame per 2 s per socket, `on` and `off` alike, and drops
 * the rest: frames are spaced at least this far apart (a little more, as frames bunch on the
 * way), and one that would come too soon waits, so an `off` is never lost to the throttle.
 */
export const TYPING_GAP_MS = 2_100;
const POLL_EVERY_MS = 3_000;
/** Failed socket attempts (never reaching `ready`) before HTTP polling takes over. */
const ATTEMPTS_BEFORE_POLLING = 3;
const PAGE = 50;
/** Older history comes in the largest pages the server gives (fewer round trips when scrolling far). */
const OLDER_PAGE = 100;

export function newCid(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(9));
  return `c${Date.now().toString(36)}${Array.from(bytes, (b) => b.toString(36).padStart(2, "0")).join("")}`.slice(
    0,
    64,
  );
}

export function createRoomState(
  roomId: string,
  meId: string,
  api: Api,
  events: RoomEvents = {},
  makeSocket: typeof createLiveSocket = createLiveSocket,
) {
  const messages = signal<Message[]>([]);
  const pending = signal<PendingMessage[]>([]);
  const connection = signal<Connection>("connecting");
  const online = signal<ReadonlySet<string>>(new Set());
  const typing = signal<ReadonlyMap<string, number>>(new Map());
  const readMarks = signal<Readonly<Record<string, number>>>({});
  const summary = signal<RoomSummary | null>(null);
  const hasOlder = signal(true);
  const loadingOlder = signal(false);
  const loaded = signal(false);
  const loadError = signal<string | null>(null);
  const lastError = signal<string | null>(null);

  /** Seqs below this are outside the loaded contiguous range (null: nothing loaded yet). */
  let floor: number | null = null;
  /** Where the room begins now (retention): seqs below it are gone for good. */
  let firstSeq = 0;
  /** Every change up to this rev is reflected here: where a reconnect resumes. */
  let resumeRev: number | null = null;
  /** Highest rev seen live while a catch-up over HTTP was still filling the gap below it. */
  let liveRev = 0;
  let catchingUp = false;
  let replaying = false;
  let failedAttempts = 0;
  let everReady = false;
  /** While polling: the server did not answer; its next answer means it is back. */
  let serverUnreachable = false;
  let readyOnSocket = false;
  let running = false;
  let inFlight: string | null = null;
  let pollTimer: ReturnType<typeof setTimeout> | undefined;
  let resendTimer: ReturnType<typeof setTimeout> | undefined;
  let initTimer: ReturnType<typeof setTimeout> | undefined;
  let initAttempt = 0;
  const typingTimers = new Map<string, ReturnType<typeof setTimeout>>();
  // My own typing: what I want the others to see, what they were last told and when.
  let typingWanted = false;
  let typingTold = false;
  let typingToldAt = 0;
  let typingRenewedAt = 0;
  let typingIdleTimer: ReturnType<typeof setTimeout> | undefined;
  let typingSendTimer: ReturnType<typeof setTimeout> | undefined;
  let myReadSeq = 0;

  const socket: LiveSocket = makeSocket({
    path: () => `/api/rooms/${encodeURIComponent(roomId)}/ws?sinceRev=${resumeRev ?? 0}`,
    onText: (text) => {
      let raw: unknown;
      try {
        raw = JSON.parse(text);
      } catch {
        return;
      }
      const parsed = ServerFrame.safeParse(raw);
      if (parsed.success) onFrame(parsed.data);
    },
    onDown: ({ code, reason }) => {
      inFlight = null;
      replaying = false;
      // A new socket starts with a fresh typing throttle and has told nobody anything.
      clearTimeout(typingSendTimer);
      typingTold = false;
      typingToldAt = 0;
      // Presence comes only over the socket: without it nobody is known to be here (me least).
      if (online.value.size > 0) online.value = new Set();
      if (code === 1008) events.onRefused?.(roomId, reason);
      // A socket that opened but never said `ready` (a proxy that drops it) counts as failed too.
      if (readyOnSocket) failedAttempts = 0;
      else failedAttempts++;
      readyOnSocket = false;
      if (!navigator.onLine) connection.value = "offline";
      else if (failedAttempts >= ATTEMPTS_BEFORE_POLLING) startPolling();
      else if (connection.value !== "polling") connection.value = "reconnecting";
      markQueued();
    },
  });

  // ---- applying what the server says ---------------------------------------------------------

  function apply(incoming: readonly Message[]) {
    const before = messages.value;
    const next = upsertMessages(before, incoming, Math.max(floor ?? 0, firstSeq));
    if (next !== before) messages.value = next;
  }

  function bumpRev(rev: number) {
    if (catchingUp || replaying) liveRev = Math.max(liveRev, rev);
    else resumeRev = Math.max(resumeRev ?? 0, rev);
  }

  function onFrame(frame: ServerFrameType) {
    switch (frame.type) {
      case "ready":
        if (everReady) events.onResumed?.(roomId);
        everReady = true;
        readyOnSocket = true;
        failedAttempts = 0;
        liveRev = 0;
        replaying = true;
        socket.healthy();
        stopPolling();
        batch(() => {
          connection.value = "connected";
          summary.value = frame.room;
          online.value = new Set(frame.online);
          readMarks.value = { ...readMarks.value, ...frame.readMarks };
          lastError.value = null;
        });
        noteMyRead(frame.readMarks[meId] ?? 0);
        flush();
        return;
      case "message":
      case "changed": {
        const isNew =
          frame.type === "message" &&
          !replaying &&
          !messages.value.some((m) => m.seq === frame.message.seq);
        apply([frame.message]);
        bumpRev(frame.message.rev);
        // Sending marks read: a new message is also its sender's read receipt.
        if (frame.type === "message") noteRead(frame.message.sender.id, frame.message.seq);
        if (!replaying) clearTyping(frame.message.sender.id);
        if (isNew) events.onNewMessage?.(roomId, frame.message);
        return;
      }
      case "ack":
        settle(frame.cid);
        bumpRev(frame.rev);
        return;
      case "synced":
        replaying = false;
        if (frame.complete) {
          resumeRev = Math.max(resumeRev ?? 0, frame.rev, catchingUp ? 0 : liveRev);
        } else void catchUp(frame.rev);
        return;
      case "trimmed":
        trim(frame.firstSeq);
        return;
      case "typing":
        if (frame.userId === meId) return;
        if (frame.on) showTyping(frame.userId);
        else clearTyping(frame.userId);
        return;
      case "presence": {
        const next = new Set(online.value);
        if (frame.online) next.add(frame.userId);
        else next.delete(frame.userId);
        online.value = next;
        if (!frame.online) clearTyping(frame.userId);
        return;
      }
      case "read":
        noteRead(frame.userId, frame.seq);
        return;
      case "member":
        if (frame.change === "left") clearTyping(frame.userId);
        events.onMember?.(roomId, frame);
        return;
      case "room":
        summary.value = frame.room;
        events.onRoomChanged?.(roomId, frame);
        return;
      case "error":
        onError(frame);
        return;
    }
  }

  function onError(frame: Extract<ServerFrameType, { type: "error" }>) {
    const item = frame.ref ? pending.value.find((p) => p.cid === frame.ref) : undefined;
    if (!item) {
      lastError.value = frame.message;
      return;
    }
    inFlight = null;
    if (frame.code === "rate_limited") {
      markQueued();
      clearTimeout(resendTimer);
      resendTimer = setTimeout(flush, frame.retryAfterMs ?? 1000);
      return;
    }
    updatePending(item.cid, { status: "failed", error: frame.message });
    flush();
  }

  /** The room now begins at `seq` (retention trimmed it): drop what lies below. */
  function trim(seq: number) {
    if (seq <= firstSeq) return;
    firstSeq = seq;
    // The loaded range reaches down to the new beginning: nothing older is left to page in, so
    // the list says "This is the beginning of the room" instead of waiting for more.
    if (floor !== null && floor <= seq) hasOlder.value = false;
    floor = Math.max(floor ?? 0, seq);
    const at = lowerBound(messages.value, seq);
    if (at === 0) return;
    const removed = messages.value.slice(0, at);
    messages.value = messages.value.slice(at);
    events.onTrimmed?.(roomId, removed);
  }

  /** The replay stopped short (more than the server replays at once): page the rest over HTTP. */
  async function catchUp(fromRev: number) {
    catchingUp = true;
    let rev = fromRev;
    try {
      for (;;) {
        const page = await api.changes(roomId, rev);
        if (page.firstSeq !== undefined) trim(page.firstSeq);
        apply(page.messages);
        rev = page.rev ?? rev;
        if (page.complete !== false) break;
      }
      catchingUp = false;
      resumeRev = Math.max(resumeRev ?? 0, rev, liveRev);
    } catch {
      // The gap stays open: resumeRev still points below it, so the next connection replays it.
      catchingUp = false;
      socket.reconnect();
    }
  }

  /** A read mark moved (a `read` frame, or a message its sender sent): receipts follow. */
  function noteRead(userId: string, seq: number) {
    if ((readMarks.value[userId] ?? 0) < seq) {
      readMarks.value = { ...readMarks.value, [userId]: seq };
    }
    if (userId === meId) noteMyRead(seq);
  }

  function noteMyRead(seq: number) {
    if (seq <= myReadSeq) return;
    myReadSeq = seq;
    events.onRead?.(roomId, seq);
  }

  // ---- typing --------------------------------------------------------------------------------

  function showTyping(userId: string) {
    clearTimeout(typingTimers.get(userId));
    typingTimers.set(
      userId,
      setTimeout(() => clearTyping(userId), TYPING_EXPIRES_MS),
    );
    const next = new Map(typing.value);
    next.set(userId, Date.now());
    typing.value = next;
  }

  function clearTyping(userId: string) {
    clearTimeout(typingTimers.get(userId));
    typingTimers.delete(userId);
    if (!typing.value.has(userId)) return;
    const next = new Map(typing.value);
    next.delete(userId);
    typing.value = next;
  }

  // ---- my outbox: in order, one on the wire at a time, each with its cid ---------------------

  function updatePending(cid: string, change: Partial<PendingMessage>) {
    pending.value = pending.value.map((p) => (p.cid === cid ? { ...p, ...change } : p));
  }

  function markQueued() {
    if (pending.value.some((p) => p.status === "sending")) {
      pending.value = pending.value.map((p) =>
        p.status === "sending" ? { ...p, status: "queued" } : p,
      );
    }
  }

  /** Acknowledged: the message itself comes (or came) as a `message` frame or HTTP answer. */
  function settle(cid: string) {
    if (inFlight === cid) inFlight = null;
    pending.value = pending.value.filter((p) => p.cid !== cid);
    flush();
  }

  function flush() {
    if (inFlight) return;
    const next = pending.value.find((p) => p.status === "queued");
    if (!next) return;
    if (socket.isOpen() && connection.value === "connected") {
      inFlight = next.cid;
      updatePending(next.cid, { status: "sending" });
      socket.send({
        type: "send",
        cid: next.cid,
        body: next.body,
        ...(next.replyTo === null ? {} : { replyTo: next.replyTo }),
      });
    } else if (connection.value === "polling") {
      void sendOverHttp(next);
    }
  }

  async function sendOverHttp(item: PendingMessage) {
    inFlight = item.cid;
    updatePending(item.cid, { status: "sending" });
    try {
      const { message } = await api.send(roomId, {
        cid: item.cid,
        body: item.body,
        ...(item.replyTo === null ? {} : { replyTo: item.replyTo }),
      });
      const isNew = !messages.value.some((m) => m.seq === message.seq);
      apply([message]);
      // As a `message` frame would: sending marks read, and the room list shows it.
      noteRead(meId, message.seq);
      if (isNew) events.onNewMessage?.(roomId, message);
      settle(item.cid);
    } catch (error) {
      inFlight = null;
      const apiError = asApiError(error);
      if (apiError.status === 0 || apiError.status === 429 || apiError.status >= 500) {
        updatePending(item.cid, { status: "queued" });
        clearTimeout(resendTimer);
        resendTimer = setTimeout(flush, apiError.status === 429 ? 1000 : POLL_EVERY_MS);
      } else {
        updatePending(item.cid, { status: "failed", error: apiError.message });
        flush();
      }
    }
  }

  // ---- HTTP polling, when no socket gets through ---------------------------------------------

  function startPolling() {
    if (connection.value === "polling" && pollTimer !== undefined) return;
    // A socket that worked before failed: the server may be down (a restart, a deploy).
    if (everReady) serverUnreachable = true;
    connection.value = "polling";
    clearTimeout(pollTimer);
    pollTimer = setTimeout(poll, 0);
  }

  function stopPolling() {
    clearTimeout(pollTimer);
    pollTimer = undefined;
  }

  async function poll() {
    if (!running || connection.value !== "polling") return;
    try {
      let rev = resumeRev ?? 0;
      for (;;) {
        const page = await api.changes(roomId, rev);
        if (connection.value !== "polling") return;
        // No socket, no `trimmed` frames: the feed says where the room begins instead.
        if (page.firstSeq !== undefined) trim(page.firstSeq);
        const newest = messages.value.at(-1)?.seq ?? 0;
        const fresh = page.messages.filter((m) => m.seq > newest && !m.deleted);
        apply(page.messages);
        for (const message of fresh) {
          if (message.sender.id !== meId) events.onNewMessage?.(roomId, message);
        }
        rev = page.rev ?? rev;
        if (page.complete !== false) break;
      }
      resumeRev = Math.max(resumeRev ?? 0, rev);
      if (serverUnreachable) {
        // The server answers again: try the socket now instead of after the rest of its backoff
        // (up to 30 s), so the room is live again as soon as the server is back.
        serverUnreachable = false;
        socket.retryNow();
      }
      flush();
    } catch {
      // Keep polling; the status line already says we are not live.
      serverUnreachable = true;
    }
    if (running && connection.value === "polling") pollTimer = setTimeout(poll, POLL_EVERY_MS);
  }

  // ---- starting: the newest page over HTTP, then the socket from its rev ----------------------

  async function loadInitial() {
    try {
      const page = await api.history(roomId, undefined, PAGE);
      if (!running) return;
      const oldest = page.messages[0]?.seq ?? 0;
      const older = page.hasMore && oldest > firstSeq;
      floor = older ? oldest : 0;
      resumeRev = page.messages.reduce((max, m) => Math.max(max, m.rev), 0);
      batch(() => {
        apply(page.messages);
        hasOlder.value = older;
        loaded.value = true;
        loadError.value = null;
      });
      socket.start();
    } catch (error) {
      if (!running) return;
      const apiError = asApiError(error);
      if (apiError.status === 404 || apiError.status === 403 || apiError.status === 401) {
        loadError.value = apiError.message;
        return;
      }
      connection.value = navigator.onLine ? "reconnecting" : "offline";
      initTimer = setTimeout(() => void loadInitial(), backoffDelay(initAttempt++));
    }
  }

  return {
    roomId,
    messages: messages as ReadonlySignal<Message[]>,
    pending: pending as ReadonlySignal<PendingMessage[]>,
    connection: connection as ReadonlySignal<Connection>,
    online: online as ReadonlySignal<ReadonlySet<string>>,
    typing: typing as ReadonlySignal<ReadonlyMap<string, number>>,
    readMarks: readMarks as ReadonlySignal<Readonly<Record<string, number>>>,
    summary: summary as ReadonlySignal<RoomSummary | null>,
    hasOlder: hasOlder as ReadonlySignal<boolean>,
    loadingOlder: loadingOlder as ReadonlySignal<boolean>,
    loaded: loaded as ReadonlySignal<boolean>,
    loadError: loadError as ReadonlySignal<string | null>,
    /** The last refusal of an action (edit, delete, react), for the status line. */
    lastError: lastError as ReadonlySignal<string | null>,

    /** Connects (again); the state kept from before is brought up to date from its rev. */
    open() {
      if (running) return;
      running = true;
      if (!everReady && connection.value !== "polling") connection.value = "connecting";
      if (resumeRev === null) void loadInitial();
      else socket.start();
    },

    /** Disconnects; messages and the outbox stay for when the room opens again. */
    close() {
      running = false;
      socket.stop();
      stopPolling();
      clearTimeout(resendTimer);
      clearTimeout(initTimer);
      clearTimeout(typingIdleTimer);
      clearTimeout(typingSendTimer);
      typingWanted = false;
      for (const timer of typingTimers.values()) clearTimeout(timer);
      typingTimers.clear();
      typing.value = new Map();
      inFlight = null;
      markQueued();
      if (connection.value !== "polling") connection.value = "reconnecting";
    },

    hasUnsent: () => pending.value.some((p) => p.status !== "failed"),

    async loadOlder(): Promise<void> {
      if (loadingOlder.value || !hasOlder.value || floor === null) return;
      loadingOlder.value = true;
      try {
        const oldest = messages.value[0]?.seq;
        const page = await api.history(roomId, oldest ?? floor, OLDER_PAGE);
        // A trim may have come while the page was on its way: nothing below it is older history.
        const first = page.messages[0]?.seq ?? 0;
        const older = page.hasMore && first > firstSeq;
        batch(() => {
          floor = older ? first : 0;
          apply(page.messages);
          hasOlder.value = older;
        });
      } catch (error) {
        lastError.value = asApiError(error).message;
      } finally {
        loadingOlder.value = false;
      }
    },

    /** Queues a message; it goes out as soon as there is a connection, exactly once. */
    send(body: string, replyTo: number | null = null): string | null {
      const text = cleanBody(body);
      const problem = bodyProblem(text);
      if (problem) return problem.message;
      // The message itself ends my typing indicator for the others (they clear it when it
      // arrives): no `off` needed, and the next keystroke may say `on` again.
      clearTimeout(typingIdleTimer);
      clearTimeout(typingSendTimer);
      typingWanted = false;
      typingTold = false;
      pending.value = [
        ...pending.value,
        {
          cid: newCid(),
          body: text,
          replyTo,
          createdAt: new Date().toISOString(),
          status: "queued",
        },
      ];
      flush();
      return null;
    },

    retry(cid: string) {
      updatePending(cid, { status: "queued", error: undefined });
      flush();
    },

    discard(cid: string) {
      pending.value = pending.value.filter((p) => p.cid !== cid || p.status === "sending");
    },

    async edit(seq: number, body: string): Promise<void> {
      const { message } = await api.edit(roomId, seq, body);
      apply([message]);
    },

    async remove(seq: number): Promise<void> {
      const { message } = await api.deleteMessage(roomId, seq);
      apply([message]);
    },

    async react(seq: number, emoji: string, on: boolean): Promise<void> {
      // The server's rule, so a bad reaction is refused here without a round trip.
      if (!isEmoji(emoji)) {
        lastError.value = "A reaction is exactly one emoji";
        return;
      }
      try {
        const { message } = await api.react(roomId, seq, emoji, on);
        apply([message]);
      } catch (error) {
        lastError.value = asApiError(error).message;
      }
    },

    /** Marks everything loaded as read (call while the room is visible and focused). */
    markRead() {
      const last = messages.value.at(-1)?.seq ?? 0;
      if (last <= myReadSeq) return;
      noteMyRead(last);
      readMarks.value = { ...readMarks.value, [meId]: last };
      if (!socket.send({ type: "read", seq: last })) {
        api.markRead(roomId, last).catch(() => {
          // Best effort: the next visit marks it again.
        });
      }
    },

    /** Called as I type: `typing on` renewed every few seconds, `off` after a pause. */
    typed(text: string) {
      if (text.trim() === "") {
        stopTyping();
        return;
      }
      typingWanted = true;
      tellTyping();
      clearTimeout(typingIdleTimer);
      typingIdleTimer = setTimeout(stopTyping, TYPING_IDLE_MS);
    },

    stopTyping,

    readSeq: () => myReadSeq,

    setInitialReadSeq(seq: number) {
      if (seq > myReadSeq) myReadSeq = seq;
    },
  };

  function stopTyping() {
    clearTimeout(typingIdleTimer);
    typingWanted = false;
    tellTyping();
  }

  /** Tells the others what `typingWanted` says if they need to hear it, within the throttle. */
  function tellTyping() {
    clearTimeout(typingSendTimer);
    const now = Date.now();
    const due = typingWanted ? !typingTold || now - typingRenewedAt >= TYPING_RENEW_MS : typingTold;
    if (!due) return;
    const wait = typingToldAt + TYPING_GAP_MS - now;
    if (wait > 0) {
      typingSendTimer = setTimeout(tellTyping, wait);
      return;
    }
    if (!socket.send({ type: "typing", on: typingWanted })) return;
    typingToldAt = now;
    typingTold = typingWanted;
    if (typingWanted) typingRenewedAt = now;
  }
}

export type RoomState = ReturnType<typeof createRoomState>;
