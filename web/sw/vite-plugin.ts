// Builds the service worker (web/sw/index.ts) into one classic script at the site's root,
// /sw.js, whose scope is then the whole app. It is bundled apart from the app: it shares no chunk
// with it, is no entry of the app's bundle (so the initial-JS budget never counts it), and keeps
// a fixed name, the URL browsers check for updates. `vite build` adds it to dist/client; `vite`
// (npm run dev) builds it when asked for.
import { resolve } from "node:path";
import { build, type Plugin, type Rolldown } from "vite";

const FILE_NAME = "sw.js";

async function bundleServiceWorker(entry: string, minify: boolean): Promise<string> {
  const result = await build({
    configFile: false,
    root: resolve(entry, ".."),
    publicDir: false,
    logLevel: "warn",
    build: {
      write: false,
      minify,
      copyPublicDir: false,
      rolldownOptions: {
        input: entry,
        output: { format: "iife", entryFileNames: FILE_NAME },
      },
    },
  });
  const outputs = (Array.isArray(result) ? result : [result]) as Rolldown.RolldownOutput[];
  const chunk = outputs
    .flatMap((o) => o.output)
    .find((file) => file.type === "chunk" && file.fileName === FILE_NAME);
  if (chunk?.type !== "chunk") throw new Error(`the service worker build made no ${FILE_NAME}`);
  return chunk.code;
}

/** `entry`: the worker's source, relative to where npm runs (the repository's root). */
export function serviceWorker(entry: string): Plugin {
  const source = resolve(entry);
  return {
    name: "confab-service-worker",
    async generateBundle() {
      this.emitFile({
        type: "asset",
        fileName: FILE_NAME,
        source: await bundleServiceWorker(source, true),
      });
    },
    configureServer(server) {
      server.middlewares.use((request, response, next) => {
        if (request.url?.split("?")[0] !== `/${FILE_NAME}`) return next();
        bundleServiceWorker(source, false).then((code) => {
          response.setHeader("content-type", "text/javascript");
          response.setHeader("cache-control", "no-cache");
          response.end(code);
        }, next);
      });
    },
  };
}
