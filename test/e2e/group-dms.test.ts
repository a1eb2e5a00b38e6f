// Group DMs in the browser. Gia starts a conversation with Hal and Ivy from "New message"
// (several people picked), adds Jon, who then reads what was said before he came; Gia names
// it and everyone's list shows the name; Jon leaves, and the others see three people again.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, test } from "vitest";
import { roomTitle } from "../../web/state/room-list";
import {
  connection,
  delivered,
  eventually,
  launch,
  screenshotsOnFailure,
  send,
  signIn,
  VIEWPORT,
  WAIT_MS,
} from "./browser";
import { register } from "./seed";

const baseUrl = inject("baseUrl");
let browser: Browser;
let gia: Page;
let jon: Page;

const roomButton = (page: Page, name: string | RegExp) =>
  page.locator(".room-list__item", { hasText: name });

beforeAll(async () => {
  await register(baseUrl, "grp_gia", "Gia Rossi");
  await register(baseUrl, "grp_hal", "Hal Moss");
  await register(baseUrl, "grp_ivy", "Ivy Chen");
  await register(baseUrl, "grp_jon", "Jon Park");
  browser = await launch();
  const options = { viewport: VIEWPORT, colorScheme: "light" as const };
  gia = await (await browser.newContext(options)).newPage();
  jon = await (await browser.newContext(options)).newPage();
  gia.setDefaultTimeout(WAIT_MS);
  jon.setDefaultTimeout(WAIT_MS);
  await signIn(gia, baseUrl, "grp_gia");
  await signIn(jon, baseUrl, "grp_jon");
}, 120_000);

screenshotsOnFailure("group", () => ({ gia: gia, jon: jon }));

afterAll(async () => {
  await browser?.close();
});

describe("how the client titles a group DM", () => {
  const person = (id: string, displayName: string) => ({
    id,
    handle: id,
    displayName,
    avatarUrl: null,
    bot: false,
  });
  test("by its people, or its name once it has one", () => {
    const peers = [person("h", "Hal"), person("i", "Ivy")];
    const room = { kind: "dm", name: null } as never;
    expect(roomTitle({ room, peers }, null)).toBe("Hal, Ivy");
    const named = { kind: "dm", name: "Crew" } as never;
    expect(roomTitle({ room: named, peers }, null)).toBe("Crew");
  });
});

describe.sequential("group DMs", () => {
  test("start one with two others from New message", async () => {
    await gia
      .getByRole("navigation", { name: "Rooms" })
      .getByRole("button", { name: "New message" })
      .click();
    const find = gia.getByLabel("Find people");
    await find.fill("grp_hal");
    await gia.getByRole("button", { name: "Add Hal Moss to a group" }).click();
    await find.fill("grp_ivy");
    await gia.getByRole("button", { name: "Add Ivy Chen to a group" }).click();
    await gia.getByRole("button", { name: "Start conversation with 2 people" }).click();
    await gia
      .getByRole("heading", { name: /Hal Moss.*Ivy Chen|Ivy Chen.*Hal Moss/, level: 2 })
      .waitFor();
    await connection(gia).toBe("connected");
    await send(gia, "Plans for the offsite?");
    await delivered(gia, "Plans for the offsite?").waitFor();
  });

  test("add a fourth person, who then sees the history", async () => {
    await gia.getByRole("button", { name: /^Members/ }).click();
    await gia.getByLabel("Find people").fill("grp_jon");
    await gia.getByRole("button", { name: "Add Jon Park" }).click();
    await gia.getByText("Jon Park was added.").waitFor();

    await roomButton(jon, /Gia Rossi/).click();
    await delivered(jon, "Plans for the offsite?").waitFor();
    await connection(jon).toBe("connected");
    await send(jon, "Count me in");
    await delivered(gia, "Count me in").waitFor();
  });

  test("name it: everyone's list shows the name", async () => {
    await gia.getByLabel("Conversation name").fill("Offsite crew");
    await gia.getByRole("button", { name: "Save name" }).click();
    await gia.getByRole("heading", { name: "Offsite crew", level: 2 }).waitFor();
    await roomButton(gia, "Offsite crew").waitFor();
    await jon.getByRole("heading", { name: "Offsite crew", level: 2 }).waitFor();
    await roomButton(jon, "Offsite crew").waitFor();
  });

  test("someone leaves; the others see the people left", async () => {
    await jon.getByRole("button", { name: "Leave", exact: true }).click();
    await jon
      .getByRole("group", { name: /^Leave Offsite crew\?/ })
      .getByRole("button", { name: "Leave" })
      .click();
    await eventually(() => roomButton(jon, "Offsite crew").count()).toBe(0);
    await eventually(() => gia.getByRole("button", { name: /^Members/ }).textContent()).toContain(
      "(3)",
    );
  });
});
