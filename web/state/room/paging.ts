// Moving the room's window over its history: older and newer pages as the reader nears either
// end, a jump to a message (a page around it, in place of the window: links, replies,
// notifications) and back to the newest. Each move asks for its page and hands the window
// (timeline.ts) to the live room, which keeps what frames say meanwhile.
import { type ReadonlySignal, signal } from "@preact/signals";
import { asApiError, type MessagePage } from "../../net/api";
import type { createLiveRoom, RoomApi } from "./live";
import * as tl from "./timeline";

type LiveRoom = ReturnType<typeof createLiveRoom>;

/** Pages come in the largest size the server gives (fewer round trips when scrolling far). */
const PAGE = 100;
/** A window opened at a message: about half before it, half after. */
const AROUND_PAGE = 50;

export const MISSING_MESSAGE = "That message is not in this room any more.";

export function createPaging(roomId: string, api: RoomApi, live: LiveRoom) {
  const loadingOlder = signal(false);
  const loadingNewer = signal(false);
  /** The message to bring into view and highlight: a new object each time it is asked for. */
  const focus = signal<{ seq: number } | null>(null);
  /** The message the first load should open at (set before the room has loaded). */
  let aim: number | null = null;
  /** Bumped whenever the window is replaced: pages asked for before it no longer fit. */
  let generation = 0;
  let toLatest: Promise<void> | null = null;

  /** Brings `seq` into view if the window holds it, else says it is gone. */
  function focusOn(seq: number, t: tl.Timeline): void {
    if (tl.holds(t, seq)) focus.value = { seq };
    else live.status.lastError.value = MISSING_MESSAGE;
  }

  /** Replaces the window with one built from a page fetched now; a later replacement wins. */
  async function replace(
    load: () => Promise<MessagePage>,
    build: (t: tl.Timeline, page: MessagePage) => tl.Timeline,
  ): Promise<boolean> {
    const mine = ++generation;
    try {
      await live.replaceWindow(async () => {
        const page = await load();
        return mine === generation ? (t) => build(t, page) : null;
      });
    } catch (error) {
      live.status.lastError.value = asApiError(error).message;
      return false;
    }
    return mine === generation;
  }

  async function loadOlder(): Promise<void> {
    const before = tl.olderBefore(live.timeline());
    if (loadingOlder.value || before === null) return;
    loadingOlder.value = true;
    const mine = generation;
    try {
      const page = await api.history(roomId, before, PAGE);
      if (mine === generation) live.setTimeline(tl.page(live.timeline(), page));
    } catch (error) {
      live.status.lastError.value = asApiError(error).message;
    } finally {
      loadingOlder.value = false;
    }
  }

  async function loadNewer(): Promise<void> {
    const after = tl.newerAfter(live.timeline());
    if (loadingNewer.value || after === null) return;
    loadingNewer.value = true;
    const mine = generation;
    try {
      const page = await api.newer(roomId, after, PAGE);
      if (mine === generation) live.setTimeline(tl.newer(live.timeline(), page));
    } catch (error) {
      live.status.lastError.value = asApiError(error).message;
    } finally {
      loadingNewer.value = false;
    }
  }

  return {
    loadingOlder: loadingOlder as ReadonlySignal<boolean>,
    loadingNewer: loadingNewer as ReadonlySignal<boolean>,
    focus: focus as ReadonlySignal<{ seq: number } | null>,
    loadOlder,
    loadNewer,

    /** The first load's hook (live.ts): the newest page, or a window around the aimed message. */
    async open(newest: tl.Timeline): Promise<tl.Timeline> {
      const seq = aim;
      if (seq === null) return newest;
      let opened = newest;
      // Older than the newest page: a page around it. Newer than the newest: no such message.
      if (!tl.holds(newest, seq) && seq < tl.newestSeq(newest)) {
        opened = tl.around(newest, await api.around(roomId, seq, AROUND_PAGE));
      }
      if (aim === seq) aim = null;
      focusOn(seq, opened);
      return opened;
    },

    /** Opens the room at message `seq`: in view and highlighted, its neighbours loaded around it. */
    async showMessage(seq: number): Promise<void> {
      if (!live.status.loaded.value) {
        aim = seq;
        return;
      }
      const current = live.timeline();
      if (tl.holds(current, seq)) {
        focus.value = { seq };
        return;
      }
      const jumped = await replace(
        () => api.around(roomId, seq, AROUND_PAGE),
        (t, page) => tl.around(t, page),
      );
      if (jumped) focusOn(seq, live.timeline());
    },

    /** Back to the newest messages, when the window stops short of them (one move at a time). */
    showLatest(): Promise<void> {
      aim = null;
      focus.value = null;
      if (tl.newerAfter(live.timeline()) === null) return Promise.resolve();
      toLatest ??= replace(
        () => api.history(roomId, undefined, AROUND_PAGE),
        (t, page) => tl.latest(t, page),
      ).then(() => {
        toLatest = null;
      });
      return toLatest;
    },
  };
}
