// One room, live: its messages (upserted by seq, newer rev wins), my outbox of messages not yet
// acknowledged, presence, typing and read marks — the signals the components read and the
// actions they call. The machines are connection.ts, outbox.ts, timeline.ts and presence.ts;
// live.ts drives them over the injected transport (the browser's socket and fetch by default).
import type { ReadonlySignal } from "@preact/signals";
import { signal } from "@preact/signals";
import type { Message } from "../../../src/shared/protocol";
import { bodyProblem } from "../../../src/shared/protocol/rules";
import { cleanBody, isEmoji } from "../../../src/shared/text";
import { asApiError } from "../../net/api";
import type { Connection } from "./connection";
import { createLiveRoom, type RoomApi, type RoomDeps } from "./live";
import * as box from "./outbox";
import type * as who from "./presence";
import * as tl from "./timeline";
import type { RoomEvents, RoomSummary } from "./types";

export type { Clock } from "./clock";
export type { Connection } from "./connection";
export type { RoomApi, RoomDeps } from "./live";
export { newCid, type PendingMessage } from "./outbox";
export { TYPING_GAP_MS } from "./presence";
export type { MemberFrame, RoomEvents, RoomFrame, RoomSummary } from "./types";

/** Older history comes in the largest pages the server gives (fewer round trips when scrolling far). */
const OLDER_PAGE = 100;

export function createRoomState(
  roomId: string,
  meId: string,
  api: RoomApi,
  events: RoomEvents = {},
  deps: RoomDeps = {},
) {
  const live = createLiveRoom(roomId, meId, api, events, deps);
  const { messages, pending, connection, online, onlineCount, readMarks, summary, hasOlder } =
    live.signals;
  const { loaded, loadError, lastError } = live.status;
  const loadingOlder = signal(false);

  return {
    roomId,
    messages: messages as ReadonlySignal<Message[]>,
    pending: pending as ReadonlySignal<box.PendingMessage[]>,
    connection: connection as ReadonlySignal<Connection>,
    online: online as ReadonlySignal<who.Online>,
    /** How many are online: the server's count (a big room's `ready` lists only some of them). */
    onlineCount: onlineCount as ReadonlySignal<number>,
    typing: live.typing.others,
    readMarks: readMarks as ReadonlySignal<who.ReadMarks>,
    summary: summary as ReadonlySignal<RoomSummary | null>,
    hasOlder: hasOlder as ReadonlySignal<boolean>,
    loadingOlder: loadingOlder as ReadonlySignal<boolean>,
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

    async loadOlder(): Promise<void> {
      const before = tl.olderBefore(live.timeline());
      if (loadingOlder.value || before === null) return;
      loadingOlder.value = true;
      try {
        const page = await api.history(roomId, before, OLDER_PAGE);
        live.setTimeline(tl.page(live.timeline(), page));
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
      live.typing.sent();
      const createdAt = new Date(live.clock.now()).toISOString();
      const item = { cid: box.newCid(), body: text, replyTo, createdAt, status: "queued" as const };
      live.setOutbox(box.enqueue(live.outbox(), item));
      live.flush();
      return null;
    },

    retry(cid: string) {
      live.setOutbox(box.retry(live.outbox(), cid));
      live.flush();
    },

    discard: (cid: string) => live.setOutbox(box.discard(live.outbox(), cid)),

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
