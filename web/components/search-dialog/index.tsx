// The search across my rooms, as a modal dialog over the app: it opens from the top bar (or
// Ctrl+Shift+F, ⌘⇧F, or "/" outside a room), its content loads when first opened (a lazy chunk), and
// opening a result closes it. Esc, Close or a click on the backdrop close it too.
import { useEffect, useRef } from "preact/hooks";
import { lazyPanel } from "../lazy-panel";
import * as styles from "./search-dialog.module.css";

const MessageSearch = lazyPanel(() => import("../message-search").then((m) => m.MessageSearch));

interface SearchDialogProps {
  /** Opens a result: its room, at the message. */
  onOpen(roomId: string, seq: number): void;
  onClose(): void;
}

export function SearchDialog({ onOpen, onClose }: SearchDialogProps) {
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    if (dialog.current && !dialog.current.open) dialog.current.showModal();
  }, []);
  return (
    // biome-ignore lint/a11y/useKeyWithClickEvents: a click on the backdrop; Esc is its keyboard equivalent (onCancel)
    <dialog
      ref={dialog}
      class={`modal ${styles.searchDialog}`}
      aria-label="Search all my rooms"
      onCancel={(event) => {
        // The app closes it (and puts focus back), not the browser.
        event.preventDefault();
        onClose();
      }}
      onClick={(event) => {
        // A click on the dialog itself, not its content, is one on the backdrop.
        if (event.target === dialog.current) onClose();
      }}
    >
      <div class={styles.searchDialogBody}>
        <MessageSearch scope={{ kind: "all" }} onOpen={onOpen} onClose={onClose} />
      </div>
    </dialog>
  );
}
