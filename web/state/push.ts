// Push notifications on this device: whether they are on, turning them on and off, the test
// push — the browser's side through web/net/push.ts, the server's record through the API. The
// subscription belongs to whoever is signed in: signing out ends it on this device, so the next
// person to sign in here gets none of the previous one's messages.
import { computed, type ReadonlySignal, signal } from "@preact/signals";
import { type Api, ApiError } from "../net/api";
import type { PushDevice } from "../net/push";

/** `busy`: asking for permission, subscribing or unsubscribing. */
export type PushStatus = "unsupported" | "denied" | "off" | "busy" | "on";

/** The last test push: on its way, the push service's answer, or why it was not sent. */
export type PushTest =
  | { state: "sending" }
  | { state: "answered"; delivered: boolean; status: number }
  | { state: "failed"; message: string };

/** What this device remembers of its subscription: whose it is and the server's id. */
interface SavedSubscription {
  userId: string;
  id: string;
}

export type PushApi = Api["push"];
type KeyValue = Pick<Storage, "getItem" | "setItem" | "removeItem">;

const STORAGE_KEY = "confab.push";
/** Signing out waits this long at most for the server to forget the subscription. */
const FORGET_TIMEOUT_MS = 3_000;

/** Why turning push on failed, in a sentence for the settings. */
export function pushProblem(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  const name = error instanceof Error ? error.name : "";
  const detail = error instanceof Error && error.message ? ` (${error.message})` : "";
  switch (name) {
    case "NotAllowedError":
      return "The browser did not allow Confab to show notifications.";
    case "TimeoutError":
      return "The browser's push service did not answer. Check the connection and try again later.";
    case "AbortError":
    case "NotSupportedError":
    case "InvalidStateError":
      return `This browser could not subscribe to push messages${detail}. Private windows, and browsers without a push service, cannot receive them.`;
    default:
      return `Push notifications could not be turned on${detail}.`;
  }
}

export function createPushSetting(api: PushApi, device: PushDevice, storage: KeyValue | null) {
  const permission = signal<NotificationPermission>(device.permission());
  const subscriptionId = signal<string | null>(null);
  const busy = signal(false);
  const problem = signal<string | null>(null);
  const test = signal<PushTest | null>(null);
  const status = computed<PushStatus>(() => {
    if (!device.supported) return "unsupported";
    if (permission.value === "denied") return "denied";
    if (busy.value) return "busy";
    return subscriptionId.value ? "on" : "off";
  });
  let userId: string | null = null;
  // Sign-ins and sign-outs move it on: an answer for an earlier session changes nothing.
  let session = 0;

  if (device.supported) {
    device.onPermissionChange(() => {
      permission.value = device.permission();
    });
  }

  function load(): SavedSubscription | null {
    try {
      const saved = JSON.parse(storage?.getItem(STORAGE_KEY) ?? "null") as SavedSubscription | null;
      return typeof saved?.userId === "string" && typeof saved.id === "string" ? saved : null;
    } catch {
      return null;
    }
  }

  function remember(id: string | null): void {
    subscriptionId.value = id;
    try {
      if (id && userId) storage?.setItem(STORAGE_KEY, JSON.stringify({ userId, id }));
      else storage?.removeItem(STORAGE_KEY);
    } catch {
      // Storage refused (private mode, quota): on until the page is closed.
    }
  }

  /** This device's subscription is gone: the browser's too, so no push arrives unseen. */
  async function dropped(): Promise<void> {
    remember(null);
    await device.unsubscribe().catch(() => undefined);
  }

  return {
    status,
    permission: permission as ReadonlySignal<NotificationPermission>,
    /** Why the last change failed, as a sentence (null: it did not). */
    problem: problem as ReadonlySignal<string | null>,
    test: test as ReadonlySignal<PushTest | null>,

    /**
     * After sign-in: registers the service worker and picks up this device's subscription if it
     * is this user's (telling the server again, which keeps its id); anyone else's is ended.
     */
    async start(user: string): Promise<void> {
      userId = user;
      const started = ++session;
      if (!device.supported) return;
      try {
        await device.register();
        const current = await device.current();
        if (started !== session) return;
        permission.value = device.permission();
        const saved = load();
        if (!current || permission.value !== "granted") {
          if (saved) remember(null);
          return;
        }
        if (saved?.userId !== user) {
          await dropped();
          return;
        }
        subscriptionId.value = saved.id;
        const { subscription } = await api.subscribe(current);
        if (started === session) remember(subscription.id);
      } catch {
        // No service worker (blocked, or a failed load) or no answer: off, or on as saved; the
        // settings offer to try again.
      }
    },

    /** Asks for permission if need be, subscribes this browser and tells the server. */
    async enable(): Promise<void> {
      if (!device.supported || busy.value || !userId) return;
      const started = session;
      busy.value = true;
      problem.value = null;
      test.value = null;
      try {
        permission.value = await device.requestPermission();
        if (permission.value !== "granted") {
          if (permission.value === "default") {
            problem.value = "Notifications stay off: the browser's question was closed unanswered.";
          }
          return;
        }
        const { publicKey } = await api.vapidKey();
        const subscription = await device.subscribe(publicKey);
        const { subscription: saved } = await api.subscribe(subscription);
        if (started === session) remember(saved.id);
      } catch (error) {
        if (started === session) problem.value = pushProblem(error);
      } finally {
        if (started === session) busy.value = false;
      }
    },

    /** Tells the server to forget this device, and ends the browser's subscription. */
    async disable(): Promise<void> {
      const id = subscriptionId.value;
      if (!id || busy.value) return;
      busy.value = true;
      problem.value = null;
      test.value = null;
      try {
        await api.unsubscribe(id);
      } catch {
        // Gone already, or the server is out of reach: the browser's subscription ends below, and
        // the push service's 410 at the next push removes the server's record.
      }
      await dropped();
      busy.value = false;
    },

    /** A test push to this device; the push service's answer. One it no longer knows is off. */
    async sendTest(): Promise<void> {
      const id = subscriptionId.value;
      if (!id) return;
      test.value = { state: "sending" };
      try {
        const { delivered, status: answer } = await api.test(id);
        test.value = { state: "answered", delivered, status: answer };
        if (answer === 404 || answer === 410) await dropped(); // the server removed it too
      } catch (error) {
        const apiError = error instanceof ApiError ? error : null;
        test.value = { state: "failed", message: pushProblem(error) };
        if (apiError?.status === 404) await dropped(); // the server no longer has it
      }
    },

    /** Before I sign out, while the session still lets the server forget this device. */
    async signingOut(): Promise<void> {
      const id = subscriptionId.value;
      if (!id) return;
      await Promise.race([
        api.unsubscribe(id).catch(() => undefined),
        new Promise((resolve) => setTimeout(resolve, FORGET_TIMEOUT_MS)),
      ]);
    },

    /** Signed out, by me or by the server: this device gets no more pushes. */
    signedOut(): void {
      session++;
      userId = null;
      busy.value = false;
      problem.value = null;
      test.value = null;
      if (device.supported) void dropped();
      else remember(null);
    },
  };
}

export type PushSetting = ReturnType<typeof createPushSetting>;
