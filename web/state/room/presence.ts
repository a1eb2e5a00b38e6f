// Who is here and what they are doing: online people, who is typing (shown until an `off`, their
// message, or expiry), read marks, and my own typing as the others should see it within the
// server's throttle. Pure functions over plain values; the driver owns the timers. (Members —
// joins, departures, roles — are room-members.ts, applied by the app.)

export const TYPING_EXPIRES_MS = 6_000;
export const TYPING_RENEW_MS = 3_000;
export const TYPING_IDLE_MS = 4_000;
/**
 * The server passes on one typing frame per 2 s per socket, `on` and `off` alike, and drops
 * the rest: frames are spaced at least this far apart (a little more, as frames bunch on the
 * way), and one that would come too soon waits, so an `off` is never lost to the throttle.
 */
export const TYPING_GAP_MS = 2_100;

export type Online = ReadonlySet<string>;
/** Who is typing, since when (ms). */
export type Typing = ReadonlyMap<string, number>;
export type ReadMarks = Readonly<Record<string, number>>;

export function setOnline(online: Online, userId: string, on: boolean): Online {
  if (online.has(userId) === on) return online;
  const next = new Set(online);
  if (on) next.add(userId);
  else next.delete(userId);
  return next;
}

export function startTyping(typing: Typing, userId: string, now: number): Typing {
  return new Map(typing).set(userId, now);
}

export function stopTyping(typing: Typing, userId: string): Typing {
  if (!typing.has(userId)) return typing;
  const next = new Map(typing);
  next.delete(userId);
  return next;
}

/** A read (or delivery) mark moves only forward (same object back when it does not move). */
export function noteRead(marks: ReadMarks, userId: string, seq: number): ReadMarks {
  return (marks[userId] ?? 0) < seq ? { ...marks, [userId]: seq } : marks;
}

/** My typing: what I want the others to see, what they were last told and when. */
export interface MyTyping {
  wanted: boolean;
  told: boolean;
  toldAt: number;
  renewedAt: number;
}

export const quietTyping: MyTyping = { wanted: false, told: false, toldAt: 0, renewedAt: 0 };

/** A new socket starts with a fresh throttle and has told nobody anything. */
export const freshSocket = (t: MyTyping): MyTyping => ({ ...t, told: false, toldAt: 0 });

/**
 * What to tell the others now: nothing, a frame after `ms` (the throttle), or a frame now —
 * and the state once it is sent (the driver keeps it only if the socket took the frame).
 */
export type TypingStep =
  | { kind: "none" }
  | { kind: "wait"; ms: number }
  | { kind: "send"; on: boolean; sent: MyTyping };

export function tellTyping(t: MyTyping, now: number): TypingStep {
  const due = t.wanted ? !t.told || now - t.renewedAt >= TYPING_RENEW_MS : t.told;
  if (!due) return { kind: "none" };
  const wait = t.toldAt + TYPING_GAP_MS - now;
  if (wait > 0) return { kind: "wait", ms: wait };
  return {
    kind: "send",
    on: t.wanted,
    sent: { ...t, toldAt: now, told: t.wanted, renewedAt: t.wanted ? now : t.renewedAt },
  };
}
