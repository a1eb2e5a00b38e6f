// A value shown once to hand on (an invite link, a set-password link, a bot's token): selectable,
// with a button that copies it.
import { useId, useState } from "preact/hooks";
import * as fieldStyles from "../field/field.module.css";

export function CopyField({ label, value }: { label: string; value: string }) {
  const id = useId();
  const [copied, setCopied] = useState(false);
  return (
    <div class={fieldStyles.field}>
      <label class={fieldStyles.fieldLabel} for={id}>
        {label}
      </label>
      <input
        id={id}
        class={`${fieldStyles.fieldInput} copy-field`}
        readOnly
        value={value}
        onFocus={(e) => e.currentTarget.select()}
      />
      <div class="button-row">
        <button
          type="button"
          class="button button--small"
          onClick={() =>
            void navigator.clipboard?.writeText(value).then(
              () => setCopied(true),
              () => undefined,
            )
          }
        >
          Copy
        </button>
        {copied && (
          <span class="muted" role="status">
            Copied
          </span>
        )}
      </div>
    </div>
  );
}
