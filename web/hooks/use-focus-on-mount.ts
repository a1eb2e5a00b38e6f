// Moves keyboard focus to an element when it appears, e.g. a panel's heading after navigation,
// so keyboard and screen-reader users land where the content changed.
import { useEffect, useRef } from "preact/hooks";

export function useFocusOnMount<T extends HTMLElement>(key?: unknown) {
  const ref = useRef<T>(null);
  // Runs again whenever `key` changes: a new panel in the same component.
  useEffect(() => {
    ref.current?.focus();
  }, [key]);
  return ref;
}
