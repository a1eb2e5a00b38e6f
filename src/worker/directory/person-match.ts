// How people are found by what someone types: the start of a handle, of a display name, or of
// any word of the name ("ada" finds @ada_l and "Countess Ada"). GET /api/users matches this way
// (its own copy of the condition, in users.ts, which another branch is scoping); workspace member
// lists use this one.
import { or, sql } from "drizzle-orm";
import { likePattern } from "../../db/client";
import { users } from "../../db/schema";

export function matchesPerson(q: string) {
  const pattern = likePattern(q.toLowerCase());
  return or(
    sql`${users.handle} LIKE ${pattern} ESCAPE '\\'`,
    sql`${users.displayName} LIKE ${pattern} ESCAPE '\\' COLLATE NOCASE`,
    sql`${users.displayName} LIKE ${`% ${pattern}`} ESCAPE '\\' COLLATE NOCASE`,
  );
}
