import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

// Four projects. `workerd`: the tests run inside workerd with the real bindings of
// wrangler.toml; each test file gets its own fresh D1, with the real migrations applied by
// test/setup.ts (and an empty LEGACY_DB, which only the migration test fills). `solo`: the same,
// for tests that judge latency under load (test/solo/); `npm test` runs them in a second,
// separate vitest run so no other test file shares the machine. `sharded`: the same with
// ROOM_RELAY_THRESHOLD = 2 and ROOM_RELAYS = 3, so rooms spread over relay Durable Objects
// (test/sharded/), run by `npm test` in a third run. `e2e`: browser tests in Node, driving
// Chromium against `wrangler dev` (test/e2e/).
export default defineConfig(async () => {
  const migrations = await readD1Migrations("migrations/d1");
  const inWorkerd = (
    name: string,
    include: string[],
    exclude: string[],
    vars: Record<string, string> = {},
  ) => ({
    plugins: [
      cloudflareTest({
        wrangler: { configPath: "./wrangler.toml" },
        // LEGACY_DB: a second, empty D1 for test/migration-workspaces.test.ts, which builds a
        // database with the migrations before workspaces and then migrates it (tests only).
        miniflare: {
          bindings: { TEST_MIGRATIONS: migrations, ...vars },
          d1Databases: ["LEGACY_DB"],
        },
      }),
    ],
    test: {
      name,
      include,
      exclude: [...exclude, "**/node_modules/**"],
      setupFiles: ["./test/setup.ts"],
      testTimeout: 30_000,
    },
  });
  return {
    test: {
      projects: [
        inWorkerd(
          "workerd",
          ["test/**/*.test.ts"],
          ["test/e2e/**", "test/solo/**", "test/sharded/**"],
        ),
        inWorkerd("solo", ["test/solo/**/*.test.ts"], []),
        // Rooms beyond one Durable Object: a threshold of 2 puts the third socket on a relay.
        inWorkerd("sharded", ["test/sharded/**/*.test.ts"], [], {
          ROOM_RELAY_THRESHOLD: "2",
          ROOM_RELAYS: "3",
        }),
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
