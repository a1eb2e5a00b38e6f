// What a push becomes on screen: the Worker's payloads (docs/api.md, "Push notifications") read
// without trusting them, the notification each one shows, and whether to show it at all. Pure:
// the service worker (web/sw/index.ts) runs it, the tests call it directly.
import { messagePath, threadPath } from "../../src/shared/links";
import type { MessagePush, PushPayload, TestPush } from "../../src/shared/protocol";
import { plainText } from "../lib/rich-text";

export type { MessagePush, PushPayload, TestPush };

/** What `showNotification` is given. `renotify` is missing from TypeScript's DOM types. */
export interface NotificationSpec {
  title: string;
  options: NotificationOptions & { renotify?: boolean };
}

/** The app's mark as a notification icon (a raster copy of the favicon: web/public). */
export const ICON_URL = "/icon-192.png";

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null;
const nonEmpty = (value: unknown): value is string => typeof value === "string" && value !== "";

/**
 * A push's decrypted JSON as a payload, or null for anything else (a newer server's kind, a
 * broken body): never throws. What a link needs (room, seq) must be there; the rest has defaults.
 */
export function parsePush(data: unknown): PushPayload | null {
  if (!isObject(data)) return null;
  if (data.type === "test") return { type: "test" };
  if (data.type !== "message") return null;
  const { roomId, seq, sender } = data;
  if (!nonEmpty(roomId) || !Number.isSafeInteger(seq) || (seq as number) < 1) return null;
  const count = Number.isSafeInteger(data.count) ? Math.max(1, data.count as number) : 1;
  return {
    type: "message",
    roomId,
    roomName: nonEmpty(data.roomName) ? data.roomName : "Confab",
    seq: seq as number,
    threadOf:
      Number.isSafeInteger(data.threadOf) && (data.threadOf as number) > 0
        ? (data.threadOf as number)
        : null,
    sender: {
      id: isObject(sender) && typeof sender.id === "string" ? sender.id : "",
      name: isObject(sender) && nonEmpty(sender.name) ? sender.name : "Someone",
    },
    excerpt: typeof data.excerpt === "string" ? data.excerpt : "",
    mention: data.mention === true,
    count,
  };
}

/** Where a notification leads: the message in its room (the client's own links). */
export const messageUrl = messagePath;

/** The notification a push shows: one per room (its tag), each new one alerting again. */
export function notificationFor(push: PushPayload): NotificationSpec {
  if (push.type === "test") {
    return {
      title: "Confab",
      options: { body: "Notifications work on this device.", icon: ICON_URL, tag: "confab-test" },
    };
  }
  // The excerpt is the message's text as typed: show its words, not its Markdown markers.
  const words = plainText(push.excerpt).replace(/\s+/g, " ").trim();
  const line = words ? `${push.sender.name}: ${words}` : push.sender.name;
  return {
    title: push.roomName,
    options: {
      body: push.count > 1 ? `${push.count} new messages · ${line}` : line,
      icon: ICON_URL,
      tag: push.roomId,
      renotify: true,
      // A thread reply opens its thread, beside the room.
      data: {
        url:
          push.threadOf != null
            ? threadPath(push.roomId, push.threadOf)
            : messageUrl(push.roomId, push.seq),
      },
    },
  };
}

/** What a push that cannot be read shows (a newer server, a broken body): a plain notice. */
export const UNKNOWN_PUSH: NotificationSpec = {
  title: "Confab",
  options: {
    body: "There is something new in Confab.",
    icon: ICON_URL,
    tag: "confab",
    data: { url: "/" },
  },
};

/**
 * Whether to show a push. A message is not shown while a Confab window has focus: that window
 * shows it already (in the room, or as the room list's badges and the tab's title). A test push
 * always shows: it is asked for from a focused window.
 */
export function shouldShow(push: PushPayload, windows: readonly { focused: boolean }[]): boolean {
  return push.type === "test" || !windows.some((w) => w.focused);
}

/** A notification's `data.url` as a path of this site, else the app's root. */
export function targetUrl(data: unknown, origin: string): string {
  const url = isObject(data) && typeof data.url === "string" ? data.url : "/";
  try {
    const parsed = new URL(url, origin);
    return parsed.origin === origin ? `${parsed.pathname}${parsed.search}${parsed.hash}` : "/";
  } catch {
    return "/";
  }
}
