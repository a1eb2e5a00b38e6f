// A list the admin page loads, reloads after a change, and the error of either.
import { useEffect, useState } from "preact/hooks";
import { asApiError } from "../../net/api";

export function useLoad<T>(load: () => Promise<T>, deps: unknown[]) {
  const [value, setValue] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [version, setVersion] = useState(0);
  useEffect(() => {
    let current = true;
    load().then(
      (v) => current && setValue(v),
      (e: unknown) => current && setError(asApiError(e).message),
    );
    return () => {
      current = false;
    };
  }, [...deps, version]);
  return { value, error, reload: () => setVersion((v) => v + 1), setError };
}
