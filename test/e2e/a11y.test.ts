// Accessibility audit: axe-core runs in the page on every main screen — sign-in, sign-up, a room
// with reactions, a reply, a thread and a pin (also on a phone), the report dialog, the thread
// panel, the room's details, search, the admin, account and notifications panels, the workspace
// switcher with the workspace settings and the new workspace form — in each of
// the three themes, and no serious or critical violation may be found. One browser, one
// signed-in page that walks the screens; each screen is checked in every theme by switching
// <html data-theme> in place.
import { mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, test } from "vitest";
import { connection, launch, messageAction, signIn, VIEWPORT, WAIT_MS } from "./browser";
import { type Account, ADMIN, call, createChannel, joinRoom, PASSWORD, register } from "./seed";
import { ROOT } from "./server";

const THEMES = ["light", "dark", "win98"] as const;
const ROOM = "Accessible room";
const AXE = createRequire(import.meta.url).resolve("axe-core/axe.min.js");

const baseUrl = inject("baseUrl");
let browser: Browser;
let page: Page;

interface Violation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown[]; failureSummary?: string }[];
}

const auth = (account: Account) => ({ authorization: `Bearer ${account.token}` });
const post = (account: Account, roomId: string, body: object) =>
  call<{ message: { seq: number } }>(baseUrl, `/rooms/${roomId}/messages`, {
    method: "POST",
    headers: auth(account),
    body: JSON.stringify({ cid: crypto.randomUUID(), ...body }),
  });

/** Runs axe on the page in each theme; answers the serious and critical violations, in words. */
async function audit(screen: string): Promise<string[]> {
  const found: string[] = [];
  for (const theme of THEMES) {
    await page.evaluate((t) => {
      document.documentElement.dataset.theme = t;
    }, theme);
    // Let transitions and the highlight animation settle before colours are measured.
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 50))));
    if (process.env.A11Y_SHOTS) {
      await page.screenshot({ path: join(ROOT, "test-results", `a11y-${screen}-${theme}.png`) });
    }
    const violations = await page.evaluate(async () => {
      const axe = (
        window as unknown as { axe: { run(o: object): Promise<{ violations: Violation[] }> } }
      ).axe;
      const result = await axe.run({ resultTypes: ["violations"] });
      return result.violations;
    });
    for (const v of violations) {
      if (v.impact !== "serious" && v.impact !== "critical") continue;
      const where = v.nodes
        .slice(0, 5)
        .map(
          (n) => `      ${JSON.stringify(n.target)}: ${n.failureSummary?.replace(/\n\s*/g, " ")}`,
        )
        .join("\n");
      found.push(`[${screen}, ${theme}] ${v.impact} ${v.id}: ${v.help}\n${where}`);
    }
  }
  return found;
}

async function expectAccessible(screen: string) {
  await page.addScriptTag({ path: AXE });
  const found = await audit(screen);
  expect(found, `axe found serious or critical violations:\n${found.join("\n")}`).toEqual([]);
}

beforeAll(async () => {
  const admin = await call<{ user: { id: string }; token: string }>(baseUrl, "/auth/login", {
    method: "POST",
    body: JSON.stringify({ handle: ADMIN.handle, password: PASSWORD }),
  });
  const ada = await register(baseUrl, "ada_a11y", "Ada Lovelace");
  const kit = await register(baseUrl, "kit_a11y", "Kit Marlowe");
  // Ada is an instance admin, so that one session reaches every screen, the admin page included.
  await call(baseUrl, `/admin/users/${ada.id}`, {
    method: "PATCH",
    headers: { authorization: `Bearer ${admin.token}` },
    body: JSON.stringify({ role: "admin" }),
  });
  const roomId = await createChannel(baseUrl, ada, ROOM);
  await joinRoom(baseUrl, kit, roomId);
  const question = await post(kit, roomId, { body: "Is the contrast good enough everywhere?" });
  await post(ada, roomId, { body: "Let's measure it.", replyTo: question.message.seq });
  await post(kit, roomId, { body: "axe will tell", threadOf: question.message.seq });
  await post(ada, roomId, { body: "Agreed, in every theme", threadOf: question.message.seq });
  const pinned = await post(ada, roomId, { body: "Checklist: names, labels, contrast" });
  await call(baseUrl, `/rooms/${roomId}/pins/${pinned.message.seq}`, {
    method: "PUT",
    headers: auth(ada),
  });
  await call(
    baseUrl,
    `/rooms/${roomId}/messages/${pinned.message.seq}/reactions/${encodeURIComponent("👍")}`,
    { method: "PUT", headers: auth(kit) },
  );
  await post(kit, roomId, { body: "@ada_a11y the last one is yours" });

  if (process.env.A11Y_SHOTS) mkdirSync(join(ROOT, "test-results"), { recursive: true });
  browser = await launch();
  const context = await browser.newContext({ viewport: VIEWPORT });
  page = await context.newPage();
  page.setDefaultTimeout(WAIT_MS);
});

afterAll(async () => {
  await browser?.close();
});

describe.sequential("no serious or critical axe violations, in every theme", () => {
  test("sign-in and sign-up", async () => {
    await page.goto(baseUrl);
    await page.getByRole("heading", { name: "Sign in" }).waitFor();
    await expectAccessible("sign-in");
    await page.getByRole("button", { name: "Create an account" }).click();
    await page.getByRole("heading", { name: "Create your account" }).waitFor();
    await expectAccessible("sign-up");
  });

  test("a room with reactions, a reply, a thread and a pin", async () => {
    await signIn(page, baseUrl, "ada_a11y");
    await page.locator(".room-list__item", { hasText: ROOM }).click();
    await connection(page).toBe("connected");
    await page.locator(".msg__thread").first().waitFor();
    await page.locator(".msg--pinned").first().waitFor();
    await expectAccessible("room");
  });

  test("the room on a 360 px phone (the way back and the menu on the room's bar)", async () => {
    await page.setViewportSize({ width: 360, height: 640 });
    await page.getByRole("button", { name: "Room actions" }).waitFor();
    await expectAccessible("room-phone");
    await page.setViewportSize(VIEWPORT);
    await page.getByRole("button", { name: "Room actions" }).waitFor({ state: "hidden" });
  });

  test("the report dialog", async () => {
    const theirs = page.locator(".msg", { hasText: "the last one is yours" });
    await messageAction(theirs, "Report");
    await page.getByRole("dialog", { name: "Report Kit Marlowe's message" }).waitFor();
    await expectAccessible("report");
    await page.keyboard.press("Escape");
    await page.getByRole("dialog").waitFor({ state: "hidden" });
  });

  test("the thread panel", async () => {
    await page.locator(".msg__thread").first().click();
    await page.getByRole("complementary", { name: "Thread" }).getByText("axe will tell").waitFor();
    await expectAccessible("thread");
    await page.getByRole("button", { name: "Close thread" }).click();
  });

  test("the room's details aside (members, settings)", async () => {
    await page.getByRole("button", { name: /^Members/ }).click();
    await page
      .getByRole("complementary", { name: "Room details" })
      .getByText("Kit Marlowe")
      .waitFor();
    await expectAccessible("room-details");
  });

  test("the search dialog", async () => {
    await page.getByRole("button", { name: "Search messages" }).click();
    const dialog = page.getByRole("dialog", { name: "Search all my rooms" });
    await dialog.getByRole("searchbox").fill("contrast");
    await dialog.locator("mark").first().waitFor();
    await expectAccessible("search");
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "hidden" });
  });

  test("the admin, account and notifications panels", async () => {
    await page.getByRole("button", { name: "Admin" }).click();
    await page.locator(".result__title", { hasText: ROOM }).first().waitFor();
    await expectAccessible("admin");
    await page.getByRole("button", { name: "Account" }).click();
    await page.getByRole("heading", { name: "Profile" }).waitFor();
    await expectAccessible("account");
    await page.getByRole("button", { name: "Notifications" }).click();
    await page.getByRole("heading", { name: "Notifications", level: 2 }).waitFor();
    await expectAccessible("notifications");
  });

  test("the workspace switcher, the workspace's settings and a new workspace", async () => {
    // Ada, an instance admin, may create workspaces: the switcher shows, and manages this one.
    await page.locator(".ws-switcher__current").click();
    await page.getByRole("button", { name: "Workspace settings" }).click();
    await page.getByRole("heading", { name: / settings$/, level: 2 }).waitFor();
    await expectAccessible("workspace-settings");
    await page.getByRole("tab", { name: "Members" }).click();
    await page.getByLabel("Role of Ada Lovelace").waitFor();
    await expectAccessible("workspace-members");
    await page.locator(".ws-switcher__current").click();
    await page.getByRole("button", { name: "+ New workspace" }).click();
    await page.getByRole("heading", { name: "New workspace", level: 2 }).waitFor();
    await expectAccessible("new-workspace");
  });
});
