import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

// Two projects. `workerd`: the tests run inside workerd with the real bindings of wrangler.toml;
// each test file gets its own fresh D1, with the real migrations applied by test/setup.ts.
// `e2e`: browser tests in Node, driving Chromium against `wrangler dev` (test/e2e/).
export default defineConfig(async () => {
  const migrations = await readD1Migrations("migrations/d1");
  return {
    test: {
      projects: [
        {
          plugins: [
            cloudflareTest({
              wrangler: { configPath: "./wrangler.toml" },
              miniflare: { bindings: { TEST_MIGRATIONS: migrations } },
            }),
          ],
          test: {
            name: "workerd",
            include: ["test/**/*.test.ts"],
            exclude: ["test/e2e/**", "**/node_modules/**"],
            setupFiles: ["./test/setup.ts"],
            testTimeout: 30_000,
          },
        },
        {
          test: {
            name: "e2e",
            environment: "node",
            include: ["test/e2e/**/*.test.ts"],
            globalSetup: ["./test/e2e/global-setup.ts"],
            testTimeout: 60_000,
            hookTimeout: 60_000,
            fileParallelism: false,
          },
        },
      ],
    },
  };
});
