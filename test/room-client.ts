// WebSocket clients for tests: they connect through the Worker like any client, keep every
// frame, and wait for the ones a test cares about. RoomClient speaks the room protocol,
// InboxClient the inbox's; both keep each message's text too (`texts`), so a test can see how
// frames were batched.
import { SELF } from "cloudflare:test";
import {
  type ClientFrame,
  framesOf,
  type InboxFrame,
  type ServerFrame,
} from "../src/shared/protocol";
import { BASE } from "./helpers";

class FrameClient<Frame extends { type: string }> {
  readonly frames: Frame[] = [];
  readonly texts: string[] = [];
  closed: { code: number; reason: string } | null = null;
  #waiters: Array<() => void> = [];

  protected constructor(readonly ws: WebSocket) {
    ws.addEventListener("message", (event) => {
      const text = event.data as string;
      this.texts.push(text);
      // Everything is JSON but the keep-alive's "pong"; a batch is an array of frames.
      if (text !== "pong") this.frames.push(...(framesOf(JSON.parse(text)) as Frame[]));
      this.#wake();
    });
    ws.addEventListener("close", (event) => {
      this.closed = { code: event.code, reason: event.reason };
      this.#wake();
    });
  }

  #wake() {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
  }

  send(frame: Record<string, unknown>) {
    this.ws.send(JSON.stringify(frame));
  }

  sendRaw(data: string | ArrayBuffer) {
    this.ws.send(data);
  }

  /** Waits for the first frame (from `from` on) of this type that matches, and returns it. */
  async next<T extends Frame["type"]>(
    type: T,
    match: (frame: Extract<Frame, { type: T }>) => boolean = () => true,
    opts: { from?: number; timeoutMs?: number } = {},
  ): Promise<Extract<Frame, { type: T }>> {
    type FrameOf = Extract<Frame, { type: T }>;
    const found = await this.first(
      (frame) => frame.type === type && match(frame as FrameOf),
      type,
      opts,
    );
    return found as FrameOf;
  }

  protected async first(
    match: (frame: Frame) => boolean,
    what: string,
    opts: { from?: number; timeoutMs?: number },
  ): Promise<Frame> {
    const deadline = Date.now() + (opts.timeoutMs ?? 5_000);
    let index = opts.from ?? 0;
    for (;;) {
      for (; index < this.frames.length; index++) {
        const frame = this.frames[index] as Frame;
        if (match(frame)) return frame;
      }
      if (this.closed) throw new Error(`closed (${this.closed.code}) while waiting for ${what}`);
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(
          `timed out waiting for ${what}; got ${JSON.stringify(this.frames.slice(-5))}`,
        );
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  async waitClosed(timeoutMs = 5_000): Promise<{ code: number; reason: string }> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed) {
      if (Date.now() > deadline) throw new Error("socket did not close");
      await new Promise((r) => setTimeout(r, 10));
    }
    return this.closed;
  }

  close() {
    try {
      this.ws.close(1000, "bye");
    } catch {
      // already closed
    }
  }
}

function upgrade(path: string, token: string | null, opts: { origin?: string } = {}) {
  const headers: Record<string, string> = { upgrade: "websocket" };
  if (token) headers.authorization = `Bearer ${token}`;
  if (opts.origin) headers.origin = opts.origin;
  return SELF.fetch(`${BASE}${path}`, { headers });
}

async function accepted(res: Response): Promise<WebSocket> {
  if (!res.webSocket) throw new Error(`upgrade refused: ${res.status} ${await res.text()}`);
  res.webSocket.accept();
  return res.webSocket;
}

export class RoomClient extends FrameClient<ServerFrame> {
  static async open(
    roomId: string,
    token: string | null,
    opts: { sinceRev?: number; origin?: string; ticket?: string; batch?: boolean } = {},
  ) {
    const client = new RoomClient(await accepted(await RoomClient.upgrade(roomId, token, opts)));
    await client.next("ready");
    return client;
  }

  /** `rawBatch` puts any text in `?batch=`, for the tests of what is refused. */
  static upgrade(
    roomId: string,
    token: string | null,
    opts: { sinceRev?: number; origin?: string; ticket?: string; batch?: boolean } = {},
    rawBatch?: string,
  ) {
    const query = new URLSearchParams();
    if (opts.sinceRev !== undefined) query.set("sinceRev", String(opts.sinceRev));
    if (opts.ticket) query.set("ticket", opts.ticket);
    if (opts.batch || rawBatch !== undefined) query.set("batch", rawBatch ?? "1");
    const suffix = query.size > 0 ? `?${query}` : "";
    return upgrade(`/api/rooms/${roomId}/ws${suffix}`, token, opts);
  }

  override send(frame: ClientFrame | Record<string, unknown>) {
    super.send(frame);
  }

  /** Presence news from `from` on, in either form (`presence`, `presences`), in order. */
  presenceNews(from = 0): Array<{ userId: string; online: boolean }> {
    return this.frames.slice(from).flatMap(presenceChanges);
  }

  /** Waits for presence news that `userId` is `online` (or not), in either form; its index. */
  async nextPresence(
    userId: string,
    online: boolean,
    opts: { from?: number; timeoutMs?: number } = {},
  ): Promise<number> {
    const says = (frame: ServerFrame) =>
      presenceChanges(frame).some((c) => c.userId === userId && c.online === online);
    const frame = await this.first(says, `presence of ${userId}: ${online}`, opts);
    return this.frames.indexOf(frame);
  }
}

export class InboxClient extends FrameClient<InboxFrame> {
  static async open(token: string | null, opts: { origin?: string } = {}) {
    const client = new InboxClient(await accepted(await InboxClient.upgrade(token, opts)));
    await client.next("ready");
    return client;
  }

  static upgrade(token: string | null, opts: { origin?: string } = {}) {
    return upgrade("/api/me/ws", token, opts);
  }
}

/** The presence changes a frame tells of: one for `presence`, any number for `presences`. */
export function presenceChanges(frame: ServerFrame): Array<{ userId: string; online: boolean }> {
  if (frame.type === "presence") return [{ userId: frame.userId, online: frame.online }];
  if (frame.type !== "presences") return [];
  return [
    ...frame.online.map((userId) => ({ userId, online: true })),
    ...frame.offline.map((userId) => ({ userId, online: false })),
  ];
}
