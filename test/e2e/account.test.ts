// The Account page, in Chromium against `wrangler dev`: Lena renames herself (the top bar and her
// next message say the new name), signs one of her devices out from the list, and changes her
// password, which signs her other device out while this one stays.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, test } from "vitest";
import { delivered, eventually, launch, send, shot, signIn, VIEWPORT, WAIT_MS } from "./browser";
import { createChannel, PASSWORD, register } from "./seed";

const baseUrl = inject("baseUrl");
const HANDLE = "lena_account";
const ROOM = "Ledger";
const NEW_PASSWORD = "a fresh password 42";
const ENDED = "Your session ended";

let browser: Browser;
/** Lena's laptop (where she uses the Account page), her phone and a library computer. */
let laptop: Page;
let phone: Page;
let library: Page;

async function device(): Promise<Page> {
  const page = await (await browser.newContext({ viewport: VIEWPORT })).newPage();
  page.setDefaultTimeout(WAIT_MS);
  await signIn(page, baseUrl, HANDLE);
  return page;
}

async function openAccount(page: Page) {
  const menu = page.getByRole("button", { name: "Menu" });
  if (await menu.isVisible()) await menu.click();
  await page.getByRole("button", { name: "Account" }).click();
  await page.getByRole("heading", { name: "Account" }).waitFor();
}

/** The page's own session id, as the server names it. */
const sessionIdOf = (page: Page) =>
  page.evaluate(async () => {
    const res = await fetch("/api/me/sessions");
    const { sessions } = (await res.json()) as {
      sessions: Array<{ id: string; current: boolean }>;
    };
    return sessions.find((s) => s.current)?.id ?? "";
  });

beforeAll(async () => {
  const lena = await register(baseUrl, HANDLE, "Lena Strand");
  await createChannel(baseUrl, lena, ROOM);
  browser = await launch();
  laptop = await device();
  phone = await device();
  library = await device();
}, 120_000);

afterAll(async () => {
  await browser?.close();
});

describe("account", () => {
  test("a new display name shows in the top bar and on my next message", async () => {
    await openAccount(laptop);
    const name = laptop.getByLabel("Display name");
    expect(await name.inputValue()).toBe("Lena Strand");
    await name.fill("Lena S.");
    await laptop.getByRole("button", { name: "Save name" }).click();
    await eventually(() => laptop.locator(".app-header").innerText()).toContain("Lena S.");

    await laptop.locator(".room-list__item", { hasText: ROOM }).click();
    await laptop.getByRole("textbox", { name: "Message" }).waitFor();
    await send(laptop, "signed with the new name");
    const message = laptop.locator(".msg:not(.msg--pending)", {
      has: laptop.locator(".msg__body", { hasText: "signed with the new name" }),
    });
    await eventually(() => message.innerText()).toContain("Lena S. (you)");
  });

  test("the device list marks this one and signs another out", async () => {
    const libraryId = await sessionIdOf(library);
    await openAccount(laptop);
    const devices = laptop.getByRole("list", { name: "Signed-in devices" });
    // Registration's session (from Node, no browser) and the three browsers.
    await eventually(() => devices.getByRole("listitem").count()).toBe(4);
    const current = devices.getByRole("listitem").filter({ hasText: "This device" });
    expect(await current.count()).toBe(1);
    expect(await current.innerText()).toContain("Chrome on Linux");
    await devices.scrollIntoViewIfNeeded();
    await shot(laptop, "account");

    await devices
      .locator(`[data-session="${libraryId}"]`)
      .getByRole("button", { name: /^Sign out/ })
      .click();
    await eventually(() => devices.getByRole("listitem").count()).toBe(3);
    // Its sockets closed: the library's page is back at the sign-in screen, saying why.
    await eventually(() => library.getByText(ENDED).count()).toBe(1);
  });

  test("a new password signs my other devices out and keeps this one", async () => {
    await openAccount(laptop);
    await laptop.getByLabel("Current password").fill("not my password");
    await laptop.getByLabel("New password", { exact: true }).fill(NEW_PASSWORD);
    await laptop.getByLabel("Confirm new password").fill(NEW_PASSWORD);
    await laptop.getByRole("button", { name: "Change password" }).click();
    await eventually(() => laptop.getByText("Wrong password", { exact: true }).count()).toBe(1);
    expect(await phone.getByText(ENDED).count()).toBe(0);

    await laptop.getByLabel("Current password").fill(PASSWORD);
    await laptop.getByRole("button", { name: "Change password" }).click();
    await eventually(() => laptop.getByText("Other devices were signed out").count()).toBe(1);
    await eventually(() => phone.getByText(ENDED).count()).toBe(1);
    // Only this device is left, and it still works.
    const devices = laptop.getByRole("list", { name: "Signed-in devices" });
    await eventually(() => devices.getByRole("listitem").count()).toBe(1);
    await laptop.locator(".room-list__item", { hasText: ROOM }).click();
    await send(laptop, "still signed in here");
    await eventually(() => delivered(laptop, "still signed in here").count()).toBe(1);

    // The phone signs in again with the new password.
    await phone.getByLabel("Handle").fill(HANDLE);
    await phone.getByLabel("Password").fill(PASSWORD);
    await phone.getByRole("button", { name: "Sign in" }).click();
    await eventually(() => phone.getByText("Wrong handle or password").count()).toBe(1);
    await phone.getByLabel("Password").fill(NEW_PASSWORD);
    await phone.getByRole("button", { name: "Sign in" }).click();
    await phone.getByRole("navigation", { name: "Rooms" }).waitFor();
  });
});
