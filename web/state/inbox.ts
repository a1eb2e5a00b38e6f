// My inbox socket (`GET /api/me/ws`, docs/api.md "Inbox WebSocket"): activity in rooms other than the open one and
// membership changes. While it is not connected (down, or not served by this instance), the
// room list is refreshed over HTTP every few seconds instead.
import type { InboxRoomFrame, MembershipChange } from "../../src/shared/protocol";
import { inboxFrameReader, loadFrameSchemas } from "../net/frames";
import { createLiveSocket } from "../net/live-socket";

const FALLBACK_REFRESH_MS = 5_000;

export interface InboxHandlers {
  onRoom: (frame: InboxRoomFrame) => void;
  onMembership: (roomId: string, change: MembershipChange, banned: boolean) => void;
  /** My workspaces changed (added, removed, a new role): they should be fetched again. */
  onWorkspace?: (workspaceId: string, change: MembershipChange) => void;
  /** The list should be fetched again: after (re)connecting, and periodically while down. */
  refresh: () => void;
  /** The server closed the inbox for good reasons of policy: the session ended or the account was disabled. */
  onRefused?: (reason: string) => void;
}

export function createInbox(handlers: InboxHandlers, makeSocket = createLiveSocket) {
  let live = false;
  let fallbackTimer: ReturnType<typeof setInterval> | undefined;

  function fallback(on: boolean) {
    clearInterval(fallbackTimer);
    fallbackTimer = on ? setInterval(handlers.refresh, FALLBACK_REFRESH_MS) : undefined;
  }

  const socket = makeSocket({
    path: () => "/api/me/ws",
    maxDelayMs: 60_000,
    before: loadFrameSchemas,
    onText: inboxFrameReader((frame) => {
      switch (frame.type) {
        case "ready":
          live = true;
          socket.healthy();
          fallback(false);
          // Whatever happened while the socket was down.
          handlers.refresh();
          return;
        case "room":
          handlers.onRoom(frame);
          return;
        case "membership":
          handlers.onMembership(frame.roomId, frame.change, frame.banned ?? false);
          return;
        case "workspace":
          handlers.onWorkspace?.(frame.workspaceId, frame.change);
          return;
        case "error":
          return;
      }
    }),
    onDown({ code, reason }) {
      if (code === 1008) handlers.onRefused?.(reason);
      if (live) handlers.refresh();
      live = false;
      if (fallbackTimer === undefined) fallback(true);
    },
  });

  return {
    start() {
      fallback(true);
      socket.start();
    },
    stop() {
      live = false;
      fallback(false);
      socket.stop();
    },
    isLive: () => live,
  };
}

export type Inbox = ReturnType<typeof createInbox>;
