// The quick switcher: Ctrl+K (⌘K) anywhere, fuzzy over my rooms' names, people from the people
// search; ↑/↓ and Enter open a room or the DM with someone, Esc closes and gives focus back.
// Message search moved to Ctrl+Shift+F.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, test } from "vitest";
import {
  composer,
  eventually,
  launch,
  screenshotsOnFailure,
  signIn,
  VIEWPORT,
  WAIT_MS,
} from "./browser";
import { createChannel, joinRoom, register } from "./seed";

const baseUrl = inject("baseUrl");
let browser: Browser;
let page: Page;
let roadmapId: string;

const switcher = () => page.getByRole("dialog", { name: "Switch to a room or person" });
const box = () => switcher().getByRole("combobox", { name: "Room or person" });
const path = () => new URL(page.url()).pathname;

beforeAll(async () => {
  const pia = await register(baseUrl, "switch_pia", "Pia Switcher");
  await register(baseUrl, "switch_quinn", "Quinn Zephyrine");
  roadmapId = await createChannel(baseUrl, pia, "Product roadmap");
  const other = await createChannel(baseUrl, pia, "Random banter");
  const me = await register(baseUrl, "switch_me", "Switch Me");
  await joinRoom(baseUrl, me, roadmapId);
  await joinRoom(baseUrl, me, other);

  browser = await launch();
  const context = await browser.newContext({ viewport: VIEWPORT });
  page = await context.newPage();
  page.setDefaultTimeout(WAIT_MS);
  await signIn(page, baseUrl, "switch_me");
}, 120_000);

screenshotsOnFailure("switcher", () => ({ "": page }));

afterAll(async () => {
  await browser?.close();
});

describe.sequential("quick switcher", () => {
  test("Ctrl+K finds a room by a fuzzy name; Enter opens it", async () => {
    await page.locator(".room-list__item", { hasText: "Random banter" }).click();
    await composer(page).click();
    await page.keyboard.press("Control+k");
    await box().waitFor();
    await eventually(() => page.evaluate(() => document.activeElement?.getAttribute("role"))).toBe(
      "combobox",
    );
    await box().fill("prdrm");
    const first = switcher().getByRole("option").first();
    await eventually(() => first.textContent()).toContain("Product roadmap");
    await page.keyboard.press("Enter");
    await switcher().waitFor({ state: "detached" });
    await eventually(path).toBe(`/r/${roadmapId}`);
    await page.getByRole("heading", { name: "Product roadmap" }).waitFor();
  });

  test("arrows move, Esc closes and gives focus back", async () => {
    await composer(page).click();
    await page.keyboard.press("Control+k");
    await box().fill("r");
    await eventually(() => switcher().getByRole("option").count()).toBeGreaterThan(1);
    await page.keyboard.press("ArrowDown");
    await expect(switcher().getByRole("option").nth(1).getAttribute("aria-selected")).resolves.toBe(
      "true",
    );
    await page.keyboard.press("Escape");
    await switcher().waitFor({ state: "detached" });
    await eventually(() =>
      page.evaluate(() => document.activeElement?.getAttribute("aria-label")),
    ).toBe("Message");
  });

  test("Ctrl+K finds a person; Enter opens the DM with them", async () => {
    await page.keyboard.press("Control+k");
    await box().fill("zephyr");
    const quinn = switcher().getByRole("option", { name: /Quinn Zephyrine/ });
    await quinn.waitFor();
    await box().press("ArrowDown");
    // The person is the only match: Enter opens our DM.
    await eventually(() => quinn.getAttribute("aria-selected")).toBe("true");
    await page.keyboard.press("Enter");
    await switcher().waitFor({ state: "detached" });
    await page.getByRole("heading", { name: "Quinn Zephyrine" }).waitFor();
    expect(path()).toMatch(/^\/r\//);
  });

  test("message search moved to Ctrl+Shift+F", async () => {
    await page.keyboard.press("Control+Shift+F");
    await page.getByRole("dialog", { name: "Search all my rooms" }).waitFor();
    await page.keyboard.press("Escape");
    await page.getByRole("dialog", { name: "Search all my rooms" }).waitFor({ state: "detached" });
  });

  test("the room list's sort (A–Z or recent) is remembered by the device", async () => {
    const channels = () =>
      page
        .locator("section", { has: page.getByRole("heading", { name: "Channels" }) })
        .locator(".room-list__name")
        .allTextContents();
    await page.getByLabel("Sort").selectOption("az");
    await eventually(channels).toEqual(["Product roadmap", "Random banter"]);
    await page.reload();
    await page.getByRole("navigation", { name: "Rooms" }).waitFor();
    await expect(page.getByLabel("Sort").inputValue()).resolves.toBe("az");
    await eventually(channels).toEqual(["Product roadmap", "Random banter"]);
    await page.getByLabel("Sort").selectOption("recent");
  });
});
