// Downloading a room's history (`GET /api/rooms/:id/export`, NDJSON): streamed, with what has
// arrived so far (messages and bytes) and a Cancel; once complete it is saved as a file. A lazy
// chunk, loaded when a member asks for an export.
import { useEffect, useRef, useState } from "preact/hooks";
import * as styles from "./room-export.module.css";

type Progress =
  | { status: "running"; messages: number; bytes: number }
  | { status: "done"; messages: number; bytes: number }
  | { status: "failed"; message: string };

const kib = (bytes: number) =>
  bytes < 1024
    ? `${bytes} B`
    : `${(bytes / 1024).toLocaleString("en", { maximumFractionDigits: 1 })} KB`;

/** The file's name: the room's title made safe for a file system, and the day. */
export function exportFileName(title: string, now = new Date()): string {
  const safe = title.replace(/[^\p{L}\p{N}_-]+/gu, "-").replace(/^-+|-+$/g, "") || "room";
  return `${safe}-${now.toISOString().slice(0, 10)}.ndjson`;
}

export function RoomExport(props: { roomId: string; title: string; onClose(): void }) {
  const [progress, setProgress] = useState<Progress>({ status: "running", messages: 0, bytes: 0 });
  const abort = useRef<AbortController | null>(null);

  useEffect(() => {
    const controller = new AbortController();
    abort.current = controller;
    void download(controller.signal);
    return () => controller.abort();
  }, [props.roomId]);

  async function download(signal: AbortSignal) {
    try {
      const response = await fetch(`/api/rooms/${encodeURIComponent(props.roomId)}/export`, {
        signal,
      });
      if (!response.ok || !response.body) {
        const text = await response.text().catch(() => "");
        let message = `The export failed (${response.status}).`;
        try {
          message = (JSON.parse(text) as { error: { message: string } }).error.message;
        } catch {
          // Not the API's error shape: the status says enough.
        }
        setProgress({ status: "failed", message });
        return;
      }
      const parts: Uint8Array[] = [];
      let bytes = 0;
      let messages = 0;
      const reader = response.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        parts.push(value);
        bytes += value.byteLength;
        // One message a line: count the newlines as they come.
        for (const b of value) if (b === 10) messages++;
        setProgress({ status: "running", messages, bytes });
      }
      const url = URL.createObjectURL(
        new Blob(parts as BlobPart[], { type: "application/x-ndjson" }),
      );
      const link = document.createElement("a");
      link.href = url;
      link.download = exportFileName(props.title);
      // A link need not be in the document to be followed.
      link.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      setProgress({ status: "done", messages, bytes });
    } catch (error) {
      if (signal.aborted) return;
      setProgress({
        status: "failed",
        message: error instanceof Error ? error.message : "The export failed.",
      });
    }
  }

  return (
    <div class={styles.roomExport} role="status" aria-live="polite">
      {progress.status === "running" && (
        <>
          <span>
            Exporting… {progress.messages.toLocaleString("en")}{" "}
            {progress.messages === 1 ? "message" : "messages"} ({kib(progress.bytes)})
          </span>
          <progress aria-label="Export progress" />
          <button
            type="button"
            class="button button--small"
            onClick={() => {
              abort.current?.abort();
              props.onClose();
            }}
          >
            Cancel
          </button>
        </>
      )}
      {progress.status === "done" && (
        <>
          <span>
            Exported {progress.messages.toLocaleString("en")}{" "}
            {progress.messages === 1 ? "message" : "messages"} ({kib(progress.bytes)}).
          </span>
          <button type="button" class="button button--small" onClick={props.onClose}>
            Close
          </button>
        </>
      )}
      {progress.status === "failed" && (
        <>
          <span role="alert">{progress.message}</span>
          <button type="button" class="button button--small" onClick={props.onClose}>
            Close
          </button>
        </>
      )}
    </div>
  );
}
