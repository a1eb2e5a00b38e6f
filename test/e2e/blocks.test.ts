// Blocking and hiding in the browser. Bea blocks Cal from a channel's member list: Cal's
// messages fold ("Hidden: you blocked this person"), Show reveals one, and the settings panel's
// Blocked people list unblocks him. Bea hides her DM with Dee from its header: it leaves her
// list (also after a reload) until Dee writes again, when it comes back by itself; blocking Dee
// from that DM's header says in place of the composer why nobody writes there.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, test } from "vitest";
import {
  composer,
  connection,
  delivered,
  eventually,
  launch,
  screenshotsOnFailure,
  shot,
  signIn,
  VIEWPORT,
  WAIT_MS,
} from "./browser";
import { type Account, call, createChannel, joinRoom, register } from "./seed";

const ROOM = "Block party";
const baseUrl = inject("baseUrl");
let browser: Browser;
let bea: Page;
let cal: Account;
let dee: Account;
let roomId: string;
let dmId: string;

const post = (account: Account, room: string, body: string) =>
  call<{ message: { seq: number } }>(baseUrl, `/rooms/${room}/messages`, {
    method: "POST",
    headers: { authorization: `Bearer ${account.token}` },
    body: JSON.stringify({ cid: crypto.randomUUID(), body }),
  });
const roomButton = (page: Page, name: string) =>
  page.locator(".room-list__item", { hasText: name });
const folded = (page: Page) => page.locator(".msg--folded");

beforeAll(async () => {
  const beaAccount = await register(baseUrl, "block_bea", "Bea Lund");
  cal = await register(baseUrl, "block_cal", "Cal Ode");
  dee = await register(baseUrl, "block_dee", "Dee Park");
  roomId = await createChannel(baseUrl, beaAccount, ROOM);
  await joinRoom(baseUrl, cal, roomId);
  await post(beaAccount, roomId, "Who is coming on Friday?");
  await post(cal, roomId, "Me, and I bring the speakers");
  await post(cal, roomId, "Also the loud playlist");
  const { room } = await call<{ room: { id: string } }>(baseUrl, "/dms", {
    method: "POST",
    headers: { authorization: `Bearer ${dee.token}` },
    body: JSON.stringify({ userId: beaAccount.id }),
  });
  dmId = room.id;
  await post(dee, dmId, "Can I bring a friend?");
  browser = await launch();
  const context = await browser.newContext({ viewport: VIEWPORT, colorScheme: "light" });
  bea = await context.newPage();
  bea.setDefaultTimeout(WAIT_MS);
  await signIn(bea, baseUrl, "block_bea");
}, 120_000);

screenshotsOnFailure("blocks", () => ({ bea: bea }));

afterAll(async () => {
  await browser?.close();
});

describe.sequential("blocking and hiding", () => {
  test("blocking folds the person's messages in a shared channel; Show reveals one", async () => {
    await roomButton(bea, ROOM).click();
    await bea.getByRole("heading", { name: ROOM, level: 2 }).waitFor();
    await connection(bea).toBe("connected");
    await delivered(bea, "Also the loud playlist").waitFor();

    await bea.getByRole("button", { name: /^Members/ }).click();
    await bea.getByRole("button", { name: "Block Cal Ode" }).click();
    await bea.getByRole("button", { name: "Block", exact: true }).click();
    await eventually(() => folded(bea).count()).toBe(2);
    await expect(folded(bea).first().textContent()).resolves.toContain(
      "Hidden: you blocked this person",
    );
    // My own messages stay as they are.
    await expect(delivered(bea, "Who is coming on Friday?").count()).resolves.toBe(1);
    await expect(delivered(bea, "speakers").count()).resolves.toBe(0);
    await shot(bea, "blocked-folded");

    await folded(bea).first().getByRole("button", { name: "Show" }).click();
    await delivered(bea, "Me, and I bring the speakers").waitFor();
    await expect(folded(bea).count()).resolves.toBe(1);

    // Blocked people, in the settings panel: unblocking unfolds the rest.
    await bea.getByRole("button", { name: "Notifications" }).click();
    const unblock = bea.getByRole("button", { name: "Unblock Cal Ode" });
    await unblock.click();
    await unblock.waitFor({ state: "detached" });
    await roomButton(bea, ROOM).click();
    await delivered(bea, "Also the loud playlist").waitFor();
    await expect(folded(bea).count()).resolves.toBe(0);
  });

  test("a hidden DM leaves the list until a new message brings it back", async () => {
    const dm = roomButton(bea, "Dee Park");
    await dm.click();
    await delivered(bea, "Can I bring a friend?").waitFor();
    await bea.getByRole("button", { name: "Hide", exact: true }).click();
    await eventually(() => dm.count()).toBe(0);
    // The server leaves it out too.
    await bea.reload();
    await roomButton(bea, ROOM).waitFor();
    await expect(dm.count()).resolves.toBe(0);

    await post(dee, dmId, "Never mind, she is busy");
    await dm.waitFor();
    await expect(dm.textContent()).resolves.toContain("Never mind");
  });

  test("blocking from a DM's header: the composer says why, Unblock there undoes it", async () => {
    await roomButton(bea, "Dee Park").click();
    await delivered(bea, "Never mind").waitFor();
    await bea.getByRole("button", { name: "Block", exact: true }).click();
    await bea.locator("fieldset").getByRole("button", { name: "Block", exact: true }).click();
    const why = () => composer(bea).getAttribute("placeholder");
    await eventually(why).toContain("You blocked Dee Park");
    await bea.getByRole("button", { name: "Unblock", exact: true }).click();
    await eventually(why).toBe("Write a message…");
  });
});
