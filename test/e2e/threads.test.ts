// Threads and pins in the browser, two people in one channel: one replies in a thread while the
// other watches the root's "N replies" rise live; the other, who started the thread, sees the
// Threads badge and the room's mark, opens the thread from the Threads view, and reading it
// clears both; the thread has its own address, Escape closes it, a phone shows it full screen.
// An owner pins a message, the member sees it marked and counted live, and opens it in its place
// from the Pinned list after it left the loaded page; a 51st pin says why it was refused.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, test } from "vitest";
import {
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
import { type Account, call, createChannel, joinRoom, register, sendMany } from "./seed";

const ROOM = "Thread picnic";
const FULL = "Thread pins full";
const ROOT_TEXT = "Who brings the cake on Saturday?";
const PINNED_TEXT = "Meet at the north gate at 11";

const baseUrl = inject("baseUrl");
let browser: Browser;
let tia: Page;
let ole: Page;
let tiaAccount: Account;
let oleAccount: Account;
let roomId: string;
let fullRoomId: string;
let rootSeq: number;
let pinnedSeq: number;

const auth = (account: Account) => ({ authorization: `Bearer ${account.token}` });
const post = (account: Account, room: string, body: string) =>
  call<{ message: { seq: number } }>(baseUrl, `/rooms/${room}/messages`, {
    method: "POST",
    headers: auth(account),
    body: JSON.stringify({ cid: crypto.randomUUID(), body }),
  });
const roomButton = (page: Page, name: string) =>
  page.locator(".room-list__item", { hasText: name });
const row = (page: Page, seq: number) => page.locator(`.msg[data-seq="${seq}"]`);
const threadPanel = (page: Page) => page.getByRole("complementary", { name: "Thread" });
const threadsButton = (page: Page) => page.getByRole("button", { name: /^Threads/ });
const path = (page: Page) => new URL(page.url()).pathname;

async function openRoom(page: Page, name: string) {
  await roomButton(page, name).click();
  await page.getByRole("heading", { name, level: 2 }).waitFor();
  await connection(page).toBe("connected");
}

beforeAll(async () => {
  tiaAccount = await register(baseUrl, "thread_tia", "Tia Brandt");
  oleAccount = await register(baseUrl, "thread_ole", "Ole Hansen");
  roomId = await createChannel(baseUrl, tiaAccount, ROOM);
  fullRoomId = await createChannel(baseUrl, tiaAccount, FULL);
  await joinRoom(baseUrl, oleAccount, roomId);
  await joinRoom(baseUrl, oleAccount, fullRoomId);
  await post(tiaAccount, roomId, "Picnic on Saturday, everyone in?");
  pinnedSeq = (await post(tiaAccount, roomId, PINNED_TEXT)).message.seq;
  // Ole starts the thread: its author follows it.
  rootSeq = (await post(oleAccount, roomId, ROOT_TEXT)).message.seq;
  browser = await launch();
  const newPage = async () => {
    const context = await browser.newContext({ viewport: VIEWPORT, colorScheme: "light" });
    const page = await context.newPage();
    page.setDefaultTimeout(WAIT_MS);
    return page;
  };
  tia = await newPage();
  ole = await newPage();
  await signIn(tia, baseUrl, "thread_tia");
  await signIn(ole, baseUrl, "thread_ole");
}, 120_000);

screenshotsOnFailure("threads", () => ({ tia: tia, ole: ole }));

afterAll(async () => {
  await browser?.close();
});

describe.sequential("threads and pins", () => {
  test("a reply in a thread: the root's count rises live for the other, and stays out of the room", async () => {
    await openRoom(tia, ROOM);
    await openRoom(ole, ROOM);
    await delivered(ole, ROOT_TEXT).waitFor();
    await expect(row(ole, rootSeq).locator(".msg__thread").count()).resolves.toBe(0);

    await messageAction(row(tia, rootSeq), "Reply in thread");
    await threadPanel(tia).waitFor();
    expect(path(tia)).toBe(`/r/${roomId}/t/${rootSeq}`);
    const reply = tia.getByRole("textbox", { name: "Reply" });
    // Opened to reply: the thread's composer has the keyboard.
    await eventually(() => reply.evaluate((el) => el === document.activeElement)).toBe(true);
    await reply.fill("I will bake one");
    await reply.press("Enter");
    await threadPanel(tia)
      .locator(".msg:not(.msg--pending) .msg__body", { hasText: "I will bake one" })
      .waitFor();

    const count = row(ole, rootSeq).locator(".msg__thread");
    await eventually(() => count.textContent()).toContain("1 reply · last reply just now");
    await reply.fill("Chocolate, probably");
    await reply.press("Enter");
    await eventually(() => count.textContent()).toContain("2 replies");
    // The replies are the thread's, not the room's (Ole's count may come before Tia's ack).
    await eventually(() => delivered(tia, "Chocolate, probably").count()).toBe(1);
    await expect(delivered(ole, "I will bake one").count()).resolves.toBe(0);
    await expect(
      tia.locator(".timeline .msg__body", { hasText: "Chocolate, probably" }).count(),
    ).resolves.toBe(0);
    // The mouse off the replies, so no toolbar covers them in the picture.
    await tia.mouse.move(500, 600);
    await shot(tia, "thread-panel");

    // Escape closes the thread; the address is the room's again.
    await reply.press("Escape");
    await threadPanel(tia).waitFor({ state: "detached" });
    expect(path(tia)).toBe(`/r/${roomId}`);
  });

  test("the thread's author sees the Threads badge, opens the thread from the Threads view, and reading clears it", async () => {
    // Ole follows the thread he started: two unread replies, in one thread.
    await eventually(() => threadsButton(ole).locator(".badge").getAttribute("data-threads")).toBe(
      "1",
    );
    await eventually(() =>
      roomButton(ole, ROOM).locator(".room-list__threads").getAttribute("data-threads"),
    ).toBe("1");
    // Thread replies are not the room's unread.
    await expect(roomButton(ole, ROOM).locator(".badge--unread").count()).resolves.toBe(0);

    await threadsButton(ole).click();
    await ole.getByRole("heading", { name: "Threads", level: 2 }).waitFor();
    const item = ole.locator(".threads__item", { hasText: ROOT_TEXT });
    await eventually(() => item.textContent()).toContain("2 new");
    await expect(item.textContent()).resolves.toContain(ROOM);
    await expect(item.textContent()).resolves.toContain("Ole Hansen:");
    await expect(item.textContent()).resolves.toContain("2 replies");
    await shot(ole, "threads-view");

    await item.click();
    await threadPanel(ole).waitFor();
    expect(path(ole)).toBe(`/r/${roomId}/t/${rootSeq}`);
    await threadPanel(ole).locator(".msg__body", { hasText: "Chocolate, probably" }).waitFor();
    // Seen: the thread is read, the badge and the room's mark go.
    await threadsButton(ole).locator(".badge").waitFor({ state: "detached" });
    await roomButton(ole, ROOM).locator(".room-list__threads").waitFor({ state: "detached" });

    // A reply that comes while the thread is open is read as it comes: no badge stays.
    await call(baseUrl, `/rooms/${roomId}/messages`, {
      method: "POST",
      headers: auth(tiaAccount),
      body: JSON.stringify({
        cid: crypto.randomUUID(),
        body: "Bring plates too",
        threadOf: rootSeq,
      }),
    });
    await threadPanel(ole).locator(".msg__body", { hasText: "Bring plates too" }).waitFor();
    await eventually(async () => {
      const { rooms } = await call<{ rooms: { room: { id: string }; threads: number }[] }>(
        baseUrl,
        "/rooms",
        { headers: auth(oleAccount) },
      );
      return rooms.find((r) => r.room.id === roomId)?.threads;
    }).toBe(0);
    await eventually(() => threadsButton(ole).locator(".badge").count()).toBe(0);
  });

  test("Follow and Unfollow; the thread's address opens it after a reload", async () => {
    const toggle = threadPanel(ole).getByRole("button", { name: "Unfollow" });
    await toggle.click();
    await threadPanel(ole).getByRole("button", { name: "Follow" }).waitFor();
    const followed = async () => {
      const { threads } = await call<{ threads: { roomId: string; rootSeq: number }[] }>(
        baseUrl,
        "/me/threads",
        { headers: auth(oleAccount) },
      );
      return threads.some((t) => t.roomId === roomId && t.rootSeq === rootSeq);
    };
    await eventually(followed).toBe(false);
    await ole.reload();
    await threadPanel(ole).getByRole("button", { name: "Follow" }).waitFor();
    await threadPanel(ole).locator(".msg__body", { hasText: "I will bake one" }).waitFor();
    await threadPanel(ole).getByRole("button", { name: "Follow" }).click();
    await threadPanel(ole).getByRole("button", { name: "Unfollow" }).waitFor();
    await eventually(followed).toBe(true);
    await threadPanel(ole).getByRole("button", { name: "Close thread" }).click();
    await threadPanel(ole).waitFor({ state: "detached" });
  });

  test("on a phone the thread covers the room", async () => {
    await ole.setViewportSize({ width: 360, height: 640 });
    await row(ole, rootSeq).locator(".msg__thread").click();
    await threadPanel(ole).waitFor();
    const box = await threadPanel(ole).boundingBox();
    expect(box?.width).toBeGreaterThanOrEqual(350);
    await ole.mouse.move(180, 560);
    await shot(ole, "thread-narrow");
    await ole.keyboard.press("Escape");
    await threadPanel(ole).waitFor({ state: "detached" });
    await ole.setViewportSize(VIEWPORT);
  });

  test("an owner pins a message: marked and counted live for the member, opened in place from the Pinned list", async () => {
    const pinned = row(tia, pinnedSeq);
    await messageAction(pinned, "Pin");
    await pinned.locator(".msg__pinned-by", { hasText: "Pinned by you" }).waitFor();
    await row(ole, pinnedSeq)
      .locator(".msg__pinned-by", { hasText: "Pinned by Tia Brandt" })
      .waitFor();
    await ole.getByRole("button", { name: "Pinned (1)" }).waitFor();
    // A member of a channel may not pin.
    await expect(
      row(ole, pinnedSeq).getByRole("button", { name: "Pin", exact: true }).count(),
    ).resolves.toBe(0);

    // Enough newer messages that the pinned one is not on the room's first page.
    await sendMany(baseUrl, tiaAccount, roomId, 60, (i) => `Later note ${i}`);
    await ole.reload();
    await delivered(ole, "Later note 60").waitFor();
    await expect(row(ole, pinnedSeq).count()).resolves.toBe(0);
    await ole.getByRole("button", { name: "Pinned (1)" }).click();
    const list = ole.getByRole("complementary", { name: "Pinned messages" });
    const entry = list.locator(".pin__open", { hasText: PINNED_TEXT });
    await expect(entry.textContent()).resolves.toContain("Pinned by Tia Brandt");
    await shot(ole, "pinned-list");
    await entry.click();
    expect(path(ole)).toBe(`/r/${roomId}/m/${pinnedSeq}`);
    await eventually(() => row(ole, pinnedSeq).getAttribute("class")).toContain("msg--highlight");

    // Unpinned by the owner from her own list: it leaves the member's list live.
    await tia.getByRole("button", { name: "Pinned (1)" }).click();
    await tia
      .getByRole("complementary", { name: "Pinned messages" })
      .getByRole("button", { name: /^Unpin Tia Brandt/ })
      .click();
    await tia.getByRole("button", { name: "Pinned (0)" }).waitFor();
    await list.getByText("Nothing is pinned here yet.").waitFor();
    await ole.getByRole("button", { name: "Pinned (0)" }).waitFor();
  });

  test("the 51st pin is refused and says why", async () => {
    await sendMany(baseUrl, tiaAccount, fullRoomId, 51, (i) => `Pin me ${i}`);
    const { messages } = await call<{ messages: { seq: number }[] }>(
      baseUrl,
      `/rooms/${fullRoomId}/messages?limit=60`,
      { headers: auth(tiaAccount) },
    );
    for (const m of messages.slice(0, 50)) {
      await call(baseUrl, `/rooms/${fullRoomId}/pins/${m.seq}`, {
        method: "PUT",
        headers: auth(tiaAccount),
      });
    }
    await openRoom(tia, FULL);
    await tia.getByRole("button", { name: "Pinned (50)" }).waitFor();
    const last = tia.locator(".msg", { hasText: "Pin me 51" });
    await messageAction(last, "Pin");
    await tia.getByRole("alert").filter({ hasText: "Not pinned:" }).waitFor();
    await expect(tia.getByRole("alert").filter({ hasText: "at most 50" }).count()).resolves.toBe(1);
    await expect(last.locator(".msg__pinned-by").count()).resolves.toBe(0);
  });
});
