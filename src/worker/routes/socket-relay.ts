// The Worker's relay between a client's WebSocket and the Durable Object's (room or inbox).
//
// Handing the object's socket straight through (`return stub.fetch(…)`) would cost nothing per
// frame, but workerd (1.20261023, still in 1.20261117) never releases the object's end of a
// hibernatable socket that the object closed itself (`ws.close(1008, …)` on removal or logout):
// the client's close reply reaches `webSocketClose`, yet the connection stays open until the
// object is evicted, ~10 s after its last event (never while the room is busy). The close frame
// reaches the client at once, the end of the TCP connection does not, and standard clients
// (browsers, undici, ws) only fire `close` then. A socket the Worker accepts is released as
// soon as its close handshake completes, so the Worker accepts both ends and copies frames and
// closes across. The object still hibernates; the Worker's request stays open and spends a
// little CPU per frame.
//
// Standing in front of every socket, the relay is also where a flood is cut off before it costs
// the room anything: each client socket has a budget of frames of any kind, and what is over it
// is refused here (`rate_limited`), then the socket is closed (1008) if it keeps on.

import { CLOSE } from "../../../src/shared/protocol";
import type { Bucket, BucketLimits } from "../../room/limits";
import { fullBucket, takeToken } from "../../room/limits";

/**
 * Refused frames within a window before a flooding socket is closed. Not "in a row": a
 * flooder far over its budget still gets a frame through now and then as the bucket refills.
 */
const MAX_REFUSALS = 50;
const REFUSAL_WINDOW_MS = 10_000;
/** How long a flooding socket still receives answers before it is closed. */
const FLOOD_GRACE_MS = 500;

const RESERVED = new Set([1004, 1005, 1006, 1015]);

/**
 * Returns the object's answer, its socket (if it upgraded) relayed through a fresh pair; the
 * client's frames spend `budget`.
 */
export function relaySocket(upstream: Response, budget: BucketLimits): Response {
  const inner = upstream.webSocket;
  if (upstream.status !== 101 || !inner) return upstream;
  const { 0: client, 1: outer } = new WebSocketPair();
  for (const ws of [inner, outer]) {
    ws.binaryType = "arraybuffer";
    ws.accept();
  }
  forward(inner, outer, 1011, () => true);
  forward(outer, inner, 1001, frameBudget(outer, inner, budget));
  return new Response(null, { status: 101, webSocket: client });
}

/** Whether the client's next frame may pass; answers refusals and closes a flooder. */
function frameBudget(client: WebSocket, room: WebSocket, limits: BucketLimits) {
  let bucket: Bucket = fullBucket(limits, Date.now());
  let refusals = 0;
  let windowStart = 0;
  let flooding = false;
  return (data: unknown): boolean => {
    if (flooding) return false;
    const now = Date.now();
    const taken = takeToken(bucket, limits, now);
    bucket = taken.bucket;
    if (taken.allowed) return true;
    if (now - windowStart > REFUSAL_WINDOW_MS) {
      windowStart = now;
      refusals = 0;
    }
    if (++refusals > MAX_REFUSALS) {
      // Nothing more reaches the room; the answers to frames it already took still reach the
      // client during a short grace, then both sides close.
      flooding = true;
      setTimeout(() => {
        const reason = "Still flooding after rate_limited";
        close(client, CLOSE.policy, reason);
        close(room, CLOSE.policy, reason);
      }, FLOOD_GRACE_MS);
    } else {
      const ref = cidOf(data);
      const refusal = {
        type: "error",
        code: "rate_limited",
        message: "Too many frames",
        retryAfterMs: taken.retryAfterMs,
        ...(ref === undefined ? {} : { ref }),
      };
      try {
        client.send(JSON.stringify(refusal));
      } catch {
        // Closing.
      }
    }
    return false;
  };
}

/**
 * Frames that `admit` lets through and the close of `from` go to `to`; a close that cannot be
 * sent as is becomes `lost`.
 */
function forward(
  from: WebSocket,
  to: WebSocket,
  lost: number,
  admit: (data: unknown) => boolean,
): void {
  from.addEventListener("message", (event) => {
    if (!admit(event.data)) return;
    try {
      to.send(event.data as string | ArrayBuffer);
    } catch {
      // `to` is closing: its close is on the way to `from`.
    }
  });
  from.addEventListener("close", (event) => {
    if (event.code === 1005) close(to);
    else if (RESERVED.has(event.code)) close(to, lost, "Connection lost");
    else close(to, event.code, event.reason);
  });
  from.addEventListener("error", () => close(to, lost, "Connection lost"));
}

/** A refused send's `cid`, so the client can tell which message to send again. */
function cidOf(data: unknown): string | undefined {
  if (typeof data !== "string") return undefined;
  try {
    const cid = (JSON.parse(data) as { cid?: unknown } | null)?.cid;
    return typeof cid === "string" ? cid : undefined;
  } catch {
    return undefined;
  }
}

function close(ws: WebSocket, code?: number, reason?: string): void {
  try {
    ws.close(code, reason);
  } catch {
    // Already closed (or closing).
  }
}
