// Picks the colour theme; the choice is remembered on this device.
import { applyTheme, THEMES, type Theme, theme } from "../../state/theme";
import * as styles from "./theme-picker.module.css";

export function ThemePicker() {
  return (
    <label class="theme-picker">
      <span class="visually-hidden">Theme</span>
      <select
        class={styles.themePickerSelect}
        value={theme.value}
        onChange={(e) => applyTheme(e.currentTarget.value as Theme)}
      >
        {THEMES.map((t) => (
          <option key={t.id} value={t.id}>
            {t.label}
          </option>
        ))}
      </select>
    </label>
  );
}
