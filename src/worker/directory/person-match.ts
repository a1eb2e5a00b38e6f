// How people are found by what someone types: the start of a handle, of a display name, or of
// any word of the name ("ada" finds @ada_l and "Countess Ada"): people search (GET /api/users)
// and workspace member lists.
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
