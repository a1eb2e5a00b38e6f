// An owner closes their own room from its settings: Archive makes it read-only for everyone
// (Unarchive undoes it), Delete room (asked first) takes it away for good and the page goes home.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, test } from "vitest";
import { eventually, launch, signIn, VIEWPORT, WAIT_MS } from "./browser";
import { createRoom, register } from "./seed";

const baseUrl = inject("baseUrl");
const stamp = Date.now().toString(36);
const OWNER = `close_own_${stamp}`;
const ROOM = `Closing ${stamp}`;

let browser: Browser;
let page: Page;
let roomId: string;
let ownerToken: string;

beforeAll(async () => {
  browser = await launch();
  const owner = await register(baseUrl, OWNER, "Olga Owner");
  ownerToken = owner.token;
  roomId = await createRoom(baseUrl, owner, ROOM, "private");
  page = await (await browser.newContext({ viewport: VIEWPORT })).newPage();
  page.setDefaultTimeout(WAIT_MS);
});

afterAll(async () => {
  await browser?.close();
});

describe("an owner closes the room", () => {
  test("archive, unarchive, then delete for good after a confirmation", async () => {
    await signIn(page, baseUrl, OWNER);
    await page.locator(".room-list__item", { hasText: ROOM }).click();
    await page.getByRole("button", { name: /^Members/ }).click();
    await page.getByRole("button", { name: "Archive", exact: true }).click();
    await page.getByText("Archived: everyone can read it, nobody can write.").waitFor();
    await page.getByRole("button", { name: "Unarchive" }).click();
    await page.getByRole("button", { name: "Archive", exact: true }).waitFor();

    await page.getByRole("button", { name: "Delete room" }).click();
    await page.getByRole("button", { name: "Delete", exact: true }).click();
    await eventually(() => new URL(page.url()).pathname).toBe("/");
    await eventually(() => page.locator(".room-list__item", { hasText: ROOM }).count()).toBe(0);
    const gone = await fetch(`${baseUrl}/api/rooms/${roomId}`, {
      headers: { authorization: `Bearer ${ownerToken}` },
    });
    expect(gone.status).toBe(404);
  });
});
