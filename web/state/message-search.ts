// A message search as its panel shows it: the query asked, its answer (searching, failed, the
// results so far) and more of them paged in with `before`. Answers to a query that is no longer
// the one asked are dropped, so a slow answer never replaces a newer one.
import { type ReadonlySignal, signal } from "@preact/signals";
import { type ApiError, asApiError } from "../net/api";

/** What one request answers: `nextBefore` continues it (null: nothing more). */
export interface SearchPage {
  nextBefore: number | null;
}

export type SearchState<P extends SearchPage> =
  | { status: "idle" }
  | { status: "searching"; query: string }
  | { status: "failed"; query: string; error: ApiError }
  | {
      status: "ready";
      query: string;
      page: P;
      /** Loading more with `before`, or why that failed. */
      more: { status: "idle" } | { status: "loading" } | { status: "failed"; error: ApiError };
    };

export interface MessageSearch<P extends SearchPage> {
  state: ReadonlySignal<SearchState<P>>;
  /** Searches for `text` (trimmed); the same query again is left to run, empty text stops. */
  search(text: string): Promise<void>;
  /** The same query again, after a failure. */
  retry(): Promise<void>;
  /** The next page, appended to what is shown. */
  loadMore(): Promise<void>;
}

export function createMessageSearch<P extends SearchPage>(
  load: (query: string, before: number | null) => Promise<P>,
  /** What is shown followed by a further page (the next page's `nextBefore` goes on). */
  append: (shown: P, next: P) => P,
): MessageSearch<P> {
  const state = signal<SearchState<P>>({ status: "idle" });
  /** Bumped by every new query: answers carry the number they were asked under. */
  let asked = 0;

  async function run(query: string): Promise<void> {
    const ticket = ++asked;
    state.value = { status: "searching", query };
    try {
      const page = await load(query, null);
      if (ticket === asked)
        state.value = { status: "ready", query, page, more: { status: "idle" } };
    } catch (error) {
      if (ticket === asked) state.value = { status: "failed", query, error: asApiError(error) };
    }
  }

  return {
    state,

    search(text) {
      const query = text.trim();
      const now = state.value;
      if (!query) {
        asked++;
        state.value = { status: "idle" };
        return Promise.resolve();
      }
      if (now.status !== "idle" && now.status !== "failed" && now.query === query) {
        return Promise.resolve();
      }
      return run(query);
    },

    retry() {
      const now = state.value;
      return now.status === "idle" ? Promise.resolve() : run(now.query);
    },

    async loadMore() {
      const now = state.value;
      if (now.status !== "ready" || now.more.status === "loading") return;
      const before = now.page.nextBefore;
      if (before === null) return;
      const ticket = asked;
      state.value = { ...now, more: { status: "loading" } };
      try {
        const next = await load(now.query, before);
        const current = state.value;
        if (ticket !== asked || current.status !== "ready") return;
        state.value = { ...current, page: append(current.page, next), more: { status: "idle" } };
      } catch (error) {
        const current = state.value;
        if (ticket !== asked || current.status !== "ready") return;
        state.value = { ...current, more: { status: "failed", error: asApiError(error) } };
      }
    },
  };
}
