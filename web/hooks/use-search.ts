// Results for a search box: the first query runs at once, later ones after a pause in typing;
// an answer that arrives after a newer query was typed is dropped.
import { useEffect, useRef, useState } from "preact/hooks";
import { asApiError } from "../net/api";
import type { Loadable } from "../state/app-state";

const TYPING_PAUSE_MS = 250;

export function useSearch<T>(search: (q: string) => Promise<T[]>, query: string) {
  const [results, setResults] = useState<Loadable<T[]>>({ status: "loading" });
  const [version, setVersion] = useState(0);
  const first = useRef(true);

  useEffect(() => {
    let current = true;
    const run = () => {
      search(query.trim()).then(
        (value) => current && setResults({ status: "ready", value }),
        (error: unknown) => current && setResults({ status: "error", error: asApiError(error) }),
      );
    };
    const delay = first.current ? 0 : TYPING_PAUSE_MS;
    first.current = false;
    const timer = setTimeout(run, delay);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [search, query, version]);

  /** Runs the current query again, e.g. after joining one of the results. */
  const reload = () => setVersion((v) => v + 1);
  return { results, reload };
}
