// Retention from both sides: an admin sets a room's policy on the admin page (a bad value is
// refused with the server's message), previews and runs it; a member who has the room open sees
// the oldest messages go and the room's "kept" line follow the new policy.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, expect, inject, test } from "vitest";
import {
  connection,
  delivered,
  eventually,
  launch,
  shot,
  signIn,
  VIEWPORT,
  WAIT_MS,
} from "./browser";
import { ADMIN, createChannel, joinRoom, register, sendMany } from "./seed";

const ROOM = "Retention demo";
const note = (i: number) => `Retention note ${i}`;

const baseUrl = inject("baseUrl");
let browser: Browser;
let admin: Page;
let member: Page;

beforeAll(async () => {
  const dora = await register(baseUrl, "dora", "Dora Park");
  const eli = await register(baseUrl, "eli", "Eli Novak");
  const roomId = await createChannel(baseUrl, dora, ROOM);
  await joinRoom(baseUrl, eli, roomId);
  await sendMany(baseUrl, dora, roomId, 6, note);
  browser = await launch();
  admin = await (await browser.newContext({ viewport: VIEWPORT })).newPage();
  member = await (await browser.newContext({ viewport: VIEWPORT })).newPage();
  for (const page of [admin, member]) page.setDefaultTimeout(WAIT_MS);
});

afterAll(async () => {
  await browser?.close();
});

test("an admin limits a room to 3 messages; its member sees the rest go", async () => {
  await signIn(member, baseUrl, "eli");
  await member.locator(".room-list__item", { hasText: ROOM }).click();
  await connection(member).toBe("connected");
  await delivered(member, note(1)).waitFor();
  const kept = member.locator(".timeline__kept");
  await eventually(() => kept.textContent()).toBe("Messages here are kept for 90 days.");

  await signIn(admin, baseUrl, ADMIN.handle);
  await admin.getByRole("button", { name: "Admin" }).click();
  await admin.getByLabel("Find rooms").fill(ROOM);
  const row = admin.locator(".result", { hasText: ROOM });
  await row.getByRole("button", { name: "Retention", exact: true }).click();
  const panel = admin.getByRole("form", { name: `Retention of ${ROOM}` });
  const messages = panel.getByLabel("At most (messages)");
  const status = panel.getByRole("status");
  await expect(panel.getByLabel("Keep for (days)").getAttribute("placeholder")).resolves.toBe(
    "90 (default)",
  );
  await panel.getByRole("button", { name: "Preview" }).click();
  await eventually(() => status.textContent()).toBe("Nothing to delete.");

  // The server's validation message lands on its field.
  await messages.fill("2.5");
  await panel.getByRole("button", { name: "Save" }).click();
  await eventually(() => messages.getAttribute("aria-invalid")).toBe("true");
  await panel.getByRole("alert").waitFor();

  // A dry run of what the form says, before saving: the three oldest of six would go.
  await messages.fill("3");
  await panel.getByRole("button", { name: "Preview" }).click();
  await eventually(() => status.textContent()).toMatch(/^Would delete 3 messages \(.+\), #1–#3\.$/);
  await delivered(member, note(1)).waitFor();

  await panel.getByRole("button", { name: "Save" }).click();
  await eventually(() => panel.locator(".retention__now").textContent()).toBe(
    "Messages here are kept for 90 days, at most 3 messages.",
  );
  await expect(messages.getAttribute("aria-invalid")).resolves.toBeNull();

  // The room applies a new policy by itself at once: the member's list loses the three oldest,
  // now begins at the fourth, and says why.
  for (const i of [1, 2, 3]) await eventually(() => delivered(member, note(i)).count()).toBe(0);
  for (const i of [4, 5, 6]) await delivered(member, note(i)).waitFor();
  await eventually(() => member.locator(".timeline__start").textContent()).toBe(
    "This is the beginning of the room.",
  );
  await eventually(() => kept.textContent()).toBe(
    "Messages here are kept for 90 days, at most 3 messages.",
  );

  // So a preview finds nothing left, and running it (after confirming, by keyboard) deletes
  // nothing more.
  await panel.getByRole("button", { name: "Preview" }).click();
  await eventually(() => status.textContent()).toBe("Nothing to delete.");
  await shot(admin, "admin-retention");
  await panel.getByRole("button", { name: "Run now" }).click();
  const confirm = panel.getByRole("button", { name: "Delete now" });
  await eventually(() => confirm.evaluate((el) => el === document.activeElement)).toBe(true);
  await admin.keyboard.press("Enter");
  await eventually(() => status.textContent()).toBe("Nothing was deleted.");
  await eventually(() =>
    panel.getByRole("button", { name: "Run now" }).evaluate((el) => el === document.activeElement),
  ).toBe(true);
  for (const i of [4, 5, 6]) await expect(delivered(member, note(i)).count()).resolves.toBe(1);
});
