// Runs `wrangler dev` for the browser tests: on a given 127.0.0.1 port with its own persist
// directory, in its own process group so that stopping it stops workerd too.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";

export const ROOT = join(import.meta.dirname, "..", "..");
const WRANGLER = join(ROOT, "node_modules", "wrangler", "bin", "wrangler.js");

export interface ServerOptions {
  port: number;
  persistTo: string;
}

/** A port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address
          ? resolve(address.port)
          : reject(new Error("no port")),
      );
    });
  });
}

const env = () => ({
  ...process.env,
  CI: "1",
  WRANGLER_SEND_METRICS: "false",
  // Offline, fetching the `Request.cf` placeholder prints a stack trace; the app never reads it.
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
  X_LOCAL_OBSERVABILITY: "false",
  NO_COLOR: "1",
});

/** Applies the D1 migrations to a fresh persist directory (wrangler runs on this Node). */
export function migrate(persistTo: string): void {
  const result = spawnSync(
    process.execPath,
    [WRANGLER, "d1", "migrations", "apply", "DB", "--local", "--persist-to", persistTo],
    { cwd: ROOT, env: env(), encoding: "utf8" },
  );
  if (result.status !== 0) {
    throw new Error(`d1 migrations failed:\n${result.stdout}\n${result.stderr}`);
  }
}

const pidFile = (persistTo: string) => join(persistTo, "wrangler-dev.pid");

/** Starts `wrangler dev` and resolves once it answers HTTP. */
export async function startServer({ port, persistTo }: ServerOptions): Promise<ChildProcess> {
  const inspectorPort = await freePort();
  const child = spawn(
    process.execPath,
    [
      WRANGLER,
      "dev",
      "--ip",
      "127.0.0.1",
      "--port",
      String(port),
      "--inspector-port",
      String(inspectorPort),
      "--persist-to",
      persistTo,
      "--show-interactive-dev-session=false",
      // The long-room test seeds 10,000 messages from one sender over one socket: lift the
      // per-sender bucket and the socket's frame budget.
      "--var",
      "SEND_RATE_PER_SEC:100000",
      "--var",
      "SEND_BURST:100000",
      "--var",
      "SOCKET_FRAMES_PER_SEC:100000",
      "--var",
      "SOCKET_FRAME_BURST:100000",
      // Every browser test signs its people up from 127.0.0.1, all files in one server: the
      // per-address sign-up window (20 an hour) would be the suite's size limit.
      "--var",
      "REGISTRATIONS_PER_IP_PER_HOUR:1000",
      "--log-level",
      "warn",
    ],
    { cwd: ROOT, env: env(), detached: true, stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  child.stdout?.on("data", (chunk) => {
    output += chunk;
  });
  child.stderr?.on("data", (chunk) => {
    output += chunk;
  });
  if (child.pid) writeFileSync(pidFile(persistTo), String(child.pid));
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited:\n${output}`);
    try {
      const response = await fetch(`http://127.0.0.1:${port}/api/me`);
      if (response.status === 401) return child;
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  stopServer(persistTo);
  throw new Error(`wrangler dev did not answer on port ${port} within 60 s:\n${output}`);
}

/** Kills the whole process group of the server started on this persist directory. */
export function stopServer(persistTo: string): void {
  let pid: number;
  try {
    pid = Number(readFileSync(pidFile(persistTo), "utf8"));
  } catch {
    return;
  }
  if (!pid) return;
  try {
    process.kill(-pid, "SIGKILL");
  } catch {
    // Already gone.
  }
}

/** Waits until nothing answers on the port (after a stop). */
export async function waitPortClosed(port: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    try {
      await fetch(`http://127.0.0.1:${port}/api/me`, { signal: AbortSignal.timeout(500) });
    } catch {
      return;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
