// Makes the small copy of an image that timelines show instead of the original (docs/api.md,
// "Attachments": previews): decoded with createImageBitmap (a GIF gives its first frame), drawn
// at most PREVIEW_EDGE px a side on a canvas (OffscreenCanvas where there is one), encoded as
// WebP. Loaded only when an image is uploaded, so it costs the first screen nothing.
import { PREVIEW_MAX_BYTES } from "../../src/shared/protocol/rules";

/** The longest side of a preview: sharp at the timeline's ~360 px on a 2× screen. */
export const PREVIEW_EDGE = 640;
const QUALITY = 0.8;

type Canvas = OffscreenCanvas | HTMLCanvasElement;
type Context2d = OffscreenCanvasRenderingContext2D | CanvasRenderingContext2D;

function newCanvas(width: number, height: number): Canvas {
  if (typeof OffscreenCanvas !== "undefined") return new OffscreenCanvas(width, height);
  const canvas = document.createElement("canvas");
  canvas.width = width;
  canvas.height = height;
  return canvas;
}

function encode(canvas: Canvas, type: string, quality: number): Promise<Blob | null> {
  if (canvas instanceof HTMLCanvasElement) {
    return new Promise((resolve) => canvas.toBlob(resolve, type, quality));
  }
  return canvas.convertToBlob({ type, quality }).catch(() => null);
}

/**
 * The preview of `image`, or null when this browser cannot make one small enough. A browser
 * that cannot encode WebP (it hands back a PNG instead) gets a JPEG on white.
 */
export async function makePreview(image: Blob, edge = PREVIEW_EDGE): Promise<Blob | null> {
  const bitmap = await createImageBitmap(image);
  try {
    const scale = Math.min(1, edge / Math.max(bitmap.width, bitmap.height));
    const width = Math.max(1, Math.round(bitmap.width * scale));
    const height = Math.max(1, Math.round(bitmap.height * scale));
    const canvas = newCanvas(width, height);
    const context = canvas.getContext("2d") as Context2d | null;
    if (!context) return null;
    context.imageSmoothingQuality = "high";
    context.drawImage(bitmap, 0, 0, width, height);
    const webp = await encode(canvas, "image/webp", QUALITY);
    if (webp?.type === "image/webp" && webp.size <= PREVIEW_MAX_BYTES) return webp;
    // JPEG has no transparency: what was see-through shows white, as on a page.
    context.globalCompositeOperation = "destination-over";
    context.fillStyle = "#ffffff";
    context.fillRect(0, 0, width, height);
    for (const quality of [QUALITY, 0.6]) {
      const jpeg = await encode(canvas, "image/jpeg", quality);
      if (jpeg?.type === "image/jpeg" && jpeg.size <= PREVIEW_MAX_BYTES) return jpeg;
    }
    return null;
  } finally {
    bitmap.close();
  }
}
