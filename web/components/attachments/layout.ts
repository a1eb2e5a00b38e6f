// How attachments take space and read, without the DOM: the box an image is drawn in (from its
// width and height, so the row has its height before a byte of the image arrives), the height
// the message list guesses for a message's files, a size in words, a file's type and icon.
import type { Attachment } from "../../../src/shared/protocol";

/** An image is drawn at most this large in the timeline (never larger than it is). */
export const IMAGE_BOX = { width: 360, height: 300 } as const;
/** Videos without known dimensions get this box (16:9). */
export const VIDEO_BOX = { width: 360, height: 203 } as const;
/** Animated GIFs up to this size play inline; larger ones show their still until opened. */
export const INLINE_GIF_MAX_BYTES = 4 * 1024 * 1024;

const GAP = 4;
const FILE_CARD_HEIGHT = 56;
const AUDIO_HEIGHT = 78;
const CAPTION_HEIGHT = 22;

/**
 * The box an image takes in the timeline: its own proportions (the preview's when there is
 * one, as that is what is shown — also of a photo whose EXIF turns it), scaled down to fit
 * IMAGE_BOX, never up.
 */
export function imageBox(attachment: Attachment): { width: number; height: number } {
  const width = attachment.preview?.width ?? attachment.width;
  const height = attachment.preview?.height ?? attachment.height;
  if (!width || !height) return { width: 240, height: 180 };
  const scale = Math.min(1, IMAGE_BOX.width / width, IMAGE_BOX.height / height);
  return {
    width: Math.max(1, Math.round(width * scale)),
    height: Math.max(1, Math.round(height * scale)),
  };
}

export function videoBox(attachment: Attachment): { width: number; height: number } {
  if (!attachment.width || !attachment.height) return VIDEO_BOX;
  const scale = Math.min(
    1,
    IMAGE_BOX.width / attachment.width,
    IMAGE_BOX.height / attachment.height,
  );
  return {
    width: Math.max(1, Math.round(attachment.width * scale)),
    height: Math.max(1, Math.round(attachment.height * scale)),
  };
}

/** Pixels a message's attachments are guessed to take before they are drawn (then measured). */
export function attachmentsHeight(attachments: readonly Attachment[]): number {
  let height = 0;
  for (const a of attachments) {
    if (a.kind === "image") height += imageBox(a).height;
    else if (a.kind === "video") height += videoBox(a).height + CAPTION_HEIGHT;
    else if (a.kind === "audio") height += AUDIO_HEIGHT;
    else height += FILE_CARD_HEIGHT;
    height += GAP;
  }
  return height;
}

/** "512 B", "14 KB", "2.4 MB" (binary units, as file managers mostly show them). */
export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ["KB", "MB", "GB"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}

const FILE_TYPES: ReadonlyArray<readonly [RegExp, string, string]> = [
  [/^pdf$/, "📄", "PDF document"],
  [/^(zip|rar|7z|tar|gz|tgz|bz2|xz)$/, "🗜️", "Archive"],
  [/^(doc|docx|odt|rtf|txt|md)$/, "📝", "Document"],
  [/^(xls|xlsx|ods|csv|tsv)$/, "📊", "Spreadsheet"],
  [/^(ppt|pptx|odp|key)$/, "📽️", "Presentation"],
  [/^(svg|png|jpe?g|gif|webp|avif|heic|bmp|tiff?)$/, "🖼️", "Image"],
  [/^(mp3|ogg|oga|flac|wav|m4a|aac|opus)$/, "🎵", "Audio"],
  [/^(mp4|mov|webm|mkv|avi)$/, "🎬", "Video"],
  [/^(js|ts|tsx|jsx|json|html?|css|py|rb|go|rs|java|c|h|cpp|sh|ya?ml|toml|xml|sql)$/, "🧾", "Code"],
];

/** The icon and words for a file card, by the file's extension. */
export function fileType(name: string): { icon: string; label: string } {
  const dot = name.lastIndexOf(".");
  const ext = dot > 0 ? name.slice(dot + 1).toLowerCase() : "";
  for (const [pattern, icon, label] of FILE_TYPES) {
    if (pattern.test(ext)) return { icon, label: ext === "pdf" ? label : `${label} (.${ext})` };
  }
  return { icon: "📎", label: ext ? `.${ext} file` : "File" };
}
