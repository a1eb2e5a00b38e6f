// Message formatting in Chromium against `wrangler dev`: Fay writes bold, code, a code block, a
// quote, a list and a bare domain, and sees them as those elements; script and javascript: stay
// inert text; Ctrl+B wraps the selection; ``` opens a block that Enter does not send; ↑ in the
// empty composer edits her last message; an image link shows the image (served here by the
// test, over https), none once "Show images from links" is off, and a GIF that waits for a
// click when reduced motion is asked for.
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, inject, test } from "vitest";
import {
  composer,
  eventually,
  launch,
  screenshotsOnFailure,
  shot,
  signIn,
  VIEWPORT,
  WAIT_MS,
} from "./browser";
import { createChannel, register } from "./seed";

const ROOM = "Formatting";
const IMAGES = "https://images.example.test";
const PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==",
  "base64",
);
const GIF = Buffer.from("R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw==", "base64");

const baseUrl = inject("baseUrl");
let browser: Browser;
let context: BrowserContext;
let page: Page;
let roomId: string;

/** The delivered message whose text contains `text`. */
const message = (text: string) =>
  page.locator(".msg:not(.msg--pending)", { has: page.locator(".msg__body", { hasText: text }) });

async function openRoom() {
  await page.goto(`${baseUrl}/r/${roomId}`);
  await page.getByRole("heading", { name: ROOM, level: 2 }).waitFor();
}

async function setImagesFromLinks(on: boolean) {
  const menu = page.getByRole("button", { name: "Menu" });
  if (await menu.isVisible()) await menu.click();
  await page.getByRole("button", { name: "Account" }).click();
  await page.getByRole("heading", { name: "Preferences" }).waitFor();
  await page.getByRole("checkbox", { name: "Show images from links" }).setChecked(on);
  await openRoom();
}

beforeAll(async () => {
  const fay = await register(baseUrl, "fmt_fay", "Fay Format");
  roomId = await createChannel(baseUrl, fay, ROOM);
  browser = await launch();
  context = await browser.newContext({ viewport: VIEWPORT, colorScheme: "light" });
  // Another site's images, served by the test: the page asks for them over https like any.
  await context.route(`${IMAGES}/**`, (route) => {
    const gif = route.request().url().endsWith(".gif");
    return route.fulfill({ contentType: gif ? "image/gif" : "image/png", body: gif ? GIF : PNG });
  });
  page = await context.newPage();
  page.setDefaultTimeout(WAIT_MS);
  await signIn(page, baseUrl, "fmt_fay");
  await openRoom();
}, 120_000);

screenshotsOnFailure("formatting", () => ({ "": page }));

afterAll(async () => {
  await browser?.close();
});

describe.sequential("formatting", () => {
  test("bold, code, a code block, a quote, a list and a bare domain render as elements", async () => {
    const body = [
      "**Release** plan: run `npm test` first, details at example.com",
      "```",
      'const note = "**not bold** _nor italic_";',
      "```",
      "> ship it on _Friday_",
      "- build",
      "- deploy",
    ].join("\n");
    await composer(page).fill(body);
    await composer(page).press("Enter");
    const sent = message("Release");
    await sent.waitFor();
    await expect(sent.locator("strong").first().textContent()).resolves.toBe("Release");
    await expect(sent.locator("p code").textContent()).resolves.toBe("npm test");
    await expect(sent.locator("pre code").textContent()).resolves.toBe(
      'const note = "**not bold** _nor italic_";',
    );
    await expect(sent.locator("pre strong, pre em").count()).resolves.toBe(0);
    await expect(sent.locator("blockquote em").textContent()).resolves.toBe("Friday");
    await expect(sent.getByRole("list").getByRole("listitem").allTextContents()).resolves.toEqual([
      "build",
      "deploy",
    ]);
    const link = sent.getByRole("link", { name: "example.com" });
    await expect(link.getAttribute("href")).resolves.toBe("https://example.com/");
    await expect(link.getAttribute("rel")).resolves.toBe("noopener noreferrer");
    await shot(page, "formatting");
  });

  test("a script or a javascript: link stays inert text", async () => {
    const body =
      "<script>window.pwned = 1</script> [click](javascript:window.pwned=2) javascript:alert(1) <img src=x onerror=window.pwned=3>";
    await composer(page).fill(body);
    await composer(page).press("Enter");
    const sent = message("<script>");
    await sent.waitFor();
    await expect(sent.locator(".msg__body").textContent()).resolves.toBe(body);
    await expect(
      sent.locator(".msg__body a, .msg__body script, .msg__body img").count(),
    ).resolves.toBe(0);
    await expect(
      page.evaluate(() => (window as { pwned?: number }).pwned),
    ).resolves.toBeUndefined();
  });

  test("Ctrl+B makes the selection bold; ↑ in the empty composer edits my last message", async () => {
    await composer(page).fill("make this loud");
    await composer(page).evaluate((el: HTMLTextAreaElement) => el.setSelectionRange(10, 14));
    await composer(page).press("Control+b");
    await expect(composer(page).inputValue()).resolves.toBe("make this **loud**");
    await composer(page).press("Control+i");
    await expect(composer(page).inputValue()).resolves.toBe("make this **_loud_**");
    await composer(page).press("Control+i");
    await composer(page).press("Enter");
    const sent = message("make this");
    await sent.waitFor();
    await expect(sent.locator("strong").textContent()).resolves.toBe("loud");

    await expect(composer(page).inputValue()).resolves.toBe("");
    await composer(page).press("ArrowUp");
    const edit = page.getByRole("textbox", { name: "Edit message" });
    await expect(edit.inputValue()).resolves.toBe("make this **loud**");
    await edit.fill("make this **quiet**");
    await edit.press("Enter");
    await message("make this quiet").waitFor();
    await expect(message("make this quiet").locator("strong").textContent()).resolves.toBe("quiet");
    // The keyboard is back in the composer.
    await eventually(() => composer(page).evaluate((el) => el === document.activeElement)).toBe(
      true,
    );
  });

  test("typing ``` starts a block in which Enter is a new line; the closing ``` and Enter send", async () => {
    await composer(page).focus();
    await page.keyboard.type("```");
    await page.keyboard.press("Enter");
    await page.keyboard.type("let typed = 1;");
    await page.keyboard.press("Enter");
    await expect(composer(page).inputValue()).resolves.toBe("```\nlet typed = 1;\n");
    await page.keyboard.type("```");
    await page.keyboard.press("Enter");
    const sent = message("let typed");
    await sent.waitFor();
    await expect(sent.locator("pre code").textContent()).resolves.toBe("let typed = 1;");
    await expect(composer(page).inputValue()).resolves.toBe("");
  });

  test("an image link shows the image, opens in the viewer, and hides when turned off", async () => {
    await composer(page).fill(`the new logo ${IMAGES}/logo.png`);
    await composer(page).press("Enter");
    const image = message("the new logo").getByRole("img", {
      name: "Image logo.png from images.example.test",
    });
    await image.waitFor();
    await expect(image.getAttribute("referrerpolicy")).resolves.toBe("no-referrer");
    await expect(image.getAttribute("loading")).resolves.toBe("lazy");
    await eventually(() => image.evaluate((el: HTMLImageElement) => el.naturalWidth)).toBe(1);
    await image.click();
    const viewer = page.getByRole("dialog");
    await viewer.getByRole("link", { name: "Open original" }).waitFor();
    await viewer.getByRole("button", { name: "Close" }).click();

    await setImagesFromLinks(false);
    await message("the new logo").waitFor();
    await expect(message("the new logo").getByRole("img").count()).resolves.toBe(0);
    await setImagesFromLinks(true);
    await message("the new logo").getByRole("img").waitFor();
  });

  test("with reduced motion a GIF waits for a click", async () => {
    await page.emulateMedia({ reducedMotion: "reduce" });
    await composer(page).fill(`${IMAGES}/dance.gif`);
    await composer(page).press("Enter");
    const sent = message("dance.gif");
    const play = sent.getByRole("button", { name: /^Play GIF/ });
    await play.waitFor();
    await expect(sent.getByRole("img").count()).resolves.toBe(0);
    await play.click();
    await sent.getByRole("img").waitFor();
    await page.emulateMedia({ reducedMotion: null });
  });
});
