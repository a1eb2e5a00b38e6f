// Marks the open room read while someone can actually see it: the page visible and the window
// focused, again whenever messages arrive or focus comes back.
import { useEffect } from "preact/hooks";
import type { RoomState } from "../state/room";

export function useMarkRead(room: RoomState) {
  const last = room.messages.value.at(-1)?.seq ?? 0;
  useEffect(() => {
    const check = () => {
      if (document.visibilityState === "visible" && document.hasFocus()) room.markRead();
    };
    check();
    window.addEventListener("focus", check);
    document.addEventListener("visibilitychange", check);
    return () => {
      window.removeEventListener("focus", check);
      document.removeEventListener("visibilitychange", check);
    };
  }, [room, last]);
}
