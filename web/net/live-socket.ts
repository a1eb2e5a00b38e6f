// A WebSocket that comes back by itself: exponential backoff with jitter between attempts, a
// keep-alive ping that also notices dead connections, and a quick retry when the browser says
// it is back online. What the frames mean is the owner's business.

const PING_EVERY_MS = 30_000;
const PONG_WITHIN_MS = 10_000;

/** Delay before retry number `attempt` (0-based): doubling up to `maxMs`, half of it random. */
export function backoffDelay(
  attempt: number,
  baseMs = 500,
  maxMs = 30_000,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 16));
  // "Equal jitter": never hammering at once, never waiting longer than the ceiling.
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

export interface LiveSocketHandlers {
  /** The path (and query) to connect to, asked again before every attempt. */
  path: () => string;
  onOpen?: () => void;
  onText: (text: string) => void;
  /** The socket closed (or never opened); `opened` tells which. A retry is already scheduled. */
  onDown?: (info: { opened: boolean; code: number; reason: string; retryInMs: number }) => void;
  maxDelayMs?: number;
}

export interface LiveSocket {
  start(): void;
  stop(): void;
  /** Sends a frame if the socket is open; false when it is not (the caller keeps it for later). */
  send(frame: unknown): boolean;
  isOpen(): boolean;
  /** The protocol said hello: the next failure starts the backoff from the beginning. */
  healthy(): void;
  /** Drops the current connection (if any) and connects again now. */
  reconnect(): void;
  /** The server is reachable again: connect now if waiting to retry, the backoff starting over. */
  retryNow(): void;
}

export function wsUrl(path: string): string {
  const url = new URL(path, location.href);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  return url.toString();
}

export function createLiveSocket(handlers: LiveSocketHandlers): LiveSocket {
  let socket: WebSocket | null = null;
  let attempt = 0;
  let stopped = true;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let pingTimer: ReturnType<typeof setInterval> | undefined;
  let pongTimer: ReturnType<typeof setTimeout> | undefined;

  function clearTimers() {
    clearTimeout(retryTimer);
    clearInterval(pingTimer);
    clearTimeout(pongTimer);
  }

  function down(opened: boolean, code: number, reason = "") {
    clearTimers();
    socket = null;
    if (stopped) return;
    const retryInMs = backoffDelay(attempt++, 500, handlers.maxDelayMs ?? 30_000);
    retryTimer = setTimeout(connect, retryInMs);
    handlers.onDown?.({ opened, code, reason, retryInMs });
  }

  function connect() {
    clearTimers();
    if (stopped) return;
    let ws: WebSocket;
    try {
      ws = new WebSocket(wsUrl(handlers.path()));
    } catch {
      down(false, 0);
      return;
    }
    socket = ws;
    let opened = false;
    ws.onopen = () => {
      if (socket !== ws) return;
      opened = true;
      pingTimer = setInterval(() => {
        if (ws.readyState !== WebSocket.OPEN) return;
        ws.send("ping");
        clearTimeout(pongTimer);
        pongTimer = setTimeout(() => drop(ws), PONG_WITHIN_MS);
      }, PING_EVERY_MS);
      handlers.onOpen?.();
    };
    ws.onmessage = (event) => {
      if (socket !== ws || typeof event.data !== "string") return;
      if (event.data === "pong") {
        clearTimeout(pongTimer);
        return;
      }
      handlers.onText(event.data);
    };
    ws.onclose = (event) => {
      if (socket === ws) down(opened, event.code, event.reason);
    };
  }

  /** Gives up on a socket at once (a dead connection may take minutes to report its close). */
  function drop(ws: WebSocket) {
    ws.onclose = null;
    ws.onmessage = null;
    try {
      ws.close();
    } catch {
      // Closing a socket that never opened may throw in some browsers.
    }
    if (socket === ws) down(true, 1006);
  }

  const onOnline = () => {
    if (stopped) return;
    attempt = 0;
    if (!socket) connect();
  };
  const onOffline = () => {
    if (socket) drop(socket);
  };

  return {
    start() {
      if (!stopped) return;
      stopped = false;
      attempt = 0;
      window.addEventListener("online", onOnline);
      window.addEventListener("offline", onOffline);
      connect();
    },
    stop() {
      stopped = true;
      clearTimers();
      window.removeEventListener("online", onOnline);
      window.removeEventListener("offline", onOffline);
      const ws = socket;
      socket = null;
      if (ws) {
        ws.onclose = null;
        ws.onmessage = null;
        ws.close(1000);
      }
    },
    send(frame) {
      if (socket?.readyState !== WebSocket.OPEN) return false;
      socket.send(JSON.stringify(frame));
      return true;
    },
    isOpen: () => socket?.readyState === WebSocket.OPEN,
    healthy() {
      attempt = 0;
    },
    reconnect() {
      if (stopped) return;
      if (socket) drop(socket);
      clearTimeout(retryTimer);
      connect();
    },
    retryNow() {
      // A socket already open or on its way settles by itself.
      if (stopped || socket) return;
      attempt = 0;
      connect();
    },
  };
}
