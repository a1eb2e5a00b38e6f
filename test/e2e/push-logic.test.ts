// Web Push in the client without a browser: what a push shows and when (the service worker's
// pure part), where a click leads, the settings' sentences, a room's level, and the device's push
// switch over a fake browser and API (web/state/push.ts).
import { describe, expect, test } from "vitest";
import { deviceText, testText } from "../../web/components/notification-settings/notification-text";
import { ApiError, type PushSubscriptionInput } from "../../web/net/api";
import { openRequestUrl, type PushDevice } from "../../web/net/push";
import { createPushSetting, type PushApi, pushProblem } from "../../web/state/push";
import { levelWants } from "../../web/state/room-list";
import {
  messageUrl,
  notificationFor,
  parsePush,
  shouldShow,
  targetUrl,
} from "../../web/sw/notifications";

const message = {
  type: "message",
  roomId: "room_1",
  roomName: "Launch plans",
  seq: 42,
  threadOf: null,
  sender: { id: "usr_ana", name: "Ana" },
  excerpt: "ship it on Friday?",
  mention: false,
  count: 1,
};

describe("what a push shows", () => {
  test("a message: the room as title, the sender and excerpt, one per room, to the message", () => {
    const push = parsePush(message);
    expect(push).toEqual(message);
    expect(notificationFor(push as never)).toEqual({
      title: "Launch plans",
      options: {
        body: "Ana: ship it on Friday?",
        icon: "/icon-192.png",
        tag: "room_1",
        renotify: true,
        data: { url: "/r/room_1/m/42" },
      },
    });
  });

  test("the excerpt's Markdown shows as its words, on one line", () => {
    const push = parsePush({ ...message, excerpt: "**ship** it on `Friday`?\n> sure" });
    expect(notificationFor(push as never).options.body).toBe("Ana: ship it on Friday? sure");
  });

  test("a thread reply opens its thread", () => {
    const push = parsePush({ ...message, seq: 50, threadOf: 42 });
    expect(notificationFor(push as never).options.data).toEqual({ url: "/r/room_1/t/42" });
  });

  test("several messages in one push say how many", () => {
    const push = parsePush({ ...message, count: 3 });
    expect(notificationFor(push as never).options.body).toBe(
      "3 new messages · Ana: ship it on Friday?",
    );
  });

  test("the test push", () => {
    expect(notificationFor({ type: "test" })).toEqual({
      title: "Confab",
      options: {
        body: "Notifications work on this device.",
        icon: "/icon-192.png",
        tag: "confab-test",
      },
    });
  });

  test("payloads are read without trust: what a link needs must be there, the rest has defaults", () => {
    for (const broken of [
      null,
      "text",
      { type: "later-kind" },
      { ...message, roomId: "" },
      { ...message, seq: 0 },
      { ...message, seq: "42" },
    ]) {
      expect(parsePush(broken)).toBeNull();
    }
    expect(parsePush({ type: "message", roomId: "r", seq: 1 })).toEqual({
      type: "message",
      roomId: "r",
      roomName: "Confab",
      seq: 1,
      threadOf: null,
      sender: { id: "", name: "Someone" },
      excerpt: "",
      mention: false,
      count: 1,
    });
    expect(messageUrl("room/1", 3)).toBe("/r/room%2F1/m/3");
  });

  test("messages wait while a Confab window has focus; the test push never does", () => {
    const push = parsePush(message) as never;
    expect(shouldShow(push, [])).toBe(true);
    expect(shouldShow(push, [{ focused: false }, { focused: false }])).toBe(true);
    expect(shouldShow(push, [{ focused: false }, { focused: true }])).toBe(false);
    expect(shouldShow({ type: "test" }, [{ focused: true }])).toBe(true);
  });

  test("a click leads to a path of this site only", () => {
    const origin = "https://chat.example";
    expect(targetUrl({ url: "/r/room_1/m/42" }, origin)).toBe("/r/room_1/m/42");
    expect(targetUrl({ url: "https://evil.example/x" }, origin)).toBe("/");
    expect(targetUrl(null, origin)).toBe("/");
    expect(openRequestUrl({ type: "open", url: "/r/room_1/m/42" })).toBe("/r/room_1/m/42");
    expect(openRequestUrl({ type: "open", url: "//evil.example/" })).toBeNull();
    expect(openRequestUrl({ type: "open", url: "https://evil.example/" })).toBeNull();
    expect(openRequestUrl({ type: "other", url: "/" })).toBeNull();
  });

  test("a room's level: all messages, mentions only, or nothing", () => {
    expect([levelWants("all", false), levelWants("all", true)]).toEqual([true, true]);
    expect([levelWants("mentions", false), levelWants("mentions", true)]).toEqual([false, true]);
    expect([levelWants("none", false), levelWants("none", true)]).toEqual([false, false]);
  });
});

describe("the settings in words", () => {
  test("why push is not on, and what the test push came to", () => {
    expect(deviceText("unsupported")).toMatch(/^This browser cannot receive push notifications/);
    expect(deviceText("denied")).toMatch(/^Notifications are blocked for this site/);
    expect(testText({ state: "answered", delivered: true, status: 201 })).toMatch(/^Sent\./);
    expect(testText({ state: "answered", delivered: false, status: 410 })).toMatch(
      /no longer knows this device/,
    );
    expect(testText({ state: "answered", delivered: false, status: 0 })).toBe(
      "The push service did not answer. Try again later.",
    );
    expect(testText({ state: "answered", delivered: false, status: 429 })).toBe(
      "The push service refused the test notification (HTTP 429).",
    );
  });

  test("why turning it on failed", () => {
    expect(
      pushProblem(new DOMException("Registration failed - permission denied", "AbortError")),
    ).toBe(
      "This browser could not subscribe to push messages (Registration failed - permission denied). Private windows, and browsers without a push service, cannot receive them.",
    );
    expect(pushProblem(new DOMException("late", "TimeoutError"))).toMatch(/did not answer/);
    expect(pushProblem(new ApiError(400, "invalid", "A push endpoint must be an https: URL"))).toBe(
      "A push endpoint must be an https: URL",
    );
  });
});

/** A browser as far as the push switch sees it; `subscription` is what it holds now. */
function fakeDevice(permission: NotificationPermission = "granted") {
  const device = {
    supported: true,
    granted: permission,
    answer: permission,
    subscription: null as PushSubscriptionInput | null,
    subscribeError: null as Error | null,
    subscribedWith: [] as string[],
    permission: () => device.granted,
    requestPermission: async () => {
      device.granted = device.answer;
      return device.answer;
    },
    onPermissionChange: () => undefined,
    register: async () => undefined,
    current: async () => device.subscription,
    subscribe: async (key: string) => {
      device.subscribedWith.push(key);
      if (device.subscribeError) throw device.subscribeError;
      device.subscription ??= {
        endpoint: "https://push.example/1",
        keys: { p256dh: "p", auth: "a" },
      };
      return device.subscription;
    },
    unsubscribe: async () => {
      device.subscription = null;
    },
  };
  return device satisfies PushDevice;
}

/** The push part of the API, answering as the server would, with a log of the calls. */
function fakeApi() {
  const calls: string[] = [];
  let testStatus = 201;
  const api: PushApi = {
    vapidKey: async () => {
      calls.push("key");
      return { publicKey: "BKEY" };
    },
    subscribe: async (subscription) => {
      calls.push(`post ${subscription.endpoint}`);
      return {
        subscription: { id: "push_1", endpoint: subscription.endpoint, createdAt: "" },
      } as never;
    },
    unsubscribe: async (id) => {
      calls.push(`delete ${id}`);
      return null as never;
    },
    test: async (id) => {
      calls.push(`test ${id}`);
      return { delivered: testStatus < 300, status: testStatus } as never;
    },
  };
  return { api, calls, answerTests: (status: number) => (testStatus = status) };
}

function memoryStorage() {
  const items = new Map<string, string>();
  return {
    items,
    getItem: (key: string) => items.get(key) ?? null,
    setItem: (key: string, value: string) => void items.set(key, value),
    removeItem: (key: string) => void items.delete(key),
  };
}

describe("the push switch", () => {
  test("on: permission, the VAPID key, the browser's subscription, the server's id remembered", async () => {
    const device = fakeDevice("default");
    device.answer = "granted";
    const { api, calls } = fakeApi();
    const storage = memoryStorage();
    const push = createPushSetting(api, device, storage);
    await push.start("usr_ana");
    expect(push.status.value).toBe("off");
    await push.enable();
    expect(push.status.value).toBe("on");
    expect(device.subscribedWith).toEqual(["BKEY"]);
    expect(calls).toEqual(["key", "post https://push.example/1"]);
    expect(JSON.parse(storage.items.get("confab.push") ?? "")).toEqual({
      userId: "usr_ana",
      id: "push_1",
    });
  });

  test("the person says no, or closes the question: off, and why", async () => {
    const denied = fakeDevice("default");
    denied.answer = "denied";
    const push = createPushSetting(fakeApi().api, denied, memoryStorage());
    await push.start("usr_ana");
    await push.enable();
    expect(push.status.value).toBe("denied");
    expect(denied.subscribedWith).toEqual([]);

    const dismissed = fakeDevice("default");
    const closed = createPushSetting(fakeApi().api, dismissed, memoryStorage());
    await closed.start("usr_ana");
    await closed.enable();
    expect(closed.status.value).toBe("off");
    expect(closed.problem.value).toMatch(/closed unanswered/);
  });

  test("the browser cannot subscribe: off, with its reason", async () => {
    const device = fakeDevice();
    device.subscribeError = new DOMException("push service not available", "AbortError");
    const { api, calls } = fakeApi();
    const push = createPushSetting(api, device, memoryStorage());
    await push.start("usr_ana");
    await push.enable();
    expect(push.status.value).toBe("off");
    expect(push.problem.value).toMatch(/\(push service not available\)/);
    expect(calls).toEqual(["key"]);
  });

  test("after sign-in: my subscription is picked up (told to the server again); anyone else's is ended", async () => {
    const device = fakeDevice();
    const storage = memoryStorage();
    const { api, calls } = fakeApi();
    device.subscription = { endpoint: "https://push.example/9", keys: { p256dh: "p", auth: "a" } };
    storage.setItem("confab.push", JSON.stringify({ userId: "usr_ana", id: "push_1" }));
    const mine = createPushSetting(api, device, storage);
    await mine.start("usr_ana");
    expect(mine.status.value).toBe("on");
    expect(calls).toEqual(["post https://push.example/9"]);

    const theirs = createPushSetting(api, device, storage);
    await theirs.start("usr_bo");
    expect(theirs.status.value).toBe("off");
    expect(device.subscription).toBeNull();
  });

  test("a test push the push service no longer takes (410) turns it off; signing out ends it", async () => {
    const device = fakeDevice();
    const { api, calls, answerTests } = fakeApi();
    const storage = memoryStorage();
    const push = createPushSetting(api, device, storage);
    await push.start("usr_ana");
    await push.enable();
    await push.sendTest();
    expect(push.test.value).toEqual({ state: "answered", delivered: true, status: 201 });

    answerTests(410);
    await push.sendTest();
    expect(push.status.value).toBe("off");
    expect(device.subscription).toBeNull();
    expect(storage.items.has("confab.push")).toBe(false);

    await push.enable();
    await push.signingOut();
    push.signedOut();
    expect(calls.at(-1)).toBe("delete push_1");
    await expect.poll(() => device.subscription).toBeNull();
    expect(push.status.value).toBe("off");
  });
});
