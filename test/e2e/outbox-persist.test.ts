// What I write survives a reload on this device: messages written while the server cannot be
// reached are kept (with their cids), sent after the reload once it can, each exactly once and
// in order; a composer's draft survives switching rooms and a reload; signing out forgets both.
import type { Browser, Page, Route, WebSocketRoute } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, test } from "vitest";
import {
  composer,
  connection,
  eventually,
  launch,
  screenshotsOnFailure,
  send,
  signIn,
  VIEWPORT,
  WAIT_MS,
} from "./browser";
import { type Account, call, createChannel, joinRoom, register } from "./seed";

const baseUrl = inject("baseUrl");
let browser: Browser;
let page: Page;
let owner: Account;
let roomId: string;
let otherRoomId: string;
/** While true, every room request and room socket of the page fails (the server is away). */
let unreachable = false;

const BODIES = ["Kept one", "Kept two", "Kept three"];

/** The room's messages as another member reads them over the API. */
async function bodiesSeenByOwner(): Promise<string[]> {
  const { messages } = await call<{ messages: { body: string }[] }>(
    baseUrl,
    `/rooms/${roomId}/messages?limit=100`,
    { headers: { authorization: `Bearer ${owner.token}` } },
  );
  return messages.map((m) => m.body).filter((b) => b.startsWith("Kept"));
}

const savedKeys = () =>
  page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith("confab.saved.")));

beforeAll(async () => {
  owner = await register(baseUrl, "keep_owner", "Keep Owner");
  const writer = await register(baseUrl, "keep_writer", "Keep Writer");
  roomId = await createChannel(baseUrl, owner, "Kept room");
  otherRoomId = await createChannel(baseUrl, owner, "Other kept room");
  await joinRoom(baseUrl, writer, roomId);
  await joinRoom(baseUrl, writer, otherRoomId);

  browser = await launch();
  const context = await browser.newContext({ viewport: VIEWPORT });
  page = await context.newPage();
  page.setDefaultTimeout(WAIT_MS);
  await page.route("**/api/rooms/**", (route: Route) =>
    unreachable ? route.abort("connectionrefused") : route.fallback(),
  );
  await page.routeWebSocket(/\/api\/rooms\/[^/]+\/ws/, (ws: WebSocketRoute) => {
    if (unreachable) ws.close({ code: 1006 });
    else ws.connectToServer();
  });
  await signIn(page, baseUrl, "keep_writer");
}, 120_000);

screenshotsOnFailure("outbox-persist", () => ({ "": page }));

afterAll(async () => {
  await browser?.close();
});

describe.sequential("kept on this device", () => {
  test("written offline, reloaded, sent once the server is back: each once, in order", async () => {
    await page.goto(`${baseUrl}/r/${roomId}`);
    await connection(page).toBe("connected");
    await page.context().setOffline(true);
    await connection(page).not.toBe("connected");
    for (const body of BODIES) await send(page, body);
    await eventually(() => page.locator(".msg--pending").count()).toBe(3);

    // The page comes back while the rooms still cannot be reached: nothing goes, nothing is lost.
    unreachable = true;
    await page.context().setOffline(false);
    await page.reload();
    await page.getByRole("navigation", { name: "Rooms" }).waitFor();
    expect((await savedKeys()).some((k) => k.endsWith(`.outbox.${roomId}`))).toBe(true);
    expect(await bodiesSeenByOwner()).toEqual([]);

    unreachable = false;
    await eventually(bodiesSeenByOwner).toEqual(BODIES);
    await eventually(() => page.locator(".msg--pending").count()).toBe(0);
    // Acknowledged, they are no longer kept; and nothing came twice.
    await eventually(async () => (await savedKeys()).some((k) => k.includes(".outbox."))).toBe(
      false,
    );
    expect(await bodiesSeenByOwner()).toEqual(BODIES);
  });

  test("a room not shown after the reload sends what was kept for it too", async () => {
    await page.goto(`${baseUrl}/r/${roomId}`);
    await connection(page).toBe("connected");
    await page.context().setOffline(true);
    await connection(page).not.toBe("connected");
    await send(page, "Kept four");
    await page.locator(".msg--pending", { hasText: "Kept four" }).waitFor();
    await page.locator(".room-list__item", { hasText: "Other kept room" }).click();
    await page.getByRole("heading", { name: "Other kept room" }).waitFor();

    unreachable = true;
    await page.context().setOffline(false);
    await page.reload();
    await page.getByRole("heading", { name: "Other kept room" }).waitFor();
    expect(await bodiesSeenByOwner()).toEqual(BODIES);
    unreachable = false;
    await eventually(bodiesSeenByOwner).toEqual([...BODIES, "Kept four"]);
    await eventually(async () => (await savedKeys()).some((k) => k.includes(".outbox."))).toBe(
      false,
    );
    await page.locator(".room-list__item", { hasText: "Kept room" }).first().click();
    await page.getByRole("heading", { name: "Kept room", exact: true }).waitFor();
  });

  test("a draft survives switching rooms and a reload; signing out forgets it", async () => {
    await composer(page).fill("Half a thought");
    await page.locator(".room-list__item", { hasText: "Other kept room" }).click();
    await page.getByRole("heading", { name: "Other kept room" }).waitFor();
    expect(await composer(page).inputValue()).toBe("");
    await page.locator(".room-list__item", { hasText: "Kept room" }).first().click();
    await page.getByRole("heading", { name: "Kept room", exact: true }).waitFor();
    await eventually(() => composer(page).inputValue()).toBe("Half a thought");
    await page.reload();
    await eventually(() => composer(page).inputValue()).toBe("Half a thought");

    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("button", { name: "Sign in" }).waitFor();
    expect(await savedKeys()).toEqual([]);
  });
});
