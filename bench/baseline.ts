// The baseline rooms (bench/baseline/worker.ts) as the load generator sees them: each client's
// `send` frame comes back verbatim to every socket; there are no acks, no auth, no limits.
import { join } from "node:path";
import type { Decoded, Endpoint, Protocol } from "./load.ts";
import { REPO } from "./server.ts";

export const BASELINE_DIR = join(REPO, "bench/baseline");

export type BaselineKind = "sqlite" | "broadcast";

export const BASELINE_LABELS: Record<BaselineKind, string> = {
  sqlite: "baseline: SQLite insert + broadcast",
  broadcast: "baseline: broadcast only",
};

export function echoProtocol(): Protocol {
  return {
    acks: false,
    invalidFrames: () => 0,
    decode(text: string): Decoded[] {
      const frame = JSON.parse(text) as { type?: string; body?: unknown };
      if (frame.type === "send" && typeof frame.body === "string") {
        return [{ kind: "delivery", body: frame.body }];
      }
      if (frame.type === "ready") return [{ kind: "ready" }];
      return [{ kind: "other" }];
    },
  };
}

let rooms = 0;

/** A fresh baseline room: every client connects to the same new Durable Object. */
export function baselineEndpoints(url: string, kind: BaselineKind, clients: number): Endpoint[] {
  const room = `bench-${process.pid}-${++rooms}`;
  const ws = `${url.replace(/^http/, "ws")}/ws/${kind}/${room}`;
  return Array.from({ length: clients }, () => ({ url: ws }));
}
