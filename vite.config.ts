// Builds the Preact client (web/) into dist/client, which wrangler serves as static assets.
// Paths are relative to the repository root, where npm runs the scripts.
import { gzipSync } from "node:zlib";
import preact from "@preact/preset-vite";
import { defineConfig, type Plugin } from "vite";
import { emojiData } from "./web/components/emoji-picker/vite-plugin.ts";
import { serviceWorker } from "./web/sw/vite-plugin.ts";

/** The budget for the JavaScript a first visit loads (issue 6): the build fails beyond it. */
const INITIAL_JS_BUDGET_BYTES = 60 * 1024;

/** Sums the gzipped size of the entry chunk and its static imports; lazy chunks are free. */
function initialJsBudget(limit: number): Plugin {
  return {
    name: "confab-initial-js-budget",
    apply: "build",
    // After every other plugin has rewritten the chunks: the bytes a browser will fetch.
    writeBundle(_options, bundle) {
      const chunks = Object.values(bundle).flatMap((c) => (c.type === "chunk" ? [c] : []));
      const initial = new Set<string>();
      const visit = (fileName: string) => {
        if (initial.has(fileName)) return;
        initial.add(fileName);
        for (const imported of chunks.find((c) => c.fileName === fileName)?.imports ?? []) {
          visit(imported);
        }
      };
      for (const chunk of chunks) if (chunk.isEntry) visit(chunk.fileName);
      const bytes = chunks
        .filter((c) => initial.has(c.fileName))
        .reduce((sum, c) => sum + gzipSync(c.code).length, 0);
      const summary = `initial JS ${(bytes / 1024).toFixed(2)} KB gzipped (budget ${limit / 1024} KB)`;
      if (bytes > limit) this.error(summary);
      this.info(summary);
    },
  };
}

export default defineConfig({
  root: "web",
  // The service worker is built apart, as dist/client/sw.js: not an entry, outside the budget.
  plugins: [
    preact(),
    emojiData(),
    serviceWorker("web/sw/index.ts"),
    initialJsBudget(INITIAL_JS_BUDGET_BYTES),
  ],
  css: {
    // Components' CSS modules keep their class names as written (`.msg`, `.room-list__item`):
    // the browser tests and a few DOM queries find elements by them, and every name starts with
    // its component's block, so modules do not collide. Imported as `styles.roomListItem`.
    modules: { generateScopedName: "[local]", localsConvention: "camelCaseOnly" },
  },
  build: {
    // Relative to root, so <repo>/dist/client; it lies outside root, hence the explicit empty.
    outDir: "../dist/client",
    emptyOutDir: true,
  },
});
