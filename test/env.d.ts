import type { D1Migration } from "cloudflare:test";
import type { Env as WorkerEnv } from "../src/config/env";

// The bindings tests see: the Worker's, plus what vitest.config.ts adds for tests: the
// migrations, and LEGACY_DB (an empty D1 the migration test builds an old database in).
declare global {
  namespace Cloudflare {
    interface Env extends WorkerEnv {
      TEST_MIGRATIONS: D1Migration[];
      LEGACY_DB: D1Database;
    }
  }
}
