// A member reports a message from its menu; the room's owner finds it under Reports in the room's
// settings and deletes it from there: both see "Message deleted" in place, live.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, test } from "vitest";
import {
  delivered,
  eventually,
  launch,
  messageAction,
  shot,
  signIn,
  VIEWPORT,
  WAIT_MS,
} from "./browser";
import { call, createChannel, joinRoom, register } from "./seed";

const baseUrl = inject("baseUrl");
const stamp = Date.now().toString(36);
const OWNER = `rep_owner_${stamp}`;
const MEMBER = `rep_member_${stamp}`;
const ROOM = `reports-${stamp}`;
const SPAM = `Cheap watches at spam.example ${stamp}`;

let browser: Browser;
let ownerPage: Page;
let memberPage: Page;

async function pageFor(handle: string): Promise<Page> {
  const page = await (await browser.newContext({ viewport: VIEWPORT })).newPage();
  page.setDefaultTimeout(WAIT_MS);
  await signIn(page, baseUrl, handle);
  await page.locator(".room-list__item", { hasText: ROOM }).click();
  return page;
}

beforeAll(async () => {
  browser = await launch();
  const owner = await register(baseUrl, OWNER, "Oona Owner");
  const member = await register(baseUrl, MEMBER, "Mel Member");
  const spammer = await register(baseUrl, `rep_spam_${stamp}`, "Sam Spammer");
  const roomId = await createChannel(baseUrl, owner, ROOM);
  await joinRoom(baseUrl, member, roomId);
  await joinRoom(baseUrl, spammer, roomId);
  await call(baseUrl, `/rooms/${roomId}/messages`, {
    method: "POST",
    headers: { authorization: `Bearer ${spammer.token}` },
    body: JSON.stringify({ cid: "spam-1", body: SPAM }),
  });
  ownerPage = await pageFor(OWNER);
  memberPage = await pageFor(MEMBER);
});

afterAll(async () => {
  await browser?.close();
});

describe("reporting a message", () => {
  test("a member reports it; the owner deletes it from the room's reports; both see the tombstone", async () => {
    const spam = memberPage.locator(".msg", { hasText: SPAM });
    await messageAction(spam, "Report");
    const dialog = memberPage.getByRole("dialog", { name: /Report Sam Spammer/ });
    await dialog.getByLabel(/^Spam/).check();
    await dialog.getByLabel("Note to the moderators (optional)").fill("a bot, clearly");
    await dialog.getByRole("button", { name: "Report", exact: true }).click();
    await dialog.getByText(/Thanks\. The room's moderators/).waitFor();
    await dialog.getByRole("button", { name: "Close" }).click();
    await eventually(() => memberPage.getByRole("dialog").count()).toBe(0);
    // Reporting again says so rather than failing.
    await messageAction(spam, "Report");
    await dialog.getByRole("button", { name: "Report", exact: true }).click();
    await dialog.getByText("You already reported this message.").waitFor();
    await dialog.getByRole("button", { name: "Close" }).click();

    await ownerPage.getByRole("button", { name: /^Members/ }).click();
    const item = ownerPage.getByRole("listitem", { name: "Report of Sam Spammer's message" });
    await item.getByText(SPAM).waitFor();
    await expect(item.getByText("“a bot, clearly”").count()).resolves.toBe(1);
    await shot(ownerPage, "room-reports");
    await item.getByRole("button", { name: "Delete message" }).click();
    await item.getByRole("button", { name: "Delete", exact: true }).click();
    await ownerPage.getByText("No open reports.").waitFor();

    for (const page of [ownerPage, memberPage]) {
      await eventually(() => delivered(page, SPAM).count()).toBe(0);
      await page.locator(".msg--deleted", { hasText: "Message deleted" }).waitFor();
    }
    await ownerPage.getByRole("button", { name: "Resolved", exact: true }).click();
    await ownerPage.getByText(/Resolved \(message deleted\) by Oona Owner/).waitFor();
  });
});
