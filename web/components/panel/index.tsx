// The frame of the main panel: a heading that takes focus when the panel opens, and on small
// screens a way back to the room list.
import type { ComponentChildren } from "preact";
import { useId } from "preact/hooks";
import { useFocusOnMount } from "../../hooks/use-focus-on-mount";
import { useAppState } from "../../state/use-app-state";

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
    <section class="panel" aria-labelledby={headingId}>
      <header class="panel__header">
        <button
          type="button"
          class="button button--ghost panel__back"
          onClick={() => state.show({ kind: "home" })}
        >
          <span aria-hidden="true">←</span> Rooms
        </button>
        <div class="panel__title-row">
          {icon}
          <h2 class="panel__title" id={headingId} tabIndex={-1} ref={headingRef}>
            {title}
          </h2>
          {badges}
        </div>
        {subtitle}
      </header>
      <div class="panel__body">{children}</div>
    </section>
  );
}
