// The colour theme: light, dark or the classic Windows 98 look, kept in localStorage and
// applied as <html data-theme>, where styles/tokens.css swaps its variables.
import { signal } from "@preact/signals";

export const THEMES = [
  { id: "light", label: "Light" },
  { id: "dark", label: "Dark" },
  { id: "win98", label: "Windows 98" },
] as const;
export type Theme = (typeof THEMES)[number]["id"];

const KEY = "confab.theme";

function stored(): Theme {
  try {
    const value = localStorage.getItem(KEY);
    if (THEMES.some((t) => t.id === value)) return value as Theme;
  } catch {
    // Storage can be unavailable (private modes); the default applies.
  }
  return window.matchMedia?.("(prefers-color-scheme: dark)").matches ? "dark" : "light";
}

export const theme = signal<Theme>(stored());

export function applyTheme(next: Theme): void {
  theme.value = next;
  document.documentElement.dataset.theme = next;
  try {
    localStorage.setItem(KEY, next);
  } catch {
    // Not persisted, still applied.
  }
}
