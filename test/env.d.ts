import type { D1Migration } from "cloudflare:test";
import type { Env as WorkerEnv } from "../src/config/env";

// The bindings tests see: the Worker's, plus the migrations vitest.config.ts passes in.
declare global {
  namespace Cloudflare {
    interface Env extends WorkerEnv {
      TEST_MIGRATIONS: D1Migration[];
    }
  }
}
