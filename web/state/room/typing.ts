// Typing, with its timers: the others' indicators (each expires unless renewed) and mine, told
// over the socket within the server's throttle. The decisions are presence.ts's pure functions.
import { type ReadonlySignal, signal } from "@preact/signals";
import type { Clock, Timer } from "./clock";
import * as who from "./presence";

export function createTyping(clock: Clock, send: (on: boolean) => boolean) {
  const others = signal<who.Typing>(new Map());
  const expiries = new Map<string, Timer>();
  let mine = who.quietTyping;
  let idleTimer: Timer | undefined;
  let sendTimer: Timer | undefined;

  function clear(userId: string) {
    clock.clearTimeout(expiries.get(userId));
    expiries.delete(userId);
    others.value = who.stopTyping(others.value, userId);
  }

  /** Tells the others what I want them to see if they need to hear it, within the throttle. */
  function tell() {
    clock.clearTimeout(sendTimer);
    const step = who.tellTyping(mine, clock.now());
    if (step.kind === "wait") sendTimer = clock.setTimeout(tell, step.ms);
    else if (step.kind === "send" && send(step.on)) mine = step.sent;
  }

  function stop() {
    clock.clearTimeout(idleTimer);
    mine = { ...mine, wanted: false };
    tell();
  }

  return {
    others: others as ReadonlySignal<who.Typing>,

    show(userId: string) {
      clock.clearTimeout(expiries.get(userId));
      expiries.set(
        userId,
        clock.setTimeout(() => clear(userId), who.TYPING_EXPIRES_MS),
      );
      others.value = who.startTyping(others.value, userId, clock.now());
    },

    clear,

    /** I typed: `on` renewed every few seconds while I type, `off` after a pause. */
    typed(text: string) {
      if (text.trim() === "") return stop();
      mine = { ...mine, wanted: true };
      tell();
      clock.clearTimeout(idleTimer);
      idleTimer = clock.setTimeout(stop, who.TYPING_IDLE_MS);
    },

    stop,

    /**
     * My message ends my indicator for the others (they clear it when it arrives): no `off`
     * needed, and the next keystroke may say `on` again.
     */
    sent() {
      clock.clearTimeout(idleTimer);
      clock.clearTimeout(sendTimer);
      mine = { ...mine, wanted: false, told: false };
    },

    /** The socket is gone: the next one starts with a fresh throttle and has told nobody. */
    socketDown() {
      clock.clearTimeout(sendTimer);
      mine = who.freshSocket(mine);
    },

    close() {
      clock.clearTimeout(idleTimer);
      clock.clearTimeout(sendTimer);
      mine = { ...mine, wanted: false };
      for (const timer of expiries.values()) clock.clearTimeout(timer);
      expiries.clear();
      others.value = new Map();
    },
  };
}
