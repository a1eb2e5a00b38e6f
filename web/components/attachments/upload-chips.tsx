// My files on their way, as chips: name, size, a progress bar while uploading, and a button to
// cancel (or remove one that is done); a failed one says why and offers Retry. Shown under the
// composer before sending and in my waiting messages after.
import type { Upload } from "../../state/room";
import * as styles from "./attachments.module.css";
import { formatSize } from "./layout";

interface UploadChipsProps {
  uploads: readonly Upload[];
  /** Cancel or remove a file (none once its message is on the wire). */
  onCancel?: (key: string) => void;
  /** Retry per file (the composer); a waiting message retries all its files at once instead. */
  onRetry?: (key: string) => void;
}

function progressText(upload: Upload): string {
  switch (upload.status) {
    case "uploading":
      return `${Math.floor((100 * upload.sent) / Math.max(1, upload.size))}%`;
    case "preview":
      return "Making preview…";
    case "done":
      return "Ready";
    case "failed":
      return "Not uploaded";
  }
}

export function UploadChips({ uploads, onCancel, onRetry }: UploadChipsProps) {
  if (uploads.length === 0) return null;
  return (
    <ul class={styles.uploadChips} aria-label="Files to send">
      {uploads.map((upload) => {
        const failed = upload.status === "failed";
        const sent = upload.status === "uploading" ? upload.sent : upload.size;
        return (
          <li
            key={upload.key}
            class={`${styles.uploadChip}${failed ? ` ${styles.uploadChipFailed}` : ""}`}
            data-status={upload.status}
          >
            <span class={styles.uploadChipName} dir="auto" title={upload.name}>
              {upload.name}
            </span>
            <span class={styles.uploadChipSize}>{formatSize(upload.size)}</span>
            {failed ? (
              // In a waiting message, the message's own error is the alert.
              <span class={styles.uploadChipError} role={onRetry ? "alert" : undefined}>
                {upload.error}
              </span>
            ) : (
              <>
                <progress
                  class={styles.uploadChipProgress}
                  max={Math.max(1, upload.size)}
                  value={sent}
                  aria-label={`Uploading ${upload.name}`}
                />
                <span class={styles.uploadChipStatus}>{progressText(upload)}</span>
              </>
            )}
            {failed && onRetry && (
              <button
                type="button"
                class="link-button"
                aria-label={`Retry ${upload.name}`}
                onClick={() => onRetry(upload.key)}
              >
                Retry
              </button>
            )}
            {onCancel && (
              <button
                type="button"
                class={styles.uploadChipCancel}
                aria-label={
                  upload.status === "done" || failed
                    ? `Remove ${upload.name}`
                    : `Cancel upload of ${upload.name}`
                }
                title={upload.status === "done" || failed ? "Remove" : "Cancel upload"}
                onClick={() => onCancel(upload.key)}
              >
                ✕
              </button>
            )}
          </li>
        );
      })}
    </ul>
  );
}
