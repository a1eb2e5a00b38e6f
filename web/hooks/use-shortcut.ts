// Keyboard shortcuts for the whole page (a keydown listener on the document), and the keys of
// the search: "/" outside fields searches here, Ctrl+K (⌘K) anywhere searches all my rooms.
import { useEffect, useRef } from "preact/hooks";

/** Whether a key event comes from somewhere that takes text. */
export function typingIn(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || target.closest("input, textarea, select") !== null;
}

/** Calls `onKey` for each keydown on the page; true means it used the key (nothing else does). */
export function useShortcut(onKey: (event: KeyboardEvent) => boolean): void {
  // The latest callback, without registering the listener again on every render.
  const latest = useRef(onKey);
  latest.current = onKey;
  useEffect(() => {
    const listener = (event: KeyboardEvent) => {
      if (!event.defaultPrevented && latest.current(event)) event.preventDefault();
    };
    document.addEventListener("keydown", listener);
    return () => document.removeEventListener("keydown", listener);
  }, []);
}

/** "/" alone, outside fields and dialogs: search here. */
export const slashKey = (event: KeyboardEvent) =>
  event.key === "/" &&
  !event.ctrlKey &&
  !event.metaKey &&
  !event.altKey &&
  !typingIn(event.target) &&
  !(event.target instanceof Element && event.target.closest("dialog"));

/** Ctrl+K (⌘K on a Mac), also from a field: search everywhere. */
export const searchAllKey = (event: KeyboardEvent) =>
  event.key.toLowerCase() === "k" && (event.ctrlKey || event.metaKey) && !event.altKey;
