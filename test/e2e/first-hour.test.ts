// The rest of a newcomer's first hour (issue 12), through the real stack (Chromium → wrangler
// dev): a keyboard user sees where focus is on every control, message actions included, in each
// theme; a phone with its keyboard open still shows the conversation and long names stay on
// screen; the members panel leaves names readable beside role menus; Arabic reads right to left;
// a message over the limit says why it stays; leaving a room and disabling a person ask first;
// "Jump to latest" counts what came; "New messages" sits under its day; the online count does
// not count me while I am offline; my previews say "You"; and the room list's badge and the
// "New messages" line agree after I wrote from another device.
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, inject, test } from "vitest";
import {
  composer,
  connection,
  delivered,
  eventually,
  launch,
  send,
  shot,
  signIn,
  VIEWPORT,
  WAIT_MS,
} from "./browser";
import { type Account, ADMIN, call, createChannel, joinRoom, register, sendMany } from "./seed";
import { ROOT } from "./server";

const THEMES = ["light", "dark", "win98"] as const;
const ROOM = "Design review";
const LONG_NAME = "Hubertwolfeschlegelsteinhausenbergerdorffvoralternwaren";
const ARABIC = "الاجتماع يوم 12 مارس عبر Zoom الساعة 3";
const baseUrl = inject("baseUrl");

let browser: Browser;
const contexts: BrowserContext[] = [];
let lena: Page;
let sami: Page;
let lenaAccount: Account;
let samiAccount: Account;
let yaraAccount: Account;
let hubertAccount: Account;
let roomId: string;

const auth = (account: Account) => ({ authorization: `Bearer ${account.token}` });
/** One message over HTTP (as a script, or another device, would send it). */
const post = (account: Account, room: string, body: string) =>
  call<{ message: { seq: number } }>(baseUrl, `/rooms/${room}/messages`, {
    method: "POST",
    headers: auth(account),
    body: JSON.stringify({ cid: crypto.randomUUID(), body }),
  });
const roomButton = (page: Page, name: string) =>
  page.locator(".room-list__item", { hasText: name });

async function newPage(options: { theme?: string; viewport?: { width: number; height: number } }) {
  const context = await browser.newContext({ viewport: options.viewport ?? VIEWPORT });
  contexts.push(context);
  if (options.theme) {
    await context.addInitScript((id) => localStorage.setItem("confab.theme", id), options.theme);
  }
  const page = await context.newPage();
  page.setDefaultTimeout(WAIT_MS);
  return page;
}

async function openRoom(page: Page, name: string) {
  await roomButton(page, name).click();
  await page.getByRole("heading", { name }).waitFor();
  await connection(page).toBe("connected");
}

/**
 * The focused element's ring as the page draws it: outline style and width, and the contrast
 * of its colour with what lies behind it (the nearest opaque background outside the element,
 * inside it for a ring drawn inward; every stop of a gradient). In the page as a string, so
 * that nothing the test's compiler adds to functions reaches the browser.
 */
const FOCUS_RING = `(() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const cs = getComputedStyle(el);
  const rgb = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
  const lum = (c) => {
    const [r, g, b] = c.map((v) => {
      const s = v / 255;
      return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const contrast = (a, b) => {
    const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p);
    return (x + 0.05) / (y + 0.05);
  };
  const behind = [];
  let node = parseFloat(cs.outlineOffset) < 0 ? el : el.parentElement;
  for (; node && behind.length === 0; node = node.parentElement) {
    const style = getComputedStyle(node);
    const stops = style.backgroundImage.match(/rgba?\\([^)]*\\)/g);
    if (stops) for (const stop of stops) behind.push(rgb(stop));
    else {
      const bg = rgb(style.backgroundColor);
      if ((bg[3] ?? 1) > 0.5) behind.push(bg);
    }
  }
  if (behind.length === 0) behind.push([255, 255, 255]);
  const ring = rgb(cs.outlineColor);
  return {
    what: (el.getAttribute("aria-label") || el.textContent || el.tagName).trim().slice(0, 40),
    style: cs.outlineStyle,
    width: parseFloat(cs.outlineWidth),
    contrast: Math.min(...behind.map((b) => contrast(ring, b))),
  };
})()`;

interface Ring {
  what: string;
  style: string;
  width: number;
  contrast: number;
}

/** Reads the ring of what has focus now and checks it shows: solid enough, wide enough, 3:1. */
async function expectRing(page: Page): Promise<Ring> {
  const ring = (await page.evaluate(FOCUS_RING)) as Ring | null;
  expect(ring).not.toBeNull();
  const seen = ring as Ring;
  expect(seen.style, seen.what).not.toBe("none");
  expect(seen.width, seen.what).toBeGreaterThanOrEqual(2);
  expect(seen.contrast, seen.what).toBeGreaterThanOrEqual(3);
  return seen;
}

const focusedText = (page: Page) =>
  page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    return (el?.getAttribute("aria-label") ?? el?.textContent ?? "").trim();
  });

/** Presses ArrowRight through a message's controls, checking each ring, until they come round. */
async function ringsAcrossControls(page: Page): Promise<string[]> {
  const seen: string[] = [];
  for (let i = 0; i < 16; i++) {
    await page.keyboard.press("ArrowRight");
    const ring = await expectRing(page);
    if (seen.includes(ring.what)) break;
    seen.push(ring.what);
  }
  return seen;
}

beforeAll(async () => {
  lenaAccount = await register(baseUrl, "lena", "Lena Fischer");
  samiAccount = await register(baseUrl, "sami", "Sami Okoye");
  yaraAccount = await register(baseUrl, "yara", "يارا منصور");
  hubertAccount = await register(baseUrl, "hubert", LONG_NAME);
  roomId = await createChannel(baseUrl, lenaAccount, ROOM);
  for (const account of [samiAccount, yaraAccount, hubertAccount]) {
    await joinRoom(baseUrl, account, roomId);
  }
  await sendMany(baseUrl, samiAccount, roomId, 24, (i) => `Earlier note ${i}`);
  await post(samiAccount, roomId, "Can everyone look at the new header?");
  // My newest message, with a link and a reaction: every kind of control a message has.
  const { message } = await post(lenaAccount, roomId, "Mock-ups: https://example.com/mocks");
  const thumbs = encodeURIComponent("👍");
  await call(baseUrl, `/rooms/${roomId}/messages/${message.seq}/reactions/${thumbs}`, {
    method: "PUT",
    headers: auth(samiAccount),
  });
  browser = await launch();
  lena = await newPage({});
  sami = await newPage({});
});

afterEach(async (ctx) => {
  if (ctx.task.result?.state !== "fail") return;
  const dir = join(ROOT, "test-results");
  await mkdir(dir, { recursive: true });
  let i = 0;
  for (const context of contexts) {
    for (const page of context.pages()) {
      await page
        .screenshot({ path: join(dir, `first-hour-${i++}-failure.png`) })
        .catch(() => undefined);
    }
  }
});

afterAll(async () => {
  await browser?.close();
});

describe.sequential("the first hour, continued", () => {
  test.each(THEMES)(
    "every control shows a focus ring from the keyboard (%s theme)",
    async (theme) => {
      const page = await newPage({ theme });
      await signIn(page, baseUrl, "lena");
      await openRoom(page, ROOM);
      await delivered(page, "Mock-ups").waitFor();

      // Tab through the page from the header on: sidebar, room tools, the list, the composer.
      await page.getByLabel("Theme").focus();
      const tabbed: string[] = [];
      while (tabbed.at(-1) !== "Message" && tabbed.length < 20) {
        await page.keyboard.press("Tab");
        tabbed.push((await expectRing(page)).what);
      }
      expect(tabbed).toEqual(expect.arrayContaining(["Sign out", "Leave", "Message"]));

      // Into the list: my message, then each of its controls with the arrow keys.
      await composer(page).focus();
      await page.keyboard.press("Shift+Tab");
      await eventually(() => page.evaluate(() => document.activeElement?.tagName)).toBe("ARTICLE");
      await expectRing(page);
      const controls = await ringsAcrossControls(page);
      expect(controls).toEqual([
        "https://example.com/mocks",
        "👍 1",
        "Add reaction",
        "React",
        "Reply",
        "Reply in thread",
        "Copy link",
        "Edit",
        "Pin",
        "Delete",
      ]);
      // React opens the emoji: each one shows where the keyboard is.
      await page.keyboard.press("Escape");
      for (let i = 0; i < 4; i++) await page.keyboard.press("ArrowRight");
      await eventually(() => focusedText(page)).toBe("React");
      await page.keyboard.press("Enter");
      await eventually(() => focusedText(page)).toBe("React 👍");
      await expectRing(page);
      const emoji = await ringsAcrossControls(page);
      expect(emoji).toEqual(
        expect.arrayContaining(["React ❤️", "React 😂", "React 🎉", "React 😮", "React 😢"]),
      );
      // Delete asks first; both answers show the ring too.
      await page.keyboard.press("Escape");
      for (let i = 0; i < 20 && (await focusedText(page)) !== "Delete"; i++) {
        await page.keyboard.press("ArrowRight");
      }
      await page.keyboard.press("Enter");
      await eventually(() => focusedText(page)).toBe("Confirm delete");
      await expectRing(page);
      await page.keyboard.press("ArrowRight");
      await eventually(() => focusedText(page)).toBe("Keep");
      await expectRing(page);
      if (theme === "win98") await shot(page, "focus-ring-win98");
      await page.keyboard.press("Enter");
      await eventually(() => focusedText(page)).toBe("Delete");
      await page.context().close();
    },
  );

  test("a 360 px phone with its keyboard open shows five messages; long names stay on screen", async () => {
    const phone = await newPage({ viewport: { width: 360, height: 640 } });
    const chat = await createChannel(baseUrl, lenaAccount, "Phone check");
    for (const account of [samiAccount, hubertAccount]) await joinRoom(baseUrl, account, chat);
    const lines: [Account, string][] = [
      [lenaAccount, "Morning! Standup in five?"],
      [hubertAccount, "On my way"],
      [samiAccount, "Coffee first"],
      [lenaAccount, "Fine, ten then"],
      [hubertAccount, "Agenda is in the doc"],
      [samiAccount, "Read it, looks good"],
      [lenaAccount, "Great, see you there"],
      [hubertAccount, "👍"],
    ];
    for (const [account, body] of lines) await post(account, chat, body);

    await signIn(phone, baseUrl, "sami");
    // Beside the room list the app's bar is one line: its controls are behind "Menu".
    const menu = phone.getByRole("button", { name: "Menu" });
    await expect(phone.getByRole("button", { name: "Sign out" }).isVisible()).resolves.toBe(false);
    await menu.click();
    await phone.getByRole("button", { name: "Sign out" }).waitFor();
    await phone.getByLabel("Theme").waitFor();
    await phone.keyboard.press("Escape");
    await eventually(() => menu.getAttribute("aria-expanded")).toBe("false");

    await openRoom(phone, "Phone check");
    await delivered(phone, "👍").waitFor();
    // In the room, the room's header is the only bar, and one line high.
    await expect(phone.locator(".app-header").isVisible()).resolves.toBe(false);
    const header = await phone.locator(".room__header").boundingBox();
    expect(header?.height).toBeLessThanOrEqual(64);

    // The on-screen keyboard takes ~260 px of the 640: the layout gets what is left.
    await phone.setViewportSize({ width: 360, height: 380 });
    await composer(phone).focus();
    await eventually(() =>
      phone.evaluate(() => {
        const list = document.querySelector(".vlist")?.getBoundingClientRect();
        if (!list) return 0;
        return [...document.querySelectorAll(".vlist .msg")].filter((row) => {
          const box = row.getBoundingClientRect();
          return box.top >= list.top - 0.5 && box.bottom <= list.bottom + 0.5;
        }).length;
      }),
    ).toBeGreaterThanOrEqual(5);
    await shot(phone, "room-phone-keyboard");

    // A long unbroken name is cut short on screen, never pushing the page sideways.
    const overflow = await phone.evaluate(() => {
      const width = document.documentElement.clientWidth;
      const wide = [
        ...document.querySelectorAll(".msg__sender, .panel__title, .room__sub, .composer"),
      ].filter((el) => el.getBoundingClientRect().right > width + 0.5);
      return { scroll: document.documentElement.scrollWidth - width, wide: wide.length };
    });
    expect(overflow).toEqual({ scroll: 0, wide: 0 });
    await expect(
      phone.locator(".msg__sender", { hasText: LONG_NAME }).first().isVisible(),
    ).resolves.toBe(true);

    // The room's own actions are behind "⋯"; Leave there asks first, like everywhere.
    await phone.getByRole("button", { name: "Room actions" }).click();
    await phone.getByRole("button", { name: "Leave" }).click();
    await phone.getByRole("group", { name: /^Leave Phone check\?/ }).waitFor();
    await phone.keyboard.press("Escape");
    await phone.getByRole("group", { name: /^Leave Phone check\?/ }).waitFor({ state: "detached" });
    // Leave itself is folded away again: the keyboard goes back to the menu's button.
    await eventually(() => focusedText(phone)).toBe("Room actions");
    await phone.context().close();
  });

  test("the members panel at 1,280 px leaves names whole beside role menus and Remove", async () => {
    await lena.setViewportSize({ width: 1280, height: 800 });
    await signIn(lena, baseUrl, "lena");
    await openRoom(lena, ROOM);
    await lena.getByRole("button", { name: /^Members/ }).click();
    await lena.getByLabel("Role of Sami Okoye").waitFor();
    await lena.getByRole("button", { name: "Remove Sami Okoye" }).waitFor();
    const names = await lena.evaluate(() =>
      [...document.querySelectorAll<HTMLElement>(".member__name")].map((el) => {
        const lineHeight = Number.parseFloat(getComputedStyle(el).lineHeight);
        return {
          name: el.firstChild?.textContent ?? "",
          clipped: el.scrollWidth > el.clientWidth + 0.5,
          lines: Math.round(el.getBoundingClientRect().height / lineHeight),
        };
      }),
    );
    for (const name of names.filter((n) => n.name !== LONG_NAME)) {
      expect(name, name.name).toMatchObject({ clipped: false, lines: 1 });
    }
    // The longest wraps rather than running under the controls.
    expect(names.find((n) => n.name === LONG_NAME)).toMatchObject({ clipped: false });
    await shot(lena, "members-owner");
    await lena.getByRole("button", { name: /^Members/ }).click();
    await lena.setViewportSize(VIEWPORT);
  });

  test("an Arabic message, name and preview read right to left; Latin ones left to right", async () => {
    await post(yaraAccount, roomId, ARABIC);
    await delivered(lena, ARABIC).waitFor();
    const direction = (selector: string, text: string) =>
      lena
        .locator(selector, { hasText: text })
        .last()
        .evaluate((el) => getComputedStyle(el).direction);
    await expect(direction(".msg__body", ARABIC)).resolves.toBe("rtl");
    await expect(direction(".msg__body", "Mock-ups")).resolves.toBe("ltr");
    await expect(direction(".msg__sender", "يارا منصور")).resolves.toBe("rtl");
    await expect(direction(".msg__sender", "Lena Fischer")).resolves.toBe("ltr");
    // In the room list of someone whose list shows it.
    await signIn(sami, baseUrl, "sami");
    const preview = roomButton(sami, ROOM).locator(".room-list__preview");
    await eventually(() => preview.textContent()).toBe(`يارا منصور: ${ARABIC}`);
    await expect(preview.evaluate((el) => getComputedStyle(el).direction)).resolves.toBe("rtl");
    await shot(lena, "room-rtl");
  });

  test("over 2,000 characters, Enter says why nothing was sent", async () => {
    await composer(lena).fill("x".repeat(2_050));
    await composer(lena).press("Enter");
    const why = lena.locator(".composer__error");
    await eventually(() => why.textContent()).toBe(
      "Too long to send: messages are at most 2,000 characters and this one has 2,050. Remove 50 to send it.",
    );
    await expect(lena.locator(".composer__counter").textContent()).resolves.toBe("2,050 / 2,000");
    await expect(lena.locator(".msg--pending").count()).resolves.toBe(0);
    // The Send button says the same rather than staying silently grey.
    await lena.getByRole("button", { name: "Send" }).click();
    await why.waitFor();
    // Short enough again: the explanation goes, and Enter sends.
    await composer(lena).fill("x".repeat(1_990));
    await why.waitFor({ state: "detached" });
    await composer(lena).press("Enter");
    await eventually(() => composer(lena).inputValue()).toBe("");
    await eventually(() => lena.locator(".composer__error").count()).toBe(0);
  });

  test("leaving a private room asks first", async () => {
    const hiring = await call<{ room: { id: string } }>(baseUrl, "/rooms", {
      method: "POST",
      headers: auth(lenaAccount),
      body: JSON.stringify({ kind: "private", name: "Hiring" }),
    });
    await call(baseUrl, `/rooms/${hiring.room.id}/members`, {
      method: "POST",
      headers: auth(lenaAccount),
      body: JSON.stringify({ userId: samiAccount.id }),
    });
    await openRoom(sami, "Hiring");
    const leave = sami.getByRole("button", { name: "Leave", exact: true });
    const question = sami.getByRole("group", { name: /^Leave Hiring\?/ });
    await leave.click();
    await eventually(() => question.textContent()).toContain(
      "It is private: you can only come back if someone invites you again.",
    );
    // The keyboard is on the answer; Escape backs out, back onto "Leave".
    await eventually(() => focusedText(sami)).toBe("Leave");
    await expect(
      question
        .getByRole("button", { name: "Leave" })
        .evaluate((el) => el === document.activeElement),
    ).resolves.toBe(true);
    await shot(sami, "leave-confirm");
    await sami.keyboard.press("Escape");
    await question.waitFor({ state: "detached" });
    await expect(leave.evaluate((el) => el === document.activeElement)).resolves.toBe(true);
    await leave.click();
    await question.getByRole("button", { name: "Cancel" }).click();
    await question.waitFor({ state: "detached" });
    await expect(sami.getByRole("heading", { name: "Hiring" }).isVisible()).resolves.toBe(true);
    // Saying yes leaves.
    await leave.click();
    await question.getByRole("button", { name: "Leave" }).click();
    await roomButton(sami, "Hiring").waitFor({ state: "detached" });
  });

  test("disabling a person asks first", async () => {
    const admin = await newPage({});
    await signIn(admin, baseUrl, ADMIN.handle);
    await admin.getByRole("button", { name: "Admin" }).click();
    await admin.getByRole("tab", { name: "People" }).click();
    await admin.getByLabel("Find people").fill("hubert");
    const row = admin.locator(".result", { hasText: LONG_NAME });
    await row.getByRole("button", { name: "Disable" }).click();
    const question = row.getByRole("group", { name: /^Disable Hubert/ });
    await eventually(() => question.textContent()).toContain(
      "They are signed out everywhere at once and cannot sign in until an admin enables them again.",
    );
    await question.getByRole("button", { name: "Cancel" }).click();
    await question.waitFor({ state: "detached" });
    await expect(row.locator(".badge", { hasText: "disabled" }).count()).resolves.toBe(0);
    await row.getByRole("button", { name: "Disable" }).click();
    await question.getByRole("button", { name: "Disable" }).click();
    await row.locator(".badge", { hasText: "disabled" }).waitFor();
    // Enabling again needs no question: nothing is lost by it.
    await row.getByRole("button", { name: "Enable" }).click();
    await row.locator(".badge", { hasText: "disabled" }).waitFor({ state: "detached" });
    await admin.context().close();
  });

  test('"Jump to latest" counts the messages that came while I read further up', async () => {
    await openRoom(sami, ROOM);
    await sami.locator(".vlist").evaluate((el) => {
      el.scrollTop = 0;
    });
    const jump = sami.getByRole("button", { name: /^Jump to latest/ });
    await jump.waitFor();
    await expect(jump.textContent()).resolves.toBe("Jump to latest ↓");
    for (const body of ["One more thing", "And another", "Last one"]) {
      await post(lenaAccount, roomId, body);
    }
    await eventually(() => jump.textContent()).toBe("Jump to latest ↓3 new messages");
    await jump.click();
    await jump.waitFor({ state: "detached" });
    await delivered(sami, "Last one").waitFor();
  });

  test('"New messages" sits under the day it starts, and the badge counts what lies under it', async () => {
    const fresh = await createChannel(baseUrl, lenaAccount, "Fresh start");
    await joinRoom(baseUrl, samiAccount, fresh);
    await post(lenaAccount, fresh, "First ever message");
    await post(lenaAccount, fresh, "Second ever message");
    const badge = roomButton(sami, "Fresh start").locator(".badge--unread");
    await eventually(() => badge.getAttribute("data-unread")).toBe("2");
    await openRoom(sami, "Fresh start");
    await delivered(sami, "Second ever message").waitFor();
    const rows = await sami
      .locator(".vlist__row")
      .evaluateAll((els) =>
        els.map((el) =>
          el.querySelector(".timeline__day")
            ? "day"
            : el.querySelector(".timeline__unread")
              ? "unread"
              : (el.querySelector(".msg__body")?.textContent ?? "start"),
        ),
      );
    expect(rows).toEqual(["start", "day", "unread", "First ever message", "Second ever message"]);
  });

  test('the room list\'s badge and the "New messages" line agree after I wrote from my phone', async () => {
    const other = await createChannel(baseUrl, lenaAccount, "Launch checklist");
    await joinRoom(baseUrl, samiAccount, other);
    await post(lenaAccount, other, "Checklist is up");
    // Sami's list knows of one unread message; he answers from his phone, over HTTP.
    const badge = roomButton(sami, "Launch checklist").locator(".badge--unread");
    await eventually(() => badge.getAttribute("data-unread")).toBe("1");
    await post(samiAccount, other, "Seen it, on the train");
    await badge.waitFor({ state: "detached" });
    // My own preview reads "You".
    await eventually(() =>
      roomButton(sami, "Launch checklist").locator(".room-list__preview").textContent(),
    ).toBe("You: Seen it, on the train");
    await post(lenaAccount, other, "Great, two things left");
    await post(lenaAccount, other, "Both are small");
    await eventually(() => badge.getAttribute("data-unread")).toBe("2");
    await openRoom(sami, "Launch checklist");
    await delivered(sami, "Both are small").waitFor();
    const underLine = await sami.evaluate(() => {
      const line = document.querySelector(".vlist__row:has(.timeline__unread)");
      const after: string[] = [];
      for (let row = line?.nextElementSibling; row; row = row.nextElementSibling) {
        const body = row.querySelector(".msg[data-seq] .msg__body")?.textContent;
        if (body) after.push(body);
      }
      return after;
    });
    expect(underLine).toEqual(["Great, two things left", "Both are small"]);
    // Someone else's message is named by its sender.
    await eventually(() =>
      roomButton(sami, "Launch checklist").locator(".room-list__preview").textContent(),
    ).toBe("Lena Fischer: Both are small");
  });

  test("while I am offline the room does not count me (or anyone) as online", async () => {
    await openRoom(sami, ROOM);
    await openRoom(lena, ROOM);
    const online = sami.locator(".room__online");
    await eventually(() => online.textContent()).toBe(" 2 online");
    await sami.context().setOffline(true);
    await connection(sami).toBe("offline");
    await online.waitFor({ state: "detached" });
    await sami.getByRole("button", { name: /^Members/ }).click();
    await expect(sami.locator(".presence-dot--online").count()).resolves.toBe(0);
    await sami.getByRole("button", { name: /^Members/ }).click();
    await sami.context().setOffline(false);
    await connection(sami).toBe("connected");
    await eventually(() => online.textContent()).toBe(" 2 online");
    await send(sami, "Back online");
    await eventually(() =>
      roomButton(sami, ROOM).locator(".room-list__preview").textContent(),
    ).toBe("You: Back online");
    await eventually(() =>
      roomButton(lena, ROOM).locator(".room-list__preview").textContent(),
    ).toBe("Sami Okoye: Back online");
  });
});
