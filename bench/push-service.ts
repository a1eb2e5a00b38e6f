// A push service for the push figure, played in Node on 127.0.0.1: it records when each push
// arrives and at which path (one per subscription), answers 201 — or holds its answers, to play a
// slow push service — and afterwards decrypts the bodies as the subscribers' browsers would
// (RFC 8291, aes128gcm), to tell which room each push was for.
import { createDecipheriv, createECDH, type ECDH, hkdfSync, randomBytes } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { performance } from "node:perf_hooks";
import type { PushPayload } from "../src/shared/protocol/index.ts";

export interface Arrival {
  /** performance.now() when the request's headers arrived. */
  at: number;
  path: string;
  body: Buffer;
}

export interface PushService {
  url: string;
  /** Every push received so far, in order of arrival. */
  readonly arrivals: Arrival[];
  /** Hold each answer this long from now on; 0 answers at once and releases the held ones. */
  holdAnswers(ms: number): void;
  close(): Promise<void>;
}

export async function startPushService(): Promise<PushService> {
  const arrivals: Arrival[] = [];
  let holdMs = 0;
  const held = new Set<() => void>();
  const server = createServer((request, response) => {
    const at = performance.now();
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      arrivals.push({ at, path: request.url ?? "", body: Buffer.concat(chunks) });
      let timer: NodeJS.Timeout | undefined;
      const answer = () => {
        clearTimeout(timer);
        held.delete(answer);
        response.writeHead(201).end();
      };
      if (holdMs === 0) return answer();
      held.add(answer);
      timer = setTimeout(answer, holdMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    arrivals,
    holdAnswers(ms) {
      holdMs = ms;
      if (ms === 0) for (const answer of [...held]) answer();
    },
    async close() {
      for (const answer of [...held]) answer();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A browser's side of a subscription: its ECDH key pair and auth secret. */
export interface Subscriber {
  ecdh: ECDH;
  /** Uncompressed P-256 public key, 65 bytes. */
  p256dh: Buffer;
  auth: Buffer;
}

export function newSubscriber(): Subscriber {
  const ecdh = createECDH("prime256v1");
  return { ecdh, p256dh: ecdh.generateKeys(), auth: randomBytes(16) };
}

/** Decrypts an `aes128gcm` push body for `subscriber`; null when it cannot (not for them, bad). */
export function decryptPush(body: Buffer, subscriber: Subscriber): PushPayload | null {
  try {
    const salt = body.subarray(0, 16);
    const idLength = body[20] ?? 0;
    const senderPublic = body.subarray(21, 21 + idLength);
    const record = body.subarray(21 + idLength);
    const secret = subscriber.ecdh.computeSecret(senderPublic);
    const keyInfo = Buffer.concat([
      Buffer.from("WebPush: info\0"),
      subscriber.p256dh,
      senderPublic,
    ]);
    const ikm = Buffer.from(hkdfSync("sha256", secret, subscriber.auth, keyInfo, 32));
    const cek = Buffer.from(hkdfSync("sha256", ikm, salt, "Content-Encoding: aes128gcm\0", 16));
    const nonce = Buffer.from(hkdfSync("sha256", ikm, salt, "Content-Encoding: nonce\0", 12));
    const decipher = createDecipheriv("aes-128-gcm", cek, nonce);
    decipher.setAuthTag(record.subarray(record.length - 16));
    const padded = Buffer.concat([
      decipher.update(record.subarray(0, record.length - 16)),
      decipher.final(),
    ]);
    // The last record ends with 0x02, then any zero padding.
    let end = padded.length - 1;
    while (end >= 0 && padded[end] === 0) end--;
    if (padded[end] !== 2) return null;
    return JSON.parse(padded.subarray(0, end).toString("utf8")) as PushPayload;
  } catch {
    return null;
  }
}
