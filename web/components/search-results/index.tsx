// A live search panel's parts, the same everywhere: the box, the states of its answer
// (searching, failed, nothing found, a list) and one row with its action.
import type { ComponentChildren } from "preact";
import { useState } from "preact/hooks";
import { useSearch } from "../../hooks/use-search";
import type { Loadable } from "../../state/app-state";
import { Field } from "../field";
import * as fieldStyles from "../field/field.module.css";

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

interface LiveSearchProps<T> {
  label: string;
  hint?: string;
  /** Handles and names are typed as they are: no spelling fixes. */
  verbatim?: boolean;
  search: (query: string) => Promise<T[]>;
  /** What to say when nothing matches; `query` is trimmed and may be empty. */
  empty: (query: string) => string;
  children: (item: T) => ComponentChildren;
}

/** A search box whose answer is listed under it as the person types. */
export function LiveSearch<T>({
  label,
  hint,
  verbatim,
  search,
  empty,
  children,
}: LiveSearchProps<T>) {
  const [query, setQuery] = useState("");
  const { results } = useSearch(search, query);
  return (
    <>
      <div class="search">
        <Field
          label={label}
          name="q"
          type="search"
          value={query}
          onValue={setQuery}
          autoComplete="off"
          hint={hint}
          verbatim={verbatim}
        />
      </div>
      <SearchResults results={results} empty={empty(query.trim())}>
        {children}
      </SearchResults>
    </>
  );
}

interface ResultRowProps {
  /** An icon or avatar before the text. */
  leading?: ComponentChildren;
  title: ComponentChildren;
  detail?: ComponentChildren;
  /** Why the row's action failed, said under its text. */
  error?: { message: string } | null;
  /** The row's button, or what stands in its place. */
  children: ComponentChildren;
}

export function ResultRow({ leading, title, detail, error, children }: ResultRowProps) {
  return (
    <li class="result">
      {leading}
      <span class="result__text">
        <span class="result__title">{title}</span>
        {detail && <span class="result__detail">{detail}</span>}
        {error && (
          <span class={fieldStyles.fieldError} role="alert">
            {error.message}
          </span>
        )}
      </span>
      {children}
    </li>
  );
}
