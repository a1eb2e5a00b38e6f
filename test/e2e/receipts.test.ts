// A DM's ticks as its sender sees them: ✓ sent while the other person is away, ✓✓ once the
// message reached one of their devices (here: their app opened, its room list showing it), ✓✓ in
// colour once they read it.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, inject, test } from "vitest";
import { delivered, launch, send, signIn, VIEWPORT, WAIT_MS } from "./browser";
import { call, register } from "./seed";

const baseUrl = inject("baseUrl");
const stamp = Date.now().toString(36);
const ANA = { handle: `rcpt_ana_${stamp}`, name: "Ana Receipts" };
const BO = { handle: `rcpt_bo_${stamp}`, name: "Bo Receipts" };

let browser: Browser;
let ana: Page;
let bo: Page;

beforeAll(async () => {
  browser = await launch();
  const a = await register(baseUrl, ANA.handle, ANA.name);
  const b = await register(baseUrl, BO.handle, BO.name);
  await call(baseUrl, "/dms", {
    method: "POST",
    headers: { authorization: `Bearer ${a.token}` },
    body: JSON.stringify({ userId: b.id }),
  });
  ana = await (await browser.newContext({ viewport: VIEWPORT })).newPage();
  bo = await (await browser.newContext({ viewport: VIEWPORT })).newPage();
  ana.setDefaultTimeout(WAIT_MS);
  bo.setDefaultTimeout(WAIT_MS);
});

afterAll(async () => {
  await browser?.close();
});

const receiptOf = (page: Page, text: string) =>
  page.locator(".msg:not(.msg--pending)", { hasText: text }).locator(".receipt");

describe("ticks in a DM", () => {
  test("✓ sent, ✓✓ delivered when their app has it, ✓✓ coloured when read", async () => {
    await signIn(ana, baseUrl, ANA.handle);
    await ana.locator(".room-list__item", { hasText: BO.name }).click();
    await send(ana, "Are you there?");
    const receipt = receiptOf(ana, "Are you there?");
    await receipt.and(ana.locator('[title="Sent"]')).waitFor();

    // Bo opens the app: his room list shows the message, so it reached his device.
    await signIn(bo, baseUrl, BO.handle);
    await receipt.and(ana.locator('[title="Delivered"]')).waitFor();

    await bo.locator(".room-list__item", { hasText: ANA.name }).click();
    await delivered(bo, "Are you there?").waitFor();
    await receipt.and(ana.locator('[title="Read"]')).waitFor();
  });
});
