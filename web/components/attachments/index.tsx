// A message's files: images inline in a box of their own proportions (reserved before they
// load, so rows never jump), the preview when there is one, opening the viewer on a click;
// video and audio with the browser's controls, loading nothing until played; any other file a
// card with a download link. The viewer (viewer.tsx) and its styles load on the first click.
import type { ComponentType } from "preact";
import { useEffect, useState } from "preact/hooks";
import type { Attachment } from "../../../src/shared/protocol";
import * as styles from "./attachments.module.css";
import { fileType, formatSize, INLINE_GIF_MAX_BYTES, imageBox, videoBox } from "./layout";
import { openViewer, type Viewing, viewing } from "./viewer-state";

export { attachmentsHeight } from "./layout";
export { UploadChips } from "./upload-chips";

/** People who asked for less motion get stills instead of animations that play by themselves. */
const prefersReducedMotion = () =>
  typeof matchMedia === "function" && matchMedia("(prefers-reduced-motion: reduce)").matches;

/**
 * What an image shows in the timeline: an animated GIF itself when it is small enough to play
 * (and motion is welcome), otherwise the preview, else the original; null when a GIF has to
 * wait for the viewer to play and has no still.
 */
function timelineSource(attachment: Attachment): { url: string; playsInline: boolean } | null {
  const gif = attachment.contentType === "image/gif";
  if (gif && attachment.size <= INLINE_GIF_MAX_BYTES && !prefersReducedMotion()) {
    return { url: attachment.url, playsInline: true };
  }
  if (attachment.preview) return { url: attachment.preview.url, playsInline: false };
  return gif ? null : { url: attachment.url, playsInline: false };
}

function ImageAttachment({ attachment }: { attachment: Attachment }) {
  const box = imageBox(attachment);
  const source = timelineSource(attachment);
  const waitsToPlay = attachment.contentType === "image/gif" && !source?.playsInline;
  return (
    <button
      type="button"
      class={styles.attImage}
      tabIndex={-1}
      aria-haspopup="dialog"
      title={`Open ${attachment.name}`}
      style={{ width: `${box.width}px`, aspectRatio: `${box.width} / ${box.height}` }}
      onClick={(event) => openViewer(attachment, event.currentTarget)}
    >
      {source ? (
        <img
          class={styles.attImageImg}
          src={source.url}
          alt={attachment.name}
          width={box.width}
          height={box.height}
          // No loading="lazy": the list draws only rows near the viewport, inside a scroller
          // where lazy images would wait to be scrolled into the window itself.
          decoding="async"
        />
      ) : (
        <span class={styles.attImageName} dir="auto">
          {attachment.name}
        </span>
      )}
      {waitsToPlay && (
        <span class={styles.attImageBadge}>
          ▶ GIF<span class="visually-hidden">, opens to play</span>
        </span>
      )}
    </button>
  );
}

function Caption({ attachment }: { attachment: Attachment }) {
  return (
    <figcaption class={styles.attCaption}>
      <span class={styles.attCaptionName} dir="auto">
        {attachment.name}
      </span>{" "}
      · {formatSize(attachment.size)}{" "}
      <a href={attachment.url} download={attachment.name} tabIndex={-1}>
        Download<span class="visually-hidden"> {attachment.name}</span>
      </a>
    </figcaption>
  );
}

function VideoAttachment({ attachment }: { attachment: Attachment }) {
  const box = videoBox(attachment);
  return (
    <figure class={styles.attMedia}>
      {/* biome-ignore lint/a11y/useMediaCaption: people's own videos come without captions */}
      <video
        class={styles.attVideo}
        src={attachment.url}
        controls
        preload="none"
        tabIndex={-1}
        aria-label={attachment.name}
        style={{ width: `${box.width}px`, aspectRatio: `${box.width} / ${box.height}` }}
      />
      <Caption attachment={attachment} />
    </figure>
  );
}

function AudioAttachment({ attachment }: { attachment: Attachment }) {
  return (
    <figure class={styles.attMedia}>
      {/* biome-ignore lint/a11y/useMediaCaption: people's own recordings come without captions */}
      <audio
        class={styles.attAudio}
        src={attachment.url}
        controls
        preload="none"
        tabIndex={-1}
        aria-label={attachment.name}
      />
      <Caption attachment={attachment} />
    </figure>
  );
}

function FileCard({ attachment }: { attachment: Attachment }) {
  const type = fileType(attachment.name);
  return (
    <div class={styles.attFile}>
      <span class={styles.attFileIcon} aria-hidden="true">
        {type.icon}
      </span>
      <span class={styles.attFileText}>
        <span class={styles.attFileName} dir="auto" title={attachment.name}>
          {attachment.name}
        </span>
        <span class={styles.attFileMeta}>
          {type.label} · {formatSize(attachment.size)}
        </span>
      </span>
      <a
        class={`button button--small ${styles.attFileDownload}`}
        href={attachment.url}
        download={attachment.name}
        tabIndex={-1}
        aria-label={`Download ${attachment.name}`}
      >
        Download
      </a>
    </div>
  );
}

/** The files of a delivered message, in the order they were sent. */
export function Attachments({ attachments }: { attachments: readonly Attachment[] }) {
  return (
    <div class={styles.atts}>
      {attachments.map((attachment) => {
        switch (attachment.kind) {
          case "image":
            return <ImageAttachment key={attachment.id} attachment={attachment} />;
          case "video":
            return <VideoAttachment key={attachment.id} attachment={attachment} />;
          case "audio":
            return <AudioAttachment key={attachment.id} attachment={attachment} />;
          default:
            return <FileCard key={attachment.id} attachment={attachment} />;
        }
      })}
    </div>
  );
}

type ViewerComponent = ComponentType<{ viewing: Viewing; onClose: () => void }>;
let Viewer: ViewerComponent | null = null;

/** Where the viewer opens (once per page): its code loads the first time an image is opened. */
export function ViewerHost() {
  const current = viewing.value;
  const [, setLoaded] = useState(Viewer);
  useEffect(() => {
    if (!current || Viewer) return;
    import("./viewer").then(
      (module) => {
        Viewer = module.Viewer;
        setLoaded(() => module.Viewer);
      },
      () => {
        viewing.value = null;
      },
    );
  }, [current]);
  if (!current || !Viewer) return null;
  return (
    <Viewer
      key={current.attachment.id}
      viewing={current}
      onClose={() => {
        viewing.value = null;
      }}
    />
  );
}
