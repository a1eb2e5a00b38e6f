// The app state is provided once at the root and read anywhere below it.
import { createContext } from "preact";
import { useContext } from "preact/hooks";
import type { AppState } from "./app-state";

export const AppStateContext = createContext<AppState | null>(null);

export function useAppState(): AppState {
  const state = useContext(AppStateContext);
  if (!state) throw new Error("useAppState() needs an <AppStateContext.Provider> above it");
  return state;
}
