// Files in rooms. In Chromium against `wrangler dev`: two people exchange a pasted image (a
// large one arrives as its client-made WebP preview, opening the original in the viewer) and a
// dropped PDF (a card that downloads under its name); a room of 50 large images loads their
// previews only, in boxes sized before a byte arrives; an upload outlives a dropped socket and
// going offline, and its message arrives once. Without a browser: the outbox holding a message
// until its files are uploaded, in order, across a reconnect, with failures and previews.
import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Browser, Page, Request, Route } from "playwright-core";
import {
  afterAll,
  afterEach,
  beforeAll,
  beforeEach,
  describe,
  expect,
  inject,
  test,
  vi,
} from "vitest";
import type { Attachment, Message, ServerFrame } from "../../src/shared/protocol";
import { ApiError } from "../../web/net/api";
import { loadFrameSchemas } from "../../web/net/frames";
import type { LiveSocketHandlers } from "../../web/net/live-socket";
import { ABORTED, UploadError } from "../../web/net/uploads";
import { createRoomState, type UploadApi } from "../../web/state/room";
import { wantsPreview } from "../../web/state/room/uploads";
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
import { recordingSocket } from "./fake-socket";
import { READY } from "./fixtures";
import { type Account, call, createChannel, joinRoom, register } from "./seed";
import { ROOT } from "./server";

const baseUrl = inject("baseUrl");

// ---- the outbox and uploads, without a browser ------------------------------------------------

const attachment = (id: string, extra: Partial<Attachment> = {}): Attachment => ({
  id,
  name: `${id}.bin`,
  size: 1000,
  contentType: "application/octet-stream",
  kind: "file",
  width: null,
  height: null,
  url: `/api/rooms/room_1/attachments/${id}`,
  preview: null,
  ...extra,
});

interface UploadCall {
  file: File;
  resolve: (a: Attachment) => void;
  reject: (error: unknown) => void;
}

describe("a message with files, in the room's state", () => {
  beforeAll(() => loadFrameSchemas());
  let handlers: LiveSocketHandlers;
  let frames: Array<Record<string, unknown>>;
  let calls: UploadCall[];
  let uploadApi: UploadApi & { makePreview: ReturnType<typeof vi.fn> };

  const frame = (f: ServerFrame) => handlers.onText(JSON.stringify(f));
  const sends = () => frames.filter((f) => f.type === "send");
  const ready: ServerFrame = READY;
  const file = (name: string, type = "application/octet-stream") =>
    new File([new Uint8Array(1000)], name, { type });

  async function openRoom() {
    const api = { history: async () => ({ messages: [], hasMore: false }) };
    const room = createRoomState(
      "room_1",
      "usr_ana",
      api as never,
      {},
      {
        isOnline: () => true,
        uploadApi,
        makeSocket: (h) => {
          handlers = h;
          return recordingSocket(frames);
        },
      },
    );
    room.open();
    await vi.advanceTimersByTimeAsync(0);
    frame(ready);
    return room;
  }

  /** Lets the promise callbacks of a settled upload run. */
  const settle = () => vi.advanceTimersByTimeAsync(0);

  beforeEach(() => {
    vi.useFakeTimers();
    frames = [];
    calls = [];
    uploadApi = {
      upload: (_roomId, uploaded, _onProgress, signal) =>
        new Promise<Attachment>((resolve, reject) => {
          calls.push({ file: uploaded, resolve, reject });
          signal.addEventListener("abort", () => reject(new ApiError(0, ABORTED, "Cancelled")));
        }),
      setPreview: vi.fn(async (_roomId: string, attId: string) =>
        attachment(attId, {
          kind: "image",
          preview: { url: `/p/${attId}`, width: 640, height: 480 },
        }),
      ),
      makePreview: vi.fn(async () => new Blob(["webp"], { type: "image/webp" })),
    };
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  test("waits for its files, keeps its place, and goes once with their ids in order across a reconnect", async () => {
    const room = await openRoom();
    expect(room.attach([file("a.bin"), file("b.bin")])).toBeNull();
    expect(room.send("Look", null)).toBeNull();
    expect(room.send("After", null)).toBeNull();
    // Nothing goes while the first message's files upload, not even the message behind it.
    expect(room.pending.value.map((p) => p.body)).toEqual(["Look", "After"]);
    expect(room.uploads.value.map((u) => u.status)).toEqual(["uploading", "uploading"]);
    calls[1]?.resolve(attachment("att_b"));
    await settle();
    expect(sends()).toEqual([]);

    // The socket drops; the upload goes on over HTTP and finishes while it is down.
    handlers.onDown?.({ opened: true, code: 1006, reason: "", retryInMs: 500 });
    expect(room.connection.value).toBe("reconnecting");
    calls[0]?.resolve(attachment("att_a"));
    await settle();
    expect(sends()).toEqual([]);

    frame(ready);
    const cid = room.pending.value[0]?.cid;
    expect(sends()).toEqual([{ type: "send", cid, body: "Look", attachments: ["att_a", "att_b"] }]);
    frame({ type: "ack", cid: cid as string, seq: 1, rev: 1 });
    // Acknowledged: its uploads are the server's now, and the next message goes (no files).
    expect(room.uploads.value).toEqual([]);
    expect(sends()).toHaveLength(2);
    expect(sends()[1]).toEqual({ type: "send", cid: room.pending.value[0]?.cid, body: "After" });
    room.close();
  });

  test("a file that fails fails its message until Retry; transient failures retry by themselves", async () => {
    const room = await openRoom();
    room.attach([file("big.bin")]);
    room.send("", null);
    calls[0]?.reject(new UploadError(new ApiError(413, "too_large", "Files are at most 25 MiB")));
    await settle();
    expect(room.pending.value[0]).toMatchObject({ status: "failed" });
    expect(room.pending.value[0]?.error).toContain(
      "big.bin did not upload: Files are at most 25 MiB",
    );
    expect(sends()).toEqual([]);

    // Retry uploads it again, then the message goes (a message of files alone: empty body).
    room.retry(room.pending.value[0]?.cid as string);
    expect(calls).toHaveLength(2);
    calls[1]?.resolve(attachment("att_1"));
    await settle();
    expect(sends()).toMatchObject([{ body: "", attachments: ["att_1"] }]);

    // No answer, 429 or 5xx: tried again after a backoff (or Retry-After), without the person.
    room.attach([file("flaky.bin")]);
    calls[2]?.reject(new UploadError(new ApiError(503, "unavailable", "Try later")));
    await settle();
    expect(room.uploads.value.at(-1)).toMatchObject({ status: "uploading", error: null });
    await vi.advanceTimersByTimeAsync(1_000);
    expect(calls).toHaveLength(4);
    calls[3]?.reject(new UploadError(new ApiError(429, "rate_limited", "Slow down"), 5_000));
    await settle();
    await vi.advanceTimersByTimeAsync(4_900);
    expect(calls).toHaveLength(4);
    await vi.advanceTimersByTimeAsync(100);
    expect(calls).toHaveLength(5);
    calls[4]?.resolve(attachment("att_2"));
    await settle();
    expect(room.uploads.value.at(-1)).toMatchObject({ status: "done" });
    room.close();
  });

  test("large images and GIFs get a preview before sending; a failed preview sends without", async () => {
    const photo = attachment("att_photo", {
      kind: "image",
      contentType: "image/jpeg",
      width: 4032,
      height: 3024,
      size: 3_000_000,
    });
    const small = attachment("att_icon", {
      kind: "image",
      contentType: "image/png",
      width: 300,
      height: 200,
      size: 40_000,
    });
    expect(wantsPreview(photo)).toBe(true);
    expect(wantsPreview({ ...small, size: 200 * 1024 })).toBe(true);
    expect(wantsPreview(small)).toBe(false);
    expect(wantsPreview({ ...small, contentType: "image/gif" })).toBe(true);
    expect(wantsPreview({ ...photo, kind: "file" })).toBe(false);

    const room = await openRoom();
    room.attach([file("photo.jpg", "image/jpeg"), file("icon.png", "image/png")]);
    calls[0]?.resolve(photo);
    calls[1]?.resolve(small);
    await settle();
    expect(uploadApi.makePreview).toHaveBeenCalledTimes(1);
    expect(uploadApi.setPreview).toHaveBeenCalledWith("room_1", "att_photo", expect.any(Blob));
    expect(room.uploads.value.map((u) => [u.status, u.attachment?.preview?.width ?? null])).toEqual(
      [
        ["done", 640],
        ["done", null],
      ],
    );

    uploadApi.makePreview.mockRejectedValueOnce(new Error("no canvas"));
    room.attach([file("other.jpg", "image/jpeg")]);
    calls[2]?.resolve({ ...photo, id: "att_other" });
    await settle();
    expect(room.uploads.value.at(-1)).toMatchObject({
      status: "done",
      attachment: { preview: null },
    });
    room.send("Photos", null);
    expect(sends()).toMatchObject([{ attachments: ["att_photo", "att_icon", "att_other"] }]);
    room.close();
  });

  test("at most 10 files a message; a cancelled file leaves its message, which goes without it", async () => {
    const room = await openRoom();
    const twelve = Array.from({ length: 12 }, (_, i) => file(`f${i}.bin`));
    expect(room.attach(twelve)).toBe("A message carries at most 10 files: 2 were left out.");
    expect(room.uploads.value).toHaveLength(10);
    for (const u of room.uploads.value.slice(1)) room.cancelUpload(u.key);
    expect(room.uploads.value).toHaveLength(1);

    room.send("Keep the text", null);
    room.cancelUpload(room.uploads.value[0]?.key as string);
    // The only file is gone: the text goes alone, at once.
    expect(sends()).toMatchObject([{ body: "Keep the text" }]);
    expect(sends()[0]).not.toHaveProperty("attachments");

    // A message of one file, cancelled while waiting, is dropped.
    frame({ type: "ack", cid: sends()[0]?.cid as string, seq: 1, rev: 1 });
    room.attach([file("only.bin")]);
    room.send("", null);
    expect(room.pending.value).toHaveLength(1);
    room.cancelUpload(room.uploads.value[0]?.key as string);
    expect(room.pending.value).toEqual([]);
    room.close();
  });
});

// ---- in Chromium ---------------------------------------------------------------------------

let browser: Browser;
/** Every person's page, for a screenshot when a test fails. */
const pages: Page[] = [];

beforeAll(async () => {
  browser = await launch();
});

// On a failure, what each screen looked like (test-results/ is git-ignored).
afterEach(async (context) => {
  if (context.task.result?.state !== "fail" || pages.length === 0) return;
  const dir = join(ROOT, "test-results");
  await mkdir(dir, { recursive: true });
  for (const [i, page] of pages.entries()) {
    await page
      .screenshot({ path: join(dir, `attachments-${i}-failure.png`) })
      .catch(() => undefined);
  }
});

afterAll(async () => {
  await browser?.close();
});

/**
 * A signed-in page whose room sockets the test can drop (an init script keeps the page's
 * WebSockets in `window.__sockets`).
 */
async function personPage(handle: string): Promise<Page> {
  const context = await browser.newContext({ viewport: VIEWPORT });
  await context.addInitScript(() => {
    const Native = window.WebSocket;
    const sockets: WebSocket[] = [];
    Object.assign(window, { __sockets: sockets });
    window.WebSocket = class extends Native {
      constructor(url: string | URL, protocols?: string | string[]) {
        super(url, protocols);
        sockets.push(this);
      }
    };
  });
  const page = await context.newPage();
  page.setDefaultTimeout(WAIT_MS);
  pages.push(page);
  await signIn(page, baseUrl, handle);
  return page;
}

async function openRoom(page: Page, name: string) {
  await page.locator(".room-list__item", { hasText: name }).click();
  await page.getByRole("heading", { name }).waitFor();
  // A locator's wait, not expect.poll: this also runs in beforeAll.
  await page.locator('.connection[data-connection="connected"]').waitFor({ state: "attached" });
}

/** Room sockets the page opened so far, and how many of them are open. */
const roomSockets = (page: Page) =>
  page.evaluate(() => {
    const sockets = (window as unknown as { __sockets: WebSocket[] }).__sockets.filter((s) =>
      s.url.includes("/api/rooms/"),
    );
    return { opened: sockets.length, open: sockets.filter((s) => s.readyState === 1).length };
  });

const messageWith = (page: Page, text: string) =>
  page.locator(".msg:not(.msg--pending)", { has: page.locator(".msg__body", { hasText: text }) });

/** The history of a room over HTTP (what the server stored, whatever the pages show). */
const history = (account: Account, roomId: string) =>
  call<{ messages: Message[] }>(baseUrl, `/rooms/${roomId}/messages?limit=100`, {
    headers: { authorization: `Bearer ${account.token}` },
  }).then((page) => page.messages);

describe.sequential("two people exchange files", () => {
  const ROOM = "Photos and plans";
  let fia: Page;
  let gus: Page;
  let fiaAccount: Account;
  let roomId: string;

  beforeAll(async () => {
    fiaAccount = await register(baseUrl, "fia", "Fia Berg");
    const gusAccount = await register(baseUrl, "gus", "Gus Moreau");
    roomId = await createChannel(baseUrl, fiaAccount, ROOM);
    await joinRoom(baseUrl, gusAccount, roomId);
    fia = await personPage("fia");
    gus = await personPage("gus");
    await openRoom(fia, ROOM);
    await openRoom(gus, ROOM);
  });

  test("a pasted image arrives inline at its size; a large one as its WebP preview, the original in the viewer", async () => {
    // Two PNGs drawn in the page, pasted as a clipboard carrying files (as a screenshot is).
    await composer(fia).evaluate(async (textarea) => {
      const png = async (name: string, width: number, height: number) => {
        const canvas = new OffscreenCanvas(width, height);
        const context = canvas.getContext("2d") as OffscreenCanvasRenderingContext2D;
        for (let x = 0; x < width; x += 40) {
          context.fillStyle = `hsl(${(x * 7) % 360} 70% 50%)`;
          context.fillRect(x, 0, 40, height);
        }
        const blob = await canvas.convertToBlob({ type: "image/png" });
        return new File([blob], name, { type: "image/png" });
      };
      const clipboard = new DataTransfer();
      clipboard.items.add(await png("small.png", 320, 200));
      clipboard.items.add(await png("wide view.png", 1280, 960));
      textarea.dispatchEvent(
        new ClipboardEvent("paste", { clipboardData: clipboard, bubbles: true, cancelable: true }),
      );
    });
    const chips = fia.locator(".composer .upload-chip");
    await eventually(() => chips.count()).toBe(2);
    // Both upload, the large one gets its preview; only then are they ready.
    await eventually(() =>
      chips.evaluateAll((els) => els.map((el) => (el as HTMLElement).dataset.status)),
    ).toEqual(["done", "done"]);
    await composer(fia).fill("Two pictures");
    await composer(fia).press("Enter");

    const message = messageWith(gus, "Two pictures");
    const images = message.locator(".att-image img");
    await eventually(() => images.count()).toBe(2);
    const loaded = () =>
      images.evaluateAll((imgs) =>
        (imgs as HTMLImageElement[]).map((img) => ({
          alt: img.alt,
          preview: new URL(img.src).pathname.endsWith("/preview"),
          natural: img.complete ? [img.naturalWidth, img.naturalHeight] : null,
          box: [
            Math.round(img.parentElement?.getBoundingClientRect().width ?? 0),
            Math.round(img.parentElement?.getBoundingClientRect().height ?? 0),
          ],
        })),
      );
    await eventually(loaded).toEqual([
      // Small enough: the original itself, at its own size.
      { alt: "small.png", preview: false, natural: [320, 200], box: [320, 200] },
      // Large: a 640 px preview, drawn in a 360 px wide box of the same proportions.
      { alt: "wide view.png", preview: true, natural: [640, 480], box: [360, 270] },
    ]);
    // The preview is the client-made WebP.
    const previewType = await images
      .nth(1)
      .evaluate(async (img) =>
        (await fetch((img as HTMLImageElement).src)).headers.get("content-type"),
      );
    expect(previewType).toBe("image/webp");

    // The viewer: a modal dialog with the original; Esc closes it, focus returns to the image.
    const opener = message.locator(".att-image").nth(1);
    await opener.click();
    const viewer = gus.getByRole("dialog", { name: "wide view.png" });
    await viewer.waitFor();
    const full = viewer.getByRole("img", { name: "wide view.png" });
    await eventually(() =>
      full.evaluate((img) => {
        const el = img as HTMLImageElement;
        return el.complete
          ? [new URL(el.src).pathname.endsWith("/preview"), el.naturalWidth]
          : null;
      }),
    ).toEqual([false, 1280]);
    await eventually(() => gus.evaluate(() => document.activeElement?.textContent)).toBe("Close");
    await gus.keyboard.press("Escape");
    await viewer.waitFor({ state: "detached" });
    await eventually(() =>
      gus.evaluate(() => document.activeElement?.querySelector("img")?.getAttribute("alt")),
    ).toBe("wide view.png");
    // A click outside the image closes it too.
    await opener.click();
    await viewer.waitFor();
    await viewer.click({ position: { x: 5, y: 300 } });
    await viewer.waitFor({ state: "detached" });
  });

  test("a dropped PDF goes as a message of its own and downloads under its name", async () => {
    const pdf = "%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";
    await gus.locator(".room__main").evaluate((main, text) => {
      const transfer = new DataTransfer();
      transfer.items.add(new File([text], "Quarterly plan.pdf", { type: "application/pdf" }));
      for (const type of ["dragenter", "dragover", "drop"]) {
        main.dispatchEvent(
          new DragEvent(type, { dataTransfer: transfer, bubbles: true, cancelable: true }),
        );
      }
    }, pdf);
    const chip = gus.locator(".composer .upload-chip", { hasText: "Quarterly plan.pdf" });
    await eventually(() => chip.getAttribute("data-status")).toBe("done");
    // No text: the file alone is the message.
    await composer(gus).press("Enter");

    const card = fia.locator(".msg:not(.msg--pending) .att-file", {
      hasText: "Quarterly plan.pdf",
    });
    await card.waitFor();
    await expect(card.locator(".att-file__meta").textContent()).resolves.toBe(
      `PDF document · ${pdf.length} B`,
    );
    const [download] = await Promise.all([
      fia.waitForEvent("download"),
      card.getByRole("link", { name: "Download Quarterly plan.pdf" }).click(),
    ]);
    expect(download.suggestedFilename()).toBe("Quarterly plan.pdf");
    expect(await readFile(await download.path(), "utf8")).toBe(pdf);
    // The room list previews a message of files alone by its file.
    await fia
      .locator(".room-list__item", { hasText: ROOM })
      .getByText("📎 Quarterly plan.pdf")
      .waitFor();
  });

  test("a refused upload says why on its chip; Retry uploads it, ✕ removes one", async () => {
    const isUpload = (url: URL) => url.pathname.endsWith("/attachments");
    await fia.route(isUpload, (route: Route) =>
      route.fulfill({
        status: 413,
        contentType: "application/json",
        body: JSON.stringify({ error: { code: "too_large", message: "Files are at most 25 MiB" } }),
      }),
    );
    const [chooser] = await Promise.all([
      fia.waitForEvent("filechooser"),
      fia.getByRole("button", { name: "Attach files" }).click(),
    ]);
    await chooser.setFiles([
      // A QuickTime header is all the server needs to call it a video.
      { name: "huge.mov", mimeType: "video/quicktime", buffer: Buffer.from("\0\0\0\x14ftypqt  ") },
      { name: "spare.txt", mimeType: "text/plain", buffer: Buffer.from("spare") },
    ]);
    const chip = fia.locator(".composer .upload-chip", { hasText: "huge.mov" });
    await chip.getByRole("alert").getByText("Files are at most 25 MiB").waitFor();
    // Sending now would lose the file: the composer says so and keeps everything.
    await composer(fia).fill("With the video");
    await composer(fia).press("Enter");
    await fia.getByText("A file did not upload: retry it or remove it first.").waitFor();
    await expect(composer(fia).inputValue()).resolves.toBe("With the video");

    await fia.unroute(isUpload);
    await fia.getByRole("button", { name: "Retry huge.mov" }).click();
    await eventually(() => chip.getAttribute("data-status")).toBe("done");
    await fia.getByRole("button", { name: "Remove spare.txt" }).click();
    await composer(fia).press("Enter");
    const sent = messageWith(gus, "With the video");
    await sent.locator(".att-media video").waitFor();
    await expect(sent.locator(".att-media video").getAttribute("preload")).resolves.toBe("none");
    await expect(sent.locator(".att-file, .att-image").count()).resolves.toBe(0);
    await expect(fia.locator(".composer .upload-chip").count()).resolves.toBe(0);
  });

  test("an upload outlives a dropped socket and going offline; its message arrives once", async () => {
    // The upload is held on its way until the socket has been dropped and is back.
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let reached = false;
    const isUpload = (url: URL) => url.pathname.endsWith("/attachments");
    await fia.route(isUpload, async (route: Route) => {
      reached = true;
      await held;
      await route.continue();
    });
    const big = Buffer.alloc(3 * 1024 * 1024, 7);
    const [chooser] = await Promise.all([
      fia.waitForEvent("filechooser"),
      fia.getByRole("button", { name: "Attach files" }).click(),
    ]);
    await chooser.setFiles({ name: "big.bin", mimeType: "application/octet-stream", buffer: big });
    await eventually(() => reached).toBe(true);
    await composer(fia).fill("Big file");
    await composer(fia).press("Enter");
    const waiting = fia.locator(".msg--pending", { hasText: "Big file" });
    await waiting.getByText("Uploading…").waitFor();

    const before = await roomSockets(fia);
    expect(before.open).toBe(1);
    await fia.evaluate(() => {
      for (const s of (window as unknown as { __sockets: WebSocket[] }).__sockets) s.close();
    });
    // A new socket, live again, while the upload is still held.
    await eventually(async () => {
      const now = await roomSockets(fia);
      return { reopened: now.opened > before.opened, open: now.open };
    }).toEqual({ reopened: true, open: 1 });
    await connection(fia).toBe("connected");
    await waiting.getByText("Uploading…").waitFor();
    expect(await delivered(gus, "Big file").count()).toBe(0);

    release();
    await messageWith(gus, "Big file").locator(".att-file", { hasText: "big.bin" }).waitFor();
    await eventually(() => fia.locator(".msg--pending").count()).toBe(0);
    await fia.unroute(isUpload);

    // Offline before the upload starts: it waits for the network, then goes by itself.
    await fia.context().setOffline(true);
    await connection(fia).toBe("offline");
    const [offlineChooser] = await Promise.all([
      fia.waitForEvent("filechooser"),
      fia.getByRole("button", { name: "Attach files" }).click(),
    ]);
    await offlineChooser.setFiles({
      name: "notes.txt",
      mimeType: "text/plain",
      buffer: Buffer.from("written on a train\n"),
    });
    await composer(fia).fill("Sent from the tunnel");
    await composer(fia).press("Enter");
    await fia.locator(".msg--pending", { hasText: "Sent from the tunnel" }).waitFor();
    await fia.context().setOffline(false);
    await messageWith(gus, "Sent from the tunnel")
      .locator(".att-file", { hasText: "notes.txt" })
      .waitFor();
    await eventually(() => fia.locator(".msg--pending").count()).toBe(0);

    // Once each, on both screens and in the room's history.
    for (const page of [fia, gus]) {
      for (const text of ["Big file", "Sent from the tunnel"]) {
        await eventually(() => delivered(page, text).count()).toBe(1);
      }
    }
    const stored = await history(fiaAccount, roomId);
    const bodies = stored.map((m) => [m.body, m.attachments.map((a) => a.name)]);
    expect(bodies.filter(([body]) => body === "Big file")).toEqual([["Big file", ["big.bin"]]]);
    expect(bodies.filter(([body]) => body === "Sent from the tunnel")).toEqual([
      ["Sent from the tunnel", ["notes.txt"]],
    ]);
  });
});

describe("a room of 50 large images", () => {
  const ROOM = "Gallery";
  const COUNT = 50;
  type Bytes = Uint8Array<ArrayBuffer>;
  let roomId: string;
  let viewer: Account;

  /** Images drawn in a blank page: two large originals (PNG, JPEG) and a small preview. */
  async function drawImages(): Promise<{ png: Bytes; jpeg: Bytes; preview: Bytes }> {
    const page = await browser.newPage();
    try {
      const encoded = await page.evaluate(async () => {
        const draw = async (width: number, height: number, type: string) => {
          const canvas = new OffscreenCanvas(width, height);
          const context = canvas.getContext("2d") as OffscreenCanvasRenderingContext2D;
          const gradient = context.createLinearGradient(0, 0, width, height);
          gradient.addColorStop(0, "#204080");
          gradient.addColorStop(1, "#e0a040");
          context.fillStyle = gradient;
          context.fillRect(0, 0, width, height);
          // A band of noise, so the originals weigh what photos weigh.
          const noise = context.createImageData(width, Math.round(height / 10));
          for (let i = 0; i < noise.data.length; i++) noise.data[i] = (i * 2654435761) >>> 24;
          context.putImageData(noise, 0, 0);
          const blob = await canvas.convertToBlob({ type, quality: 0.92 });
          const bytes = new Uint8Array(await blob.arrayBuffer());
          let binary = "";
          for (const b of bytes) binary += String.fromCharCode(b);
          return btoa(binary);
        };
        return {
          png: await draw(1600, 1200, "image/png"),
          jpeg: await draw(2400, 1800, "image/jpeg"),
          preview: await draw(640, 480, "image/webp"),
        };
      });
      return {
        png: new Uint8Array(Buffer.from(encoded.png, "base64")),
        jpeg: new Uint8Array(Buffer.from(encoded.jpeg, "base64")),
        preview: new Uint8Array(Buffer.from(encoded.preview, "base64")),
      };
    } finally {
      await page.close();
    }
  }

  async function upload(account: Account, bytes: Bytes, type: string, name: string) {
    const auth = { authorization: `Bearer ${account.token}` };
    const response = await fetch(
      `${baseUrl}/api/rooms/${roomId}/attachments?name=${encodeURIComponent(name)}`,
      { method: "POST", headers: { ...auth, "content-type": type }, body: bytes },
    );
    if (response.status !== 201)
      throw new Error(`upload: ${response.status} ${await response.text()}`);
    return ((await response.json()) as { attachment: Attachment }).attachment;
  }

  beforeAll(async () => {
    // Uploads count 20 a minute per person: three people share the 50.
    const people = [
      await register(baseUrl, "kai", "Kai Lund"),
      await register(baseUrl, "kim", "Kim Sato"),
      await register(baseUrl, "kit", "Kit Olsen"),
    ];
    viewer = people[0] as Account;
    roomId = await createChannel(baseUrl, viewer, ROOM);
    for (const person of people.slice(1)) await joinRoom(baseUrl, person, roomId);
    const { png, jpeg, preview } = await drawImages();
    expect(png.length).toBeGreaterThan(150 * 1024);
    expect(jpeg.length).toBeGreaterThan(150 * 1024);
    // What previews save, as docs/PERFORMANCE.md quotes it: the timeline's bytes either way.
    const kib = (n: number) => `${Math.round(n / 1024)} KiB`;
    console.log(
      `previews: ${COUNT} images are ${kib((png.length + jpeg.length) * (COUNT / 2))} of originals (${kib(png.length)} png 1600×1200, ${kib(jpeg.length)} jpeg 2400×1800) against ${kib(preview.length * COUNT)} of 640×480 webp previews`,
    );
    for (let i = 0; i < COUNT; i++) {
      const person = people[i % people.length] as Account;
      const auth = { authorization: `Bearer ${person.token}` };
      const isPng = i % 2 === 0;
      const stored = await upload(
        person,
        isPng ? png : jpeg,
        isPng ? "image/png" : "image/jpeg",
        `photo ${i + 1}.${isPng ? "png" : "jpg"}`,
      );
      const withPreview = await fetch(
        `${baseUrl}/api/rooms/${roomId}/attachments/${stored.id}/preview`,
        { method: "PUT", headers: { ...auth, "content-type": "image/webp" }, body: preview },
      );
      if (!withPreview.ok) throw new Error(`preview: ${withPreview.status}`);
      await call(baseUrl, `/rooms/${roomId}/messages`, {
        method: "POST",
        headers: auth,
        body: JSON.stringify({ cid: `gallery-${i}`, body: "", attachments: [stored.id] }),
      });
    }
  }, 180_000);

  test("loads previews only, in boxes sized before they arrive, never an original", async () => {
    const context = await browser.newContext({ viewport: VIEWPORT });
    const page = await context.newPage();
    page.setDefaultTimeout(WAIT_MS);
    const attachmentRequests: string[] = [];
    page.on("request", (request: Request) => {
      const path = new URL(request.url()).pathname;
      if (path.includes("/attachments/")) attachmentRequests.push(path);
    });
    // Previews wait until the boxes have been measured, to show they hold their size empty.
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    await page.route("**/api/rooms/*/attachments/*/preview", async (route: Route) => {
      await held;
      await route.continue();
    });
    await signIn(page, baseUrl, "kai");
    await openRoom(page, ROOM);
    const boxes = page.locator(".msg .att-image");
    await eventually(() => boxes.count()).toBeGreaterThan(1);
    const sizes = () =>
      boxes.evaluateAll((els) =>
        els.map((el) => {
          const rect = el.getBoundingClientRect();
          return [Math.round(rect.width), Math.round(rect.height)];
        }),
      );
    const empty = await sizes();
    expect(empty.every(([w, h]) => w === 360 && h === 270)).toBe(true);
    const scroller = page.getByRole("region", { name: "Messages" });
    const bottomGap = () =>
      scroller.evaluate((el) => Math.round(el.scrollHeight - el.scrollTop - el.clientHeight));
    await eventually(bottomGap).toBeLessThanOrEqual(1);

    release();
    const loaded = () =>
      page
        .locator(".msg .att-image img")
        .evaluateAll((imgs) =>
          (imgs as HTMLImageElement[]).every((img) => img.complete && img.naturalWidth === 640),
        );
    await eventually(loaded).toBe(true);
    // Loading changed no size: the rows did not move, the list is still at its bottom.
    expect((await sizes()).slice(0, empty.length)).toEqual(empty);
    expect(await bottomGap()).toBeLessThanOrEqual(1);

    // Up to the top half a screen at a time, so that every row is drawn on the way.
    await scroller.evaluate(async (el) => {
      const frame = () => new Promise((resolve) => requestAnimationFrame(resolve));
      while (el.scrollTop > 0) {
        el.scrollTop = Math.max(0, el.scrollTop - el.clientHeight / 2);
        await frame();
        await frame();
      }
    });
    await page
      .locator(".timeline__start", { hasText: "This is the beginning of the room." })
      .waitFor();
    await eventually(loaded).toBe(true);
    expect(await history(viewer, roomId)).toHaveLength(COUNT);
    const previews = () => new Set(attachmentRequests.filter((p) => p.endsWith("/preview"))).size;
    await eventually(previews).toBe(COUNT);
    expect(attachmentRequests.filter((p) => !p.endsWith("/preview"))).toEqual([]);
    await context.close();
  }, 90_000);
});
