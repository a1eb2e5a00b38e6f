// Profile pictures, in Chromium against `wrangler dev`: Ana picks a picture from the menu; she
// sees it beside her name, and Bo sees it on her messages and in the room's member list, where
// initials were; removing it brings the initials back.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, test } from "vitest";
import { delivered, eventually, launch, send, signIn, VIEWPORT, WAIT_MS } from "./browser";
import { createChannel, joinRoom, register } from "./seed";

const baseUrl = inject("baseUrl");
const ROOM = "Portraits";

let browser: Browser;
let ana: Page;
let bo: Page;

/** A 48×48 PNG drawn in the page, as a person's photo would be picked from disk. */
async function portrait(page: Page): Promise<Buffer> {
  const encoded = await page.evaluate(async () => {
    const canvas = new OffscreenCanvas(48, 48);
    const context = canvas.getContext("2d") as OffscreenCanvasRenderingContext2D;
    context.fillStyle = "#2a6f4e";
    context.fillRect(0, 0, 48, 48);
    const blob = await canvas.convertToBlob({ type: "image/png" });
    const bytes = new Uint8Array(await blob.arrayBuffer());
    let binary = "";
    for (const b of bytes) binary += String.fromCharCode(b);
    return btoa(binary);
  });
  return Buffer.from(encoded, "base64");
}

async function openRoom(page: Page) {
  await page.locator(".room-list__item", { hasText: ROOM }).click();
  await page.getByRole("textbox", { name: "Message" }).waitFor();
}

/** The avatar beside a delivered message with this text: an <img> when there is a picture. */
const messageAvatar = (page: Page, text: string) =>
  page
    .locator(".msg:not(.msg--pending)", { has: page.locator(".msg__body", { hasText: text }) })
    .locator("img.avatar");

beforeAll(async () => {
  const anaAccount = await register(baseUrl, "pia_portrait", "Pia Holm");
  const boAccount = await register(baseUrl, "oskar_portrait", "Oskar Berg");
  const roomId = await createChannel(baseUrl, anaAccount, ROOM);
  await joinRoom(baseUrl, boAccount, roomId);
  browser = await launch();
  ana = await (await browser.newContext({ viewport: VIEWPORT })).newPage();
  bo = await (await browser.newContext({ viewport: VIEWPORT })).newPage();
  for (const page of [ana, bo]) page.setDefaultTimeout(WAIT_MS);
  await signIn(ana, baseUrl, "pia_portrait");
  await signIn(bo, baseUrl, "oskar_portrait");
  await openRoom(ana);
  await openRoom(bo);
}, 120_000);

afterAll(async () => {
  await browser?.close();
});

describe("profile pictures", () => {
  test("a picture chosen from the menu replaces the initials, for me and for others", async () => {
    await send(ana, "before the picture");
    await eventually(() => delivered(bo, "before the picture").count()).toBe(1);
    expect(await messageAvatar(bo, "before the picture").count()).toBe(0);

    const menu = ana.getByRole("button", { name: "Menu" });
    if (await menu.isVisible()) await menu.click();
    await ana
      .getByText("Add a picture")
      .locator("input[type=file]")
      .setInputFiles({
        name: "me.png",
        mimeType: "image/png",
        buffer: await portrait(ana),
      });
    await eventually(() => ana.getByText("Change picture").count()).toBe(1);
    const mine = ana.locator(".app-header img.avatar");
    await eventually(() => mine.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(48);

    // Bo's view learns of it with the room's details (the member list), like any new member.
    // Bo speaks in between, so Ana's next message starts a group and shows her picture.
    await send(bo, "nice");
    await eventually(() => delivered(ana, "nice").count()).toBe(1);
    await send(ana, "with the picture");
    await bo.reload();
    await openRoom(bo);
    await eventually(() => delivered(bo, "with the picture").count()).toBe(1);
    const onMessage = messageAvatar(bo, "with the picture");
    await eventually(() =>
      onMessage.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth),
    ).toBe(48);

    await ana.getByRole("button", { name: "Remove picture" }).click();
    await eventually(() => ana.getByText("Add a picture").count()).toBe(1);
    await eventually(() => mine.count()).toBe(0);
  });
});
