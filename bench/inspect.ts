// A CPU profile or heap snapshot of a Worker's isolate (its Durable Objects run in the same
// isolate), over wrangler's DevTools inspector: where a figure's microseconds and bytes go.
import { writeFile } from "node:fs/promises";
import type { Server } from "./server.ts";
import { WsClient } from "./ws-client.ts";

interface Pending {
  resolve: (result: unknown) => void;
  reject: (error: Error) => void;
}

/** A Chrome DevTools Protocol session to the Worker's isolate. */
class Inspector {
  #next = 1;
  readonly #pending = new Map<number, Pending>();
  readonly #chunks: string[] = [];
  #socket: WsClient | null = null;

  static async open(server: Server): Promise<Inspector> {
    const targets = (await (
      await fetch(`http://127.0.0.1:${server.inspectorPort}/json`)
    ).json()) as Array<{ webSocketDebuggerUrl: string }>;
    const target = targets[0];
    if (!target) throw new Error(`${server.name}: no inspector target`);
    const inspector = new Inspector();
    inspector.#socket = await WsClient.open(
      target.webSocketDebuggerUrl,
      {},
      {
        onText: (text) => inspector.#receive(text),
        onClose: () => {
          for (const pending of inspector.#pending.values()) {
            pending.reject(new Error("inspector closed"));
          }
        },
      },
    );
    return inspector;
  }

  #receive(text: string): void {
    const message = JSON.parse(text) as {
      id?: number;
      method?: string;
      params?: { chunk?: string };
      result?: unknown;
      error?: { message: string };
    };
    if (message.method === "HeapProfiler.addHeapSnapshotChunk") {
      this.#chunks.push(message.params?.chunk ?? "");
      return;
    }
    const pending = message.id === undefined ? undefined : this.#pending.get(message.id);
    if (!pending || message.id === undefined) return;
    this.#pending.delete(message.id);
    if (message.error) pending.reject(new Error(message.error.message));
    else pending.resolve(message.result);
  }

  call<T>(method: string, params: object = {}): Promise<T> {
    const id = this.#next++;
    this.#socket?.send(JSON.stringify({ id, method, params }));
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (r: unknown) => void, reject });
    });
  }

  takeChunks(): string {
    return this.#chunks.splice(0).join("");
  }

  close(): void {
    this.#socket?.close();
  }
}

/** Runs `work` under the V8 sampling profiler and writes a `.cpuprofile` (open in DevTools). */
export async function cpuProfile<T>(server: Server, file: string, work: () => Promise<T>) {
  const inspector = await Inspector.open(server);
  try {
    await inspector.call("Profiler.enable");
    await inspector.call("Profiler.setSamplingInterval", { interval: 100 });
    await inspector.call("Profiler.start");
    const result = await work();
    const { profile } = await inspector.call<{ profile: unknown }>("Profiler.stop");
    await writeFile(file, JSON.stringify(profile));
    return result;
  } finally {
    inspector.close();
  }
}

/**
 * Writes a `.heapsnapshot` of the isolate (what is reachable: V8 collects before it counts) and
 * returns the JS heap's size. (workerd does not answer `HeapProfiler.collectGarbage`.)
 */
export async function heapSnapshot(server: Server, file: string): Promise<number> {
  const inspector = await Inspector.open(server);
  try {
    await inspector.call("HeapProfiler.enable");
    await inspector.call("HeapProfiler.takeHeapSnapshot", { reportProgress: false });
    const snapshot = inspector.takeChunks();
    await writeFile(file, snapshot);
    const { usedSize } = await inspector.call<{ usedSize: number }>("Runtime.getHeapUsage");
    return usedSize;
  } finally {
    inspector.close();
  }
}
