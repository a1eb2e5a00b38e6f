// Starts a Worker under `wrangler dev` (workerd) on a free 127.0.0.1 port with its own fresh state,
// and stops it with its whole process group (wrangler leaves workerd children behind otherwise).
import { type ChildProcess, spawn } from "node:child_process";
import { cp, mkdir, readdir, readFile, readlink, symlink, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { join } from "node:path";

export const REPO = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const WRANGLER = join(REPO, "node_modules/wrangler/bin/wrangler.js");

export interface ServerSpec {
  name: string;
  /** Directory holding wrangler.toml; wrangler runs there. */
  dir: string;
  /** Fresh directory for local state (D1, Durable Objects). */
  persistTo: string;
  vars?: Record<string, string>;
  /** Apply the D1 migrations of this config before starting. */
  migrateD1?: boolean;
  /**
   * Talk to the Worker's own workerd directly instead of through wrangler's local proxy (a second
   * workerd that relays every frame: CPU that production does not spend on the room's machine).
   */
  direct?: boolean;
}

export interface Server {
  name: string;
  /** Where clients connect: the Worker's workerd when `direct`, else wrangler's public port. */
  url: string;
  /** wrangler's public URL (its proxy). */
  proxyUrl: string;
  direct: boolean;
  port: number;
  /** wrangler's DevTools inspector (the Worker's isolate, Durable Objects included). */
  inspectorPort: number;
  spec: ServerSpec;
  /** Process group of wrangler and its workerd children. */
  pgid: number;
  /** The last lines wrangler printed, for error reports. */
  log: string[];
  /** Whether wrangler (the process this bench started) is still running. */
  alive(): boolean;
  stop(): Promise<void>;
}

const running = new Set<Server>();
let exitHookInstalled = false;

/** Kills every server still running when the bench exits or is interrupted. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  const killAll = () => {
    for (const server of running) killGroup(server.pgid, "SIGKILL");
  };
  process.on("exit", killAll);
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => {
      killAll();
      process.exit(130);
    });
  }
}

function killGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // Already gone.
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      const port = typeof address === "object" && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

function wrangler(
  args: string[],
  options: { cwd: string; detached?: boolean; env?: Record<string, string> },
): ChildProcess {
  return spawn(process.execPath, [WRANGLER, ...args], {
    cwd: options.cwd,
    detached: options.detached ?? false,
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...process.env,
      CI: "1",
      WRANGLER_SEND_METRICS: "false",
      // Local observability costs ~0.3 ms of CPU per Durable Object event; production does not pay it.
      X_LOCAL_OBSERVABILITY: "false",
      NO_COLOR: "1",
      ...options.env,
    },
  });
}

async function run(args: string[], cwd: string): Promise<void> {
  const child = wrangler(args, { cwd });
  let output = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  if (code !== 0) throw new Error(`wrangler ${args.join(" ")} failed (${code}):\n${output}`);
}

/** Starts `wrangler dev` and resolves once it answers HTTP. */
export async function startServer(spec: ServerSpec): Promise<Server> {
  installExitHook();
  await mkdir(spec.persistTo, { recursive: true });
  if (spec.migrateD1) {
    await run(
      ["d1", "migrations", "apply", "DB", "--local", "--persist-to", spec.persistTo],
      spec.dir,
    );
  }
  const port = await freePort();
  const inspectorPort = await freePort();
  const args = [
    "dev",
    "--config",
    "wrangler.toml",
    "--ip",
    "127.0.0.1",
    "--port",
    String(port),
    "--inspector-port",
    String(inspectorPort),
    "--persist-to",
    spec.persistTo,
    "--show-interactive-dev-session=false",
    "--log-level",
    "warn",
    ...Object.entries(spec.vars ?? {}).flatMap(([key, value]) => ["--var", `${key}:${value}`]),
  ];
  const child = wrangler(args, { cwd: spec.dir, detached: true });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start wrangler dev for ${spec.name}`);
  const log: string[] = [];
  const keep = (chunk: Buffer) => {
    log.push(...chunk.toString().split("\n").filter(Boolean));
    log.splice(0, Math.max(0, log.length - 60));
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  let exited = false;
  child.once("exit", () => {
    exited = true;
  });
  const url = `http://127.0.0.1:${port}`;
  const server: Server = {
    name: spec.name,
    url,
    proxyUrl: url,
    direct: false,
    port,
    inspectorPort,
    spec,
    pgid: pid,
    log,
    alive: () => !exited,
    async stop() {
      running.delete(server);
      killGroup(pid, "SIGTERM");
      const deadline = Date.now() + 5_000;
      while (groupAlive(pid) && Date.now() < deadline) await sleep(100);
      killGroup(pid, "SIGKILL");
    },
  };
  running.add(server);
  const deadline = Date.now() + 90_000;
  while (true) {
    if (exited) throw new Error(`wrangler dev (${spec.name}) exited:\n${log.join("\n")}`);
    if (Date.now() > deadline) {
      await server.stop();
      throw new Error(`wrangler dev (${spec.name}) not ready after 90 s:\n${log.join("\n")}`);
    }
    try {
      const response = await fetch(`${url}${PROBE}`, { signal: AbortSignal.timeout(2_000) });
      const body = await response.text();
      if (response.status !== 503) {
        if (spec.direct) {
          const direct = await findDirectUrl(server, response.status, body);
          if (direct) {
            server.url = direct;
            server.direct = true;
          }
        }
        return server;
      }
    } catch {
      // Not listening yet.
    }
    await sleep(200);
  }
}

/** Per-user, per-socket and sign-up limits are raised for the run (configuration, not code); the room cap is not. */
export const RAISED_LIMITS = {
  SEND_RATE_PER_SEC: "1000000",
  SEND_BURST: "1000000",
  SOCKET_FRAMES_PER_SEC: "1000000",
  SOCKET_FRAME_BURST: "1000000",
  ROOM_CONNECTS_PER_MINUTE: "1000000",
  ROOM_SOCKETS_PER_USER: "1000000",
  SYNC_MAX_PER_WINDOW: "1000000",
  // The bench signs up hundreds of people from 127.0.0.1 within seconds.
  REGISTRATIONS_PER_IP_PER_HOUR: "1000000",
  UPLOADS_PER_USER_PER_MINUTE: "1000000",
};

/**
 * Copies what `wrangler dev` needs of the repo (config, src, migrations) into `dir`, so the run
 * serves one fixed build even if someone edits src/ meanwhile (wrangler dev reloads on changes).
 * The client's static assets are not needed: an empty assets directory stands in for them.
 */
export async function snapshotRepo(dir: string, from = REPO): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const entry of ["wrangler.toml", "package.json", "tsconfig.json", "src", "migrations"]) {
    await cp(join(from, entry), join(dir, entry), { recursive: true });
  }
  await symlink(join(REPO, "node_modules"), join(dir, "node_modules"));
  await mkdir(join(dir, "dist/client"), { recursive: true });
  await writeFile(join(dir, "dist/client/index.html"), "<!doctype html><title>bench</title>\n");
}

const PROBE = "/__bench_probe";

/** The Worker's own listening port: the one of its workerd that answers like the public port. */
async function findDirectUrl(server: Server, status: number, body: string): Promise<string | null> {
  const pid = await workerProcess(server);
  if (pid === null) return null;
  for (const port of await listeningPorts(pid)) {
    try {
      const response = await fetch(`http://127.0.0.1:${port}${PROBE}`, {
        signal: AbortSignal.timeout(2_000),
      });
      if (response.status === status && (await response.text()) === body) {
        return `http://127.0.0.1:${port}`;
      }
    } catch {
      // Not HTTP (inspector, control sockets).
    }
  }
  return null;
}

/** TCP ports a process listens on, from its socket inodes and /proc/net/tcp{,6}. */
async function listeningPorts(pid: number): Promise<number[]> {
  const inodes = new Set<string>();
  for (const fd of await readdir(`/proc/${pid}/fd`).catch(() => [] as string[])) {
    const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => "");
    const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
    if (inode) inodes.add(inode);
  }
  const ports: number[] = [];
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    const lines = (await readFile(table, "utf8").catch(() => "")).split("\n").slice(1);
    for (const line of lines) {
      const fields = line.trim().split(/\s+/);
      const [local, state, inode] = [fields[1], fields[3], fields[9]];
      if (state !== "0A" || !inode || !inodes.has(inode) || !local) continue;
      ports.push(Number.parseInt(local.split(":").at(-1) ?? "0", 16));
    }
  }
  return ports;
}

// ---- processes -------------------------------------------------------------------------------

interface ProcStat {
  pid: number;
  comm: string;
  pgid: number;
  /** utime + stime, in clock ticks (1/100 s). */
  cpuTicks: number;
}

async function procStat(pid: number): Promise<ProcStat | null> {
  try {
    const text = await readFile(`/proc/${pid}/stat`, "utf8");
    const close = text.lastIndexOf(")");
    const comm = text.slice(text.indexOf("(") + 1, close);
    const fields = text.slice(close + 2).split(" ");
    // Fields after ")": state(0) ppid(1) pgrp(2) ... utime(11) stime(12)
    return {
      pid,
      comm,
      pgid: Number(fields[2]),
      cpuTicks: Number(fields[11]) + Number(fields[12]),
    };
  } catch {
    return null;
  }
}

async function allStats(): Promise<ProcStat[]> {
  const pids = (await readdir("/proc")).filter((name) => /^\d+$/.test(name)).map(Number);
  const stats = await Promise.all(pids.map(procStat));
  return stats.filter((s): s is ProcStat => s !== null && s.comm !== "");
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/** CPU ticks used so far by the processes of these groups. */
export async function groupCpuTicks(pgids: number[]): Promise<number> {
  const stats = await allStats();
  return stats.filter((s) => pgids.includes(s.pgid)).reduce((sum, s) => sum + s.cpuTicks, 0);
}

/** CPU ticks of the whole machine (all cores), busy and total, from /proc/stat. */
export async function machineTicks(): Promise<{ busy: number; total: number }> {
  const line = (await readFile("/proc/stat", "utf8")).split("\n")[0] ?? "";
  const values = line.trim().split(/\s+/).slice(1).map(Number);
  const total = values.reduce((a, b) => a + b, 0);
  const idle = (values[3] ?? 0) + (values[4] ?? 0);
  return { busy: total - idle, total };
}

/** The workerd process that runs the Worker itself (wrangler's proxy is another workerd). */
export async function workerProcess(server: Server): Promise<number | null> {
  const stats = await allStats();
  for (const s of stats.filter((p) => p.pgid === server.pgid && p.comm === "workerd")) {
    const cmdline = await readFile(`/proc/${s.pid}/cmdline`, "utf8").catch(() => "");
    // wrangler's proxy listens on the public port; the Worker's own workerd on port 0.
    if (cmdline.includes("--socket-addr=entry=127.0.0.1:0")) return s.pid;
  }
  return null;
}

/** CPU ticks used so far by these processes. */
export async function processCpuTicks(pids: number[]): Promise<number> {
  const stats = await Promise.all(pids.map(procStat));
  return stats.reduce((sum, s) => sum + (s?.cpuTicks ?? 0), 0);
}

/** Resident memory (KiB) of the workerd process that runs the Worker (not wrangler's proxy). */
export async function workerdRssKiB(server: Server): Promise<number> {
  const pid = await workerProcess(server);
  if (pid === null) return 0;
  const status = await readFile(`/proc/${pid}/status`, "utf8").catch(() => "");
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
}

/** Waits until the servers' processes are idle (a backlog from an overloaded run has drained). */
export async function settle(servers: Server[], maxMs = 20_000): Promise<number> {
  const pgids = servers.map((s) => s.pgid);
  const start = Date.now();
  let before = await groupCpuTicks(pgids);
  while (Date.now() - start < maxMs) {
    await sleep(500);
    const after = await groupCpuTicks(pgids);
    // Less than 8% of one core over half a second.
    if (after - before <= 4) break;
    before = after;
  }
  return Date.now() - start;
}

/** Stops every server this process started and has not stopped yet. */
export async function stopAll(): Promise<void> {
  for (const server of [...running]) await server.stop();
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
