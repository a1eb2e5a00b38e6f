// Keyboard shortcuts for the whole page (a keydown listener on the document), and their keys:
// "/" outside fields searches here, Ctrl+Shift+F (⌘⇧F) anywhere searches all my rooms, Ctrl+K
// (⌘K) anywhere opens the quick switcher.
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

/** Ctrl+Shift+F (⌘⇧F on a Mac), also from a field: search messages everywhere. */
export const searchAllKey = (event: KeyboardEvent) =>
  event.key.toLowerCase() === "f" &&
  (event.ctrlKey || event.metaKey) &&
  event.shiftKey &&
  !event.altKey;

/** Ctrl+K (⌘K on a Mac), also from a field: jump to a room or a person. */
export const switcherKey = (event: KeyboardEvent) =>
  event.key.toLowerCase() === "k" &&
  (event.ctrlKey || event.metaKey) &&
  !event.shiftKey &&
  !event.altKey;
