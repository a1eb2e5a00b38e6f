// Client URLs: `/r/:roomId` opens a room and `/r/:roomId/m/:seq` a message in it (loaded around
// it, highlighted, newer history following as the reader scrolls down to the live end); a reload
// keeps the room, Back and Forward move between rooms, a message's "Copy link" gives its URL,
// and a link to a room that is not there for me goes home with a notice.
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, test } from "vitest";
import { NOTICES } from "../../web/state/app-state";
import {
  connection,
  delivered,
  eventually,
  launch,
  screenshotsOnFailure,
  VIEWPORT,
  WAIT_MS,
} from "./browser";
import { call, createChannel, register, sendMany } from "./seed";

const LONG = "Links long room";
const SHORT = "Links short room";
const COUNT = 200;
const body = (i: number) => `Linked message ${String(i).padStart(3, "0")}`;

const baseUrl = inject("baseUrl");
let browser: Browser;
let context: BrowserContext;
let page: Page;
let longRoom: string;
let shortRoom: string;
let othersRoom: string;

const heading = (name: string) => page.getByRole("heading", { name, level: 2 });
const path = () => new URL(page.url()).pathname;
const scroller = () => page.getByRole("region", { name: "Messages" });
const row = (seq: number) => page.locator(`.msg[data-seq="${seq}"]`);

/** Whether the row is drawn inside the visible part of the message list. */
async function inView(seq: number): Promise<boolean> {
  const [box, view] = await Promise.all([row(seq).boundingBox(), scroller().boundingBox()]);
  if (!box || !view) return false;
  return box.y >= view.y && box.y + box.height <= view.y + view.height;
}

beforeAll(async () => {
  const lou = await register(baseUrl, "link_lou", "Lou Marin");
  const max = await register(baseUrl, "link_max", "Max Ode");
  longRoom = await createChannel(baseUrl, lou, LONG);
  shortRoom = await createChannel(baseUrl, lou, SHORT);
  await sendMany(baseUrl, lou, longRoom, COUNT, body);
  await sendMany(baseUrl, lou, shortRoom, 3, (i) => `Short ${i}`);
  // A private room Lou is not in: its link must not open it.
  const { room } = await call<{ room: { id: string } }>(baseUrl, "/rooms", {
    method: "POST",
    headers: { authorization: `Bearer ${max.token}` },
    body: JSON.stringify({ kind: "private", name: "Max's secrets" }),
  });
  othersRoom = room.id;
  browser = await launch();
  context = await browser.newContext({ viewport: VIEWPORT });
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: baseUrl });
  page = await context.newPage();
  page.setDefaultTimeout(WAIT_MS);
}, 120_000);

screenshotsOnFailure("links", () => ({ "": page }));

afterAll(async () => {
  await browser?.close();
});

describe.sequential("links to rooms and messages", () => {
  test("a room's or message's path serves the app; /api/* is still the API", async () => {
    const app = await fetch(`${baseUrl}/r/${longRoom}/m/5`);
    expect(app.status).toBe(200);
    expect(app.headers.get("content-type")).toContain("text/html");
    expect(await app.text()).toContain('id="app"');
    const api = await fetch(`${baseUrl}/api/rooms/${longRoom}/messages?around=5`);
    expect(api.status).toBe(401);
    expect(api.headers.get("content-type")).toContain("application/json");
    const unknown = await fetch(`${baseUrl}/api/no-such-route`);
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get("content-type")).not.toContain("text/html");
  });

  test("a link to a room opens it, also through the sign-in screen", async () => {
    await page.goto(`${baseUrl}/r/${shortRoom}`);
    await page.getByLabel("Handle").fill("link_lou");
    await page.getByLabel("Password").fill("correct horse battery");
    await page.getByRole("button", { name: "Sign in" }).click();
    await heading(SHORT).waitFor();
    await delivered(page, "Short 3").waitFor();
    expect(path()).toBe(`/r/${shortRoom}`);
  });

  test("a link to an old message opens the room there, highlighted; scrolling down reaches the newest", async () => {
    await page.goto(`${baseUrl}/r/${longRoom}/m/5`);
    await heading(LONG).waitFor();
    await row(5).waitFor();
    await eventually(() => row(5).getAttribute("class")).toContain("msg--highlight");
    await eventually(() => inView(5)).toBe(true);
    // The room's newest messages are not loaded yet: the list stops short of them.
    await expect(delivered(page, body(COUNT)).count()).resolves.toBe(0);
    await connection(page).toBe("connected");

    // Newer history loads as the reader scrolls down, until the live end.
    await expect
      .poll(
        async () => {
          await scroller().evaluate((el) => {
            el.scrollTop = el.scrollHeight;
          });
          return delivered(page, body(COUNT)).count();
        },
        { timeout: WAIT_MS, interval: 100 },
      )
      .toBe(1);
    // At the bottom, no "Loading newer messages…" is left: the list reached the live end.
    await eventually(() => page.locator(".timeline__end").count()).toBe(0);
    expect(path()).toBe(`/r/${longRoom}/m/5`);
  });

  test("Jump to latest leaves an old message for the newest", async () => {
    await page.goto(`${baseUrl}/r/${longRoom}/m/20`);
    await eventually(() => row(20).getAttribute("class")).toContain("msg--highlight");
    await page.getByRole("button", { name: "Jump to latest ↓" }).click();
    await delivered(page, body(COUNT)).waitFor();
    await eventually(() => inView(COUNT)).toBe(true);
    await expect(row(20).count()).resolves.toBe(0);
  });

  test("a reload keeps the open room", async () => {
    await page.locator(".room-list__item", { hasText: SHORT }).click();
    await heading(SHORT).waitFor();
    expect(path()).toBe(`/r/${shortRoom}`);
    await page.reload();
    await heading(SHORT).waitFor();
    await delivered(page, "Short 3").waitFor();
    expect(path()).toBe(`/r/${shortRoom}`);
  });

  test("Back and Forward move between rooms", async () => {
    await page.locator(".room-list__item", { hasText: LONG }).click();
    await heading(LONG).waitFor();
    await delivered(page, body(COUNT)).waitFor();
    expect(path()).toBe(`/r/${longRoom}`);

    await page.goBack();
    await heading(SHORT).waitFor();
    expect(path()).toBe(`/r/${shortRoom}`);
    await eventually(() =>
      page.locator(".room-list__item[aria-current=page]").getAttribute("data-room-id"),
    ).toBe(shortRoom);

    await page.goForward();
    await heading(LONG).waitFor();
    await delivered(page, body(COUNT)).waitFor();
    expect(path()).toBe(`/r/${longRoom}`);
  });

  test("Copy link gives the message's URL, which opens it", async () => {
    const message = page.locator(".msg", { hasText: body(COUNT - 1) });
    const link = message.getByRole("link", { name: "Copy link" });
    const target = `/r/${longRoom}/m/${COUNT - 1}`;
    await expect(link.getAttribute("href")).resolves.toBe(target);
    await link.focus();
    await link.click();
    await message.getByRole("link", { name: "Copied" }).waitFor();
    await eventually(() => page.evaluate(() => navigator.clipboard.readText())).toBe(
      `${baseUrl}${target}`,
    );
    // Clicking it copied; it did not navigate.
    expect(path()).toBe(`/r/${longRoom}`);

    const other = await context.newPage();
    other.setDefaultTimeout(WAIT_MS);
    await other.goto(`${baseUrl}${target}`);
    const opened = other.locator(`.msg[data-seq="${COUNT - 1}"]`);
    await eventually(() => opened.getAttribute("class")).toContain("msg--highlight");
    await other.close();
  });

  test("a link to a room that is not there for me goes home and says so", async () => {
    for (const roomId of ["room_doesnotexist", othersRoom]) {
      await page.goto(`${baseUrl}/r/${roomId}/m/3`);
      await page.getByRole("status").filter({ hasText: NOTICES.noRoom }).waitFor();
      await heading("Pick a room").waitFor();
      expect(path()).toBe("/");
    }
    await page.goto(`${baseUrl}/r/`);
    await page.getByRole("status").filter({ hasText: NOTICES.noPage }).waitFor();
    expect(path()).toBe("/");
    // The notice goes with the next move, also back to the home.
    await page.locator(".room-list__item", { hasText: SHORT }).click();
    await heading(SHORT).waitFor();
    await page.goBack();
    await heading("Pick a room").waitFor();
    expect(path()).toBe("/");
    await expect(
      page.getByRole("status").filter({ hasText: NOTICES.noRoom }).count(),
    ).resolves.toBe(0);
  });
});
