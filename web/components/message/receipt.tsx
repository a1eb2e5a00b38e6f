import type { Message as MessageType } from "../../../src/shared/protocol";
import type { MessageContext } from "./context";
import * as styles from "./message.module.css";

/** How many people other than me have a mark at or past `seq`. */
const reached = (marks: Readonly<Record<string, number>>, meId: string, seq: number) =>
  Object.entries(marks).filter(([userId, mark]) => userId !== meId && mark >= seq).length;

export function Receipt({ message, view }: { message: MessageType; view: MessageContext }) {
  const readers = reached(view.readMarks, view.meId, message.seq);
  if (view.isDm) {
    // ✓ sent, ✓✓ delivered to their device, ✓✓ in colour read.
    if (readers > 0) {
      return (
        <span class={`${styles.receipt} ${styles.receiptRead}`} title="Read">
          ✓✓<span class="visually-hidden"> read</span>
        </span>
      );
    }
    return reached(view.deliveredMarks, view.meId, message.seq) > 0 ? (
      <span class={`${styles.receipt} ${styles.receiptDelivered}`} title="Delivered">
        ✓✓<span class="visually-hidden"> delivered</span>
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
