// The web client's addresses: `/` the home, `/r/:roomId` a room, `/r/:roomId/m/:seq` a message in
// it. Pure paths in and out, free of the DOM, so the client and a service worker (a notification's
// click) read and write them the same way.

/** Where an address leads: home, or a room (at a message when `seq` is set). */
export type Link = { kind: "home" } | { kind: "room"; roomId: string; seq: number | null };

/** Room ids are at most this long (`Id` in api.ts): a longer path names no room. */
const ROOM_ID_MAX = 64;

const ROOM_PATH = /^\/r\/([^/]+)(?:\/m\/([1-9][0-9]{0,15}))?\/?$/;

/** The path of a room, or of one of its messages. */
export function linkPath(link: Link): string {
  if (link.kind === "home") return "/";
  const room = `/r/${encodeURIComponent(link.roomId)}`;
  return link.seq === null ? room : `${room}/m/${link.seq}`;
}

export const roomPath = (roomId: string) => linkPath({ kind: "room", roomId, seq: null });

export const messagePath = (roomId: string, seq: number) => linkPath({ kind: "room", roomId, seq });

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
  const seq = match[2] === undefined ? null : Number(match[2]);
  if (seq !== null && !Number.isSafeInteger(seq)) return null;
  return { kind: "room", roomId, seq };
}
