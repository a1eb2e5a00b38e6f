// The emoji picker's public face: a button's popover whose code and emoji data load on first
// use (a lazy chunk, outside the initial JS budget), and the lazy shortcode lookup the composer
// completes `:smi` with.
import { lazyPanel } from "../lazy-panel";

export interface EmojiPickerProps {
  /** The dialog's accessible name ("React with an emoji", "Insert an emoji"). */
  label: string;
  /** The button that opened it: the picker stands by it. */
  anchor: HTMLElement | null;
  onPick: (emoji: string) => void;
  onClose: () => void;
}

export const EmojiPicker = lazyPanel<EmojiPickerProps>(() =>
  import("./picker").then((m) => m.EmojiPickerPanel),
);

/** The emoji data, loaded once on demand (for `:shortcode:` completion). */
export const loadEmojiData = () => import("./emoji-data");
