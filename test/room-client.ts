// A WebSocket client for tests: connects through the Worker like any client, keeps every frame,
// and waits for the ones a test cares about.
import { SELF } from "cloudflare:test";
import type { ClientFrame, ServerFrame } from "../src/shared/protocol";
import { BASE } from "./helpers";

type Frame = ServerFrame;
type FrameOf<T extends Frame["type"]> = Extract<Frame, { type: T }>;

export class RoomClient {
  readonly frames: Frame[] = [];
  closed: { code: number; reason: string } | null = null;
  #waiters: Array<() => void> = [];

  private constructor(readonly ws: WebSocket) {
    ws.addEventListener("message", (event) => {
      this.frames.push(JSON.parse(event.data as string) as Frame);
      this.#wake();
    });
    ws.addEventListener("close", (event) => {
      this.closed = { code: event.code, reason: event.reason };
      this.#wake();
    });
  }

  static async open(
    roomId: string,
    token: string | null,
    opts: { sinceRev?: number; origin?: string; ticket?: string } = {},
  ) {
    const res = await RoomClient.upgrade(roomId, token, opts);
    if (!res.webSocket) throw new Error(`upgrade refused: ${res.status} ${await res.text()}`);
    res.webSocket.accept();
    const client = new RoomClient(res.webSocket);
    await client.next("ready");
    return client;
  }

  static upgrade(
    roomId: string,
    token: string | null,
    opts: { sinceRev?: number; origin?: string; ticket?: string } = {},
  ) {
    const url = new URL(`${BASE}/api/rooms/${roomId}/ws`);
    if (opts.sinceRev !== undefined) url.searchParams.set("sinceRev", String(opts.sinceRev));
    if (opts.ticket) url.searchParams.set("ticket", opts.ticket);
    const headers: Record<string, string> = { upgrade: "websocket" };
    if (token) headers.authorization = `Bearer ${token}`;
    if (opts.origin) headers.origin = opts.origin;
    return SELF.fetch(url, { headers });
  }

  #wake() {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
  }

  send(frame: ClientFrame | Record<string, unknown>) {
    this.ws.send(JSON.stringify(frame));
  }

  sendRaw(data: string | ArrayBuffer) {
    this.ws.send(data);
  }

  /** Waits for the first frame (from `from` on) of this type that matches, and returns it. */
  async next<T extends Frame["type"]>(
    type: T,
    match: (frame: FrameOf<T>) => boolean = () => true,
    opts: { from?: number; timeoutMs?: number } = {},
  ): Promise<FrameOf<T>> {
    const deadline = Date.now() + (opts.timeoutMs ?? 5_000);
    let index = opts.from ?? 0;
    for (;;) {
      for (; index < this.frames.length; index++) {
        const frame = this.frames[index] as Frame;
        if (frame.type === type && match(frame as FrameOf<T>)) return frame as FrameOf<T>;
      }
      if (this.closed) throw new Error(`closed (${this.closed.code}) while waiting for ${type}`);
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(
          `timed out waiting for ${type}; got ${JSON.stringify(this.frames.slice(-5))}`,
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
