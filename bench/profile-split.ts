// Splits a V8 CPU profile of the Worker's isolate (bench/inspect.ts `cpuProfile`) by whose code
// ran: under wrangler dev the Worker, the room and its relays share one isolate and one thread, so
// the process's CPU alone cannot say what the room itself spent. wrangler bundles src/ into one
// script; its source map says which file each sampled function came from.
import { copyFile, readdir, readFile } from "node:fs/promises";
import { SourceMap } from "node:module";
import { basename, join } from "node:path";

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
}

/**
 * Where a sample's time goes: to the innermost frame of the stack that is in src/room/ (the
 * room) or src/relay/ (a relay), so a library or shared helper counts for whoever called it;
 * else to src/worker/ (the Worker: routes, and the socket relay between a client and an object,
 * which production runs in other isolates); else to other src/ code running on its own (src/
 * realtime/, e.g. a socket's outgoing flush timer, which room and relays share); else to native
 * work outside any JavaScript of ours (GC, the runtime's own work, "(program)").
 */
export type Part = "room" | "relay" | "worker" | "shared" | "native";

export interface Split {
  /** Samples per part (idle left out). */
  samples: Record<Part, number>;
  /** The same as fractions of the busy samples. */
  share: Record<Part, number>;
  /** The room's and relays' frames that took the most samples (with what they called). */
  top: Array<[string, number]>;
}

/** The source maps wrangler dev wrote in `app` (under .wrangler/tmp: gone once it stops). */
async function mapFiles(app: string): Promise<string[]> {
  const files: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (entry.name.endsWith(".js.map")) files.push(path);
    }
  };
  await walk(join(app, ".wrangler", "tmp"));
  return files;
}

/** Source maps of the bundles wrangler dev built in `app`, by the bundle's file name. */
async function bundleMaps(app: string): Promise<Map<string, SourceMap>> {
  const maps = new Map<string, SourceMap>();
  for (const file of await mapFiles(app)) {
    const payload = JSON.parse(await readFile(file, "utf8"));
    maps.set(basename(file).slice(0, -".map".length), new SourceMap(payload));
  }
  return maps;
}

/** Copies the bundle and its source map next to kept profiles, so DevTools can show src/ lines. */
export async function keepBundle(app: string, dir: string): Promise<void> {
  for (const map of await mapFiles(app)) {
    const bundle = map.slice(0, -".map".length);
    await copyFile(bundle, join(dir, basename(bundle)));
    await copyFile(map, join(dir, basename(map)));
  }
}

export async function splitProfile(file: string, app: string): Promise<Split> {
  const profile = JSON.parse(await readFile(file, "utf8")) as CpuProfile;
  const maps = await bundleMaps(app);
  const parent = new Map<number, number>();
  const byId = new Map<number, ProfileNode>();
  for (const node of profile.nodes) {
    byId.set(node.id, node);
    for (const child of node.children ?? []) parent.set(child, node.id);
  }
  // The original file and line of a frame; file "" when it is not in a bundle of ours.
  const sourceOf = new Map<number, { file: string; line: number }>();
  const source = (node: ProfileNode) => {
    let known = sourceOf.get(node.id);
    if (known !== undefined) return known;
    const map = maps.get(basename(node.callFrame.url));
    const entry = map?.findEntry(node.callFrame.lineNumber, node.callFrame.columnNumber);
    known =
      entry && "originalSource" in entry
        ? { file: entry.originalSource, line: entry.originalLine + 1 }
        : { file: "", line: 0 };
    // Libraries count for whichever of our files called them.
    if (known.file.includes("node_modules")) known = { file: "", line: 0 };
    sourceOf.set(node.id, known);
    return known;
  };
  // Each leaf's part (and for the room and relays, the frame of theirs that claims it), once.
  const partOf = new Map<number, { part: Part | "idle"; at?: string }>();
  const classify = (leaf: number): { part: Part | "idle"; at?: string } => {
    const top = byId.get(leaf);
    if (top?.callFrame.functionName === "(idle)") return { part: "idle" };
    let ours: Part = "native";
    for (let id: number | undefined = leaf; id !== undefined; id = parent.get(id)) {
      const node = byId.get(id);
      if (!node) break;
      const { file, line } = source(node);
      const at = () =>
        `${node.callFrame.functionName || "(anonymous)"} ${file.slice(file.indexOf("src/"))}:${line}`;
      if (file.includes("/src/room/")) return { part: "room", at: at() };
      if (file.includes("/src/relay/")) return { part: "relay", at: at() };
      if (file.includes("/src/worker/")) ours = "worker";
      else if (file.includes("/src/") && ours === "native") ours = "shared";
    }
    return { part: ours };
  };
  // Counted, not weighted by time: workerd's sampler leaves gaps of up to seconds between some
  // samples (a handful of them would carry most of the "time"), so each sample counts once.
  const samples: Record<Part, number> = { room: 0, relay: 0, worker: 0, shared: 0, native: 0 };
  const byFrame = new Map<string, number>();
  for (const leaf of profile.samples) {
    let known = partOf.get(leaf);
    if (known === undefined) {
      known = classify(leaf);
      partOf.set(leaf, known);
    }
    if (known.part !== "idle") samples[known.part]++;
    if (known.at) byFrame.set(known.at, (byFrame.get(known.at) ?? 0) + 1);
  }
  const busy = Object.values(samples).reduce((a, b) => a + b, 0);
  const share = { ...samples };
  for (const part of Object.keys(samples) as Part[])
    share[part] = busy > 0 ? samples[part] / busy : 0;
  const top = [...byFrame].sort((a, b) => b[1] - a[1]).slice(0, 8);
  return { samples, share, top };
}
