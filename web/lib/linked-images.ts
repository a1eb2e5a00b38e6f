// The images a message body links to, shown under its text (components/rich-text/link-images):
// https links outside code whose path ends as an image's, GIF hosts' media marked as animated.
import { linksOf, parseBody } from "./rich-text";

export interface LinkedImage {
  src: string;
  alt: string;
  /** A GIF (or a GIF host's media): it waits for a click where less motion is asked for. */
  animated: boolean;
}

const IMAGE_PATH = /\.(?:png|jpe?g|gif|webp|avif)$/i;
const GIF_HOSTS = /(?:^|\.)(?:giphy\.com|tenor\.com)$/i;

/** The images a body links to (https only, at most `max`), shown under its text. */
export function linkedImages(body: string, max = 3): LinkedImage[] {
  if (!/https:\/\/\S+\.(?:png|jpe?g|gif|webp|avif)\b/i.test(body)) return [];
  const images: LinkedImage[] = [];
  for (const { text, href } of linksOf(parseBody(body))) {
    const url = new URL(href);
    if (url.protocol !== "https:" || !IMAGE_PATH.test(url.pathname)) continue;
    if (images.some((image) => image.src === url.href)) continue;
    const name = url.pathname.split("/").pop() ?? "";
    images.push({
      src: url.href,
      alt: href.includes(text) ? `Image ${name} from ${url.hostname}` : text,
      animated: /\.gif$/i.test(name) || GIF_HOSTS.test(url.hostname),
    });
    if (images.length === max) break;
  }
  return images;
}
