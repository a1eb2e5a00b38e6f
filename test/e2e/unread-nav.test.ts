// Finding what is new: a room opened with more unread than fits shows a bar that jumps to the
// "New messages" line (also when that line lies before the loaded window), and the room list's
// "Mark all read" reads every room at once (one request), badges gone here and in the API.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, test } from "vitest";
import { eventually, launch, screenshotsOnFailure, signIn, VIEWPORT, WAIT_MS } from "./browser";
import { type Account, call, createChannel, joinRoom, register, sendMany } from "./seed";

const baseUrl = inject("baseUrl");
let browser: Browser;
let page: Page;
let reader: Account;
let shortRoom: string;
let longRoom: string;
let thirdRoom: string;

const line = () => page.locator(".timeline__unread");
const jump = () => page.getByRole("button", { name: "Jump to first unread ↑" });
const badges = () => page.locator(".room-list__item .badge--unread");

async function unreadInApi(): Promise<number[]> {
  const { rooms } = await call<{ rooms: { room: { id: string }; unread: number }[] }>(
    baseUrl,
    "/rooms",
    { headers: { authorization: `Bearer ${reader.token}` } },
  );
  return rooms
    .filter((r) => [shortRoom, longRoom, thirdRoom].includes(r.room.id))
    .map((r) => r.unread);
}

beforeAll(async () => {
  const writer = await register(baseUrl, "unread_writer", "Unread Writer");
  reader = await register(baseUrl, "unread_reader", "Unread Reader");
  shortRoom = await createChannel(baseUrl, writer, "Thirty unread");
  longRoom = await createChannel(baseUrl, writer, "Eighty unread");
  thirdRoom = await createChannel(baseUrl, writer, "Two unread");
  for (const id of [shortRoom, longRoom, thirdRoom]) await joinRoom(baseUrl, reader, id);
  // Joining is not unread: what follows is.
  await sendMany(baseUrl, writer, shortRoom, 30, (i) => `Short news ${i}`);
  await sendMany(baseUrl, writer, longRoom, 80, (i) => `Long news ${i}`);
  await sendMany(baseUrl, writer, thirdRoom, 2, (i) => `Third news ${i}`);

  browser = await launch();
  const context = await browser.newContext({ viewport: VIEWPORT });
  page = await context.newPage();
  page.setDefaultTimeout(WAIT_MS);
  await signIn(page, baseUrl, "unread_reader");
}, 120_000);

screenshotsOnFailure("unread-nav", () => ({ "": page }));

afterAll(async () => {
  await browser?.close();
});

describe.sequential("unread", () => {
  test("jump to first unread: the line loaded but above the view", async () => {
    await page.locator(".room-list__item", { hasText: "Thirty unread" }).click();
    await page.locator(".msg__body", { hasText: "Short news 30" }).waitFor();
    await jump().waitFor();
    await expect(
      page.getByRole("status").filter({ hasText: "30 new messages" }).count(),
    ).resolves.toBe(1);
    await jump().click();
    await line().waitFor();
    await eventually(() => line().isVisible()).toBe(true);
    await page.locator(".msg__body", { hasText: /^Short news 1$/ }).waitFor();
    await jump().waitFor({ state: "detached" });
  });

  test("jump to first unread: the line before the loaded window", async () => {
    await page.locator(".room-list__item", { hasText: "Eighty unread" }).click();
    await page.locator(".msg__body", { hasText: "Long news 80" }).waitFor();
    await jump().click();
    await page.locator(".msg__body", { hasText: /^Long news 1$/ }).waitFor();
    await eventually(() => line().isVisible()).toBe(true);
    await jump().waitFor({ state: "detached" });
  });

  test("mark all read clears every badge, in the list and in the API", async () => {
    await page
      .getByRole("button", { name: "Home" })
      .click()
      .catch(() => undefined);
    await eventually(() => badges().count()).toBeGreaterThan(0);
    await page.getByRole("button", { name: "Mark all read" }).click();
    await eventually(() => badges().count()).toBe(0);
    await eventually(unreadInApi).toEqual([0, 0, 0]);
    await page.getByRole("button", { name: "Mark all read" }).waitFor({ state: "detached" });
  });
});
