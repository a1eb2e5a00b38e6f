// Asks before something that cannot be undone, in place (the app's one pattern for it): a
// group whose legend is the question, the keyboard on the action that confirms, Escape or
// "Cancel" to back out, and focus back where it was when it closes without confirming.
import type { ComponentChildren } from "preact";
import { useLayoutEffect, useRef } from "preact/hooks";
import * as styles from "./confirm.module.css";

interface ConfirmProps {
  /** The question, with what happens if the answer is yes. */
  children: ComponentChildren;
  /** The confirming button's label: the action itself ("Leave", "Disable"), not "OK". */
  action: string;
  onConfirm: () => void;
  onCancel: () => void;
  class?: string;
}

export function Confirm(props: ConfirmProps) {
  const confirmRef = useRef<HTMLButtonElement>(null);
  const trigger = useRef<Element | null>(null);
  // Before the browser moves focus off a button that a menu just folded away.
  useLayoutEffect(() => {
    trigger.current = document.activeElement;
    confirmRef.current?.focus();
  }, []);
  const cancel = () => {
    props.onCancel();
    // The button that asked or, if a menu folded it away meanwhile, that menu's button.
    const asked = trigger.current;
    if (!(asked instanceof HTMLElement) || !asked.isConnected) return;
    const shown = (el: HTMLElement | null | undefined) => el && el.getClientRects().length > 0;
    const menu = asked.closest(".overflow")?.querySelector<HTMLElement>(".overflow__toggle");
    if (shown(asked)) asked.focus();
    else if (shown(menu)) menu?.focus();
  };
  return (
    <fieldset
      class={`${styles.confirm}${props.class ? ` ${props.class}` : ""}`}
      onKeyDown={(e) => {
        if (e.key === "Escape") {
          e.stopPropagation();
          cancel();
        }
      }}
    >
      <legend>{props.children}</legend>
      <div class="button-row">
        <button
          type="button"
          class="button button--small button--danger"
          ref={confirmRef}
          onClick={props.onConfirm}
        >
          {props.action}
        </button>
        <button type="button" class="button button--small" onClick={cancel}>
          Cancel
        </button>
      </div>
    </fieldset>
  );
}
