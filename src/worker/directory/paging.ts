// Offset pages over the directory's stable orders. List cursors are opaque to clients; here they
// are offsets. A query asks for one row more than the page to learn whether another page follows.

export interface OffsetPage {
  offset: number;
  limit: number;
}

export function offsetCursor(cursor: string | undefined): number {
  const n = cursor ? Number.parseInt(cursor, 10) : 0;
  return Number.isSafeInteger(n) && n > 0 ? n : 0;
}

/** The page out of `limit + 1` rows read at `offset`, and the cursor of the next page if any. */
export function pageOf<T>(rows: T[], page: OffsetPage): { items: T[]; nextCursor: string | null } {
  return {
    items: rows.slice(0, page.limit),
    nextCursor: rows.length > page.limit ? String(page.offset + page.limit) : null,
  };
}
