// Drizzle over D1, and small helpers shared by every query module.
import { drizzle } from "drizzle-orm/d1";
import * as schema from "./schema";

const makeDb = (d1: D1Database) => drizzle(d1, { schema });

export type Db = ReturnType<typeof makeDb>;

// One drizzle instance per binding, not per request: building one walks the whole schema
// (its relational config), which profiling showed in every request's CPU.
const instances = new WeakMap<D1Database, Db>();

export function openDb(d1: D1Database): Db {
  // No binding when the API documents are built in Node (scripts/api-contract.ts).
  if (d1 === undefined) return makeDb(d1);
  let db = instances.get(d1);
  if (!db) {
    db = makeDb(d1);
    instances.set(d1, db);
  }
  return db;
}

export const iso = (ms: number): string => new Date(ms).toISOString();
export const isoOrNull = (ms: number | null | undefined): string | null =>
  ms == null ? null : new Date(ms).toISOString();

/** Escapes LIKE wildcards in user input (queries use `ESCAPE '\'`). */
export const likePattern = (text: string): string =>
  `${text.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;

export function isUniqueViolation(error: unknown): boolean {
  const text = String((error as { cause?: unknown })?.cause ?? error);
  return (
    text.includes("UNIQUE constraint failed") || String(error).includes("UNIQUE constraint failed")
  );
}
