// Workspaces in the browser: a person in two workspaces sees only the current one's rooms in
// the room list, switches, and finds the choice kept after a reload; a message in a room of
// another workspace raises that workspace's badge live, and reading it clears it; a workspace's
// admin (not an instance admin) archives one of its rooms from the workspace settings, and a
// member of that room sees it archived, then renames it and adds someone by handle as an admin;
// someone added to a workspace sees it in the switcher at once; a workspace admin deletes a
// reported message from the workspace's Reports; a member leaves a workspace and its rooms go
// with it; an instance admin creates one.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, test } from "vitest";
import {
  composer,
  eventually,
  launch,
  screenshotsOnFailure,
  signIn,
  VIEWPORT,
  WAIT_MS,
} from "./browser";
import { type Account, ADMIN, call, PASSWORD, register } from "./seed";

const baseUrl = inject("baseUrl");
const stamp = Date.now().toString(36);
const PAT = `ws_pat_${stamp}`;
const ALPHA = `Alpha ${stamp}`;
const BETA = `Beta ${stamp}`;
const ALPHA_ROOM = `alpha-news-${stamp}`;
const BETA_ROOM = `beta-news-${stamp}`;

let browser: Browser;
let patPage: Page | undefined;
let wadminPage: Page | undefined;
let alphaId: string;
let betaId: string;
let alphaRoomId: string;
let pat: Account;
let sam: Account;
let wadmin: Account;
let newbie: Account;
let nora: Account;
let admin: { token: string };

const auth = (account: { token: string }) => ({ authorization: `Bearer ${account.token}` });

async function newWorkspace(admin: { token: string }, name: string): Promise<string> {
  const { workspace } = await call<{ workspace: { id: string } }>(baseUrl, "/workspaces", {
    method: "POST",
    headers: auth(admin),
    body: JSON.stringify({ name, slug: name.toLowerCase().replace(/[^a-z0-9]+/g, "-") }),
  });
  return workspace.id;
}

async function addTo(admin: { token: string }, workspaceId: string, userId: string) {
  await call(baseUrl, `/workspaces/${workspaceId}/members`, {
    method: "POST",
    headers: auth(admin),
    body: JSON.stringify({ userId }),
  });
}

async function roomIn(owner: Account, workspaceId: string, name: string): Promise<string> {
  const { room } = await call<{ room: { id: string } }>(baseUrl, "/rooms", {
    method: "POST",
    headers: auth(owner),
    body: JSON.stringify({ kind: "channel", name, workspaceId }),
  });
  return room.id;
}

async function pageFor(handle: string): Promise<Page> {
  const page = await (await browser.newContext({ viewport: VIEWPORT })).newPage();
  page.setDefaultTimeout(WAIT_MS);
  await signIn(page, baseUrl, handle);
  return page;
}

const roomItem = (page: Page, name: string) => page.locator(".room-list__item", { hasText: name });

/** Opens the switcher's list (if closed) and picks a workspace. */
async function switchTo(page: Page, workspaceId: string) {
  await openList(page);
  await page.locator(`.ws-switcher__item[data-workspace-id="${workspaceId}"]`).click();
}

async function openList(page: Page) {
  const toggle = page.locator(".ws-switcher__current");
  if ((await toggle.getAttribute("aria-expanded")) !== "true") await toggle.click();
}

/** A workspace's unread badge in the switcher's list: its count, or null without one. */
async function badge(page: Page, workspaceId: string): Promise<string | null> {
  await openList(page);
  const found = page.locator(
    `.ws-switcher__item[data-workspace-id="${workspaceId}"] .badge--unread`,
  );
  return (await found.count()) === 0 ? null : found.getAttribute("data-unread");
}

let newbiePage: Page | undefined;
let adminPage: Page | undefined;

screenshotsOnFailure("workspaces", () => ({
  pat: patPage,
  wadmin: wadminPage,
  newbie: newbiePage,
  admin: adminPage,
}));

beforeAll(async () => {
  browser = await launch();
  admin = await call<{ token: string }>(baseUrl, "/auth/login", {
    method: "POST",
    body: JSON.stringify({ handle: ADMIN.handle, password: PASSWORD }),
  });
  pat = await register(baseUrl, PAT, "Pat Two-Hats");
  sam = await register(baseUrl, `ws_sam_${stamp}`, "Sam Alpha");
  wadmin = await register(baseUrl, `ws_wadmin_${stamp}`, "Wren Workspace-Admin");
  newbie = await register(baseUrl, `ws_newbie_${stamp}`, "Nell Newbie");
  nora = await register(baseUrl, `ws_nora_${stamp}`, "Nora Added");
  alphaId = await newWorkspace(admin, ALPHA);
  betaId = await newWorkspace(admin, BETA);
  for (const person of [pat, sam, wadmin]) await addTo(admin, alphaId, person.id);
  // Wren runs Alpha: its admin, not the instance's.
  await call(baseUrl, `/workspaces/${alphaId}/members/${wadmin.id}`, {
    method: "PATCH",
    headers: auth(admin),
    body: JSON.stringify({ role: "admin" }),
  });
  await addTo(admin, betaId, pat.id);
  alphaRoomId = await roomIn(sam, alphaId, ALPHA_ROOM);
  await call(baseUrl, `/rooms/${alphaRoomId}/join`, { method: "POST", headers: auth(pat) });
  await roomIn(pat, betaId, BETA_ROOM);
  patPage = await pageFor(PAT);
});

afterAll(async () => {
  await browser?.close();
});

describe("workspaces", () => {
  test("the room list shows the current workspace's rooms; the choice survives a reload", async () => {
    const page = patPage as Page;
    await switchTo(page, alphaId);
    await roomItem(page, ALPHA_ROOM).waitFor();
    await eventually(() => roomItem(page, BETA_ROOM).count()).toBe(0);
    await expect(page.locator(".ws-switcher__current").textContent()).resolves.toContain(ALPHA);

    await switchTo(page, betaId);
    await roomItem(page, BETA_ROOM).waitFor();
    await eventually(() => roomItem(page, ALPHA_ROOM).count()).toBe(0);

    await page.reload();
    await page.getByRole("navigation", { name: "Rooms" }).waitFor();
    await roomItem(page, BETA_ROOM).waitFor();
    await eventually(() => page.locator(".ws-switcher__current").textContent()).toContain(BETA);
    await expect(roomItem(page, ALPHA_ROOM).count()).resolves.toBe(0);
  });

  test("a message in another workspace raises its badge live; reading it clears it", async () => {
    const page = patPage as Page;
    await switchTo(page, betaId);
    await roomItem(page, BETA_ROOM).waitFor();
    await eventually(() => badge(page, alphaId)).toBeNull();

    await call(baseUrl, `/rooms/${alphaRoomId}/messages`, {
      method: "POST",
      headers: auth(sam),
      body: JSON.stringify({ cid: `ws-${stamp}`, body: `Alpha news ${stamp}` }),
    });
    await eventually(() => badge(page, alphaId)).toBe("1");
    await expect(badge(page, betaId)).resolves.toBeNull();
    // The closed switcher says there is news elsewhere too.
    await page.locator(".ws-switcher__current").click();
    await eventually(() =>
      page.locator(".ws-switcher__current .badge--unread").getAttribute("data-elsewhere"),
    ).toBe("1");

    await switchTo(page, alphaId);
    await roomItem(page, ALPHA_ROOM).click();
    await page.locator(".msg__body", { hasText: `Alpha news ${stamp}` }).waitFor();
    await eventually(() => badge(page, alphaId)).toBeNull();
  });

  test("a workspace admin archives a room of it; its member sees it archived", async () => {
    const member = patPage as Page;
    await switchTo(member, alphaId);
    await roomItem(member, ALPHA_ROOM).click();
    await member.locator("#room-title", { hasText: ALPHA_ROOM }).waitFor();

    const page = await pageFor(`ws_wadmin_${stamp}`);
    wadminPage = page;
    await switchTo(page, alphaId);
    await openList(page);
    await page.getByRole("button", { name: "Workspace settings" }).click();
    await page.getByRole("heading", { name: `${ALPHA} settings` }).waitFor();
    await page.getByText("Anywhere").first().waitFor();
    await page.getByRole("tab", { name: "Rooms" }).click();
    await page.getByRole("button", { name: `Archive ${ALPHA_ROOM}` }).click();
    await page.getByRole("button", { name: `Unarchive ${ALPHA_ROOM}` }).waitFor();

    // Live, on the room's socket: the header says so and the composer takes nothing more.
    await member.getByText("archived", { exact: true }).waitFor();
    await eventually(() => composer(member).isDisabled()).toBe(true);
  });

  test("a workspace admin renames it, adds someone by handle and makes them admin", async () => {
    const page = wadminPage as Page;
    await page.getByRole("tab", { name: "General" }).click();
    const renamed = `Alpha Prime ${stamp}`;
    await page.getByLabel("Name").fill(renamed);
    await page.getByLabel("Who joins").selectOption("invite");
    await page.getByRole("button", { name: "Save" }).click();
    await page.getByRole("status").getByText("Saved.").waitFor();
    await eventually(() => page.locator(".ws-switcher__current").textContent()).toContain(renamed);

    await page.getByRole("tab", { name: "Members" }).click();
    await page.getByLabel("Add by handle").fill(`@ws_nora_${stamp}`);
    await page.getByRole("button", { name: "Add member" }).click();
    await page.getByLabel("Role of Nora Added").selectOption("admin");
    // The server has it: the list, reloaded, says so.
    await page.getByLabel("Find members").fill("Nora");
    await eventually(() => page.getByLabel("Role of Nora Added").inputValue()).toBe("admin");
    await eventually(() =>
      call<{ members: { user: { id: string }; role: string }[] }>(
        baseUrl,
        `/workspaces/${alphaId}/members?q=Nora`,
        { headers: auth(admin) },
      ).then(({ members }) => members.find((m) => m.user.id === nora.id)?.role),
    ).toBe("admin");
  });

  test("added to a second workspace while signed in: the switcher shows it at once", async () => {
    const page = await pageFor(`ws_newbie_${stamp}`);
    newbiePage = page;
    // One workspace, none to create: no switcher.
    await page.locator(".sidebar__action", { hasText: "New room" }).waitFor();
    await expect(page.locator(".ws-switcher__current").count()).resolves.toBe(0);

    await addTo(admin, betaId, newbie.id);
    await page.locator(".ws-switcher__current").waitFor();
    await switchTo(page, betaId);
    await eventually(() => page.locator(".ws-switcher__current").textContent()).toContain(BETA);
  });

  test("a workspace admin deletes a reported message from the workspace's Reports", async () => {
    const room = await roomIn(sam, alphaId, `alpha-reports-${stamp}`);
    await call(baseUrl, `/rooms/${room}/join`, { method: "POST", headers: auth(pat) });
    const { message } = await call<{ message: { seq: number } }>(
      baseUrl,
      `/rooms/${room}/messages`,
      {
        method: "POST",
        headers: auth(sam),
        body: JSON.stringify({ cid: `rep-${stamp}`, body: `Reported words ${stamp}` }),
      },
    );
    await call(baseUrl, `/rooms/${room}/messages/${message.seq}/report`, {
      method: "POST",
      headers: auth(pat),
      body: JSON.stringify({ reason: "abuse" }),
    });

    const page = wadminPage as Page;
    await page.getByRole("tab", { name: "Reports" }).click();
    const report = page.getByRole("listitem", { name: "Report of Sam Alpha's message" });
    await report.getByText(`Reported words ${stamp}`).waitFor();
    await report.getByRole("button", { name: "Delete message" }).click();
    await page.getByRole("button", { name: "Delete", exact: true }).click();
    await page.getByText("No open reports.").waitFor();
    // Wren is not in the room: the workspace's admins act on its rooms as admins.
    await eventually(() =>
      call<{ messages: { deleted: boolean }[] }>(baseUrl, `/rooms/${room}/messages`, {
        headers: auth(pat),
      }).then(({ messages }) => messages.map((m) => m.deleted)),
    ).toEqual([true]);
  });

  test("a member leaves a workspace from the switcher: its rooms go with it", async () => {
    const page = newbiePage as Page;
    const betaRoom = await roomIn(pat, betaId, `beta-leave-${stamp}`);
    await call(baseUrl, `/rooms/${betaRoom}/join`, { method: "POST", headers: auth(newbie) });
    await switchTo(page, betaId);
    await roomItem(page, `beta-leave-${stamp}`).waitFor();
    await openList(page);
    await page.getByRole("button", { name: `Leave ${BETA}` }).click();
    await page.getByRole("button", { name: "Leave", exact: true }).click();
    // Back to one workspace with none to create: no switcher, and the room is gone.
    await eventually(() => page.locator(".ws-switcher__current").count()).toBe(0);
    await eventually(() => roomItem(page, `beta-leave-${stamp}`).count()).toBe(0);
    const { workspaces } = await call<{ workspaces: { id: string }[] }>(baseUrl, "/workspaces", {
      headers: auth(newbie),
    });
    expect(workspaces.map((w) => w.id)).not.toContain(betaId);
  });

  test("an instance admin creates a workspace (slug suggested) and is switched to it", async () => {
    const page = await pageFor(ADMIN.handle);
    adminPage = page;
    await openList(page);
    await page.getByRole("button", { name: "+ New workspace" }).click();
    const name = `Gamma Labs ${stamp}`;
    await page.getByLabel("Name").fill(name);
    await expect(page.getByLabel("Slug").inputValue()).resolves.toBe(`gamma-labs-${stamp}`);
    await page.getByLabel("Data stays in the EU").check();
    await page.getByRole("button", { name: "Create workspace" }).click();
    await eventually(() => page.locator(".ws-switcher__current").textContent()).toContain(name);
    await page.getByText("You are in no rooms yet.").waitFor();
    // Its settings say where its data stays.
    await openList(page);
    await page.getByRole("button", { name: "Workspace settings" }).click();
    await page.getByText("Data stays in the EU").first().waitFor();
  });
});
