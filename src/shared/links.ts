// The web client's addresses: `/` the home, `/r/:roomId` a room, `/r/:roomId/m/:seq` a message in
// it, `/r/:roomId/t/:seq` the room with the thread of that message open. Pure paths in and out,
// free of the DOM, so the client and a service worker (a notification's click) read and write
// them the same way.

/** Where an address leads: home, a room (at a message when `seq` is set), or a room's thread. */
export type Link =
  | { kind: "home" }
  | { kind: "room"; roomId: string; seq: number | null }
  | { kind: "thread"; roomId: string; rootSeq: number };

/** Room ids are at most this long (`Id` in api.ts): a longer path names no room. */
const ROOM_ID_MAX = 64;

const ROOM_PATH = /^\/r\/([^/]+)(?:\/([mt])\/([1-9][0-9]{0,15}))?\/?$/;

/** The path of a room, of one of its messages, or of one of its threads. */
export function linkPath(link: Link): string {
  if (link.kind === "home") return "/";
  const room = `/r/${encodeURIComponent(link.roomId)}`;
  if (link.kind === "thread") return `${room}/t/${link.rootSeq}`;
  return link.seq === null ? room : `${room}/m/${link.seq}`;
}

export const roomPath = (roomId: string) => linkPath({ kind: "room", roomId, seq: null });

export const messagePath = (roomId: string, seq: number) => linkPath({ kind: "room", roomId, seq });

/** The room with the thread of its message `rootSeq` open beside it. */
export const threadPath = (roomId: string, rootSeq: number) =>
  linkPath({ kind: "thread", roomId, rootSeq });

/**
 * What a path (a URL's pathname, without query or hash) leads to, or null when it names nothing
 * of ours. Never throws: the path is whatever was typed or pasted.
 */
export function parseLink(path: string): Link | null {
  if (path === "/" || path === "") return { kind: "home" };
  const match = ROOM_PATH.exec(path);
  if (!match?.[1]) return null;
  let roomId: string;
  try {
    roomId = decodeURIComponent(match[1]);
  } catch {
    return null;
  }
  if (roomId === "" || roomId.length > ROOM_ID_MAX) return null;
  const seq = match[3] === undefined ? null : Number(match[3]);
  if (seq !== null && !Number.isSafeInteger(seq)) return null;
  if (seq !== null && match[2] === "t") return { kind: "thread", roomId, rootSeq: seq };
  return { kind: "room", roomId, seq };
}

/**
 * Pages reached from outside, signed in or not: an invite link (`/invite/:code`, what
 * POST /api/invites answers as `url`) and the one-time link that sets a password
 * (`/set-password#token=…`: the token rides in the fragment, never sent to a server).
 */
export type OnboardingLink = { kind: "invite"; code: string } | { kind: "set-password" };

const INVITE_PATH = /^\/invite\/([^/]{1,64})\/?$/;

export const invitePath = (code: string) => `/invite/${encodeURIComponent(code)}`;

/** An onboarding page's link, or null for any other path. Never throws. */
export function parseOnboardingLink(path: string): OnboardingLink | null {
  if (path === "/set-password" || path === "/set-password/") return { kind: "set-password" };
  const match = INVITE_PATH.exec(path);
  if (!match?.[1]) return null;
  try {
    return { kind: "invite", code: decodeURIComponent(match[1]) };
  } catch {
    return null;
  }
}
