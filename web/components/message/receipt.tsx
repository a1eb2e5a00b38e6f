import type { Message as MessageType } from "../../../src/shared/protocol";
import type { MessageContext } from "./context";
import * as styles from "./message.module.css";

export function Receipt({ message, view }: { message: MessageType; view: MessageContext }) {
  const readers = Object.entries(view.readMarks).filter(
    ([userId, seq]) => userId !== view.meId && seq >= message.seq,
  ).length;
  if (view.isDm) {
    return readers > 0 ? (
      <span class={`${styles.receipt} ${styles.receiptRead}`} title="Read">
        ✓✓<span class="visually-hidden"> read</span>
      </span>
    ) : (
      <span class={styles.receipt} title="Sent">
        ✓<span class="visually-hidden"> sent</span>
      </span>
    );
  }
  if (message.seq !== view.lastMineSeq) return null;
  return (
    <span class={styles.receipt} title="Sent">
      {readers > 0 ? `✓ Seen by ${readers}` : "✓ Sent"}
    </span>
  );
}
