// Checks that the folder tree stays the architecture (docs/architecture.md, "Where code runs"):
// each folder of src/ (and web/) imports only the folders it is allowed to, so there are no
// cycles between them. Run by `npm run lint`.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

/** Which folders each folder may import (besides itself and packages). */
const ALLOWED: Record<string, readonly string[]> = {
  "src/index.ts": ["worker", "room", "inbox", "relay", "config"],
  worker: ["room", "inbox", "realtime", "db", "config", "shared"],
  room: ["realtime", "db", "config", "shared"],
  inbox: ["realtime", "config", "shared"],
  // A room's relays reach it (and it them) through stubs in realtime, never by import.
  relay: ["realtime", "config", "shared"],
  realtime: ["config", "shared"],
  db: ["shared"],
  config: [],
  shared: [],
  // The client may use the Worker's types (AppType for hono/client), never its code.
  web: ["shared", "worker (types only)"],
};

const root = resolve(import.meta.dirname, "..");

function* files(dir: string): Generator<string> {
  for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* files(path);
    else if (/\.tsx?$/.test(entry.name) && !entry.name.endsWith(".d.ts")) yield path;
  }
}

/** The folder a file belongs to: `web`, `src/index.ts`, or the first folder under src/. */
function folderOf(path: string): string | null {
  if (path.startsWith("web/")) return "web";
  if (path === "src/index.ts") return path;
  const match = /^src\/([^/]+)\//.exec(path);
  return match?.[1] ?? null;
}

const IMPORT = /(import|export)\s+(type\s+)?[^"';]*?from\s+"(\.[^"]+)"|import\("(\.[^"]+)"\)/g;
const problems: string[] = [];
for (const file of [...files("src"), ...files("web")]) {
  const from = folderOf(file);
  if (!from) continue;
  const text = readFileSync(join(root, file), "utf8");
  for (const match of text.matchAll(IMPORT)) {
    const spec = match[3] ?? match[4];
    if (!spec) continue;
    const target = relative(root, resolve(root, dirname(file), spec));
    const to = folderOf(target.endsWith(".ts") ? target : `${target}/`);
    if (!to || to === from || target.startsWith("migrations/")) continue;
    const typeOnly = Boolean(match[2]);
    const allowed = ALLOWED[from] ?? [];
    if (allowed.includes(to) || (typeOnly && allowed.includes(`${to} (types only)`))) continue;
    problems.push(`${file}: imports ${target} (${from} → ${to}${typeOnly ? ", types" : ""})`);
  }
}

if (problems.length > 0) {
  console.error(`Folder dependencies break the architecture:\n${problems.join("\n")}`);
  process.exit(1);
}
console.log("folder dependencies: as docs/architecture.md says");
