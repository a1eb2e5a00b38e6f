// Two people in two browser contexts chat through the real stack (Chromium → wrangler dev →
// Worker → room Durable Object): sign up, create and invite, messages both ways, typing, unread
// badges, edit/delete/react, a reply, a server restart and messages queued while offline.
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, test } from "vitest";
import {
  composer,
  connection,
  delivered,
  eventually,
  launch,
  messageAction,
  screenshotsOnFailure,
  send,
  shot,
  signIn,
  signUp,
  VIEWPORT,
  WAIT_MS,
} from "./browser";
import { ADMIN } from "./seed";
import { startServer, stopServer, waitPortClosed } from "./server";

const ROOM = "Launch plans";
const THEMES = ["light", "dark", "win98"] as const;

const baseUrl = inject("baseUrl");
let browser: Browser;
let anaContext: BrowserContext;
let boContext: BrowserContext;
let ana: Page;
let bo: Page;

const roomButton = (page: Page) => page.locator(".room-list__item", { hasText: ROOM });

beforeAll(async () => {
  browser = await launch();
  const options = { viewport: VIEWPORT, colorScheme: "light" as const };
  anaContext = await browser.newContext(options);
  boContext = await browser.newContext(options);
  ana = await anaContext.newPage();
  bo = await boContext.newPage();
  ana.setDefaultTimeout(WAIT_MS);
  bo.setDefaultTimeout(WAIT_MS);
});

// On a failure, what each person's screen looked like (test-results/ is git-ignored).
screenshotsOnFailure("chat", () => ({ ana: ana, bo: bo }));

afterAll(async () => {
  await browser?.close();
});

describe.sequential("two people chatting", () => {
  test("sign up, create a private room, invite", async () => {
    await ana.goto(baseUrl);
    await ana.getByRole("heading", { name: "Sign in" }).waitFor();
    await signUp(ana, baseUrl, "ana", "Ana Lima");
    await signUp(bo, baseUrl, "bob", "Bob Jensen");

    await ana.getByRole("button", { name: "+ New room" }).click();
    await ana.getByLabel("Private room").check();
    await ana.getByLabel("Name").fill(ROOM);
    await ana.getByLabel("Topic (optional)").fill("What ships on Friday");
    await ana.getByRole("button", { name: "Create room" }).click();
    await ana.getByRole("heading", { name: ROOM }).waitFor();
    await connection(ana).toBe("connected");

    await ana.getByRole("button", { name: /^Members/ }).click();
    await ana.getByLabel("Find people").fill("bob");
    await ana.getByRole("button", { name: "Add Bob Jensen" }).click();
    await ana.getByText("Bob Jensen was added.").waitFor();
    await ana.getByRole("button", { name: /^Members/ }).click();

    // Bo's room list learns about the room (inbox socket, or the periodic refresh without it).
    await roomButton(bo).waitFor();
    await roomButton(bo).click();
    await bo.getByRole("heading", { name: ROOM }).waitFor();
    await connection(bo).toBe("connected");
  });

  test("chat both ways live, with a mention and typing", async () => {
    await composer(ana).fill("Welcome @b");
    await ana.getByRole("option", { name: /Bob Jensen/ }).waitFor();
    await composer(ana).press("Enter");
    await eventually(() => composer(ana).inputValue()).toBe("Welcome @bob ");
    await composer(ana).pressSequentially("glad you are here: https://example.com/plan.");
    await composer(ana).press("Enter");
    await delivered(bo, "glad you are here").waitFor();
    const link = bo.locator(".msg__body a", { hasText: "https://example.com/plan" });
    await expect(link.getAttribute("rel")).resolves.toBe("noopener noreferrer");
    await expect(link.getAttribute("target")).resolves.toBe("_blank");
    await bo.locator(".mention--me", { hasText: "@bob" }).waitFor();

    await composer(bo).pressSequentially("Thanks");
    await ana.getByText("Bob Jensen is typing…").waitFor();
    await composer(bo).press("Enter");
    await delivered(ana, "Thanks").waitFor();
    await ana.getByText("Bob Jensen is typing…").waitFor({ state: "hidden" });

    await send(ana, "Shift+Enter makes");
    await composer(ana).fill("two");
    await composer(ana).press("Shift+Enter");
    await composer(ana).pressSequentially("lines");
    await composer(ana).press("Enter");
    await delivered(bo, "two\nlines").waitFor();
    await shot(ana, "room");
  });

  test("unread badge rises in the room list and clears on opening", async () => {
    await bo.getByRole("button", { name: "Browse channels" }).click();
    await send(ana, "Unread one");
    await send(ana, "Unread two");
    await eventually(() =>
      roomButton(bo).locator(".badge--unread").getAttribute("data-unread"),
    ).toBe("2");
    await eventually(() => bo.title()).toBe("(2) Confab");
    await shot(bo, "room-list-unread");
    await roomButton(bo).click();
    await delivered(bo, "Unread two").waitFor();
    // "New messages" sits right above the first of them.
    await bo
      .locator(".vlist__row:has(.timeline__unread) + .vlist__row", { hasText: "Unread one" })
      .waitFor();
    await roomButton(bo).locator(".badge--unread").waitFor({ state: "detached" });
    await eventually(() => bo.title()).toBe("Confab");
  });

  test("edit, delete, react and reply are seen by the other", async () => {
    const welcome = ana.locator(".msg", { hasText: "glad you are here" });
    await messageAction(welcome, "Edit");
    await ana.getByRole("textbox", { name: "Edit message" }).fill("Welcome @bob, glad you came");
    await ana.getByRole("textbox", { name: "Edit message" }).press("Enter");
    await delivered(bo, "glad you came").waitFor();
    await bo.locator(".msg", { hasText: "glad you came" }).getByText("(edited)").waitFor();

    const doomed = ana.locator(".msg", { hasText: "Unread one" });
    await messageAction(doomed, "Delete");
    await messageAction(doomed, "Confirm delete");
    await bo.getByText("Message deleted").waitFor();
    await eventually(() => delivered(bo, "Unread one").count()).toBe(0);

    const target = bo.locator(".msg", { hasText: "glad you came" });
    await messageAction(target, "React");
    await messageAction(target, "React 👍");
    await ana
      .locator(".msg", { hasText: "glad you came" })
      .getByRole("button", { name: "👍 1" })
      .waitFor();

    await messageAction(target, "Reply");
    await bo.getByText("Replying to").waitFor();
    await send(bo, "Replying with a quote");
    const reply = ana.locator(".msg", { hasText: "Replying with a quote" });
    await reply.locator(".msg__quote", { hasText: "glad you came" }).waitFor();
    await shot(bo, "room-edit-react-reply");
    await reply.locator(".msg__quote").click();
    await ana.locator(".msg--highlight", { hasText: "glad you came" }).waitFor();
    await ana.setViewportSize({ width: 360, height: 740 });
    await shot(ana, "room-narrow");
    await ana.setViewportSize({ width: 1200, height: 760 });
  });

  test("the message list is one Tab stop: arrows move between messages and their actions", async () => {
    const focused = () =>
      ana.evaluate(() => {
        const el = document.activeElement as HTMLElement | null;
        return el?.closest(".msg")?.querySelector(".msg__body")?.textContent ?? el?.tagName;
      });
    // From the bottom of the room (the reply's quote scrolled it up), so that the "Jump to
    // latest" button is not the stop between the composer and the list.
    const jump = ana.getByRole("button", { name: "Jump to latest ↓" });
    if (await jump.isVisible()) await jump.click();
    await jump.waitFor({ state: "detached" });
    await composer(ana).focus();
    await ana.keyboard.press("Shift+Tab");
    await eventually(focused).toBe("Replying with a quote");
    await ana.keyboard.press("ArrowUp");
    await eventually(focused).toBe("Unread two");
    await ana.keyboard.press("ArrowRight");
    await eventually(() => ana.evaluate(() => document.activeElement?.textContent)).toBe("React");
    await ana.keyboard.press("ArrowRight");
    await eventually(() => ana.evaluate(() => document.activeElement?.textContent)).toBe("Reply");
    await ana.keyboard.press("Escape");
    await eventually(() => ana.evaluate(() => document.activeElement?.tagName)).toBe("ARTICLE");
    // Leaving and coming back lands on the same message: the list is a single stop.
    await ana.keyboard.press("Tab");
    await eventually(() => ana.evaluate(() => document.activeElement?.tagName)).not.toBe("ARTICLE");
    await ana.keyboard.press("Shift+Tab");
    await eventually(focused).toBe("Unread two");
  });

  test("reconnects after the server restarts: nothing missing, nothing doubled", async () => {
    const port = inject("port");
    const persistTo = inject("persistTo");
    stopServer(persistTo);
    await waitPortClosed(port);
    await connection(ana).not.toBe("connected");
    // Written while the server is down: queued, then sent once it is back.
    await send(ana, "Sent during the outage");
    await ana.locator(".msg--pending", { hasText: "Sent during the outage" }).waitFor();
    await shot(ana, "reconnecting");
    await startServer({ port, persistTo });
    for (const page of [ana, bo]) await connection(page).toBe("connected");
    await delivered(bo, "Sent during the outage").waitFor();
    await send(bo, "After the restart");
    await delivered(ana, "After the restart").waitFor();
    // Each side's ack may trail the other side's copy: wait for both to settle.
    for (const page of [ana, bo]) {
      await eventually(() => page.locator(".msg--pending").count()).toBe(0);
      for (const text of ["Sent during the outage", "After the restart", "Thanks"]) {
        await eventually(() => delivered(page, text).count()).toBe(1);
      }
    }
  });

  test("messages written offline are delivered once, in order", async () => {
    await boContext.setOffline(true);
    await connection(bo).not.toBe("connected");
    await send(bo, "Offline first");
    await send(bo, "Offline second");
    await eventually(() => bo.locator(".msg--pending").count()).toBe(2);
    await shot(bo, "offline-queue");
    await boContext.setOffline(false);
    await delivered(ana, "Offline second").waitFor();
    await eventually(() => bo.locator(".msg--pending").count()).toBe(0);
    const bodies = await ana.locator(".msg .msg__body").allTextContents();
    const first = bodies.indexOf("Offline first");
    expect(first).toBeGreaterThanOrEqual(0);
    expect(bodies.indexOf("Offline second")).toBe(first + 1);
    expect(bodies.filter((b) => b.startsWith("Offline")).length).toBe(2);
    await eventually(() => delivered(bo, "Offline first").count()).toBe(1);
  });

  test("without WebSockets (blocked), the client polls over HTTP and keeps working", async () => {
    const blocked = await browser.newContext({ viewport: VIEWPORT });
    // Every WebSocket fails before opening, as behind a proxy that refuses upgrades.
    await blocked.addInitScript(() => {
      class BlockedSocket extends EventTarget {
        static readonly CONNECTING = 0;
        static readonly OPEN = 1;
        static readonly CLOSING = 2;
        static readonly CLOSED = 3;
        readyState = 0;
        onopen: ((event: Event) => void) | null = null;
        onmessage: ((event: MessageEvent) => void) | null = null;
        onclose: ((event: CloseEvent) => void) | null = null;
        onerror: ((event: Event) => void) | null = null;
        constructor() {
          super();
          setTimeout(() => {
            this.readyState = 3;
            this.onerror?.(new Event("error"));
            this.onclose?.(new CloseEvent("close", { code: 1006 }));
          }, 10);
        }
        send() {
          throw new Error("not open");
        }
        close() {}
      }
      Object.defineProperty(window, "WebSocket", { value: BlockedSocket });
    });
    const page = await blocked.newPage();
    page.setDefaultTimeout(WAIT_MS);
    await signIn(page, baseUrl, "bob");
    await roomButton(page).click();
    await connection(page).toBe("polling");
    await send(ana, "Heard over polling");
    await delivered(page, "Heard over polling").waitFor();
    await send(page, "Sent over HTTP");
    // Ana's copy comes over her socket, maybe before the HTTP answer reaches the sender.
    for (const reader of [page, ana]) {
      await eventually(() => delivered(reader, "Sent over HTTP").count()).toBe(1);
    }
    await shot(page, "polling-fallback");
    await blocked.close();
  });

  // The main screens in each theme, for the README: sign-in, the room list with a room open,
  // and the admin page.
  test.each(THEMES)("screens in the %s theme", async (theme) => {
    const context = await browser.newContext({ viewport: VIEWPORT });
    await context.addInitScript((id) => localStorage.setItem("confab.theme", id), theme);
    const page = await context.newPage();
    page.setDefaultTimeout(WAIT_MS);
    await page.goto(baseUrl);
    await page.getByRole("heading", { name: "Sign in" }).waitFor();
    await eventually(() => page.evaluate(() => document.documentElement.dataset.theme)).toBe(theme);
    await shot(page, `sign-in-${theme}`);

    await signIn(page, baseUrl, ADMIN.handle);
    await page.getByRole("button", { name: "Admin" }).click();
    await page.locator(".result__title", { hasText: ROOM }).first().waitFor();
    await shot(page, `admin-${theme}`);
    await page.getByRole("button", { name: "Sign out" }).click();

    await signIn(page, baseUrl, "ana");
    await roomButton(page).click();
    await connection(page).toBe("connected");
    await delivered(page, "Sent over HTTP").waitFor();
    await shot(page, `room-${theme}`);
    await context.close();
  });
});
