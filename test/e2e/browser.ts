// What the browser tests share: Chromium's flags, waiting on conditions (never on time), and the
// few gestures every test makes (sign up or in, write a message, use a message's actions).
import { mkdirSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { type Browser, chromium, type Locator, type Page } from "playwright-core";
import { afterEach, expect } from "vitest";
import { PASSWORD } from "./seed";
import { ROOT } from "./server";

const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
export const SCREENSHOTS = join(ROOT, "docs", "screenshots");
export const VIEWPORT = { width: 1200, height: 760 };
/** How long a page waits for anything (the machines are small and shared: be generous). */
export const WAIT_MS = 20_000;

export function launch(): Promise<Browser> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  return chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_ARGS });
}

/** Polls until the expectation holds (the default of expect.poll, 1 s, is too short here). */
export const eventually = <T>(read: () => Promise<T> | T) =>
  expect.poll(read, { timeout: WAIT_MS, interval: 100 });

export const composer = (page: Page) => page.getByRole("textbox", { name: "Message" });

/** Delivered messages (not my pending ones) whose text contains `text`. */
export const delivered = (page: Page, text: string) =>
  page.locator(".msg:not(.msg--pending) .msg__body", { hasText: text });

export const connection = (page: Page) =>
  eventually(() => page.locator(".connection").getAttribute("data-connection"));

export async function send(page: Page, text: string) {
  await composer(page).fill(text);
  await composer(page).press("Enter");
}

export async function shot(page: Page, name: string) {
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) });
}

export async function signUp(page: Page, baseUrl: string, handle: string, name: string) {
  await page.goto(baseUrl);
  await page.getByRole("button", { name: "Create an account" }).click();
  await page.getByLabel("Handle").fill(handle);
  await page.getByLabel("Display name").fill(name);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Create account" }).click();
  await page.getByRole("navigation", { name: "Rooms" }).waitFor();
}

export async function signIn(page: Page, baseUrl: string, handle: string) {
  await page.goto(baseUrl);
  await page.getByLabel("Handle").fill(handle);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("navigation", { name: "Rooms" }).waitFor();
}

/**
 * Clicks one of a message's actions (React, Reply, Edit, Delete…). They show while the message
 * is hovered or holds focus; hovering alone races with the list moving under a still mouse (a
 * reaction or receipt arriving changes heights), so the action is focused first, as a keyboard
 * user would, and stays shown wherever the mouse is.
 */
export async function messageAction(message: Locator, name: string) {
  const button = message.getByRole("button", { name, exact: true });
  await button.focus();
  await button.click();
}

/**
 * After a failed test, a screenshot of each page in test-results/ (`<prefix>-<name>-failure.png`;
 * `<prefix>-failure.png` for the page named ""): what the browser showed when it failed.
 */
export function screenshotsOnFailure(
  prefix: string,
  pages: () => Record<string, Page | undefined>,
): void {
  afterEach(async (context) => {
    if (context.task.result?.state !== "fail") return;
    const dir = join(ROOT, "test-results");
    await mkdir(dir, { recursive: true });
    for (const [name, page] of Object.entries(pages())) {
      const file = name ? `${prefix}-${name}-failure.png` : `${prefix}-failure.png`;
      await page?.screenshot({ path: join(dir, file) }).catch(() => undefined);
    }
  });
}
