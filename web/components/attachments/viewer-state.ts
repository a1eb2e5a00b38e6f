// Which image the viewer shows, if any: one for the whole app, so that it stays open while the
// message list redraws (or drops) the row it was opened from.
import { signal } from "@preact/signals";
import type { Attachment } from "../../../src/shared/protocol";

export interface Viewing {
  attachment: Attachment;
  /** Where the keyboard goes back to when the viewer closes. */
  opener: HTMLElement | null;
  /** An image linked in a message (another site's): no size, opened rather than downloaded. */
  linked?: boolean;
}

export const viewing = signal<Viewing | null>(null);

export function openViewer(
  attachment: Attachment,
  opener: HTMLElement | null,
  linked = false,
): void {
  viewing.value = { attachment, opener, linked };
}
