// `npm run lint:api`: asks the app itself for GET /api/openapi.json and GET /api/asyncapi.json,
// writes them to dist/api/, lints both with Redocly CLI (redocly.yaml), validates the AsyncAPI
// document with the AsyncAPI parser, and regenerates the client types test/contract/openapi.ts
// with openapi-typescript (committed, so `npm run typecheck` works on a fresh clone; in CI a
// stale copy fails the lint).
//
// The app is loaded in Node, not in workerd: Vite's module runner (`runnerImport`, the loader
// Vite uses for config files) compiles the TypeScript and resolves its imports, with
// `cloudflare:workers` replaced by an empty DurableObject class and the room's .sql migrations
// read as text. Nothing else of the Worker runtime is touched: building the documents only
// runs the routes' declarations, and a GET without credentials reaches no binding.
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Parser } from "@asyncapi/parser";
import { type Plugin, runnerImport } from "vite";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "dist/api");
const typesFile = join(root, "test/contract/openapi.ts");

const workerStubs: Plugin = {
  name: "confab-worker-stubs",
  enforce: "pre",
  resolveId: (id) => (id === "cloudflare:workers" ? "\0cloudflare:workers" : undefined),
  load(id) {
    if (id === "\0cloudflare:workers") {
      return "export class DurableObject { constructor(ctx, env) { this.ctx = ctx; this.env = env; } }";
    }
    if (id.endsWith(".sql")) return `export default ${JSON.stringify(readFileSync(id, "utf8"))};`;
    return undefined;
  },
};

type App = { request(path: string, init?: RequestInit, env?: object): Promise<Response> };
const { module } = await runnerImport<{ app: App }>(join(root, "src/worker/app.ts"), {
  configFile: false,
  root,
  logLevel: "warn",
  plugins: [workerStubs],
});

/** wrangler.toml's [vars], the app's configuration (it has no defaults of its own). */
function wranglerVars(): Record<string, string> {
  const toml = readFileSync(join(root, "wrangler.toml"), "utf8");
  const section = toml.split(/^\[vars\]\s*$/m)[1]?.split(/^\[/m)[0] ?? "";
  const vars: Record<string, string> = {};
  for (const match of section.matchAll(/^([A-Z0-9_]+)\s*=\s*"([^"]*)"/gm)) {
    if (match[1]) vars[match[1]] = match[2] ?? "";
  }
  return vars;
}

async function fetchDocument(path: string): Promise<unknown> {
  const res = await module.app.request(`http://localhost${path}`, {}, wranglerVars());
  if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
  return res.json();
}

mkdirSync(out, { recursive: true });
const documents = {
  openapi: await fetchDocument("/api/openapi.json"),
  asyncapi: await fetchDocument("/api/asyncapi.json"),
};
for (const [name, document] of Object.entries(documents)) {
  writeFileSync(join(out, `${name}.json`), `${JSON.stringify(document, null, 2)}\n`);
}

/** Runs a tool with its output shown; if it fails, so does the lint (it has said why). */
function run(command: string, args: string[], options: { cwd?: string; env?: object } = {}) {
  try {
    execFileSync(command, args, {
      stdio: ["ignore", "inherit", "inherit"],
      cwd: options.cwd ?? root,
      env: { ...process.env, ...options.env },
    });
  } catch (error) {
    process.exit((error as { status?: number }).status || 1);
  }
}
const bin = (name: string) => join(root, "node_modules/.bin", name);

run(
  bin("redocly"),
  ["lint", "--format=stylish", "dist/api/openapi.json", "dist/api/asyncapi.json"],
  {
    env: { REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true" },
  },
);

const diagnostics = await new Parser().validate(JSON.stringify(documents.asyncapi));
// Spectral's severities: 0 error, 1 warning, 2 information, 3 hint. The one piece of
// information today is that AsyncAPI 3.1 exists; the document is written as 3.0.
const problems = diagnostics.filter((d) => d.severity <= 1);
for (const d of problems) {
  console.error(`asyncapi ${d.code}: ${d.message} at /${d.path.join("/")}`);
}
if (problems.length > 0) {
  console.error(`dist/api/asyncapi.json: ${problems.length} problem(s) (@asyncapi/parser)`);
  process.exit(1);
}
console.log("dist/api/asyncapi.json: valid AsyncAPI 3.0 (@asyncapi/parser)");

// openapi-typescript lives in its own workspace (tools/openapi-typescript) with the TypeScript 5
// compiler API it runs on; the project's TypeScript 7 has none. It runs there so that its own
// Redocly pass does not pick up redocly.yaml: the lint above is the one that judges.
const before = readOrEmpty(typesFile);
const tool = join(root, "tools/openapi-typescript");
run(
  process.execPath,
  [
    join(tool, "node_modules/openapi-typescript/bin/cli.js"),
    join(out, "openapi.json"),
    "--output",
    typesFile,
  ],
  { cwd: tool },
);
run(bin("biome"), ["format", "--write", typesFile]);
if (readOrEmpty(typesFile) !== before) {
  const message = "test/contract/openapi.ts changed with the document: commit it";
  if (process.env.CI) {
    console.error(`${message} (CI checks the committed copy)`);
    process.exit(1);
  }
  console.log(message);
}

function readOrEmpty(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return "";
  }
}
