// The address bar and the main panel in step: each panel shown is an entry of the browser's
// history — `/r/:roomId` for a room (`…/m/:seq` opened at a message, `…/t/:seq` with a thread
// open), `/` for the rest, whose entry names the panel in its state — so a reload keeps the open
// room, Back and Forward move between rooms, and a link opens what it names. The paths are
// src/shared/links.ts.
import { messagePath, parseLink, roomPath, threadPath } from "../../src/shared/links";
import type { Panel } from "./panels";

/** Where the app goes: a panel and, for a room, the message to open it at. */
export interface Destination {
  panel: Panel;
  seq: number | null;
}

/** How a move meets the history: a new entry, in place of this one, or none (Back, Forward). */
export type HistoryEntry = "push" | "replace" | "none";

/** The browser's history as the app uses it; the tests' stand-in needs only these. */
export interface AddressBar {
  /** The current path (no query, no hash) and what its entry remembers. */
  current(): { path: string; state: unknown };
  write(entry: "push" | "replace", path: string, state: unknown): void;
  /** Calls back after Back or Forward changed the address; answers how to stop listening. */
  listen(onMove: () => void): () => void;
}

/** The window's history and location (null outside a browser). */
export function browserAddressBar(): AddressBar | null {
  if (typeof window === "undefined") return null;
  return {
    current: () => ({ path: window.location.pathname, state: window.history.state }),
    write: (entry, path, state) =>
      entry === "push"
        ? window.history.pushState(state, "", path)
        : window.history.replaceState(state, "", path),
    listen(onMove) {
      window.addEventListener("popstate", onMove);
      return () => window.removeEventListener("popstate", onMove);
    },
  };
}

/** Panels without a path of their own: they live at `/`, named by their entry's state. */
const AT_HOME = [
  "new-room",
  "browse",
  "new-dm",
  "admin",
  "threads",
  "account",
  "workspace-settings",
  "new-workspace",
] as const;

/** The path and history state that stand for a destination. */
export function addressOf({ panel, seq }: Destination): { path: string; state: unknown } {
  switch (panel.kind) {
    case "room":
      return {
        path:
          panel.thread !== undefined
            ? threadPath(panel.roomId, panel.thread)
            : seq === null
              ? roomPath(panel.roomId)
              : messagePath(panel.roomId, seq),
        state: null,
      };
    case "home":
      return { path: "/", state: null };
    default:
      return { path: "/", state: { panel: panel.kind } };
  }
}

/** Where an address leads, or null when its path names nothing of ours. */
export function destinationOf(path: string, state: unknown): Destination | null {
  const link = parseLink(path);
  if (!link) return null;
  if (link.kind === "room") return { panel: { kind: "room", roomId: link.roomId }, seq: link.seq };
  if (link.kind === "thread") {
    return { panel: { kind: "room", roomId: link.roomId, thread: link.rootSeq }, seq: null };
  }
  const named = (state as { panel?: unknown } | null)?.panel;
  const kind = AT_HOME.find((k) => k === named);
  return { panel: kind ? { kind } : { kind: "home" }, seq: null };
}

/** Writes a destination to the history; showing what the address already says adds no entry. */
export function record(bar: AddressBar, to: Destination, entry: HistoryEntry): void {
  if (entry === "none") return;
  const { path, state } = addressOf(to);
  const here = bar.current();
  const same = here.path === path && JSON.stringify(here.state) === JSON.stringify(state);
  bar.write(same ? "replace" : entry, path, state);
}
