// Searching messages in the client: in a room (its header's Search, or "/"), the one message
// among 300 that matches, its hit marked; opening it shows the message in the room, highlighted;
// Esc closes the search and gives focus back; "Load more" pages back, newest first. Across my
// rooms (the top bar's "Search messages", Ctrl+Shift+F): results grouped by room, none from rooms I am
// not in, and a result opens its room at the message.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, test } from "vitest";
import {
  eventually,
  launch,
  screenshotsOnFailure,
  shot,
  signIn,
  VIEWPORT,
  WAIT_MS,
} from "./browser";
import { type Account, call, createChannel, register, sendMany } from "./seed";

const LONG = "Search long room";
const SECOND = "Search second room";
const COUNT = 300;
/** The one message of the long room that mentions a quokka. */
const QUOKKA_SEQ = 120;
const longBody = (i: number) =>
  i === QUOKKA_SEQ ? "The quokka plan is ready for review" : `Filler note ${i} about nothing`;

const baseUrl = inject("baseUrl");
let browser: Browser;
let page: Page;
let longRoom: string;
let secondRoom: string;
let kaisPrivate: string;
let kaisChannel: string;

const path = () => new URL(page.url()).pathname;
const row = (seq: number) => page.locator(`.msg[data-seq="${seq}"]`);
const roomSearch = () => page.getByRole("complementary", { name: "Search in this room" });
const hits = (scope: ReturnType<Page["locator"]>) => scope.locator(".message-search__hit");
const focused = () =>
  page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    return (el?.getAttribute("aria-label") ?? el?.textContent ?? "").trim();
  });

async function privateRoom(owner: Account, name: string): Promise<string> {
  const { room } = await call<{ room: { id: string } }>(baseUrl, "/rooms", {
    method: "POST",
    headers: { authorization: `Bearer ${owner.token}` },
    body: JSON.stringify({ kind: "private", name }),
  });
  return room.id;
}

beforeAll(async () => {
  const sol = await register(baseUrl, "find_sol", "Sol Finder");
  const kai = await register(baseUrl, "find_kai", "Kai Keeper");
  longRoom = await createChannel(baseUrl, sol, LONG);
  secondRoom = await createChannel(baseUrl, sol, SECOND);
  await sendMany(baseUrl, sol, longRoom, COUNT, longBody);
  await sendMany(baseUrl, sol, secondRoom, 2, (i) =>
    i === 1 ? "A quokka sighting at noon" : "Lunch is at one",
  );
  // Rooms Sol is not in, with quokkas in them: a private one, and a channel Sol never joined.
  kaisPrivate = await privateRoom(kai, "Kai's quokka den");
  kaisChannel = await createChannel(baseUrl, kai, "Kai's open quokka talk");
  await sendMany(baseUrl, kai, kaisPrivate, 1, () => "quokka secrets in here");
  await sendMany(baseUrl, kai, kaisChannel, 1, () => "quokka news for all");

  browser = await launch();
  const context = await browser.newContext({ viewport: VIEWPORT });
  page = await context.newPage();
  page.setDefaultTimeout(WAIT_MS);
  await signIn(page, baseUrl, "find_sol");
}, 120_000);

screenshotsOnFailure("search", () => ({ "": page }));

afterAll(async () => {
  await browser?.close();
});

describe.sequential("searching messages", () => {
  test("in a room: the one match among 300, hit marked; it opens in place, highlighted; Esc gives focus back", async () => {
    await page.locator(".room-list__item", { hasText: LONG }).click();
    await page.getByRole("heading", { name: LONG, level: 2 }).waitFor();
    await row(COUNT).waitFor();

    const toggle = page.getByRole("button", { name: "Search", exact: true });
    await toggle.click();
    const box = roomSearch().getByRole("searchbox", { name: "Search this room" });
    await eventually(() => focused()).toBe("Search this room");
    await box.fill("quokka");
    await roomSearch().getByRole("status").filter({ hasText: "1 result, newest first." }).waitFor();
    const hit = hits(roomSearch());
    await expect(hit.count()).resolves.toBe(1);
    await expect(hit.getAttribute("data-seq")).resolves.toBe(String(QUOKKA_SEQ));
    // The hit is a <mark> element, the rest plain text: no markup shows as text.
    await expect(hit.locator("mark").allInnerTexts()).resolves.toEqual(["quokka"]);
    await expect(hit.innerText()).resolves.toContain("The quokka plan is ready for review");
    await expect(hit.innerText()).resolves.not.toContain("<mark>");
    await shot(page, "search-room");

    // The message is far above the loaded window: the room opens there, highlighted.
    await hit.click();
    await eventually(() => row(QUOKKA_SEQ).getAttribute("class")).toContain("msg--highlight");
    expect(path()).toBe(`/r/${longRoom}/m/${QUOKKA_SEQ}`);
    // The search stays open beside the room on a wide screen, focus on the result.
    await eventually(() => focused()).toContain("The quokka plan");

    await page.keyboard.press("Escape");
    await eventually(() => roomSearch().count()).toBe(0);
    await eventually(() => focused()).toBe("Search");
    await expect(toggle.getAttribute("aria-pressed")).resolves.toBe("false");
  });

  test('by keyboard: "/" opens it, ↓ reaches the results, Enter opens one; "Load more" pages back', async () => {
    await page.getByRole("button", { name: "Jump to latest ↓" }).click();
    await row(COUNT).waitFor();
    // From anywhere but a field: the room's name has focus now.
    await page.locator("#room-title").focus();
    await page.keyboard.press("/");
    // The query of this room's last search is still there, and so are its results.
    const box = roomSearch().getByRole("searchbox", { name: "Search this room" });
    await eventually(() => focused()).toBe("Search this room");
    await expect(box.inputValue()).resolves.toBe("quokka");
    await hits(roomSearch()).first().waitFor();

    await box.fill("filler");
    await roomSearch().getByRole("status").filter({ hasText: "20 results so far" }).waitFor();
    const seqs = () =>
      hits(roomSearch()).evaluateAll((els) => els.map((el) => Number(el.dataset.seq)));
    // Newest first.
    const first = await seqs();
    expect(first[0]).toBe(COUNT);
    expect(first).toEqual([...first].sort((a, b) => b - a));
    await roomSearch().getByRole("button", { name: "Load more" }).click();
    await roomSearch().getByRole("status").filter({ hasText: "40 results so far" }).waitFor();
    const both = await seqs();
    expect(both.slice(0, 20)).toEqual(first);
    expect(both).toEqual([...both].sort((a, b) => b - a));

    await box.focus();
    await page.keyboard.press("ArrowDown");
    await eventually(() => focused()).toContain(`Filler note ${COUNT} `);
    await page.keyboard.press("ArrowDown");
    await page.keyboard.press("ArrowDown");
    const target = COUNT - 2;
    await eventually(() => focused()).toContain(`Filler note ${target} `);
    await page.keyboard.press("Enter");
    await eventually(() => row(target).getAttribute("class")).toContain("msg--highlight");
    expect(path()).toBe(`/r/${longRoom}/m/${target}`);
    await page.keyboard.press("Escape");
    await eventually(() => roomSearch().count()).toBe(0);
    // It was opened from the room's name: focus goes back there.
    await eventually(() => page.evaluate(() => document.activeElement?.id)).toBe("room-title");
  });

  test("across my rooms: grouped by room, nothing from rooms I am not in; a result opens its room", async () => {
    const opener = page.getByRole("button", { name: "Search messages" });
    await opener.click();
    const dialog = page.getByRole("dialog", { name: "Search all my rooms" });
    const box = dialog.getByRole("searchbox", { name: "Search all my rooms" });
    await eventually(() => focused()).toBe("Search all my rooms");
    await box.fill("quokka");
    await dialog.getByRole("status").filter({ hasText: "2 results in 2 rooms." }).waitFor();
    const groups = dialog.locator("section[data-room-id]");
    // The room of the newest hit first: the second room's message came after the long room's.
    await expect(
      groups.evaluateAll((els) => els.map((el) => el.getAttribute("data-room-id"))),
    ).resolves.toEqual([secondRoom, longRoom]);
    await expect(groups.nth(0).getByRole("heading", { level: 3 }).innerText()).resolves.toContain(
      SECOND,
    );
    await expect(groups.nth(1).getByRole("heading", { level: 3 }).innerText()).resolves.toContain(
      LONG,
    );
    await expect(hits(groups.nth(0)).locator("mark").allInnerTexts()).resolves.toEqual(["quokka"]);
    // Kai's rooms are not mine: not searched, not named.
    const text = await dialog.innerText();
    expect(text).not.toContain("Kai's");
    expect(text).not.toContain("secrets");
    await expect(
      dialog.locator(`[data-room-id="${kaisPrivate}"], [data-room-id="${kaisChannel}"]`).count(),
    ).resolves.toBe(0);
    await shot(page, "search-all");

    // Esc closes it, focus back on the button that opened it.
    await page.keyboard.press("Escape");
    await eventually(() => dialog.count()).toBe(0);
    await eventually(() => focused()).toBe("Search messages");

    // Ctrl+Shift+F opens it again with the same results; a result opens its room at the message.
    await page.keyboard.press("Control+Shift+F");
    await expect(box.inputValue()).resolves.toBe("quokka");
    await hits(groups.nth(0)).click();
    await eventually(() => dialog.count()).toBe(0);
    await page.getByRole("heading", { name: SECOND, level: 2 }).waitFor();
    await eventually(() => row(1).getAttribute("class")).toContain("msg--highlight");
    expect(path()).toBe(`/r/${secondRoom}/m/1`);
    // Focus is in the room it opened, on its name.
    await eventually(() => page.evaluate(() => document.activeElement?.id)).toBe("room-title");
  });

  test("on a phone: the room's search covers the room, and opening a result uncovers it", async () => {
    const phone = await browser.newContext({ viewport: { width: 360, height: 640 } });
    const small = await phone.newPage();
    small.setDefaultTimeout(WAIT_MS);
    try {
      await signIn(small, baseUrl, "find_sol");
      // Beside the list, the top bar keeps the search across rooms out of its menu.
      await small.getByRole("button", { name: "Search messages" }).waitFor();
      await small.locator(".room-list__item", { hasText: LONG }).click();
      await small.getByRole("button", { name: "Room actions" }).click();
      await small.getByRole("button", { name: "Search", exact: true }).click();
      const aside = small.getByRole("complementary", { name: "Search in this room" });
      await aside.getByRole("searchbox", { name: "Search this room" }).fill("quokka");
      await hits(aside).first().click();
      await eventually(() => aside.count()).toBe(0);
      const opened = small.locator(`.msg[data-seq="${QUOKKA_SEQ}"]`);
      await eventually(() => opened.getAttribute("class")).toContain("msg--highlight");
      await eventually(() => opened.isVisible()).toBe(true);
    } finally {
      await phone.close();
    }
  });
});
