// Images linked in a message, shown under its text: lazy, in a box of fixed height (the row does
// not jump when one arrives, or fails), sent no referrer, opening the attachments' viewer on a
// click. Where less motion is asked for, a GIF waits for a click. A chunk of its own, fetched
// as the app starts (index.tsx), so the first screen's JavaScript does not carry it.
import { useState } from "preact/hooks";
import { type LinkedImage, linkedImages } from "../../lib/linked-images";
import { openViewer } from "../attachments/viewer-state";
import * as styles from "./rich-text.module.css";

export interface LinkImagesProps {
  body: string;
  tabbable?: boolean;
}

const reducedMotion = () =>
  typeof matchMedia === "function" && matchMedia("(prefers-reduced-motion: reduce)").matches;

function LinkImage({ image, tabbable }: { image: LinkedImage; tabbable: boolean }) {
  const [play, setPlay] = useState(() => !image.animated || !reducedMotion());
  const [failed, setFailed] = useState(false);
  // The box stays, with the image's name, so that the row keeps the height it was measured at.
  if (failed) return <span class={styles.linkImage}>{image.alt}</span>;
  const tabIndex = tabbable ? undefined : -1;
  if (!play) {
    return (
      <button
        type="button"
        class={`button ${styles.linkImage} ${styles.play}`}
        tabIndex={tabIndex}
        aria-label={`Play GIF: ${image.alt}`}
        onClick={() => setPlay(true)}
      >
        GIF ▶
      </button>
    );
  }
  return (
    <button
      type="button"
      class={styles.linkImage}
      tabIndex={tabIndex}
      aria-haspopup="dialog"
      title={`Open ${image.alt}`}
      onClick={(event) =>
        openViewer(
          {
            id: image.src,
            name: image.alt,
            size: 0,
            contentType: "",
            kind: "image",
            width: null,
            height: null,
            url: image.src,
            preview: null,
          },
          event.currentTarget,
          true,
        )
      }
    >
      <img
        src={image.src}
        alt={image.alt}
        loading="lazy"
        decoding="async"
        referrerpolicy="no-referrer"
        onError={() => setFailed(true)}
      />
    </button>
  );
}

export function LinkImages({ body, tabbable = true }: LinkImagesProps) {
  const images = linkedImages(body);
  if (images.length === 0) return null;
  return (
    <div class={styles.linkImages}>
      {images.map((image) => (
        <LinkImage key={image.src} image={image} tabbable={tabbable} />
      ))}
    </div>
  );
}
