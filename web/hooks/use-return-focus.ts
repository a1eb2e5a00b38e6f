// Where focus was when something opened (a search, a dialog), so that closing it can put focus
// back there; when that element is gone or hidden, on a fallback instead.
import { useMemo, useRef } from "preact/hooks";

export function useReturnFocus() {
  const opener = useRef<HTMLElement | null>(null);
  return useMemo(
    () => ({
      /** Remembers what has focus now. */
      remember() {
        const active = document.activeElement;
        opener.current = active instanceof HTMLElement && active !== document.body ? active : null;
      },
      /** Focuses what was remembered, else `fallback` (e.g. the panel's heading). */
      restore(fallback?: () => HTMLElement | null) {
        const target = opener.current;
        opener.current = null;
        if (target?.isConnected) target.focus();
        if (!target || document.activeElement !== target) fallback?.()?.focus();
      },
    }),
    [],
  );
}
