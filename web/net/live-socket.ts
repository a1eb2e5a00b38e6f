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
  /** What must have loaded before the first connect (the frame schemas); connects anyway if it fails. */
  before?: () => Promise<unknown>;
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

/** The little of a WebSocket this file uses (a browser WebSocket is one). */
export interface SocketLike {
  readonly readyState: number;
  send(text: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
}

/**
 * Where sockets come from: the browser's WebSocket to this origin by default; tests hand in
 * their own (workerd's `SELF.fetch` upgrades, with chaos). `network` tells of online/offline.
 */
export interface SocketTransport {
  open(path: string): SocketLike;
  network?: Pick<Window, "addEventListener" | "removeEventListener"> | null;
}

const OPEN = 1;

export const browserTransport: SocketTransport = {
  open: (path) => new WebSocket(wsUrl(path)) as unknown as SocketLike,
  get network() {
    return typeof window === "undefined" ? null : window;
  },
};

export function wsUrl(path: string): string {
  const url = new URL(path, location.href);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  return url.toString();
}

export function createLiveSocket(
  handlers: LiveSocketHandlers,
  transport: SocketTransport = browserTransport,
): LiveSocket {
  let socket: SocketLike | null = null;
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
    let ws: SocketLike;
    try {
      ws = transport.open(handlers.path());
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
        if (ws.readyState !== OPEN) return;
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
  function drop(ws: SocketLike) {
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
      transport.network?.addEventListener("online", onOnline);
      transport.network?.addEventListener("offline", onOffline);
      const before = handlers.before;
      if (!before) return connect();
      const go = () => {
        if (!socket) connect();
      };
      before().then(go, go);
    },
    stop() {
      stopped = true;
      clearTimers();
      transport.network?.removeEventListener("online", onOnline);
      transport.network?.removeEventListener("offline", onOffline);
      const ws = socket;
      socket = null;
      if (ws) {
        ws.onclose = null;
        ws.onmessage = null;
        ws.close(1000);
      }
    },
    send(frame) {
      if (socket?.readyState !== OPEN) return false;
      socket.send(JSON.stringify(frame));
      return true;
    },
    isOpen: () => socket?.readyState === OPEN,
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
