// What the bench ran on: CPU, memory, versions, the commit, and how busy the machine was.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { availableParallelism, loadavg, totalmem } from "node:os";
import { join } from "node:path";
import { REPO } from "./server.ts";

export interface MachineInfo {
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  node: string;
  wrangler: string;
  workerd: string;
  commit: string;
  /** Uncommitted changes under src/, migrations/ or wrangler.toml when the run started. */
  dirty: boolean;
  loadAverageStart: number[];
  loadAverageEnd?: number[];
}

function packageVersion(name: string): string {
  try {
    const text = readFileSync(join(REPO, "node_modules", name, "package.json"), "utf8");
    return (JSON.parse(text) as { version: string }).version;
  } catch {
    return "unknown";
  }
}

function git(dir: string, args: string[]): string {
  try {
    return execFileSync("git", args, { cwd: dir, encoding: "utf8" }).trim();
  } catch {
    return "";
  }
}

/** `appDir`: the checkout whose Confab is served (`--app`), whose commit is the one measured. */
export async function machineInfo(appDir = REPO): Promise<MachineInfo> {
  const cpuinfo = readFileSync("/proc/cpuinfo", "utf8");
  return {
    cpus: availableParallelism(),
    cpuModel: /model name\s*:\s*(.+)/.exec(cpuinfo)?.[1]?.trim() ?? "unknown",
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    wrangler: packageVersion("wrangler"),
    workerd: packageVersion("workerd"),
    commit: git(appDir, ["rev-parse", "--short", "HEAD"]) || "unknown",
    dirty:
      git(appDir, ["status", "--porcelain", "--", "src", "migrations", "wrangler.toml"]) !== "",
    loadAverageStart: loadavg().map((v) => Math.round(v * 100) / 100),
  };
}
