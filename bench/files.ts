// Do files slow the room's plain messages? One room, the fan-out load at a fixed rate, measured
// alone and then while other members upload files (streamed through the Worker into R2) and
// send them as attachments, alternating so machine noise falls on both sides alike.
import { performance } from "node:perf_hooks";
import { type Confab, confabProtocol } from "./confab.ts";
import { closeAll, connectAll, type LoadResult, runLoad } from "./load.ts";
import { type Server, settle } from "./server.ts";

export interface FilesSide {
  latencyP50Ms: number | null;
  latencyP99Ms: number | null;
  deliveriesPerSec: number;
  lost: number;
  /** Deliveries still missing when the drain was cut off: late, not known to be lost. */
  inFlightAtCutoff?: number;
  workerCpuPerDeliveryUs: number | null;
}

export interface FilesFigure {
  clients: number;
  senders: number;
  rate: number;
  seconds: number;
  uploadBytes: number;
  /** Uploads started per second during the runs with files (each then sent in a message). */
  uploadRate: number;
  plain: FilesSide[];
  withFiles: FilesSide[];
  uploads: { done: number; failed: number; p50Ms: number | null; mibPerSec: number };
}

/** A run as the side-by-side figures (files, push) report it. */
export const sideOf = (r: LoadResult): FilesSide => ({
  latencyP50Ms: r.latency?.p50 ?? null,
  latencyP99Ms: r.latency?.p99 ?? null,
  deliveriesPerSec: r.deliveriesPerSec,
  lost: r.lost + r.silentlyLost,
  inFlightAtCutoff: r.inFlightAtCutoff,
  workerCpuPerDeliveryUs: r.workerCpuPerDeliveryUs,
});

/** Uploads `bytes` at `rate` a second until `stop()`, each sent as a message's attachment. */
function uploadLoop(api: Confab, roomId: string, bytes: number, rate: number) {
  const accounts = api.accounts.slice(0, 5);
  const body = new Uint8Array(bytes);
  for (let i = 0; i < bytes; i++) body[i] = (i * 31) & 255;
  const times: number[] = [];
  let failed = 0;
  let running = true;
  let sent = 0;
  const inFlight = new Set<Promise<void>>();
  const one = async (n: number) => {
    const account = accounts[n % accounts.length];
    if (!account) return;
    const started = performance.now();
    const res = await fetch(`${api.url}/api/rooms/${roomId}/attachments?name=bench-${n}.bin`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${account.token}`,
        "content-type": "application/octet-stream",
      },
      body,
    });
    const answer = (await res.json()) as { attachment?: { id: string } };
    if (res.status !== 201 || !answer.attachment) {
      failed++;
      return;
    }
    const message = await api.request("POST", `/api/rooms/${roomId}/messages`, {
      token: account.token,
      body: { cid: `file-${n}-${Date.now()}`, body: "", attachments: [answer.attachment.id] },
    });
    if (message.status !== 201) failed++;
    else times.push(performance.now() - started);
  };
  const started = performance.now();
  const loop = (async () => {
    while (running) {
      const p = one(sent++).catch(() => {
        failed++;
      });
      inFlight.add(p);
      void p.finally(() => inFlight.delete(p));
      await new Promise((r) => setTimeout(r, 1000 / rate));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      await Promise.all(inFlight);
      const seconds = (performance.now() - started) / 1000;
      return { times, failed, seconds };
    },
  };
}

export async function filesFigure(
  api: Confab,
  server: Server,
  settings: {
    clients: number;
    senders: number;
    seconds: number;
    warmupSeconds: number;
    bodyChars: number;
  },
  log: (line: string) => void,
): Promise<FilesFigure> {
  const rate = 200;
  const uploadBytes = 1024 * 1024;
  const uploadRate = 4;
  await api.ensureAccounts(settings.clients);
  const members = api.accounts.slice(0, settings.clients);
  const protocol = confabProtocol();
  const spec = {
    rate,
    senders: settings.senders,
    seconds: settings.seconds,
    warmupSeconds: settings.warmupSeconds,
    maxDrainSeconds: 6,
    bodyChars: settings.bodyChars,
  };
  /** One run in a fresh room (a room dedupes the load's cids, so it cannot be driven twice). */
  const run = async (withUploads: boolean) => {
    const roomId = await api.createRoom("files", members);
    const { clients } = await connectAll(
      members.map((m) => api.endpoint(roomId, m)),
      protocol,
      10,
    );
    try {
      const uploads = withUploads ? uploadLoop(api, roomId, uploadBytes, uploadRate) : null;
      const result = sideOf(await runLoad(clients, protocol, spec, [server]));
      return { result, uploads: uploads ? await uploads.stop() : null };
    } finally {
      await closeAll(clients);
      await settle([server]);
    }
  };
  const plain: FilesSide[] = [];
  const withFiles: FilesSide[] = [];
  const times: number[] = [];
  let failed = 0;
  let uploadSeconds = 0;
  for (let round = 0; round < 2; round++) {
    plain.push((await run(false)).result);
    const loaded = await run(true);
    withFiles.push(loaded.result);
    times.push(...(loaded.uploads?.times ?? []));
    failed += loaded.uploads?.failed ?? 0;
    uploadSeconds += loaded.uploads?.seconds ?? 0;
    log(
      `files: round ${round + 1}: p99 ${plain.at(-1)?.latencyP99Ms?.toFixed(1)} ms plain, ${loaded.result.latencyP99Ms?.toFixed(1)} ms with ${loaded.uploads?.times.length} uploads`,
    );
  }
  times.sort((a, b) => a - b);
  return {
    clients: settings.clients,
    senders: settings.senders,
    rate,
    seconds: settings.seconds,
    uploadBytes,
    uploadRate,
    plain,
    withFiles,
    uploads: {
      done: times.length,
      failed,
      p50Ms: times.length > 0 ? (times[Math.floor(times.length / 2)] ?? null) : null,
      mibPerSec: uploadSeconds > 0 ? (times.length * uploadBytes) / 1048576 / uploadSeconds : 0,
    },
  };
}
