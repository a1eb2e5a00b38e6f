// What both Durable Objects (room and inbox) do with their hibernating sockets: tag them, keep a
// validated, versioned state in each socket's attachment, send frames, and make way for a new
// socket when a user has too many.
import type { z } from "zod";
import { CLOSE, MESSAGE_LIMITS } from "../../src/shared/protocol/rules";

/** The header carrying the grant the Worker built for a socket (room or relay upgrade). */
export const CONNECT_HEADER = "x-confab-connect";

export const userTag = (userId: string) => `u:${userId}`;
export const sessionTag = (credentialHash: string) => `s:${credentialHash}`;

/**
 * The attachment's layout version. A socket that survived a deploy with an older layout fails
 * validation and is closed (1012, "service restart"), so its client reconnects with a fresh one.
 */
export const ATTACHMENT_VERSION = 1;

/** Reads a socket's state, or null when it has none or one of another layout. */
export function readState<T>(ws: WebSocket, schema: z.ZodType<T>): T | null {
  const raw = ws.deserializeAttachment() as { v?: unknown; state?: unknown } | null;
  if (!raw || raw.v !== ATTACHMENT_VERSION) return null;
  const parsed = schema.safeParse(raw.state);
  return parsed.success ? parsed.data : null;
}

export function writeState<T>(ws: WebSocket, state: T): void {
  ws.serializeAttachment({ v: ATTACHMENT_VERSION, state });
}

/**
 * Whether a socket's typing frame is passed on: at most one (on or off) per `intervalMs`. The
 * room decides with it; a relay asks it first, so what the room would drop never leaves the relay.
 */
export function typingDue(typingAt: number, now: number, intervalMs: number): boolean {
  return now - typingAt >= intervalMs;
}

export const isOpen = (ws: WebSocket) => ws.readyState === WebSocket.OPEN;

const encoder = new TextEncoder();

/**
 * A client's frame as text to parse, or the close that refuses it before it is read: not text,
 * or past the frame limit. One gate for the room's own sockets and its relays' (the length
 * check first: no encoding for what is plainly too long).
 */
export function frameText(data: string | ArrayBuffer): string | { close: [number, string] } {
  if (typeof data !== "string") return { close: [CLOSE.unsupportedData, "Frames are JSON text"] };
  const max = MESSAGE_LIMITS.frameMaxBytes;
  if (data.length > max || encoder.encode(data).length > max) {
    return { close: [CLOSE.tooLarge, "Frame too large"] };
  }
  return data;
}

/**
 * Answers a client's close with ours: its own code, or a normal close when it gave none (1005)
 * or the connection just dropped (1006), codes no endpoint may send. Already closed: nothing.
 */
export function closeInTurn(ws: WebSocket, code: number): void {
  try {
    ws.close(code === 1005 || code === 1006 ? CLOSE.normal : code, "Closed");
  } catch {
    // Already closed.
  }
}

/** Sends one frame; a socket that closed meanwhile is skipped (its close event tidies up). */
export function sendFrame(ws: WebSocket, frame: unknown): void {
  try {
    ws.send(JSON.stringify(frame));
  } catch {
    // Closing.
  }
}

/** Sends one frame to each socket but `except`; answers how many it was sent to. */
export function sendToAll(
  sockets: readonly WebSocket[],
  frame: unknown,
  except?: WebSocket,
): number {
  const text = JSON.stringify(frame);
  let sent = 0;
  for (const ws of sockets) {
    if (ws === except) continue;
    try {
      ws.send(text);
      sent++;
    } catch {
      // Closing.
    }
  }
  return sent;
}

/**
 * The open sockets to close so that one more fits under `max`: the oldest first, by the time
 * each was opened.
 */
export function oldestBeyond(
  sockets: readonly WebSocket[],
  max: number,
  openedAt: (ws: WebSocket) => number,
): WebSocket[] {
  const open = sockets.filter(isOpen).sort((a, b) => openedAt(a) - openedAt(b));
  return open.slice(0, Math.max(0, open.length - max + 1));
}
