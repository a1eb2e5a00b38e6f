// What a file is, from its first bytes: never from the declared type or the name. Images (png,
// jpeg, gif, webp) with their dimensions from the header; common audio and video containers;
// everything else (SVG, HTML, PDF, …) is a plain file, served as a download.
import type { AttachmentKind } from "../../../src/shared/protocol";

export interface Sniffed {
  kind: AttachmentKind;
  /** The type the bytes say (media), or null for a plain file. */
  contentType: string | null;
  width: number | null;
  height: number | null;
}

/** Bytes of a file's head kept for sniffing: enough for a JPEG's frame header after EXIF. */
export const SNIFF_BYTES = 256 * 1024;

const startsWith = (bytes: Uint8Array, ascii: string, at = 0) => {
  if (bytes.length < at + ascii.length) return false;
  for (let i = 0; i < ascii.length; i++) if (bytes[at + i] !== ascii.charCodeAt(i)) return false;
  return true;
};

const u16be = (b: Uint8Array, at: number) => ((b[at] ?? 0) << 8) | (b[at + 1] ?? 0);
const u16le = (b: Uint8Array, at: number) => (b[at] ?? 0) | ((b[at + 1] ?? 0) << 8);
const u24le = (b: Uint8Array, at: number) => u16le(b, at) | ((b[at + 2] ?? 0) << 16);
const u32be = (b: Uint8Array, at: number) => u16be(b, at) * 0x10000 + u16be(b, at + 2);

const image = (contentType: string, width: number, height: number): Sniffed | null =>
  width > 0 && height > 0 ? { kind: "image", contentType, width, height } : null;

function png(b: Uint8Array): Sniffed | null {
  if (!startsWith(b, "\x89PNG\r\n\x1a\n") || !startsWith(b, "IHDR", 12)) return null;
  return image("image/png", u32be(b, 16), u32be(b, 20));
}

function gif(b: Uint8Array): Sniffed | null {
  if (!startsWith(b, "GIF87a") && !startsWith(b, "GIF89a")) return null;
  return image("image/gif", u16le(b, 6), u16le(b, 8));
}

function webp(b: Uint8Array): Sniffed | null {
  if (!startsWith(b, "RIFF") || !startsWith(b, "WEBP", 8)) return null;
  if (startsWith(b, "VP8 ", 12) && b[23] === 0x9d && b[24] === 0x01 && b[25] === 0x2a) {
    return image("image/webp", u16le(b, 26) & 0x3fff, u16le(b, 28) & 0x3fff);
  }
  if (startsWith(b, "VP8L", 12) && b[20] === 0x2f) {
    const bits = (b[21] ?? 0) | ((b[22] ?? 0) << 8) | ((b[23] ?? 0) << 16) | ((b[24] ?? 0) << 24);
    return image("image/webp", (bits & 0x3fff) + 1, ((bits >>> 14) & 0x3fff) + 1);
  }
  if (startsWith(b, "VP8X", 12)) return image("image/webp", u24le(b, 24) + 1, u24le(b, 27) + 1);
  return null;
}

/** JPEG: walk the segments to the first start-of-frame marker, which holds the size. */
function jpeg(b: Uint8Array): Sniffed | null {
  if (b[0] !== 0xff || b[1] !== 0xd8 || b[2] !== 0xff) return null;
  let at = 2;
  while (at + 9 < b.length) {
    if (b[at] !== 0xff) return null;
    const marker = b[at + 1] ?? 0;
    if (marker === 0xff) {
      at += 1; // fill byte
      continue;
    }
    // Markers without a length: TEM, RSTn, SOI, EOI.
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd9)) {
      at += 2;
      continue;
    }
    const isFrame = marker >= 0xc0 && marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(marker);
    if (isFrame) return image("image/jpeg", u16be(b, at + 7), u16be(b, at + 5));
    at += 2 + u16be(b, at + 2);
  }
  return null;
}

function media(b: Uint8Array): Sniffed | null {
  const as = (kind: "audio" | "video", contentType: string): Sniffed => ({
    kind,
    contentType,
    width: null,
    height: null,
  });
  if (startsWith(b, "ftyp", 4)) {
    if (startsWith(b, "M4A ", 8)) return as("audio", "audio/mp4");
    if (startsWith(b, "qt  ", 8)) return as("video", "video/quicktime");
    return as("video", "video/mp4");
  }
  if (b[0] === 0x1a && b[1] === 0x45 && b[2] === 0xdf && b[3] === 0xa3) {
    return as("video", "video/webm");
  }
  if (startsWith(b, "OggS")) return as("audio", "audio/ogg");
  if (startsWith(b, "fLaC")) return as("audio", "audio/flac");
  if (startsWith(b, "RIFF") && startsWith(b, "WAVE", 8)) return as("audio", "audio/wav");
  if (startsWith(b, "ID3") || (b[0] === 0xff && ((b[1] ?? 0) & 0xe0) === 0xe0)) {
    return as("audio", "audio/mpeg");
  }
  return null;
}

export function sniff(head: Uint8Array): Sniffed {
  return (
    png(head) ??
    gif(head) ??
    webp(head) ??
    jpeg(head) ??
    media(head) ?? { kind: "file", contentType: null, width: null, height: null }
  );
}

/** The declared type of a plain file, if it is a well-formed MIME type; else octet-stream. */
export function declaredType(header: string | null | undefined): string {
  const type = (header ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
  return /^[a-z0-9][a-z0-9!#$&^_.+-]{0,63}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,63}$/.test(type)
    ? type
    : "application/octet-stream";
}
