// This device's preferences that are not the theme: whether images linked in messages are shown
// (they load from other sites, which then see this device's address). Kept in localStorage.
import { signal } from "@preact/signals";

const LINK_IMAGES_KEY = "confab.linkImages";

function storedLinkImages(): boolean {
  try {
    return localStorage.getItem(LINK_IMAGES_KEY) !== "off";
  } catch {
    // Storage can be unavailable (private modes); the default applies.
    return true;
  }
}

/** Show images from links (on unless turned off on this device). */
export const showLinkImages = signal(storedLinkImages());

export function setShowLinkImages(on: boolean): void {
  showLinkImages.value = on;
  try {
    localStorage.setItem(LINK_IMAGES_KEY, on ? "on" : "off");
  } catch {
    // Not persisted, still applied.
  }
}
