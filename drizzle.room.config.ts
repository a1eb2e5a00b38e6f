import { defineConfig } from "drizzle-kit";

// Room Durable Object schema → migrations bundled into the Worker (migrations.js imports .sql).
export default defineConfig({
  dialect: "sqlite",
  driver: "durable-sqlite",
  schema: "./src/room/schema.ts",
  out: "./migrations/room",
});
