// `npm run dev` only: the client with hot reload and the Worker (API, Durable Objects, local D1)
// in one Vite server, through @cloudflare/vite-plugin. `npm run build` keeps vite.config.ts:
// a build with this plugin would write .wrangler/deploy/config.json, which redirects every
// later plain `wrangler` command (npm start, d1 migrations) to the built config.
import { fileURLToPath } from "node:url";
import { cloudflare } from "@cloudflare/vite-plugin";
import preact from "@preact/preset-vite";
import { defineConfig } from "vite";
import { emojiData } from "./web/components/emoji-picker/vite-plugin.ts";
import { serviceWorker } from "./web/sw/vite-plugin.ts";

const fromRoot = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export default defineConfig({
  // As in vite.config.ts (not imported from it: Vite's native config loader wants no
  // extensionless imports, and TypeScript no .ts ones).
  root: "web",
  css: { modules: { generateScopedName: "[local]", localsConvention: "camelCaseOnly" } },
  plugins: [
    preact(),
    emojiData(),
    // Before the Worker's plugin, which would answer /sw.js with the app's index.html.
    serviceWorker("web/sw/index.ts"),
    cloudflare({
      configPath: fromRoot("./wrangler.toml"),
      // The state of `npm start` and `npm run db:migrate:local` (Vite's root is web/).
      persistState: { path: fromRoot("./.wrangler/state") },
      inspectorPort: false,
    }),
  ],
});
