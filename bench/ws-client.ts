// A minimal RFC 6455 WebSocket client over node:net, for the load generator. Node's built-in
// WebSocket spends about three times the CPU per received frame (events, decoding, copies), and
// here the load generator shares two cores with the servers it measures: every microsecond it
// saves goes to the servers. Text frames only, no extensions; enough for Confab's protocol.
import { createHash, randomBytes, randomFillSync } from "node:crypto";
import { type Socket, connect as tcpConnect } from "node:net";
import { performance } from "node:perf_hooks";

const OP_CONTINUATION = 0x0;
const OP_TEXT = 0x1;
const OP_BINARY = 0x2;
const OP_CLOSE = 0x8;
const OP_PING = 0x9;
const OP_PONG = 0xa;
const GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

export interface WsHandlers {
  /** A text frame (or a fragmented message, once complete); `at` is when its bytes arrived. */
  onText: (text: string, at: number) => void;
  onClose: (code: number, reason: string) => void;
}

export class WsClient {
  readonly #socket: Socket;
  readonly #handlers: WsHandlers;
  #buffer: Buffer = Buffer.alloc(0);
  #fragments: Buffer[] = [];
  #closed = false;
  readonly #mask = Buffer.alloc(4);

  private constructor(socket: Socket, handlers: WsHandlers) {
    this.#socket = socket;
    this.#handlers = handlers;
  }

  /** Opens a socket: resolves after the 101 answer, rejects on any other. */
  static open(
    url: string,
    headers: Record<string, string>,
    handlers: WsHandlers,
    timeoutMs = 30_000,
  ): Promise<WsClient> {
    const target = new URL(url);
    if (target.protocol !== "ws:") throw new Error(`only ws:// URLs: ${url}`);
    const key = randomBytes(16).toString("base64");
    const accept = createHash("sha1")
      .update(key + GUID)
      .digest("base64");
    const socket = tcpConnect(Number(target.port || 80), target.hostname);
    socket.setNoDelay(true);
    const request = [
      `GET ${target.pathname}${target.search} HTTP/1.1`,
      `Host: ${target.host}`,
      "Upgrade: websocket",
      "Connection: Upgrade",
      `Sec-WebSocket-Key: ${key}`,
      "Sec-WebSocket-Version: 13",
      ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
      "",
      "",
    ].join("\r\n");
    return new Promise((resolve, reject) => {
      let head: Buffer = Buffer.alloc(0);
      const timer = setTimeout(
        () => fail(new Error(`no upgrade after ${timeoutMs} ms`)),
        timeoutMs,
      );
      const fail = (error: Error) => {
        clearTimeout(timer);
        socket.destroy();
        reject(error);
      };
      const onHead = (chunk: Buffer) => {
        head = head.length === 0 ? chunk : Buffer.concat([head, chunk]);
        const end = head.indexOf("\r\n\r\n");
        if (end < 0) return;
        socket.off("data", onHead);
        socket.off("error", fail);
        clearTimeout(timer);
        const lines = head.subarray(0, end).toString("latin1").split("\r\n");
        const status = Number(lines[0]?.split(" ")[1]);
        const answer = lines
          .find((l) => l.toLowerCase().startsWith("sec-websocket-accept:"))
          ?.slice(21)
          .trim();
        if (status !== 101 || answer !== accept) {
          socket.destroy();
          reject(new Error(`upgrade refused: ${lines[0]} ${head.subarray(end + 4).toString()}`));
          return;
        }
        const client = new WsClient(socket, handlers);
        socket.on("data", (data: Buffer) => client.#receive(data));
        socket.on("close", () => client.#ended(1006, "connection lost"));
        socket.on("error", () => {});
        resolve(client);
        // Frames that came with the answer, once the caller holds the client.
        const rest = head.subarray(end + 4);
        if (rest.length > 0) queueMicrotask(() => client.#receive(rest));
      };
      socket.on("data", onHead);
      socket.on("error", fail);
      socket.write(request);
    });
  }

  get open(): boolean {
    return !this.#closed;
  }

  send(text: string): void {
    if (!this.#closed) this.#socket.write(this.#frame(OP_TEXT, Buffer.from(text)));
  }

  close(code = 1000, reason = ""): void {
    if (this.#closed) return;
    const payload = Buffer.alloc(2 + Buffer.byteLength(reason));
    payload.writeUInt16BE(code, 0);
    payload.write(reason, 2);
    this.#socket.end(this.#frame(OP_CLOSE, payload));
    this.#ended(code, reason);
  }

  /** Client frames are masked (RFC 6455 §5.3). */
  #frame(opcode: number, payload: Buffer): Buffer {
    const length = payload.length;
    const headerLength = length < 126 ? 2 : length < 65_536 ? 4 : 10;
    const frame = Buffer.allocUnsafe(headerLength + 4 + length);
    frame[0] = 0x80 | opcode;
    if (length < 126) {
      frame[1] = 0x80 | length;
    } else if (length < 65_536) {
      frame[1] = 0x80 | 126;
      frame.writeUInt16BE(length, 2);
    } else {
      frame[1] = 0x80 | 127;
      frame.writeBigUInt64BE(BigInt(length), 2);
    }
    randomFillSync(this.#mask);
    this.#mask.copy(frame, headerLength);
    const offset = headerLength + 4;
    for (let i = 0; i < length; i++) {
      frame[offset + i] = (payload[i] ?? 0) ^ (this.#mask[i & 3] ?? 0);
    }
    return frame;
  }

  #receive(data: Buffer): void {
    const at = performance.now();
    const buffer = this.#buffer.length === 0 ? data : Buffer.concat([this.#buffer, data]);
    let offset = 0;
    while (buffer.length - offset >= 2) {
      const first = buffer[offset] ?? 0;
      const second = buffer[offset + 1] ?? 0;
      let length = second & 0x7f;
      let header = 2;
      if (length === 126) {
        if (buffer.length - offset < 4) break;
        length = buffer.readUInt16BE(offset + 2);
        header = 4;
      } else if (length === 127) {
        if (buffer.length - offset < 10) break;
        length = Number(buffer.readBigUInt64BE(offset + 2));
        header = 10;
      }
      const masked = (second & 0x80) !== 0;
      const start = offset + header + (masked ? 4 : 0);
      if (buffer.length < start + length) break;
      let payload = buffer.subarray(start, start + length);
      if (masked) {
        const mask = buffer.subarray(offset + header, offset + header + 4);
        payload = Buffer.from(payload);
        for (let i = 0; i < payload.length; i++)
          payload[i] = (payload[i] ?? 0) ^ (mask[i & 3] ?? 0);
      }
      offset = start + length;
      this.#onFrame(first & 0x0f, (first & 0x80) !== 0, payload, at);
      if (this.#closed) return;
    }
    this.#buffer =
      offset === buffer.length ? Buffer.alloc(0) : Buffer.from(buffer.subarray(offset));
  }

  #onFrame(opcode: number, fin: boolean, payload: Buffer, at: number): void {
    switch (opcode) {
      case OP_TEXT:
      case OP_BINARY:
      case OP_CONTINUATION: {
        if (!fin) {
          this.#fragments.push(Buffer.from(payload));
          return;
        }
        const whole =
          this.#fragments.length === 0 ? payload : Buffer.concat([...this.#fragments, payload]);
        this.#fragments = [];
        this.#handlers.onText(whole.toString("utf8"), at);
        return;
      }
      case OP_PING:
        this.#socket.write(this.#frame(OP_PONG, Buffer.from(payload)));
        return;
      case OP_CLOSE: {
        const code = payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
        const reason = payload.subarray(2).toString("utf8");
        if (!this.#closed) {
          this.#socket.end(this.#frame(OP_CLOSE, Buffer.from(payload.subarray(0, 2))));
        }
        this.#ended(code, reason);
        return;
      }
      default:
        return;
    }
  }

  #ended(code: number, reason: string): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#handlers.onClose(code, reason);
  }
}
