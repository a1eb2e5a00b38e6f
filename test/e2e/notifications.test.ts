// Web Push in Chromium against `wrangler dev`: the service worker at /sw.js, what its push and
// notificationclick handlers do (real PushEvents and NotificationEvents dispatched inside the
// worker, the notifications read back from the registration), each room's notify level, and
// the device's push switch.
//
// Headless Chromium has no push service: its own pushManager.subscribe() fails in a test
// context ("Registration failed - permission denied"; in a persistent profile it never answers,
// waiting for Google's service). So the switch is tested twice: as it is (the settings say
// that it failed, and why) and with the page's PushManager standing in for a browser whose push
// service answered. Its subscription's endpoint is a push service played here, in Node, which
// receives the Worker's test push, checks its VAPID JWT and decrypts it as the browser would;
// the decrypted payload is then dispatched to the service worker as a real PushEvent.
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { Browser, BrowserContext, Page, Worker } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, test } from "vitest";
import { toBase64Url } from "../../src/worker/auth/crypto";
import { decryptPush, newSubscriber, type TestSubscriber, verifyVapid } from "../push-service";
import { eventually, launch, shot, signIn, VIEWPORT, WAIT_MS } from "./browser";
import { type Account, call, createChannel, joinRoom, register } from "./seed";
import { freePort } from "./server";

const baseUrl = inject("baseUrl");
const ROOM = "Bellhouse";
const OTHER_ROOM = "Rope loft";

let browser: Browser;
let ana: Account;
let roomId: string;
let otherRoomId: string;

// ——— The push service, played in Node ———

interface PushRequest {
  path: string;
  headers: IncomingHttpHeaders;
  body: Uint8Array<ArrayBuffer>;
}
const pushRequests: PushRequest[] = [];
/** What the push service answers for a path (a subscription it dropped answers 410). */
const pushAnswers = new Map<string, number>();
let pushService: Server;
let pushOrigin: string;
let subscriber: TestSubscriber;

function startPushService(port: number): Promise<void> {
  pushService = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const path = request.url ?? "/";
      pushRequests.push({
        path,
        headers: request.headers,
        body: new Uint8Array(Buffer.concat(chunks)),
      });
      response.statusCode = pushAnswers.get(path) ?? 201;
      response.end();
    });
  });
  return new Promise((resolve) => pushService.listen(port, "127.0.0.1", resolve));
}

// ——— The service worker ———

type Shown = { title: string; body: string; tag: string; data: unknown; icon: string };

async function serviceWorker(context: BrowserContext): Promise<Worker> {
  return context.serviceWorkers()[0] ?? (await context.waitForEvent("serviceworker"));
}

/** The notifications the worker's registration shows now. */
const shown = (worker: Worker): Promise<Shown[]> =>
  worker.evaluate(async () => {
    const { registration } = self as unknown as { registration: ServiceWorkerRegistration };
    return (await registration.getNotifications()).map((n) => ({
      title: n.title,
      body: n.body,
      tag: n.tag,
      data: n.data as unknown,
      icon: n.icon,
    }));
  });

const closeAll = (worker: Worker) =>
  worker.evaluate(async () => {
    const { registration } = self as unknown as { registration: ServiceWorkerRegistration };
    for (const n of await registration.getNotifications()) n.close();
  });

/**
 * A push as the browser hands it to the worker: a real PushEvent carrying `payload` (the
 * decrypted body), dispatched on the worker's global scope where its `push` listener waits.
 */
const dispatchPush = (worker: Worker, payload: unknown) =>
  worker.evaluate((data) => {
    const PushEventClass = (globalThis as any).PushEvent;
    self.dispatchEvent(new PushEventClass("push", { data }));
  }, JSON.stringify(payload));

/** A click on the notification tagged `tag`, as a NotificationEvent on the worker. */
const clickNotification = (worker: Worker, tag: string) =>
  worker.evaluate(async (wanted) => {
    const { registration } = self as unknown as { registration: ServiceWorkerRegistration };
    const [notification] = await registration.getNotifications({ tag: wanted });
    if (!notification) throw new Error(`no notification tagged ${wanted}`);
    const NotificationEventClass = (globalThis as any).NotificationEvent;
    self.dispatchEvent(new NotificationEventClass("notificationclick", { notification }));
  }, tag);

const messagePush = (room: string, name: string, seq: number, extra: object = {}) => ({
  type: "message",
  roomId: room,
  roomName: name,
  seq,
  sender: { id: "usr_bo", name: "Bo Lind" },
  excerpt: `message ${seq}`,
  mention: false,
  count: 1,
  ...extra,
});

// ——— Pages ———

async function newPage(context: BrowserContext): Promise<Page> {
  const page = await context.newPage();
  page.setDefaultTimeout(WAIT_MS);
  return page;
}

async function openNotificationSettings(page: Page) {
  const menu = page.getByRole("button", { name: "Menu" });
  if (await menu.isVisible()) await menu.click();
  await page.getByRole("button", { name: "Notifications" }).click();
  await page.getByRole("heading", { name: "Notifications" }).waitFor();
}

const pushSwitch = (page: Page) =>
  page.getByRole("checkbox", { name: "Push notifications on this device" });

async function openRoom(page: Page, name: string) {
  await page.locator(".room-list__item", { hasText: name }).click();
  await page.getByRole("textbox", { name: "Message" }).waitFor();
}

/** Ana's subscriptions as the server has them (her API token, not the page's session). */
const anaSubscriptions = async () =>
  (
    await call<{ subscriptions: { id: string; endpoint: string }[] }>(
      baseUrl,
      "/me/push-subscriptions",
      { headers: { authorization: `Bearer ${ana.token}` } },
    )
  ).subscriptions;

const anaRoom = async (id: string) =>
  (
    await call<{ rooms: { room: { id: string }; notify: string; muted: boolean }[] }>(
      baseUrl,
      "/rooms",
      { headers: { authorization: `Bearer ${ana.token}` } },
    )
  ).rooms.find((item) => item.room.id === id);

beforeAll(async () => {
  ana = await register(baseUrl, "ana_bells", "Ana Bell");
  const bo = await register(baseUrl, "bo_bells", "Bo Lind");
  roomId = await createChannel(baseUrl, ana, ROOM);
  otherRoomId = await createChannel(baseUrl, ana, OTHER_ROOM);
  await joinRoom(baseUrl, bo, roomId);
  subscriber = await newSubscriber();
  const port = await freePort();
  pushOrigin = `http://127.0.0.1:${port}`;
  await startPushService(port);
  browser = await launch();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((resolve) => pushService?.close(resolve));
});

describe("the service worker", () => {
  let context: BrowserContext;
  let page: Page;
  let worker: Worker;

  beforeAll(async () => {
    context = await browser.newContext({ viewport: VIEWPORT });
    await context.grantPermissions(["notifications"], { origin: baseUrl });
    page = await newPage(context);
  });

  afterAll(async () => {
    await context?.close();
  });

  test("/sw.js is JavaScript that browsers check for updates; it registers after sign-in and controls the app at /", async () => {
    const response = await fetch(`${baseUrl}/sw.js`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^(text|application)\/javascript/);
    // Not cached for long: a new deploy's worker must reach browsers (max-age=0 or no-cache).
    const cacheControl = response.headers.get("cache-control") ?? "";
    expect(/no-cache|no-store|max-age=0\b/.test(cacheControl)).toBe(true);
    expect(await response.text()).toContain("notificationclick");

    await page.goto(baseUrl);
    await page.getByLabel("Handle").waitFor();
    expect(
      await page.evaluate(async () => Boolean(await navigator.serviceWorker.getRegistration())),
    ).toBe(false);

    await signIn(page, baseUrl, "ana_bells");
    const registration = await page.evaluate(async () => {
      const ready = await navigator.serviceWorker.ready;
      return { scope: ready.scope, script: ready.active?.scriptURL };
    });
    expect(registration).toEqual({ scope: `${baseUrl}/`, script: `${baseUrl}/sw.js` });
    // It claims the page that registered it: no reload needed before it can message it.
    await eventually(() =>
      page.evaluate(() => navigator.serviceWorker.controller?.scriptURL ?? null),
    ).toBe(`${baseUrl}/sw.js`);
    worker = await serviceWorker(context);
    expect(worker.url()).toBe(`${baseUrl}/sw.js`);
  });

  test("no message notification while a Confab window has focus; a test push shows anyway", async () => {
    expect(await page.evaluate(() => document.hasFocus())).toBe(true);
    await dispatchPush(worker, messagePush(roomId, ROOM, 3));
    // Pushes are handled in order; once the test push's notification is there, the message's
    // push (dispatched before it) has been decided too.
    await dispatchPush(worker, { type: "test" });
    await eventually(async () => (await shown(worker)).map((n) => n.title)).toEqual(["Confab"]);
    expect(await shown(worker)).toEqual([
      {
        title: "Confab",
        body: "Notifications work on this device.",
        tag: "confab-test",
        data: null,
        icon: `${baseUrl}/icon-192.png`,
      },
    ]);
    await closeAll(worker);
  });

  test("with no Confab window, a message push shows one notification per room, the next replacing it", async () => {
    await page.goto("about:blank");
    await dispatchPush(worker, messagePush(roomId, ROOM, 5));
    await eventually(() => shown(worker)).toEqual([
      {
        title: ROOM,
        body: "Bo Lind: message 5",
        tag: roomId,
        data: { url: `/r/${roomId}/m/5` },
        icon: `${baseUrl}/icon-192.png`,
      },
    ]);

    // Three more since: one notification for the room still, saying how many.
    await dispatchPush(worker, messagePush(roomId, ROOM, 8, { count: 3 }));
    await eventually(async () => (await shown(worker)).map((n) => n.body)).toEqual([
      "3 new messages · Bo Lind: message 8",
    ]);
    expect((await shown(worker))[0]).toMatchObject({
      tag: roomId,
      data: { url: `/r/${roomId}/m/8` },
    });

    // Another room has its own.
    await dispatchPush(worker, messagePush(otherRoomId, OTHER_ROOM, 2));
    await eventually(async () => (await shown(worker)).map((n) => n.tag).sort()).toEqual(
      [roomId, otherRoomId].sort(),
    );
  });

  test("a click on a notification brings the open Confab window to its message", async () => {
    await page.goto(baseUrl);
    await page.getByRole("navigation", { name: "Rooms" }).waitFor();
    await eventually(() => page.evaluate(() => Boolean(navigator.serviceWorker.controller))).toBe(
      true,
    );
    // The app takes the worker's {type: "open", url} and opens the room at the message in place
    // (web/main.tsx): the same document, a new history entry.
    await page.evaluate(() => {
      (window as unknown as { sameDocument: boolean }).sameDocument = true;
    });
    const navigated = page.waitForURL(`${baseUrl}/r/${roomId}/m/8`);
    await clickNotification(worker, roomId);
    await navigated;
    await page.getByRole("heading", { name: ROOM }).waitFor();
    expect(
      await page.evaluate(() => (window as unknown as { sameDocument?: boolean }).sameDocument),
    ).toBe(true);
    await eventually(async () => (await shown(worker)).map((n) => n.tag)).toEqual([otherRoomId]);
  });

  test("a click with no Confab window open opens one at the message", async () => {
    await page.goto("about:blank");
    // A dispatched click is not the person's click, so Chromium refuses to open the window
    // ("Not allowed to open a window"): the worker's clients.openWindow is watched instead.
    await worker.evaluate(() => {
      const scope = self as unknown as {
        clients: { openWindow(url: string): Promise<unknown> };
        opened?: string[];
      };
      const openWindow = scope.clients.openWindow.bind(scope.clients);
      scope.opened = [];
      scope.clients.openWindow = (url: string) => {
        scope.opened?.push(url);
        return openWindow(url);
      };
    });
    await clickNotification(worker, otherRoomId);
    await eventually(() => worker.evaluate(() => (self as any).opened)).toEqual([
      `/r/${otherRoomId}/m/2`,
    ]);
    await eventually(() => shown(worker)).toEqual([]);
  });

  test("each room's notify level is set from its header, kept by the server, and muting is its 'Nothing'", async () => {
    await page.goto(baseUrl);
    await openRoom(page, ROOM);
    const level = page.getByLabel("Notify");
    // A channel starts at mentions only.
    await eventually(() => level.inputValue()).toBe("mentions");

    const saved = page.waitForResponse(
      (r) =>
        r.url().endsWith(`/api/rooms/${roomId}/notifications`) && r.request().method() === "PUT",
    );
    await level.selectOption("all");
    expect((await saved).status()).toBe(200);
    expect(await anaRoom(roomId)).toMatchObject({ notify: "all", muted: false });

    await page.reload();
    await openRoom(page, ROOM);
    await eventually(() => level.inputValue()).toBe("all");
    expect(await page.locator(".badge", { hasText: "muted" }).count()).toBe(0);

    await level.selectOption("none");
    await page.locator(".badge", { hasText: "muted" }).waitFor();
    await eventually(async () => (await anaRoom(roomId))?.muted).toBe(true);
    await page.reload();
    await openRoom(page, ROOM);
    await eventually(() => level.inputValue()).toBe("none");
    await page.locator(".badge", { hasText: "muted" }).waitFor();

    await level.selectOption("mentions");
    await eventually(async () => await anaRoom(roomId)).toMatchObject({
      notify: "mentions",
      muted: false,
    });
  });

  test("turning push on with Chromium's own push manager: the settings say that it failed, and why", async () => {
    await openNotificationSettings(page);
    await expect(pushSwitch(page).isChecked()).resolves.toBe(false);
    await pushSwitch(page).click();
    const problem = page.getByRole("alert");
    await problem.waitFor();
    expect(await problem.textContent()).toMatch(
      /^This browser could not subscribe to push messages \(Registration failed - permission denied\)\. Private windows/,
    );
    expect(await pushSwitch(page).isChecked()).toBe(false);
    expect(await anaSubscriptions()).toEqual([]);
    await expect(
      page.getByRole("button", { name: "Send a test notification" }).isDisabled(),
    ).resolves.toBe(true);
  });
});

describe("the push switch", () => {
  test("without permission: the browser says no, and the settings say where to allow it", async () => {
    const context = await browser.newContext({ viewport: VIEWPORT });
    try {
      const page = await newPage(context);
      await signIn(page, baseUrl, "ana_bells");
      await openNotificationSettings(page);
      // Headless Chromium answers the permission prompt itself: denied.
      await pushSwitch(page).click();
      await page.getByText("Notifications are blocked for this site.").waitFor();
      expect(await pushSwitch(page).isDisabled()).toBe(true);
    } finally {
      await context.close();
    }
  });

  test("in a browser without the Push API: said plainly, and no service worker is registered", async () => {
    const context = await browser.newContext({ viewport: VIEWPORT });
    try {
      await context.addInitScript(() => {
        delete (window as { PushManager?: unknown }).PushManager;
      });
      const page = await newPage(context);
      await signIn(page, baseUrl, "ana_bells");
      await openNotificationSettings(page);
      await page.getByText("This browser cannot receive push notifications").waitFor();
      expect(await pushSwitch(page).isDisabled()).toBe(true);
      expect(
        await page.evaluate(async () => Boolean(await navigator.serviceWorker.getRegistration())),
      ).toBe(false);
    } finally {
      await context.close();
    }
  });

  describe("with a push service that answers", () => {
    let context: BrowserContext;
    let page: Page;

    /** What the page's stand-in PushManager was asked: the keys it subscribed with. */
    const fakePush = () =>
      page.evaluate(() => ({
        subscription: JSON.parse(localStorage.getItem("fake-push") ?? "null") as {
          endpoint: string;
        } | null,
        keys: JSON.parse(localStorage.getItem("fake-push-keys") ?? "[]") as string[],
        unsubscribed: Number(localStorage.getItem("fake-push-unsubscribed") ?? "0"),
      }));

    beforeAll(async () => {
      context = await browser.newContext({ viewport: VIEWPORT });
      await context.grantPermissions(["notifications"], { origin: baseUrl });
      // The page's PushManager as a browser with a push service would have it: subscribe()
      // gives an endpoint on the push service played above and the test subscriber's keys. It
      // lives in localStorage, as a browser keeps its subscription across reloads.
      await context.addInitScript(
        ({ origin, p256dh, auth }) => {
          const toB64 = (buffer: ArrayBuffer) =>
            btoa(String.fromCharCode(...new Uint8Array(buffer)))
              .replace(/\+/g, "-")
              .replace(/\//g, "_")
              .replace(/=+$/, "");
          const fromB64 = (text: string) =>
            Uint8Array.from(atob(text.replace(/-/g, "+").replace(/_/g, "/")), (c) =>
              c.charCodeAt(0),
            ).buffer;
          type Saved = { endpoint: string; key: string };
          const load = () =>
            JSON.parse(localStorage.getItem("fake-push") ?? "null") as Saved | null;
          const subscription = (saved: Saved) => ({
            endpoint: saved.endpoint,
            expirationTime: null,
            options: { userVisibleOnly: true, applicationServerKey: fromB64(saved.key) },
            toJSON: () => ({
              endpoint: saved.endpoint,
              expirationTime: null,
              keys: { p256dh, auth },
            }),
            unsubscribe: async () => {
              localStorage.removeItem("fake-push");
              const count = Number(localStorage.getItem("fake-push-unsubscribed") ?? "0");
              localStorage.setItem("fake-push-unsubscribed", String(count + 1));
              return true;
            },
          });
          PushManager.prototype.getSubscription = async function getSubscription() {
            const saved = load();
            return (saved ? subscription(saved) : null) as unknown as PushSubscription;
          };
          PushManager.prototype.subscribe = async function subscribe(options) {
            const key = toB64(options?.applicationServerKey as ArrayBuffer);
            const keys = JSON.parse(localStorage.getItem("fake-push-keys") ?? "[]") as string[];
            localStorage.setItem("fake-push-keys", JSON.stringify([...keys, key]));
            const saved = load() ?? { endpoint: `${origin}/device/${crypto.randomUUID()}`, key };
            localStorage.setItem("fake-push", JSON.stringify(saved));
            return subscription(saved) as unknown as PushSubscription;
          };
        },
        {
          origin: pushOrigin,
          p256dh: toBase64Url(subscriber.p256dh),
          auth: toBase64Url(subscriber.auth),
        },
      );
      page = await newPage(context);
      await signIn(page, baseUrl, "ana_bells");
    });

    afterAll(async () => {
      await context?.close();
    });

    test("on: subscribed with the instance's VAPID key, the subscription posted and remembered; it stays on after a reload", async () => {
      await openNotificationSettings(page);
      const posted = page.waitForRequest(
        (r) => r.url() === `${baseUrl}/api/me/push-subscriptions` && r.method() === "POST",
      );
      await pushSwitch(page).click();
      await page.getByText("On for this device").waitFor();
      expect(await pushSwitch(page).isChecked()).toBe(true);

      const { publicKey } = await call<{ publicKey: string }>(baseUrl, "/push/vapid-key");
      const fake = await fakePush();
      expect(fake.keys).toEqual([publicKey.replace(/=+$/, "")]);
      const endpoint = fake.subscription?.endpoint;
      expect(endpoint).toMatch(new RegExp(`^${pushOrigin}/device/`));
      expect((await posted).postDataJSON()).toEqual({
        endpoint,
        keys: { p256dh: toBase64Url(subscriber.p256dh), auth: toBase64Url(subscriber.auth) },
      });
      const [saved] = await anaSubscriptions();
      expect(saved?.endpoint).toBe(endpoint);
      const remembered = await page.evaluate(() => localStorage.getItem("confab.push"));
      expect(JSON.parse(remembered ?? "null")).toMatchObject({ id: saved?.id });

      // After a reload the app finds its subscription and tells the server again: same id.
      await page.reload();
      await page.getByRole("navigation", { name: "Rooms" }).waitFor();
      await openNotificationSettings(page);
      await page.getByText("On for this device").waitFor();
      expect((await anaSubscriptions()).map((s) => s.id)).toEqual([saved?.id]);
    });

    test("a test notification goes from the Worker through the push service to the service worker", async () => {
      const endpoint = (await fakePush()).subscription?.endpoint ?? "";
      const path = new URL(endpoint).pathname;
      await page.getByRole("button", { name: "Send a test notification" }).click();
      await page.getByText("Sent. The notification should appear in a moment.").waitFor();
      await shot(page, "notification-settings");

      const request = pushRequests.find((r) => r.path === path);
      expect(request?.headers["content-encoding"]).toBe("aes128gcm");
      const vapid = await verifyVapid(String(request?.headers.authorization));
      expect(vapid?.claims.aud).toBe(pushOrigin);
      const payload = await decryptPush(request?.body ?? new Uint8Array(), subscriber);
      expect(JSON.parse(payload)).toEqual({ type: "test" });

      // What the browser would do with it: the decrypted body, as a PushEvent, to the worker.
      const worker = await serviceWorker(context);
      await worker.evaluate((data) => {
        const PushEventClass = (globalThis as any).PushEvent;
        self.dispatchEvent(new PushEventClass("push", { data }));
      }, payload);
      await eventually(async () =>
        (await shown(worker)).map((n) => `${n.title}: ${n.body}`),
      ).toEqual(["Confab: Notifications work on this device."]);
      await closeAll(worker);
    });

    test("off: the server forgets the subscription and the browser ends it", async () => {
      const before = (await fakePush()).unsubscribed;
      const deleted = page.waitForRequest(
        (r) => r.url().includes("/api/me/push-subscriptions/") && r.method() === "DELETE",
      );
      await pushSwitch(page).click();
      await deleted;
      await page.getByText("Off on this device.").waitFor();
      expect(await anaSubscriptions()).toEqual([]);
      expect(await fakePush()).toMatchObject({ subscription: null, unsubscribed: before + 1 });
      expect(await page.evaluate(() => localStorage.getItem("confab.push"))).toBeNull();
    });

    test("a subscription the push service dropped (410): the test says so and the switch is off", async () => {
      await pushSwitch(page).click();
      await page.getByText("On for this device").waitFor();
      const endpoint = (await fakePush()).subscription?.endpoint ?? "";
      pushAnswers.set(new URL(endpoint).pathname, 410);
      await page.getByRole("button", { name: "Send a test notification" }).click();
      await page.getByText("The push service no longer knows this device").waitFor();
      expect(await pushSwitch(page).isChecked()).toBe(false);
      expect(await anaSubscriptions()).toEqual([]);
      expect((await fakePush()).subscription).toBeNull();
    });

    test("signing out ends this device's subscription, on the server and in the browser", async () => {
      await pushSwitch(page).click();
      await page.getByText("On for this device").waitFor();
      expect(await anaSubscriptions()).toHaveLength(1);
      await page.getByRole("button", { name: "Sign out" }).click();
      await page.getByLabel("Handle").waitFor();
      expect(await anaSubscriptions()).toEqual([]);
      await eventually(async () => (await fakePush()).subscription).toBeNull();
    });
  });
});
