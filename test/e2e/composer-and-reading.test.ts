// What a writer and a reader see that no other browser test looked at: the composer's counter
// near the 2,000-character limit and its refusal past it, my own messages set apart from the
// others' in every theme (and my initials on my colour), and a room marked read only while its
// window has focus (web/hooks/use-mark-read.ts).
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, test } from "vitest";
import { avatarColour } from "../../web/components/avatar/initials";
import {
  composer,
  connection,
  delivered,
  eventually,
  launch,
  signIn,
  VIEWPORT,
  WAIT_MS,
} from "./browser";
import { type Account, call, createChannel, joinRoom, register } from "./seed";

const baseUrl = inject("baseUrl");
const stamp = Date.now().toString(36);
const ROOM = "Proofreading";
const ME = { handle: `cr_nina_${stamp}`, name: "Nina Okafor" };

let browser: Browser;
let page: Page;
let me: Account;
let peer: Account;
let roomId: string;
/** The read marks this page sent, over its room socket or HTTP, in order. */
const readsSent: number[] = [];

const auth = (account: Account) => ({ authorization: `Bearer ${account.token}` });
const post = (account: Account, body: string) =>
  call<{ message: { seq: number } }>(baseUrl, `/rooms/${roomId}/messages`, {
    method: "POST",
    headers: auth(account),
    body: JSON.stringify({ cid: crypto.randomUUID(), body }),
  });
const counter = () => page.locator(".composer__counter");

beforeAll(async () => {
  me = await register(baseUrl, ME.handle, ME.name);
  peer = await register(baseUrl, `cr_omar_${stamp}`, "Omar Haddad");
  roomId = await createChannel(baseUrl, me, ROOM);
  await joinRoom(baseUrl, peer, roomId);
  await post(peer, "Send me the draft when it is ready");

  browser = await launch();
  const context = await browser.newContext({ viewport: VIEWPORT });
  // Headless Chromium reports every page as focused: the page's focus is played here instead,
  // through the two things the hook reads (document.hasFocus() and the window's focus event).
  await context.addInitScript(() => {
    const w = window as unknown as { confabFocused: boolean };
    w.confabFocused = true;
    Document.prototype.hasFocus = () => w.confabFocused;
  });
  page = await context.newPage();
  page.setDefaultTimeout(WAIT_MS);
  page.on("websocket", (socket) => {
    socket.on("framesent", ({ payload }) => {
      if (typeof payload !== "string" || !payload.includes('"read"')) return;
      const frame = JSON.parse(payload) as { type?: string; seq?: number };
      if (frame.type === "read" && typeof frame.seq === "number") readsSent.push(frame.seq);
    });
  });
  page.on("request", (request) => {
    if (request.method() === "POST" && request.url().endsWith(`/api/rooms/${roomId}/read`)) {
      readsSent.push((request.postDataJSON() as { seq: number }).seq);
    }
  });
});

afterAll(async () => {
  await browser?.close();
});

describe.sequential("composer, own messages, reading", () => {
  test("sign in and open the room", async () => {
    await signIn(page, baseUrl, ME.handle);
    await page.locator(".room-list__item", { hasText: ROOM }).click();
    await connection(page).toBe("connected");
    await delivered(page, "Send me the draft").waitFor();
  });

  test("the counter shows from 1,700 characters; past 2,000 sending is refused with the reason", async () => {
    await composer(page).fill("a".repeat(1699));
    await expect.poll(() => counter().textContent()).toBe("");
    await composer(page).fill("a".repeat(1700));
    await eventually(() => counter().textContent()).toBe("1,700 / 2,000");
    await expect
      .poll(() => counter().getAttribute("class"))
      .not.toContain("composer__counter--over");

    const tooLong = `draft ${"b".repeat(1995)}`;
    await composer(page).fill(tooLong);
    await eventually(() => counter().textContent()).toBe("2,001 / 2,000");
    expect(await counter().getAttribute("class")).toContain("composer__counter--over");
    await composer(page).press("Enter");
    await expect(
      page.getByRole("alert").filter({ hasText: "Too long to send" }).textContent(),
    ).resolves.toBe(
      "Too long to send: messages are at most 2,000 characters and this one has 2,001. Remove 1 to send it.",
    );
    // Nothing left: the text is still in the box, and no message (pending or sent) has it.
    expect(await composer(page).inputValue()).toBe(tooLong);
    expect(await page.locator(".msg .msg__body", { hasText: "draft bbbb" }).count()).toBe(0);

    // One character less, and it goes.
    await composer(page).press("End");
    await composer(page).press("Backspace");
    await eventually(() => counter().textContent()).toBe("2,000 / 2,000");
    await composer(page).press("Enter");
    await delivered(page, "draft bbbb").waitFor();
    expect(await composer(page).inputValue()).toBe("");
    await eventually(() => counter().textContent()).toBe("");
  });

  test("my messages stand apart from the others' in every theme, with my initials on my colour", async () => {
    const mine = page.locator(".msg", { hasText: "draft bbbb" });
    const theirs = page.locator(".msg", { hasText: "Send me the draft" });
    await expect.poll(() => mine.getAttribute("class")).toContain("msg--mine");
    expect(await theirs.getAttribute("class")).not.toContain("msg--mine");
    expect(await mine.locator(".msg__sender").textContent()).toBe(`${ME.name} (you)`);
    const avatar = mine.locator("span.avatar");
    expect(await avatar.textContent()).toBe("NO");
    const background = (locator: typeof mine) =>
      locator.evaluate((el) => getComputedStyle(el).backgroundColor);
    const [r, g, b] = avatarColour(me.id)
      .slice(1)
      .match(/../g)
      ?.map((hex) => Number.parseInt(hex, 16)) ?? [0, 0, 0];
    expect(await background(avatar)).toBe(`rgb(${r}, ${g}, ${b})`);

    for (const theme of ["light", "dark", "win98"]) {
      await page.getByRole("combobox", { name: "Theme" }).selectOption(theme);
      // The pointer is elsewhere: hover would tint either row.
      await page.mouse.move(0, 0);
      await eventually(() => page.evaluate(() => document.documentElement.dataset.theme)).toBe(
        theme,
      );
      expect(await background(mine), theme).not.toBe(await background(theirs));
      expect(await background(mine), theme).not.toBe("rgba(0, 0, 0, 0)");
    }
    // Windows 98: square faces, my bubble in tooltip yellow.
    expect(await avatar.evaluate((el) => getComputedStyle(el).borderRadius)).toBe("0px");
    expect(await background(mine)).toBe("rgb(255, 255, 225)");
    await page.getByRole("combobox", { name: "Theme" }).selectOption("light");
  });

  test("a message that arrives while the window has no focus is marked read only once it has", async () => {
    await page.evaluate(() => {
      (window as unknown as { confabFocused: boolean }).confabFocused = false;
      window.dispatchEvent(new Event("blur"));
    });
    const { message } = await post(peer, "Are you still there?");
    await delivered(page, "Are you still there?").waitFor();
    // The room shows it, but nobody is looking: no read mark goes out for it.
    await new Promise((r) => setTimeout(r, 1500));
    expect(readsSent.filter((seq) => seq >= message.seq)).toEqual([]);

    await page.evaluate(() => {
      (window as unknown as { confabFocused: boolean }).confabFocused = true;
      window.dispatchEvent(new Event("focus"));
    });
    await eventually(() => readsSent.includes(message.seq)).toBe(true);
    // And the server has it: the room list's read mark reaches the message.
    await eventually(async () => {
      const { rooms } = await call<{ rooms: { room: { id: string }; lastReadSeq: number }[] }>(
        baseUrl,
        "/rooms",
        { headers: auth(me) },
      );
      return rooms.find((r) => r.room.id === roomId)?.lastReadSeq;
    }).toBe(message.seq);
  });
});
