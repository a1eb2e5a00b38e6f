import { defineConfig } from "drizzle-kit";

// D1 schema → SQL migrations that wrangler applies (`migrations_dir` in wrangler.toml).
export default defineConfig({
  dialect: "sqlite",
  schema: "./src/db/schema.ts",
  out: "./migrations/d1",
});
