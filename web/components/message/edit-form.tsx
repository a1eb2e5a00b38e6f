// Editing a message of mine in place: Enter saves (inside a ``` block it starts a new line, as
// in the composer), Escape cancels.
import { useState } from "preact/hooks";
import type { Message as MessageType } from "../../../src/shared/protocol";
import { cleanBody } from "../../../src/shared/text";
import { inCodeBlock } from "../composer/markup";
import * as fieldStyles from "../field/field.module.css";
import type { MessageContext } from "./context";
import * as styles from "./message.module.css";

export function EditForm({ message, view }: { message: MessageType; view: MessageContext }) {
  const [text, setText] = useState(message.body);
  const [error, setError] = useState<string | null>(null);
  const save = async () => {
    if (cleanBody(text) === message.body) return view.startEdit(null);
    try {
      await view.saveEdit(message.seq, text);
      view.startEdit(null);
    } catch (caught) {
      setError(caught instanceof Error ? caught.message : "Could not save");
    }
  };
  return (
    <form
      class={styles.msgEdit}
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      <textarea
        class={fieldStyles.fieldInput}
        aria-label="Edit message"
        value={text}
        rows={2}
        // biome-ignore lint/a11y/noAutofocus: editing was asked for right here
        autoFocus
        onInput={(e) => setText(e.currentTarget.value)}
        onKeyDown={(e) => {
          if (e.key === "Escape") view.startEdit(null);
          const caret = e.currentTarget.selectionStart;
          if (e.key === "Enter" && !e.shiftKey && !inCodeBlock(text, caret)) {
            e.preventDefault();
            void save();
          }
        }}
      />
      {error && <p class={fieldStyles.fieldError}>{error}</p>}
      <div class="button-row">
        <button type="submit" class="button button--primary button--small">
          Save
        </button>
        <button type="button" class="button button--small" onClick={() => view.startEdit(null)}>
          Cancel
        </button>
      </div>
    </form>
  );
}
