// The image viewer: a modal <dialog> (the browser keeps focus inside and the page inert) with
// the whole image, its name, size, a download link and Close. Esc, Close or a click outside the
// image close it, and the keyboard goes back to the image it was opened from. Loaded on the
// first click on an image (index.tsx), so the first screen does not carry it.
import { useLayoutEffect, useRef } from "preact/hooks";
import { formatSize } from "./layout";
import * as styles from "./viewer.module.css";
import type { Viewing } from "./viewer-state";

export function Viewer({ viewing, onClose }: { viewing: Viewing; onClose: () => void }) {
  const { attachment, opener, linked } = viewing;
  const dialog = useRef<HTMLDialogElement>(null);
  const closeButton = useRef<HTMLButtonElement>(null);
  useLayoutEffect(() => {
    const el = dialog.current;
    if (!el) return;
    el.showModal();
    closeButton.current?.focus();
    return () => {
      if (el.open) el.close();
    };
  }, []);
  const close = () => dialog.current?.close();
  const width = attachment.width ?? undefined;
  const height = attachment.height ?? undefined;
  return (
    // biome-ignore lint/a11y/useKeyWithClickEvents: a click on the backdrop only; Esc closes a modal dialog by itself
    <dialog
      ref={dialog}
      class={styles.viewer}
      aria-label={attachment.name}
      onClose={() => {
        onClose();
        if (opener?.isConnected) opener.focus({ preventScroll: true });
      }}
      // The dialog fills the screen: a click that lands on it, not on what it holds, is outside.
      onClick={(event) => {
        if (event.target === event.currentTarget) close();
      }}
    >
      <div class={styles.viewerBar}>
        <span class={styles.viewerName} dir="auto">
          {attachment.name}
        </span>
        {linked ? (
          <a
            class={`button button--small ${styles.viewerDownload}`}
            href={attachment.url}
            target="_blank"
            rel="noopener noreferrer"
          >
            Open original
          </a>
        ) : (
          <>
            <span class={styles.viewerSize}>{formatSize(attachment.size)}</span>
            <a
              class={`button button--small ${styles.viewerDownload}`}
              href={attachment.url}
              download={attachment.name}
            >
              Download
            </a>
          </>
        )}
        <button type="button" class="button button--small" ref={closeButton} onClick={close}>
          Close
        </button>
      </div>
      <img
        class={styles.viewerImage}
        src={attachment.url}
        alt={attachment.name}
        referrerpolicy="no-referrer"
        width={width}
        height={height}
        // The preview (already in the cache) stands in while the original loads.
        style={attachment.preview ? { backgroundImage: `url("${attachment.preview.url}")` } : {}}
      />
    </dialog>
  );
}
