// A member downloads a room's history from the room's menu: progress while it streams, a
// Cancel that stops it, and a file with one message per line, in order.
import { readFile } from "node:fs/promises";
import type { Browser, Page, Route } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, test } from "vitest";
import { launch, signIn, VIEWPORT, WAIT_MS } from "./browser";
import { createChannel, joinRoom, register, sendMany } from "./seed";

const baseUrl = inject("baseUrl");
let browser: Browser;
let page: Page;
let roomId: string;

const exportButton = () => page.getByRole("button", { name: "Export", exact: true });

async function openMenuAndExport() {
  const menu = page.getByRole("button", { name: "Room actions" });
  if (await menu.isVisible()) await menu.click();
  await exportButton().click();
}

beforeAll(async () => {
  const owner = await register(baseUrl, "export_owner", "Export Owner");
  const member = await register(baseUrl, "export_member", "Export Member");
  roomId = await createChannel(baseUrl, owner, "Exported room");
  await joinRoom(baseUrl, member, roomId);
  await sendMany(baseUrl, owner, roomId, 25, (i) => `Line ${i}`);

  browser = await launch();
  const context = await browser.newContext({ viewport: VIEWPORT, acceptDownloads: true });
  page = await context.newPage();
  page.setDefaultTimeout(WAIT_MS);
  await signIn(page, baseUrl, "export_member");
  await page.goto(`${baseUrl}/r/${roomId}`);
  await page.getByRole("heading", { name: "Exported room" }).waitFor();
}, 120_000);

afterAll(async () => {
  await browser?.close();
});

describe.sequential("export", () => {
  test("Cancel stops an export on its way", async () => {
    // The server holds the answer back: the export is still running when Cancel is pressed.
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    await page.route("**/api/rooms/*/export", async (route: Route) => {
      await held;
      await route.abort().catch(() => undefined);
    });
    await openMenuAndExport();
    await page.getByText("Exporting…").waitFor();
    await page.getByRole("button", { name: "Cancel" }).click();
    await page.getByText("Exporting…").waitFor({ state: "detached" });
    release();
    await page.unrouteAll({ behavior: "ignoreErrors" });
  });

  test("the download has every message, one a line, in order", async () => {
    const download = page.waitForEvent("download");
    await openMenuAndExport();
    const file = await download;
    expect(file.suggestedFilename()).toMatch(/^Exported-room-\d{4}-\d\d-\d\d\.ndjson$/);
    const lines = (await readFile(await file.path(), "utf8")).trim().split("\n");
    const bodies = lines.map((line) => (JSON.parse(line) as { body: string }).body);
    expect(bodies).toEqual(Array.from({ length: 25 }, (_, i) => `Line ${i + 1}`));
    await page.getByText("Exported 25 messages").waitFor();
  });
});
