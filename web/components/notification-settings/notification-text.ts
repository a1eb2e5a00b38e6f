// The notification settings in words: what push is doing on this device, and what came of the
// test push. Pure, so the tests read the sentences without a browser.
import type { PushStatus, PushTest } from "../../state/app-state";

export function deviceText(status: PushStatus): string {
  switch (status) {
    case "unsupported":
      return "This browser cannot receive push notifications: it lacks service workers or the Push API, or the page is not served over HTTPS. On an iPhone or iPad, add Confab to the Home Screen and open it from there; elsewhere, leave private browsing or use a current browser.";
    case "denied":
      return "Notifications are blocked for this site. Allow them in the browser's site settings (the icon beside the address), then turn them on here.";
    case "busy":
      return "Waiting for the browser…";
    case "off":
      return "Off on this device. Turned on, new messages reach it while Confab is closed or in the background.";
    case "on":
      return "On for this device: new messages reach it while Confab is closed or in the background, as each room's level says.";
  }
}

export function testText(test: PushTest): string {
  if (test.state === "sending") return "Sending…";
  if (test.state === "failed") return test.message;
  if (test.delivered) return "Sent. The notification should appear in a moment.";
  if (test.status === 404 || test.status === 410) {
    return "The push service no longer knows this device, so notifications are off here now. Turn them on again.";
  }
  if (test.status === 0) return "The push service did not answer. Try again later.";
  return `The push service refused the test notification (HTTP ${test.status}).`;
}
