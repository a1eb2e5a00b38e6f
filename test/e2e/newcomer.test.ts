// What a newcomer to an instance runs into, through the real stack (Chromium → wrangler dev):
// people joining, changing role and leaving show up in an open room at once (list, count, `@`
// suggestions, names in "is typing"); typing ends for the others when the box is cleared; a
// rename and a new retention policy reach the open room; the admin page names DMs by their
// people, counts stored messages, names the audit log's ids and says what saving a policy
// deleted; and a person an admin disables is told so on the sign-in screen.
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
import { type Account, ADMIN, call, createChannel, PASSWORD, register, sendMany } from "./seed";

const ROOM = "Newcomers welcome";
const baseUrl = inject("baseUrl");

let browser: Browser;
let nia: Page;
let omar: Page;
let admin: Page;
let niaAccount: Account;
let omarAccount: Account;
let piaAccount: Account;
let roomId: string;

const as = <T = unknown>(account: Account, method: string, path: string, body?: unknown) =>
  call<T>(baseUrl, path, {
    method,
    headers: { authorization: `Bearer ${account.token}` },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

let adminAccount: Account;
/** D1 takes a room's counts within ROOM_SYNC_DELAY_MS; the admin list reads them from D1. */
const flushToD1 = (id: string) => as(adminAccount, "POST", `/admin/rooms/${id}/sync`);

const membersButton = (page: Page) => page.getByRole("button", { name: /^Members/ });
const memberRow = (page: Page, name: string) => page.locator(".member", { hasText: name });

beforeAll(async () => {
  niaAccount = await register(baseUrl, "nia", "Nia Okafor");
  omarAccount = await register(baseUrl, "omar", "Omar Haddad");
  piaAccount = await register(baseUrl, "pia", "Pia Lund");
  const signedIn = await call<{ user: { id: string }; token: string }>(baseUrl, "/auth/login", {
    method: "POST",
    body: JSON.stringify({ handle: ADMIN.handle, password: PASSWORD }),
  });
  adminAccount = { id: signedIn.user.id, token: signedIn.token };
  roomId = await createChannel(baseUrl, niaAccount, ROOM);
  browser = await launch();
  const pages: Page[] = [];
  for (let i = 0; i < 3; i++) {
    const page = await (await browser.newContext({ viewport: VIEWPORT })).newPage();
    page.setDefaultTimeout(WAIT_MS);
    pages.push(page);
  }
  [nia, omar, admin] = pages as [Page, Page, Page];
});

screenshotsOnFailure("newcomer", () => ({ nia: nia, omar: omar, admin: admin }));

afterAll(async () => {
  await browser?.close();
});

describe.sequential("a newcomer's first hour", () => {
  test("people who join, change role and leave show up in the open room at once", async () => {
    await signIn(nia, baseUrl, "nia");
    await nia.locator(".room-list__item", { hasText: ROOM }).click();
    await connection(nia).toBe("connected");
    await eventually(() => membersButton(nia).textContent()).toBe("Members (1)");
    await membersButton(nia).click();

    // Omar joins (another tab, another device: here the API): no reload on Nia's side.
    await as(omarAccount, "POST", `/rooms/${roomId}/join`);
    await eventually(() => membersButton(nia).textContent()).toBe("Members (2)");
    await memberRow(nia, "Omar Haddad").waitFor();
    await eventually(() => nia.locator(".members__count").textContent()).toBe("2");
    // …and can be mentioned at once.
    await composer(nia).fill("Hello @om");
    await nia.getByRole("option", { name: /Omar Haddad/ }).waitFor();
    await composer(nia).press("Enter");
    await eventually(() => composer(nia).inputValue()).toBe("Hello @omar ");
    await composer(nia).press("Enter");
    await delivered(nia, "Hello @omar").waitFor();

    // Omar's role changes, then Pia joins and Omar leaves: each follows by itself.
    await as(niaAccount, "PATCH", `/rooms/${roomId}/members/${omarAccount.id}`, {
      role: "moderator",
    });
    await eventually(() =>
      memberRow(nia, "Omar Haddad").getByLabel("Role of Omar Haddad").inputValue(),
    ).toBe("moderator");
    await as(piaAccount, "POST", `/rooms/${roomId}/join`);
    await memberRow(nia, "Pia Lund").waitFor();
    await as(omarAccount, "POST", `/rooms/${roomId}/leave`);
    await memberRow(nia, "Omar Haddad").waitFor({ state: "detached" });
    await eventually(() => membersButton(nia).textContent()).toBe("Members (2)");
    await composer(nia).fill("@p");
    await nia.getByRole("option", { name: /Pia Lund/ }).waitFor();
    await composer(nia).fill("@om");
    await eventually(() => nia.locator(".mentions-menu__item").count()).toBe(0);
    await composer(nia).fill("");
    await shot(nia, "members-live");
  });

  test("someone who joins and types is named, and their indicator ends soon after they clear the box", async () => {
    await as(omarAccount, "POST", `/rooms/${roomId}/join`);
    await signIn(omar, baseUrl, "omar");
    await omar.locator(".room-list__item", { hasText: ROOM }).click();
    await connection(omar).toBe("connected");
    await composer(omar).pressSequentially("w");
    await nia.getByText("Omar Haddad is typing…").waitFor();
    const cleared = Date.now();
    await composer(omar).fill("");
    await nia.getByText("Omar Haddad is typing…").waitFor({ state: "hidden" });
    // The `off` waits out the server's 2 s throttle instead of being dropped; a dropped one
    // would leave the indicator up until it expires, ~6 s after the `on`.
    expect(Date.now() - cleared).toBeLessThan(4_500);
  });

  test("a rename and a new retention policy reach the open room; the admin sees what saving deleted", async () => {
    await sendMany(baseUrl, niaAccount, roomId, 3, (i) => `Older note ${i}`);
    for (const i of [1, 2, 3]) await delivered(omar, `Older note ${i}`).waitFor();
    await as(niaAccount, "PATCH", `/rooms/${roomId}`, { topic: "Say hi, ask anything" });
    await omar.locator(".room__topic", { hasText: "Say hi, ask anything" }).waitFor();

    await flushToD1(roomId);
    await signIn(admin, baseUrl, ADMIN.handle);
    await admin.getByRole("button", { name: "Admin" }).click();
    await admin.getByLabel("Find rooms").fill(ROOM);
    const row = admin.locator(".result", { hasText: ROOM });
    // Four messages stored (the mention and three notes), none deleted.
    await eventually(() => row.locator(".result__detail").textContent()).toBe(
      "channel · 4 messages stored",
    );
    await row.getByRole("button", { name: "Retention", exact: true }).click();
    const panel = admin.getByRole("form", { name: `Retention of ${ROOM}` });
    await panel.getByLabel("At most (messages)").fill("2");
    await panel.getByRole("button", { name: "Save" }).click();
    await eventually(() => panel.getByRole("status").textContent()).toMatch(
      /^Saved and applied: deleted 2 messages \(.+\), #1–#2\.$/,
    );
    await eventually(() => row.locator(".result__detail").textContent()).toBe(
      "channel · 2 messages stored",
    );
    // Omar's room follows: the two oldest go, and his notice names the whole policy.
    await eventually(() => delivered(omar, "Older note 1").count()).toBe(0);
    await omar.getByRole("button", { name: /^Members/ }).click();
    await eventually(() => omar.locator(".room__kept").textContent()).toBe(
      "Messages here are kept for 90 days, at most 2 messages.",
    );
    await shot(admin, "admin-retention-saved");
  });

  test("the admin page names DMs by their people and the audit log's ids by name", async () => {
    const { room: dm } = await as<{ room: { id: string } }>(niaAccount, "POST", "/dms", {
      userId: piaAccount.id,
    });
    await sendMany(baseUrl, niaAccount, dm.id, 2, (i) => `Private note ${i}`);
    await as(niaAccount, "DELETE", `/rooms/${dm.id}/messages/2`);
    await flushToD1(dm.id);
    await admin.getByLabel("Find rooms").fill("");
    const dmRow = admin.locator(".result", { hasText: "DM: Nia Okafor, Pia Lund" });
    await eventually(() => dmRow.locator(".result__detail").textContent()).toBe(
      "dm · 2 messages stored (1 deleted)",
    );

    await admin.getByRole("tab", { name: "Audit log" }).click();
    const role = admin.locator(".audit tr", { hasText: "member.role" }).filter({ hasText: ROOM });
    await eventually(async () => (await role.locator("td").allTextContents()).slice(1)).toEqual([
      "member.role",
      "Nia Okafor (@nia)",
      ROOM,
      "Omar Haddad (@omar)",
    ]);
    const saved = admin
      .locator(".audit tr", { hasText: "retention.set" })
      .filter({ hasText: ROOM });
    await expect(saved.locator("td").nth(2).textContent()).resolves.toBe("Site Admin (@admin)");
    await shot(admin, "admin-audit");
  });

  test("a person an admin disables is told why they are back at the sign-in screen", async () => {
    await admin.getByRole("tab", { name: "People" }).click();
    await admin.getByLabel("Find people").fill("omar");
    const omarRow = admin.locator(".result", { hasText: "Omar Haddad" });
    await omarRow.getByRole("button", { name: "Disable" }).click();
    // Disabling asks first (first-hour.test.ts tries both answers).
    await omarRow
      .getByRole("group", { name: /^Disable Omar Haddad\?/ })
      .getByRole("button", { name: "Disable" })
      .click();
    await omar.getByRole("heading", { name: "Sign in" }).waitFor();
    await omar.getByText("an administrator disabled your account").waitFor();
    await shot(omar, "signed-out-disabled");
    // Trying again says the same, with who can help.
    await omar.getByLabel("Handle").fill("omar");
    await omar.getByLabel("Password").fill("correct horse battery");
    await omar.getByRole("button", { name: "Sign in" }).click();
    await omar.getByText("This account is disabled").waitFor();
    await admin
      .locator(".result", { hasText: "Omar Haddad" })
      .getByRole("button", { name: "Enable" })
      .click();
    await signIn(omar, baseUrl, "omar");
  });

  test("someone signed out in another tab is told their session ended", async () => {
    const otherTab = await nia.context().newPage();
    otherTab.setDefaultTimeout(WAIT_MS);
    await otherTab.goto(baseUrl);
    await otherTab.getByRole("button", { name: "Sign out" }).click();
    await otherTab.getByRole("heading", { name: "Sign in" }).waitFor();
    // The tab that signed out says nothing: it knows why.
    await expect(otherTab.locator(".auth__notice").count()).resolves.toBe(0);
    await nia.getByRole("heading", { name: "Sign in" }).waitFor();
    await nia.getByText("Your session ended").waitFor();
    await otherTab.close();
  });
});
