// D1 batches commit atomically; drizzle wants a non-empty tuple, callers have arrays.
import type { BatchItem } from "drizzle-orm/batch";
import type { Db } from "./client";

export async function batchAll(db: Db, statements: BatchItem<"sqlite">[]): Promise<void> {
  const [first, ...rest] = statements;
  if (first) await db.batch([first, ...rest]);
}
