// Invite links in the browser: an owner makes one for their room in its settings; a new person
// opens it in a fresh browser, reads who invited them, signs up and lands in that room. A link
// that does not work says so.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, test } from "vitest";
import { eventually, launch, shot, signIn, VIEWPORT, WAIT_MS } from "./browser";
import { ADMIN, call, createRoom, PASSWORD, register } from "./seed";

const baseUrl = inject("baseUrl");
const stamp = Date.now().toString(36);
const OWNER = `inv_own_${stamp}`;
const NEWCOMER = `inv_new_${stamp}`;
const ROOM = `Invited ${stamp}`;
const MEMBER = `inv_old_${stamp}`;
const MADE = `inv_made_${stamp}`;

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

describe("an invite link", () => {
  test("an owner makes one for their room; a new person signs up with it and lands there", async () => {
    await signIn(page, baseUrl, OWNER);
    await page.locator(".room-list__item", { hasText: ROOM }).click();
    await page.getByRole("button", { name: /^Members/ }).click();
    await page.getByRole("button", { name: "Create invite link" }).click();
    const link = page.getByRole("textbox", { name: "Invite link" });
    await eventually(() => link.inputValue()).toMatch(/\/invite\/[A-Za-z0-9_-]{22,}$/);
    await shot(page, "invite-link");
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
    await shot(guest, "invite-landing");
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

  test("someone with an account signs in on the invite's page and lands in the room", async () => {
    await register(baseUrl, MEMBER, "Omar Old-timer");
    const { invite } = await call<{ invite: { url: string } }>(baseUrl, "/invites", {
      method: "POST",
      headers: { authorization: `Bearer ${ownerToken}` },
      body: JSON.stringify({ roomIds: [roomId] }),
    });
    const context = await browser.newContext({ viewport: VIEWPORT });
    const guest = await context.newPage();
    guest.setDefaultTimeout(WAIT_MS);
    await guest.goto(invite.url);
    await guest.getByRole("heading", { name: /invited you to Confab \(1 room\)$/ }).waitFor();
    await guest.getByRole("button", { name: "Sign in" }).click();
    await guest.getByLabel("Handle").fill(MEMBER);
    await guest.getByLabel("Password").fill(PASSWORD);
    await guest.getByRole("button", { name: "Sign in" }).click();
    await guest.getByRole("heading", { name: ROOM }).waitFor();
    await eventually(() => new URL(guest.url()).pathname).toBe(`/r/${roomId}`);
    await context.close();
  });
});

describe("an admin makes a person", () => {
  test("who sets their password from the one-time link, then signs in", async () => {
    // The page of the tests above is the owner's: the admin signs in in a browser of their own.
    const admin = await (await browser.newContext({ viewport: VIEWPORT })).newPage();
    admin.setDefaultTimeout(WAIT_MS);
    await signIn(admin, baseUrl, ADMIN.handle);
    await admin.getByRole("button", { name: "Admin" }).click();
    await admin.getByRole("tab", { name: "People" }).click();
    await admin.getByRole("button", { name: "Create person or bot" }).click();
    const form = admin.getByRole("form", { name: "Create person or bot" });
    await form.getByLabel("Handle").fill(MADE);
    await form.getByLabel("Display name").fill("Mira Made");
    await form.getByRole("button", { name: "Create person" }).click();
    const link = form.getByRole("textbox", { name: /^Link to set the password/ });
    await eventually(() => link.inputValue()).toMatch(/\/set-password#token=cp_/);
    const url = await link.inputValue();

    const context = await browser.newContext({ viewport: VIEWPORT });
    const person = await context.newPage();
    person.setDefaultTimeout(WAIT_MS);
    await person.goto(url);
    await person.getByLabel("New password").fill("mira's own password");
    await person.getByLabel("Confirm the password").fill("mira's own password");
    await person.getByRole("button", { name: "Set password" }).click();
    await person.getByRole("heading", { name: "Your password is set" }).waitFor();
    await person.getByRole("button", { name: "Continue to sign in" }).click();
    expect(new URL(person.url()).pathname).toBe("/");
    expect(new URL(person.url()).hash).toBe("");
    await person.getByLabel("Handle").fill(MADE);
    await person.getByLabel("Password").fill("mira's own password");
    await person.getByRole("button", { name: "Sign in" }).click();
    await person.getByRole("navigation", { name: "Rooms" }).waitFor();

    // The link was for one use.
    await person.goto(url);
    await person.getByLabel("New password").fill("another password");
    await person.getByLabel("Confirm the password").fill("another password");
    await person.getByRole("button", { name: "Set password" }).click();
    await person.getByText(/expired or was already used/).waitFor();
    await context.close();
  });
});
