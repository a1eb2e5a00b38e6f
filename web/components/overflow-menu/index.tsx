// A row of controls that folds into a menu on narrow screens: there one button opens it (a
// disclosure: the button says whether it is open; Escape, a click elsewhere or using one of
// the controls closes it). Wide screens show the controls inline and never the button.
import type { ComponentChildren } from "preact";
import { useEffect, useId, useRef, useState } from "preact/hooks";
import * as styles from "./overflow-menu.module.css";

interface OverflowMenuProps {
  /** What the button says (visible). */
  label: ComponentChildren;
  /** Its accessible name when the visible label is a symbol. */
  ariaLabel?: string;
  class?: string;
  children: ComponentChildren;
}

export function OverflowMenu({ label, ariaLabel, class: extra, children }: OverflowMenuProps) {
  const [open, setOpen] = useState(false);
  const root = useRef<HTMLDivElement>(null);
  const toggle = useRef<HTMLButtonElement>(null);
  const id = useId();
  useEffect(() => {
    if (!open) return;
    const away = (event: PointerEvent) => {
      if (!root.current?.contains(event.target as Node)) setOpen(false);
    };
    document.addEventListener("pointerdown", away);
    return () => document.removeEventListener("pointerdown", away);
  }, [open]);
  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: delegation — Escape and clicks come from the menu's own buttons
    <div
      class={`${styles.overflow}${extra ? ` ${extra}` : ""}`}
      ref={root}
      data-open={open ? "" : undefined}
      onKeyDown={(event) => {
        if (event.key !== "Escape" || !open) return;
        setOpen(false);
        toggle.current?.focus();
      }}
      onClick={(event) => {
        const target = event.target as HTMLElement;
        if (open && target !== toggle.current && target.closest("button")) setOpen(false);
      }}
    >
      <button
        type="button"
        class={`button button--ghost ${styles.overflowToggle}`}
        ref={toggle}
        aria-expanded={open}
        aria-controls={id}
        aria-label={ariaLabel}
        onClick={() => setOpen((v) => !v)}
      >
        {label}
      </button>
      <div class={styles.overflowItems} id={id}>
        {children}
      </div>
    </div>
  );
}
