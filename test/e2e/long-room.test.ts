// A room with 10,000 messages: the whole history loads by scrolling up, yet the page holds only
// the rows near the viewport, and both ends of the room can be reached.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, expect, inject, test } from "vitest";
import { connection, delivered, launch, signIn, VIEWPORT, WAIT_MS } from "./browser";
import { createChannel, register, sendMany } from "./seed";

const COUNT = 10_000;
const ROOM = "Long history";
const body = (i: number) => `Message ${String(i).padStart(5, "0")} of the long history`;

const baseUrl = inject("baseUrl");
let browser: Browser;
let page: Page;

beforeAll(async () => {
  const carol = await register(baseUrl, "carol", "Carol Reyes");
  const roomId = await createChannel(baseUrl, carol, ROOM);
  await sendMany(baseUrl, carol, roomId, COUNT, body);
  browser = await launch();
  page = await (await browser.newContext({ viewport: VIEWPORT })).newPage();
  page.setDefaultTimeout(WAIT_MS);
}, 120_000);

afterAll(async () => {
  await browser?.close();
});

test("a room of 10,000 messages loads upward and renders only the rows in view", async () => {
  await signIn(page, baseUrl, "carol");
  await page.locator(".room-list__item", { hasText: ROOM }).click();
  await connection(page).toBe("connected");
  await delivered(page, body(COUNT)).waitFor();

  // Scroll to the top until the client has paged in the whole history.
  const scroller = page.getByRole("region", { name: "Messages" });
  const start = page.locator(".timeline__start");
  await expect
    .poll(
      async () => {
        await scroller.evaluate((el) => {
          el.scrollTop = 0;
        });
        return (await start.count()) > 0 ? start.textContent() : null;
      },
      { timeout: 60_000, interval: 50 },
    )
    .toBe("This is the beginning of the room.");
  await delivered(page, body(1)).waitFor();
  const rows = await page.locator(".msg").count();
  expect(rows).toBeGreaterThan(0);
  expect(rows).toBeLessThan(200);

  await page.getByRole("button", { name: "Jump to latest ↓" }).click();
  await delivered(page, body(COUNT)).waitFor();
  expect(await page.locator(".msg").count()).toBeLessThan(200);
  await expect(delivered(page, body(1)).count()).resolves.toBe(0);
}, 90_000);
