// Emoji in the browser. Eva reacts to Finn's message with an emoji she finds by searching the
// picker (its code loads then, not before); Finn sees the reaction; Recent remembers it on her
// device, and so does the skin tone. In the composer, `:tada` offers 🎉 and Enter puts it in; a whole `:smile:` becomes 😄.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, test } from "vitest";
import {
  composer,
  connection,
  delivered,
  eventually,
  launch,
  messageAction,
  screenshotsOnFailure,
  shot,
  signIn,
  VIEWPORT,
  WAIT_MS,
} from "./browser";
import { type Account, call, createChannel, joinRoom, register } from "./seed";

const ROOM = "Emoji corner";
const baseUrl = inject("baseUrl");
let browser: Browser;
let eva: Page;
let finn: Page;
let finnAccount: Account;
let roomId: string;

const open = async (page: Page) => {
  await page.locator(".room-list__item", { hasText: ROOM }).click();
  await page.getByRole("heading", { name: ROOM, level: 2 }).waitFor();
  await connection(page).toBe("connected");
};

beforeAll(async () => {
  const evaAccount = await register(baseUrl, "emoji_eva", "Eva Stone");
  finnAccount = await register(baseUrl, "emoji_finn", "Finn Lake");
  roomId = await createChannel(baseUrl, evaAccount, ROOM);
  await joinRoom(baseUrl, finnAccount, roomId);
  await call(baseUrl, `/rooms/${roomId}/messages`, {
    method: "POST",
    headers: { authorization: `Bearer ${finnAccount.token}` },
    body: JSON.stringify({ cid: crypto.randomUUID(), body: "The rocket launched!" }),
  });
  browser = await launch();
  const options = { viewport: VIEWPORT, colorScheme: "light" as const };
  eva = await (await browser.newContext(options)).newPage();
  finn = await (await browser.newContext(options)).newPage();
  eva.setDefaultTimeout(WAIT_MS);
  finn.setDefaultTimeout(WAIT_MS);
  await signIn(eva, baseUrl, "emoji_eva");
  await signIn(finn, baseUrl, "emoji_finn");
}, 120_000);

screenshotsOnFailure("emoji", () => ({ eva: eva, finn: finn }));

afterAll(async () => {
  await browser?.close();
});

describe.sequential("emoji", () => {
  test("react with an emoji found by search in the picker; the other person sees it", async () => {
    // The picker's code and data are not part of the first load.
    const loaded: string[] = [];
    eva.on("request", (request) => loaded.push(request.url()));
    await open(eva);
    await open(finn);
    expect(loaded.some((url) => /emoji-data|picker/.test(url))).toBe(false);

    const message = eva.locator(".msg", { hasText: "The rocket launched!" });
    await messageAction(message, "React");
    await messageAction(message, "More…");
    const picker = eva.getByRole("dialog", { name: "React with an emoji" });
    await picker.getByRole("searchbox", { name: "Search emoji" }).fill("rocket");
    await picker.getByRole("button", { name: "rocket" }).waitFor();
    await shot(eva, "emoji-picker");
    // The keyboard reaches the results: ArrowDown from the search, Enter picks.
    await picker.getByRole("searchbox", { name: "Search emoji" }).press("ArrowDown");
    await expect
      .poll(() => eva.evaluate(() => document.activeElement?.getAttribute("aria-label")))
      .toBe("rocket");
    await eva.keyboard.press("Enter");
    await picker.waitFor({ state: "detached" });

    await message.getByRole("button", { name: "🚀 1" }).waitFor();
    await finn
      .locator(".msg", { hasText: "The rocket launched!" })
      .getByRole("button", { name: "🚀 1" })
      .waitFor();
  });

  test("Recent remembers it on this device; Esc closes the picker", async () => {
    await eva.reload();
    await open(eva);
    const message = eva.locator(".msg", { hasText: "The rocket launched!" });
    await messageAction(message, "Add reaction");
    const picker = eva.getByRole("dialog", { name: "React with an emoji" });
    const recent = picker.getByRole("region", { name: "Recent" });
    await recent.getByRole("button", { name: "rocket" }).waitFor();
    await eva.keyboard.press("Escape");
    await picker.waitFor({ state: "detached" });
  });

  test("the skin tone chosen is used and remembered; a press elsewhere closes", async () => {
    const message = eva.locator(".msg", { hasText: "The rocket launched!" });
    const picker = eva.getByRole("dialog", { name: "React with an emoji" });
    await messageAction(message, "Add reaction");
    await picker
      .getByRole("combobox", { name: "Skin tone" })
      .selectOption({ label: "✋🏽 Medium" });
    await picker.getByRole("searchbox", { name: "Search emoji" }).fill("thumbs up");
    await eventually(() =>
      picker.getByRole("button", { name: "thumbs up" }).first().textContent(),
    ).toBe("👍🏽");
    await eva.keyboard.press("Escape");
    await messageAction(message, "Add reaction");
    await eventually(() => picker.getByRole("combobox", { name: "Skin tone" }).inputValue()).toBe(
      "3",
    );
    // A press elsewhere closes it too.
    await eva.getByRole("heading", { name: ROOM, level: 2 }).click();
    await picker.waitFor({ state: "detached" });
  });

  test("`:tada` completes in the composer and sends 🎉; `:smile:` typed whole becomes 😄", async () => {
    await composer(eva).click();
    await composer(eva).pressSequentially("Well done :tada");
    const options = eva.getByRole("listbox", { name: "Emoji" });
    await options.getByRole("option", { name: /:tada:/ }).waitFor();
    await composer(eva).press("Enter");
    await eventually(() => composer(eva).inputValue()).toBe("Well done 🎉");
    await composer(eva).pressSequentially(" and :smile: ");
    await eventually(() => composer(eva).inputValue()).toBe("Well done 🎉 and 😄 ");
    await composer(eva).press("Enter");
    await delivered(finn, "Well done 🎉 and 😄").waitFor();
  });
});
