// A room's live socket for client-state tests without a server: always open, and every frame
// the room state sends is recorded in `sent` for the test to read.
import type { LiveSocket } from "../../web/net/live-socket";

export function recordingSocket<Frame>(sent: Frame[]): LiveSocket {
  return {
    start() {},
    stop() {},
    send(frame) {
      sent.push(frame as Frame);
      return true;
    },
    isOpen: () => true,
    healthy() {},
    reconnect() {},
    retryNow() {},
  };
}
