// Confab's service worker, served at /sw.js so that its scope is the whole app: it shows Web
// Push notifications, opens the app at the message a notification is about, and keeps the
// server's record of this browser's subscription current. It caches nothing: the app stays
// online-only, and a new deploy's worker takes over at once.
import {
  notificationFor,
  type PushPayload,
  parsePush,
  shouldShow,
  targetUrl,
  UNKNOWN_PUSH,
} from "./notifications";

declare const self: ServiceWorkerGlobalScope;

self.addEventListener("install", () => {
  void self.skipWaiting();
});

self.addEventListener("activate", (event) => {
  event.waitUntil(self.clients.claim());
});

self.addEventListener("push", (event) => {
  event.waitUntil(showPush(readPush(event.data)));
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  event.waitUntil(openApp(targetUrl(event.notification.data, self.location.origin)));
});

self.addEventListener("pushsubscriptionchange", (event) => {
  event.waitUntil(renewSubscription(event).catch(() => undefined));
});

function readPush(data: PushMessageData | null): PushPayload | null {
  try {
    return parsePush(data?.json());
  } catch {
    return null; // not JSON
  }
}

const appWindows = () => self.clients.matchAll({ type: "window", includeUncontrolled: true });

async function showPush(push: PushPayload | null): Promise<void> {
  if (!push) {
    await self.registration.showNotification(UNKNOWN_PUSH.title, UNKNOWN_PUSH.options);
    return;
  }
  // Skipped while a Confab window has focus. We subscribed with userVisibleOnly (Chrome accepts
  // no other), which promises a notification for every push; Chrome forgives the odd push that
  // shows none and at worst shows its own "updated in the background" notice. Showing the
  // message to someone who is reading the room would be worse.
  if (!shouldShow(push, await appWindows())) return;
  const { title, options } = notificationFor(push);
  await self.registration.showNotification(title, options);
}

/**
 * A window of the app shows `url`: the focused one (else any) is asked to go there and brought
 * forward; without one, a new window opens. The app navigates itself (web/net/push.ts), so a
 * window keeps its state where it can.
 */
async function openApp(url: string): Promise<void> {
  const windows = await appWindows();
  const target =
    windows.find((w) => w.focused) ??
    windows.find((w) => w.visibilityState === "visible") ??
    windows[0];
  if (!target) {
    await self.clients.openWindow(url);
    return;
  }
  target.postMessage({ type: "open", url });
  // Allowed only while a real click is being handled; a window that stays behind is no failure.
  await target.focus().catch(() => undefined);
}

/**
 * The push service replaced or dropped this browser's subscription: subscribe again with the
 * same VAPID key and tell the server, as the signed-in app would. Best effort: without a session
 * the POST is refused, and the app subscribes again when it next starts.
 */
async function renewSubscription(event: PushSubscriptionChangeEvent): Promise<void> {
  const subscription =
    event.newSubscription ??
    (await self.registration.pushManager.subscribe({
      userVisibleOnly: true,
      applicationServerKey:
        event.oldSubscription?.options.applicationServerKey ?? (await vapidKey()),
    }));
  await fetch("/api/me/push-subscriptions", {
    method: "POST",
    credentials: "same-origin",
    headers: { "content-type": "application/json", accept: "application/json" },
    body: JSON.stringify(subscription.toJSON()),
  });
}

async function vapidKey(): Promise<string> {
  const response = await fetch("/api/push/vapid-key", { headers: { accept: "application/json" } });
  const { publicKey } = (await response.json()) as { publicKey: string };
  return publicKey;
}
