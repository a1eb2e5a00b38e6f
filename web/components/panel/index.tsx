// The frame of the main panel: a heading that takes focus when the panel opens, and on small
// screens a way back to the room list.
import type { ComponentChildren } from "preact";
import { useId } from "preact/hooks";
import { useFocusOnMount } from "../../hooks/use-focus-on-mount";
import { useAppState } from "../../state/use-app-state";
import * as styles from "./panel.module.css";

interface PanelProps {
  title: ComponentChildren;
  /** Changes when the panel shows something else, so focus moves to the new heading. */
  focusKey: string;
  icon?: ComponentChildren;
  badges?: ComponentChildren;
  subtitle?: ComponentChildren;
  children?: ComponentChildren;
}

export function Panel({ title, focusKey, icon, badges, subtitle, children }: PanelProps) {
  const state = useAppState();
  const headingRef = useFocusOnMount<HTMLHeadingElement>(focusKey);
  const headingId = useId();
  return (
    <section class={styles.panel} aria-labelledby={headingId}>
      <header class={styles.panelHeader}>
        <button
          type="button"
          class={`button button--ghost ${styles.panelBack}`}
          onClick={() => state.show({ kind: "home" })}
        >
          <span aria-hidden="true">←</span> Rooms
        </button>
        <div class={styles.panelTitleRow}>
          {icon}
          <h2 class={styles.panelTitle} id={headingId} tabIndex={-1} ref={headingRef}>
            {title}
          </h2>
          {badges}
        </div>
        {subtitle}
      </header>
      <div class={styles.panelBody}>{children}</div>
    </section>
  );
}
