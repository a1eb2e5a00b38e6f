// The states of a live search, the same everywhere: searching, failed, nothing found, a list.
import type { ComponentChildren } from "preact";
import type { Loadable } from "../../state/app-state";

interface Props<T> {
  results: Loadable<T[]>;
  /** What to say when the list is empty. */
  empty: string;
  children: (item: T) => ComponentChildren;
}

export function SearchResults<T>({ results, empty, children }: Props<T>) {
  if (results.status === "loading") return <p class="muted">Searching…</p>;
  if (results.status === "error") return <p role="alert">{results.error.message}</p>;
  if (results.value.length === 0) return <p class="muted">{empty}</p>;
  return <ul class="result-list">{results.value.map(children)}</ul>;
}
