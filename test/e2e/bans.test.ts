// Banning in the browser. Olga owns a channel Mia is reading: she bans Mia from the member list
// (a reason, one day), and Mia's open room closes at once, her page saying why; the room's
// settings list the ban, and Unban lifts it, after which Mia may join again.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, test } from "vitest";
import {
  connection,
  eventually,
  launch,
  screenshotsOnFailure,
  signIn,
  VIEWPORT,
  WAIT_MS,
} from "./browser";
import { type Account, call, createChannel, joinRoom, register } from "./seed";

const baseUrl = inject("baseUrl");
const stamp = Date.now().toString(36);
const OWNER = `ban_olga_${stamp}`;
const MEMBER = `ban_mia_${stamp}`;
const ROOM = `Bans ${stamp}`;

let browser: Browser;
let olga: Page;
let mia: Page;
let miaAccount: Account;
let roomId: string;

const roomButton = (page: Page) => page.locator(".room-list__item", { hasText: ROOM });

async function newPage(): Promise<Page> {
  const page = await (await browser.newContext({ viewport: VIEWPORT })).newPage();
  page.setDefaultTimeout(WAIT_MS);
  return page;
}

beforeAll(async () => {
  const owner = await register(baseUrl, OWNER, "Olga Owner");
  miaAccount = await register(baseUrl, MEMBER, "Mia Member");
  roomId = await createChannel(baseUrl, owner, ROOM);
  await joinRoom(baseUrl, miaAccount, roomId);
  browser = await launch();
  olga = await newPage();
  mia = await newPage();
  await signIn(olga, baseUrl, OWNER);
  await signIn(mia, baseUrl, MEMBER);
}, 120_000);

screenshotsOnFailure("bans", () => ({ olga: olga, mia: mia }));

afterAll(async () => {
  await browser?.close();
});

describe.sequential("banning from the member list", () => {
  test("the banned person's open room closes at once and says why", async () => {
    await roomButton(mia).click();
    await mia.getByRole("heading", { name: ROOM, level: 2 }).waitFor();
    await connection(mia).toBe("connected");

    await roomButton(olga).click();
    await olga.getByRole("heading", { name: ROOM, level: 2 }).waitFor();
    await olga.getByRole("button", { name: /^Members/ }).click();
    await olga.getByRole("button", { name: "Ban Mia Member from the room" }).click();
    const form = olga.getByRole("form", { name: "Ban Mia Member" });
    await form.getByLabel("Reason (optional, for moderators)").fill("Flooding the channel");
    await form.getByLabel("For how long").selectOption({ label: "1 day" });
    await form.getByRole("button", { name: "Ban", exact: true }).click();

    // Mia's page: home at once, saying so, and the room gone from her list.
    await mia.getByText(`You were banned from #${ROOM}`).waitFor();
    await eventually(() => new URL(mia.url()).pathname).toBe("/");
    await eventually(() => roomButton(mia).count()).toBe(0);

    // Olga's: the settings list the ban with its reason.
    const banned = olga.getByRole("region", { name: "Banned" });
    await banned.getByText("Flooding the channel", { exact: false }).waitFor();
    await expect(banned.textContent()).resolves.toContain("Mia Member");
  });

  test("Unban lifts it: the list empties and Mia may join again", async () => {
    const banned = olga.getByRole("region", { name: "Banned" });
    await banned.getByRole("button", { name: "Unban Mia Member" }).click();
    await banned.getByText("Nobody is banned.").waitFor();
    const joined = await call<{ role: string }>(baseUrl, `/rooms/${roomId}/join`, {
      method: "POST",
      headers: { authorization: `Bearer ${miaAccount.token}` },
    });
    expect(joined.role).toBe("member");
  });
});
