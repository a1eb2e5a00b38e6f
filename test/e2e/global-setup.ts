// Before the browser tests: build the client if web/ changed since the last build, then start
// `wrangler dev` on a free port with a fresh, migrated persist directory and its admin account;
// stop it afterwards.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { ADMIN, register } from "./seed";
import { freePort, migrate, ROOT, startServer, stopServer } from "./server";

declare module "vitest" {
  export interface ProvidedContext {
    baseUrl: string;
    port: number;
    persistTo: string;
  }
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

function buildClientIfStale(): void {
  let built = 0;
  try {
    built = statSync(join(ROOT, "dist", "client", "index.html")).mtimeMs;
  } catch {
    built = 0;
  }
  const sources = Math.max(
    newestMtime(join(ROOT, "web")),
    newestMtime(join(ROOT, "src", "shared")),
  );
  if (built > sources) return;
  const vite = join(ROOT, "node_modules", "vite", "bin", "vite.js");
  // Vitest runs with NODE_ENV=test, which would make this a development build (Preact's debug
  // hooks included): build what `npm start` serves.
  const result = spawnSync(process.execPath, [vite, "build"], {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, NODE_ENV: "production" },
  });
  if (result.status !== 0)
    throw new Error(`vite build failed:\n${result.stdout}\n${result.stderr}`);
}

export default async function setup(project: TestProject) {
  buildClientIfStale();
  const persistTo = mkdtempSync(join(tmpdir(), "confab-e2e-"));
  migrate(persistTo);
  const port = await freePort();
  await startServer({ port, persistTo });
  const baseUrl = `http://127.0.0.1:${port}`;
  // The first account of an instance is its admin: made here, so that no test depends on
  // which file runs first.
  await register(baseUrl, ADMIN.handle, ADMIN.name);
  project.provide("baseUrl", baseUrl);
  project.provide("port", port);
  project.provide("persistTo", persistTo);
  return () => {
    // The tests may have restarted the server: the pid file names the one running now.
    stopServer(persistTo);
    rmSync(persistTo, { recursive: true, force: true });
  };
}
