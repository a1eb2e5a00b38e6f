// A form's submit lifecycle: pending while the action runs, the ApiError if it fails.
import { useState } from "preact/hooks";
import { type ApiError, asApiError } from "../net/api";

export function useSubmit<T>(action: (input: T) => Promise<void>) {
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);

  async function submit(input: T): Promise<boolean> {
    setPending(true);
    setError(null);
    try {
      await action(input);
      return true;
    } catch (caught) {
      setError(asApiError(caught));
      return false;
    } finally {
      setPending(false);
    }
  }

  return { pending, error, submit };
}
