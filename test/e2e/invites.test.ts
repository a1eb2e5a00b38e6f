// Invite links in the browser: an owner makes one for their room in its settings; a new person
// opens it in a fresh browser, reads who invited them, signs up and lands in that room. A link
// that does not work says so.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, test } from "vitest";
import { eventually, launch, signIn, VIEWPORT, WAIT_MS } from "./browser";
import { call, PASSWORD, register } from "./seed";

const baseUrl = inject("baseUrl");
const stamp = Date.now().toString(36);
const OWNER = `inv_own_${stamp}`;
const NEWCOMER = `inv_new_${stamp}`;
const ROOM = `Invited ${stamp}`;

let browser: Browser;
let page: Page;
let roomId: string;

beforeAll(async () => {
  browser = await launch();
  const owner = await register(baseUrl, OWNER, "Olga Owner");
  ({
    room: { id: roomId },
  } = await call<{ room: { id: string } }>(baseUrl, "/rooms", {
    method: "POST",
    headers: { authorization: `Bearer ${owner.token}` },
    body: JSON.stringify({ kind: "private", name: ROOM }),
  }));
  page = await (await browser.newContext({ viewport: VIEWPORT })).newPage();
  page.setDefaultTimeout(WAIT_MS);
});

afterAll(async () => {
  await browser?.close();
});

describe("an invite link", () => {
  test("an owner makes one for their room; a new person signs up with it and lands there", async () => {
    await signIn(page, baseUrl, OWNER);
    await page.locator(".room-list__item", { hasText: ROOM }).click();
    await page.getByRole("button", { name: /^Members/ }).click();
    await page.getByRole("button", { name: "Create invite link" }).click();
    const link = page.getByRole("textbox", { name: "Invite link" });
    await eventually(() => link.inputValue()).toMatch(/\/invite\/[A-Za-z0-9_-]{22,}$/);
    const url = await link.inputValue();
    expect(new URL(url).origin).toBe(new URL(baseUrl).origin);

    // Someone else, in a browser of their own.
    const context = await browser.newContext({ viewport: VIEWPORT });
    const guest = await context.newPage();
    guest.setDefaultTimeout(WAIT_MS);
    await guest.goto(url);
    await guest
      .getByRole("heading", { name: "Olga Owner invited you to Confab (1 room)" })
      .waitFor();
    await guest.getByLabel("Handle").fill(NEWCOMER);
    await guest.getByLabel("Display name").fill("Nina Newcomer");
    await guest.getByLabel("Password").fill(PASSWORD);
    await guest.getByRole("button", { name: "Create account" }).click();
    await guest.getByRole("heading", { name: ROOM }).waitFor();
    await eventually(() => new URL(guest.url()).pathname).toBe(`/r/${roomId}`);
    await guest.locator(".room-list__item", { hasText: ROOM }).waitFor();
    await context.close();

    // The owner's member list has them.
    await page.getByText("Nina Newcomer").first().waitFor();
  });

  test("that does not work says so", async () => {
    const context = await browser.newContext({ viewport: VIEWPORT });
    const guest = await context.newPage();
    guest.setDefaultTimeout(WAIT_MS);
    await guest.goto(`${baseUrl}/invite/not-a-real-code`);
    await guest.getByRole("heading", { name: "This invite link does not work" }).waitFor();
    await guest.getByRole("button", { name: "Go to Confab" }).click();
    await guest.getByRole("button", { name: "Sign in" }).waitFor();
    expect(new URL(guest.url()).pathname).toBe("/");
    await context.close();
  });
});
