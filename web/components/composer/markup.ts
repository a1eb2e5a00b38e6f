// The composer's Markdown keys, pure: Ctrl/Cmd+B and Ctrl/Cmd+I wrap the selection in markers
// (or take them off again), and Enter inside an open ``` block is a new line, not Send.
import { FENCE } from "../../lib/rich-text";

export interface Edited {
  text: string;
  start: number;
  end: number;
}

/** `marker` around the selection, or a pair with the caret between; around already, removed. */
export function toggleMarker(text: string, start: number, end: number, marker: string): Edited {
  const n = marker.length;
  if (text.slice(start - n, start) === marker && text.slice(end, end + n) === marker) {
    return {
      text: text.slice(0, start - n) + text.slice(start, end) + text.slice(end + n),
      start: start - n,
      end: end - n,
    };
  }
  return {
    text: text.slice(0, start) + marker + text.slice(start, end) + marker + text.slice(end),
    start: start + n,
    end: end + n,
  };
}

/** Whether the caret is inside a ``` block (opened on a line above or its own, not closed yet). */
export const inCodeBlock = (text: string, caret: number): boolean =>
  text
    .slice(0, caret)
    .split("\n")
    .filter((line) => FENCE.test(line)).length %
    2 ===
  1;
