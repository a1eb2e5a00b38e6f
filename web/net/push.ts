// This browser's side of Web Push (docs/api.md, "Push notifications"): the service worker at
// /sw.js, the Notification permission, the push subscription, and the worker's requests to show
// a URL. The state that uses them, and the server's record of the subscription, is
// web/state/push.ts.
import type { PushSubscriptionInput } from "./api";

export const SERVICE_WORKER_URL = "/sw.js";

/**
 * How long the browser may take to subscribe. A browser whose push service is out of reach
 * (no network to it, or none built in) may never answer: past this, the settings say so.
 */
export const SUBSCRIBE_TIMEOUT_MS = 30_000;

/** What the push state needs of the browser: `browserPush()`, or a fake in tests. */
export interface PushDevice {
  /** Service workers, the Push API and notifications are all here (and the page is secure). */
  readonly supported: boolean;
  permission(): NotificationPermission;
  /** Asks the person (the browser's own prompt); resolves with their answer. */
  requestPermission(): Promise<NotificationPermission>;
  /** Calls `listener` when the permission changes elsewhere (the browser's site settings). */
  onPermissionChange(listener: () => void): void;
  /** Registers /sw.js; again is harmless (the browser checks it for updates). */
  register(): Promise<void>;
  /** The browser's subscription now, or null. Registers nothing. */
  current(): Promise<PushSubscriptionInput | null>;
  /** Subscribes with the instance's VAPID key (base64url), replacing one made with another. */
  subscribe(vapidKey: string): Promise<PushSubscriptionInput>;
  /** Ends the browser's subscription, if it has one. */
  unsubscribe(): Promise<void>;
}

const base64url = (bytes: ArrayBuffer) =>
  btoa(String.fromCharCode(...new Uint8Array(bytes)))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");

function fromBase64url(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

/** What the server takes: PushSubscription.toJSON() with both keys. */
function subscriptionInput(subscription: PushSubscription): PushSubscriptionInput {
  const { endpoint, keys } = subscription.toJSON();
  if (!endpoint || !keys?.p256dh || !keys.auth) {
    throw new DOMException("The browser gave a subscription without keys", "NotSupportedError");
  }
  return { endpoint, keys: { p256dh: keys.p256dh, auth: keys.auth } };
}

function withTimeout<T>(pending: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new DOMException("The push service did not answer", "TimeoutError")),
      ms,
    );
    pending.then(resolve, reject).finally(() => clearTimeout(timer));
  });
}

export function browserPush(): PushDevice {
  const supported =
    typeof window !== "undefined" &&
    window.isSecureContext &&
    "serviceWorker" in navigator &&
    "PushManager" in window &&
    "Notification" in window;
  let registering: Promise<unknown> | null = null;
  const registration = () =>
    supported ? navigator.serviceWorker.getRegistration("/") : Promise.resolve(undefined);
  async function register() {
    registering ??= navigator.serviceWorker
      .register(SERVICE_WORKER_URL, { scope: "/" })
      .catch((error: unknown) => {
        registering = null;
        throw error;
      });
    await registering;
  }

  return {
    supported,
    permission: () => (supported ? Notification.permission : "default"),
    requestPermission: () => Notification.requestPermission(),
    onPermissionChange(listener) {
      navigator.permissions
        ?.query({ name: "notifications" })
        .then((status) => status.addEventListener("change", listener))
        .catch(() => undefined);
    },
    register,
    async current() {
      const subscription = await (await registration())?.pushManager.getSubscription();
      return subscription ? subscriptionInput(subscription) : null;
    },
    async subscribe(vapidKey) {
      await register();
      // Subscribing needs an active worker: the one just registered may still be installing.
      const { pushManager } = await navigator.serviceWorker.ready;
      const existing = await pushManager.getSubscription();
      const key = existing?.options.applicationServerKey;
      if (existing && (!key || base64url(key) !== vapidKey.replace(/=+$/, ""))) {
        await existing.unsubscribe(); // made with another key: the browser refuses a second
      }
      const subscription = await withTimeout(
        pushManager.subscribe({
          userVisibleOnly: true,
          applicationServerKey: fromBase64url(vapidKey),
        }),
        SUBSCRIBE_TIMEOUT_MS,
      );
      return subscriptionInput(subscription);
    },
    async unsubscribe() {
      await (await (await registration())?.pushManager.getSubscription())?.unsubscribe();
    },
  };
}

/** The URL of the service worker's `{type: "open", url}` (a path of this site), else null. */
export function openRequestUrl(data: unknown): string | null {
  if (typeof data !== "object" || data === null) return null;
  const { type, url } = data as { type?: unknown; url?: unknown };
  if (type !== "open" || typeof url !== "string") return null;
  return url.startsWith("/") && !url.startsWith("//") ? url : null;
}

/** Takes a URL the service worker asks to show; true when it did (no page load follows). */
export type OpenHandler = (url: string) => boolean;
const openHandlers = new Set<OpenHandler>();

/**
 * Lets the app show the URLs of clicked notifications in place (the router, once it is there);
 * returns a function that stops it.
 */
export function handleOpenRequests(handler: OpenHandler): () => void {
  openHandlers.add(handler);
  return () => openHandlers.delete(handler);
}

/**
 * Listens to the service worker: a clicked notification asks this window to show its URL.
 * Without a handler that takes it, the page goes there.
 */
export function listenToServiceWorker(): void {
  if (typeof navigator === "undefined" || !("serviceWorker" in navigator)) return;
  navigator.serviceWorker.addEventListener("message", (event) => {
    const url = openRequestUrl(event.data);
    if (!url) return;
    for (const handler of openHandlers) if (handler(url)) return;
    location.assign(url);
  });
  // Messages wait until this is called (or `onmessage` is set), so none is lost while loading.
  navigator.serviceWorker.startMessages();
}
