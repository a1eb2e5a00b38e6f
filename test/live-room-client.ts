// The web client's real room state (web/state/room) inside workerd: its sockets are `SELF.fetch`
// upgrades through the Worker, its HTTP calls `SELF.fetch` too, and both may suffer chaos — a
// socket dropped before a `send` goes out, right after, or after its answer was lost.
import { SELF } from "cloudflare:test";
import { framesOf, type Message, type ServerFrame } from "../src/shared/protocol";
import { createApi } from "../web/net/api";
import type { SocketLike, SocketTransport } from "../web/net/live-socket";
import { createRoomState } from "../web/state/room";
import { BASE, type TestUser } from "./helpers";

export interface Chaos {
  /** Chance to drop the socket just before a `send` goes out. */
  dropBefore: number;
  /** Chance that the `send` is applied but its answer is lost with the socket. */
  loseAnswer: number;
  /** Chance to drop the socket right after the `send` goes out. */
  dropInFlight: number;
}

export interface Observed {
  /** Seq of each of my cids, from the acks and HTTP answers the client received. */
  acked: Map<string, number>;
  /** Cids whose answer was lost: acked later, they were retries of a stored message. */
  lost: Set<string>;
  drops: number;
  log: string[];
  /** Every HTTP request the client made, as `METHOD path`. */
  requests: string[];
}

const OPEN = 1;
const CLOSED = 3;

/** A socket through the Worker: the upgrade is asynchronous, so it opens a moment later. */
class WorkerdSocket implements SocketLike {
  readyState = 0;
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: { code: number; reason: string }) => void) | null = null;
  #ws: WebSocket | null = null;
  #muted = false;
  #waitingFor: string | null = null;

  constructor(
    path: string,
    private readonly token: string,
    private readonly chaos: Chaos,
    private readonly random: () => number,
    private readonly seen: Observed,
  ) {
    void this.#connect(path);
  }

  async #connect(path: string) {
    try {
      const res = await SELF.fetch(`${BASE}${path}`, {
        headers: { upgrade: "websocket", authorization: `Bearer ${this.token}` },
      });
      const ws = res.webSocket;
      if (!ws) throw new Error(`upgrade refused: ${res.status}`);
      ws.accept();
      if (this.readyState === CLOSED) return ws.close(1000, "closed meanwhile");
      this.#ws = ws;
      ws.addEventListener("message", (event) => this.#received(event.data));
      ws.addEventListener("close", (event) => this.#down(event.code, event.reason));
      this.readyState = OPEN;
      this.onopen?.({});
    } catch {
      this.#down(1006, "");
    }
  }

  #received(data: unknown) {
    if (typeof data === "string" && data !== "pong") {
      const frames = framesOf(JSON.parse(data)) as ServerFrame[];
      const answers = frames.some(
        (frame) =>
          (frame.type === "ack" && frame.cid === this.#waitingFor) ||
          (frame.type === "error" && frame.ref === this.#waitingFor),
      );
      if (this.#muted) {
        if (answers) this.breakLink();
        return;
      }
      for (const frame of frames) {
        if (frame.type === "ack") this.seen.acked.set(frame.cid, frame.seq);
      }
    }
    if (!this.#muted) this.onmessage?.({ data });
  }

  #down(code: number, reason: string) {
    if (this.readyState === CLOSED) return;
    this.readyState = CLOSED;
    this.onclose?.({ code, reason });
  }

  send(text: string) {
    // The keep-alive ping is not JSON; it passes untouched.
    if (text === "ping") return this.#ws?.send(text);
    const frame = JSON.parse(text) as { type: string; cid?: string };
    if (frame.type !== "send") return this.#ws?.send(text);
    const roll = this.random();
    const { dropBefore, loseAnswer, dropInFlight } = this.chaos;
    if (roll < dropBefore) return this.breakLink();
    this.#ws?.send(text);
    if (roll < dropBefore + loseAnswer) {
      // The room answers, the answer never reaches the client, then the socket breaks.
      this.seen.lost.add(frame.cid ?? "");
      this.#muted = true;
      this.#waitingFor = frame.cid ?? null;
      setTimeout(() => this.breakLink(), 5_000);
    } else if (roll < dropBefore + loseAnswer + dropInFlight) this.breakLink();
  }

  /** The connection breaks: the client hears a 1006 close. */
  breakLink() {
    if (this.readyState === CLOSED) return;
    this.seen.drops++;
    this.#muted = true;
    try {
      this.#ws?.close(1000, "drop");
    } catch {
      // already closed
    }
    this.#down(1006, "");
  }

  close(code?: number, reason?: string) {
    this.readyState = CLOSED;
    try {
      this.#ws?.close(code ?? 1000, reason);
    } catch {
      // already closed
    }
  }
}

/** The real client state of one user in one room, over the Worker, with chaos. */
export function liveRoomClient(user: TestUser, roomId: string, random: () => number, chaos: Chaos) {
  const seen: Observed = { acked: new Map(), lost: new Set(), drops: 0, log: [], requests: [] };
  const transport: SocketTransport = {
    open: (path) => new WorkerdSocket(path, user.token, chaos, random, seen),
    network: null,
  };
  const fetcher: typeof fetch = async (input, init) => {
    const { credentials: _, headers, ...rest } = init ?? {};
    seen.requests.push(`${rest.method ?? "GET"} ${String(input)}`);
    const res = await SELF.fetch(`${BASE}${input}`, {
      ...rest,
      headers: { ...(headers as Record<string, string>), authorization: `Bearer ${user.token}` },
    });
    // A send over HTTP (while polling) is acknowledged by its answer.
    if (rest.method === "POST" && String(input).endsWith("/messages") && res.ok) {
      const sent = JSON.parse(String(rest.body)) as { cid: string };
      const { message } = (await res.clone().json()) as { message: { seq: number } };
      seen.acked.set(sent.cid, message.seq);
    }
    return res;
  };
  // Thread replies stay out of the room's main list; what the client heard of them, by seq.
  const replies = new Map<number, Message>();
  const room = createRoomState(
    roomId,
    user.id,
    createApi(fetcher),
    {},
    {
      transport,
      isOnline: () => true,
      random,
    },
  );
  room.listen((heard) => {
    for (const m of heard) {
      if (m.threadOf !== null && (replies.get(m.seq)?.rev ?? -1) < m.rev) replies.set(m.seq, m);
    }
  });
  return { room, seen, replies };
}
