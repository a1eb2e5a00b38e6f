// Builds the Preact client (web/) into dist/client, which wrangler serves as static assets.
// Paths are relative to the repository root, where npm runs the scripts.
import preact from "@preact/preset-vite";
import { defineConfig } from "vite";

export default defineConfig({
  root: "web",
  plugins: [preact()],
  build: {
    // Relative to root, so <repo>/dist/client; it lies outside root, hence the explicit empty.
    outDir: "../dist/client",
    emptyOutDir: true,
  },
});
