// A message of mine on its way: greyed while it waits (for a connection, or for its files to
// upload, whose chips show their progress), with Retry and Discard once refused.
import { plainText } from "../../lib/rich-text";
import type { PendingMessage } from "../../state/timeline";
import { UploadChips } from "../attachments";
import { Avatar } from "../avatar";
import { RichText } from "../rich-text";
import type { MessageContext } from "./context";
import * as styles from "./message.module.css";

/** A message of mine that the server has not acknowledged yet (greyed), or that it refused. */
export function PendingRow({
  pending,
  name,
  view,
}: {
  pending: PendingMessage;
  name: string;
  view: MessageContext;
}) {
  const quote = pending.replyTo === null ? null : view.quoteOf(pending.replyTo);
  const keys = pending.files ?? [];
  // Read here, so that progress redraws this row alone.
  const uploads =
    keys.length === 0
      ? []
      : view.uploads.value
          .filter((u) => u.cid === pending.cid)
          .sort((a, b) => keys.indexOf(a.key) - keys.indexOf(b.key));
  const uploading = uploads.some((u) => u.status !== "done");
  return (
    <article
      class={`${styles.msg} ${styles.msgFirst} ${styles.msgMine} ${styles.msgPending}${pending.status === "failed" ? ` ${styles.msgFailed}` : ""}`}
      aria-label={`${name}, not sent yet`}
    >
      <div class={styles.msgGutter}>
        <Avatar id={view.meId} name={name} url={view.avatars.get(view.meId)} />
      </div>
      <div class={styles.msgMain}>
        <header class={styles.msgHeader}>
          <span class={styles.msgSender} dir="auto">
            {name} (you)
          </span>
          <span class={styles.msgTime}>
            {pending.status === "failed"
              ? "Not sent"
              : pending.status === "queued"
                ? uploading
                  ? "Uploading…"
                  : "Queued"
                : "Sending…"}
          </span>
        </header>
        {quote && (
          <blockquote class={styles.msgQuote}>
            <span class={styles.msgQuoteSender} dir="auto">
              {quote.sender}
            </span>{" "}
            <span class="msg__quote-text" dir="auto">
              {plainText(quote.excerpt)}
            </span>
          </blockquote>
        )}
        {pending.body !== "" && (
          <div class={styles.msgBody} dir="auto">
            <RichText body={pending.body} />
          </div>
        )}
        <UploadChips
          uploads={uploads}
          onCancel={pending.status === "sending" ? undefined : view.cancelUpload}
        />
        {pending.status === "failed" && (
          <p class={styles.msgError} role="alert">
            {pending.error}{" "}
            <button type="button" class="link-button" onClick={() => view.retry(pending.cid)}>
              Retry
            </button>{" "}
            <button type="button" class="link-button" onClick={() => view.discard(pending.cid)}>
              Discard
            </button>
          </p>
        )}
      </div>
    </article>
  );
}
