// Attachments in R2 (docs/api.md, "Attachments"): uploads streamed through the Worker into the
// local R2 miniflare runs, kinds from the bytes, serving headers, sends over HTTP and sockets,
// and every way a file's life ends removing its object from R2.
import { env, runDurableObjectAlarm, runInDurableObject, SELF } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import type { Attachment } from "../src/shared/protocol";
import {
  addMember,
  BASE,
  call,
  createRoom,
  expectError,
  register,
  roomStub,
  type TestUser,
} from "./helpers";
import { RoomClient } from "./room-client";

// ---- bytes that look like what they claim (the sniffer reads headers only) -------------------

function bytes(...parts: Array<string | number[] | Uint8Array>): Uint8Array<ArrayBuffer> {
  const chunks = parts.map((p) =>
    typeof p === "string" ? Uint8Array.from(p, (c) => c.charCodeAt(0)) : Uint8Array.from(p),
  );
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
const be32 = (n: number) => [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
const le16 = (n: number) => [n & 255, (n >>> 8) & 255];
const be16 = (n: number) => [(n >>> 8) & 255, n & 255];

const png = (w: number, h: number, pad = 64) =>
  bytes(
    "\x89PNG\r\n\x1a\n",
    be32(13),
    "IHDR",
    be32(w),
    be32(h),
    [8, 6, 0, 0, 0],
    new Uint8Array(pad),
  );
const gif = (w: number, h: number) => bytes("GIF89a", le16(w), le16(h), new Uint8Array(32));
const webp = (w: number, h: number) =>
  bytes(
    "RIFF",
    [0, 0, 0, 0],
    "WEBP",
    "VP8X",
    [10, 0, 0, 0],
    [0, 0, 0, 0],
    [(w - 1) & 255, ((w - 1) >> 8) & 255, 0, (h - 1) & 255, ((h - 1) >> 8) & 255, 0],
  );
/** A JPEG whose frame header comes after a large APP1 (EXIF) segment, as cameras write them. */
const jpeg = (w: number, h: number) =>
  bytes(
    [0xff, 0xd8],
    [0xff, 0xe1],
    be16(40_002),
    new Uint8Array(40_000),
    [0xff, 0xc0],
    be16(17),
    [8],
    be16(h),
    be16(w),
    new Uint8Array(12),
  );
const text = (s: string) => bytes(s);

let admin: TestUser;
let owner: TestUser;
let member: TestUser;
let outsider: TestUser;
let roomId: string;

beforeAll(async () => {
  admin = await register(); // the first person of a fresh instance is its admin
  owner = await register();
  member = await register();
  outsider = await register();
  roomId = (await createRoom(owner, "private", "files")).id;
  await addMember(owner, roomId, member.id);
});

/**
 * A new member of the room, for tests that upload a lot: uploads are limited per person per
 * minute (UPLOADS_PER_USER_PER_MINUTE), and one person's test must not eat another's.
 */
async function newMember(room = roomId): Promise<TestUser> {
  const user = await register();
  await addMember(owner, room, user.id);
  return user;
}

async function upload(
  user: TestUser,
  room: string,
  body: Uint8Array<ArrayBuffer> | ReadableStream<Uint8Array<ArrayBuffer>>,
  opts: { name?: string; type?: string } = {},
) {
  const res = await SELF.fetch(
    `${BASE}/api/rooms/${room}/attachments?name=${encodeURIComponent(opts.name ?? "file.bin")}`,
    {
      method: "POST",
      headers: {
        authorization: `Bearer ${user.token}`,
        "content-type": opts.type ?? "application/octet-stream",
      },
      body,
    },
  );
  const json = (await res.json()) as { attachment: Attachment; error?: { code: string } };
  return { status: res.status, body: json };
}

async function uploaded(user: TestUser, room: string, body: Uint8Array<ArrayBuffer>, opts = {}) {
  const res = await upload(user, room, body, opts);
  if (res.status !== 201) throw new Error(`upload: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.attachment;
}

const fetchAs = (user: TestUser, url: string, headers: Record<string, string> = {}) =>
  SELF.fetch(`${BASE}${url}`, { headers: { authorization: `Bearer ${user.token}`, ...headers } });

/** A body with no declared length: it reaches the Worker chunked. */
function stream(total: number, chunk = 256 * 1024): ReadableStream<Uint8Array<ArrayBuffer>> {
  let sent = 0;
  return new ReadableStream({
    pull(controller) {
      if (sent >= total) {
        controller.close();
        return;
      }
      const n = Math.min(chunk, total - sent);
      const part = new Uint8Array(n);
      for (let i = 0; i < n; i++) part[i] = (sent + i) & 255;
      sent += n;
      controller.enqueue(part);
    },
  });
}

const r2Keys = async (room: string) =>
  (await env.FILES.list({ prefix: `rooms/${room}/` })).objects.map((o) => o.key);

/** Lets the room's alarm run its due tasks (the files task deletes from R2). */
async function runAlarm(room: string): Promise<void> {
  await runDurableObjectAlarm(roomStub(room));
}

/**
 * Waits (≤ 5 s) until R2 no longer has `key`. The room arms its alarm for "now" when files go,
 * and an alarm may already be running by itself when the test asks for one.
 */
async function goneFromR2(room: string, key: string): Promise<boolean> {
  const deadline = Date.now() + 5_000;
  while (Date.now() < deadline) {
    await runAlarm(room);
    if ((await env.FILES.head(key)) === null) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

async function send(
  user: TestUser,
  room: string,
  body: string,
  attachments: string[],
  cid?: string,
) {
  return call(
    "POST",
    `/api/rooms/${room}/messages`,
    { cid: cid ?? crypto.randomUUID(), body, attachments },
    { token: user.token },
  );
}

describe("what a file is comes from its bytes", () => {
  it("recognises png, gif, webp and jpeg with their dimensions, whatever they are called", async () => {
    const someone = await newMember();
    const cases: Array<[Uint8Array<ArrayBuffer>, string, number, number]> = [
      [png(640, 480), "image/png", 640, 480],
      [gif(32, 16), "image/gif", 32, 16],
      [webp(1920, 1080), "image/webp", 1920, 1080],
      [jpeg(4032, 3024), "image/jpeg", 4032, 3024],
    ];
    for (const [data, type, width, height] of cases) {
      const a = await uploaded(someone, roomId, data, { name: "notes.txt", type: "text/plain" });
      expect(a).toMatchObject({
        kind: "image",
        contentType: type,
        width,
        height,
        size: data.length,
      });
      expect(a.url).toBe(`/api/rooms/${roomId}/attachments/${a.id}`);
    }
  });

  it("serves an HTML file declared as image/png as a download, never inline", async () => {
    const html = text("<!doctype html><script>alert(document.cookie)</script>");
    const a = await uploaded(owner, roomId, html, { name: "cat.png", type: "image/png" });
    expect(a).toMatchObject({ kind: "file", width: null, height: null, name: "cat.png" });
    const res = await fetchAs(owner, a.url);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-disposition")).toBe(
      `attachment; filename="cat.png"; filename*=UTF-8''cat.png`,
    );
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("content-security-policy")).toBe("sandbox");
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(html);
  });

  it("an SVG is a file; a non-ASCII name is kept exactly (RFC 6266) with an ASCII fallback", async () => {
    const svg = text('<svg xmlns="http://www.w3.org/2000/svg"><script>1</script></svg>');
    const a = await uploaded(owner, roomId, svg, {
      name: "Zürich plan.svg",
      type: "image/svg+xml",
    });
    expect(a.kind).toBe("file");
    const res = await fetchAs(owner, a.url);
    expect(res.headers.get("content-disposition")).toBe(
      `attachment; filename="Z_rich plan.svg"; filename*=UTF-8''Z%C3%BCrich%20plan.svg`,
    );
    await res.arrayBuffer();
  });
});

describe("serving", () => {
  it("images inline, privately cached, with an ETag, 304 on a match and byte ranges", async () => {
    const data = png(10, 10, 1000);
    const a = await uploaded(owner, roomId, data, { name: "dot.png" });
    await send(owner, roomId, "", [a.id]);
    const res = await fetchAs(member, a.url);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("image/png");
    expect(res.headers.get("content-disposition")).toMatch(/^inline; /);
    expect(res.headers.get("cache-control")).toMatch(/^private/);
    expect(res.headers.get("content-length")).toBe(String(data.length));
    const etag = res.headers.get("etag");
    expect(etag).toBeTruthy();
    await res.arrayBuffer();

    const again = await fetchAs(member, a.url, { "if-none-match": etag ?? "" });
    expect(again.status).toBe(304);

    const part = await fetchAs(member, a.url, { range: "bytes=8-15" });
    expect(part.status).toBe(206);
    expect(part.headers.get("content-range")).toBe(`bytes 8-15/${data.length}`);
    expect(new Uint8Array(await part.arrayBuffer())).toEqual(data.subarray(8, 16));

    const tail = await fetchAs(member, a.url, { range: "bytes=-4" });
    expect(tail.status).toBe(206);
    expect(new Uint8Array(await tail.arrayBuffer())).toEqual(data.subarray(data.length - 4));
  });
});

describe("limits", () => {
  it("refuses a declared length over the limit at once, and an undeclared one while streaming", async () => {
    const max = Number(env.ATTACHMENT_MAX_BYTES);
    const declared = await SELF.fetch(`${BASE}/api/rooms/${roomId}/attachments?name=big`, {
      method: "POST",
      headers: { authorization: `Bearer ${owner.token}`, "content-length": String(max + 1) },
      body: stream(16),
    });
    expect(declared.status).toBe(413);
    expect(((await declared.json()) as { error: { code: string } }).error.code).toBe("too_large");

    const before = await r2Keys(roomId);
    const streamed = await upload(owner, roomId, stream(max + 1));
    expect(streamed.status).toBe(413);
    expect(streamed.body.error?.code).toBe("too_large");
    const deadline = Date.now() + 5_000;
    while ((await r2Keys(roomId)).length > before.length && Date.now() < deadline) {
      await runAlarm(roomId);
    }
    expect(await r2Keys(roomId)).toEqual(before);
  });

  it("counts uploads per person per minute (429 past UPLOADS_PER_USER_PER_MINUTE)", async () => {
    const busy = await newMember();
    const max = Number(env.UPLOADS_PER_USER_PER_MINUTE);
    for (let i = 0; i < max; i++) await uploaded(busy, roomId, png(1, 1));
    const over = await upload(busy, roomId, png(1, 1));
    expect(over.status).toBe(429);
    expect(over.body.error?.code).toBe("rate_limited");
  });

  it("refuses an empty file with 400", async () => {
    const res = await upload(owner, roomId, new Uint8Array(0));
    expect(res.status).toBe(400);
    expect(res.body.error?.code).toBe("invalid");
  });

  it("stores a large undeclared upload in parts, byte for byte", async () => {
    const size = 11 * 1024 * 1024 + 123;
    const a = (await upload(owner, roomId, stream(size, 1024 * 1024 + 7))).body.attachment;
    expect(a.size).toBe(size);
    const res = await fetchAs(owner, a.url, { range: `bytes=${size - 3}-` });
    const tail = new Uint8Array(await res.arrayBuffer());
    expect([...tail]).toEqual([size - 3, size - 2, size - 1].map((i) => i & 255));
  });
});

describe("who may upload, send and see", () => {
  it("a public channel's files are for its members and admins: others get 404", async () => {
    const me = await newMember();
    const channel = (await createRoom(me, "channel", "open-files")).id;
    const a = await uploaded(me, channel, png(2, 2));
    await send(me, channel, "", [a.id]);
    expect((await fetchAs(outsider, a.url)).status).toBe(404);
    const asAdmin = await fetchAs(admin, a.url);
    expect(asAdmin.status).toBe(200);
    await asAdmin.arrayBuffer();
    const asMember = await fetchAs(me, a.url);
    expect(asMember.status).toBe(200);
    await asMember.arrayBuffer();
  });

  it("non-members get 404, members of other rooms cannot see a room's files", async () => {
    const a = await uploaded(owner, roomId, png(2, 2));
    await send(owner, roomId, "", [a.id]);
    expect((await upload(outsider, roomId, png(2, 2))).status).toBe(404);
    expect((await fetchAs(outsider, a.url)).status).toBe(404);
  });

  it("someone else's upload, an unknown one or one already sent is refused (invalid)", async () => {
    const mine = await uploaded(owner, roomId, png(3, 3));
    expectError(await send(member, roomId, "mine now", [mine.id]), 400, "invalid");
    expectError(await send(owner, roomId, "?", ["att_nope"]), 400, "invalid");
    expect((await send(owner, roomId, "first", [mine.id])).status).toBe(201);
    expectError(await send(owner, roomId, "again", [mine.id]), 400, "invalid");
  });

  it("an unsent upload is visible to its uploader only", async () => {
    const a = await uploaded(owner, roomId, png(4, 4));
    expect((await fetchAs(member, a.url)).status).toBe(404);
    const mine = await fetchAs(owner, a.url);
    expect(mine.status).toBe(200);
    await mine.arrayBuffer();
  });

  it("archived rooms take no uploads (403 archived)", async () => {
    const room = (await createRoom(owner, "channel", "old")).id;
    await call("PATCH", `/api/admin/rooms/${room}`, { archived: true }, { token: admin.token });
    const res = await upload(owner, room, png(2, 2));
    expect(res.status).toBe(403);
    expect(res.body.error?.code).toBe("archived");
  });
});

describe("sending with attachments", () => {
  it("over HTTP: in order, with an empty body allowed, idempotent by cid", async () => {
    const a = await uploaded(owner, roomId, png(5, 5), { name: "a.png" });
    const b = await uploaded(owner, roomId, text("%PDF-1.7 ..."), {
      name: "b.pdf",
      type: "application/pdf",
    });
    const first = await send(owner, roomId, "", [a.id, b.id], "att-cid-1");
    expect(first.status).toBe(201);
    expect(first.body.message.attachments.map((x: Attachment) => x.name)).toEqual([
      "a.png",
      "b.pdf",
    ]);
    expect(first.body.message.attachments[1]).toMatchObject({
      kind: "file",
      contentType: "application/pdf",
    });

    const repeat = await send(owner, roomId, "", [a.id, b.id], "att-cid-1");
    expect(repeat.status).toBe(200);
    expect(repeat.body.message.seq).toBe(first.body.message.seq);
    expectError(await send(owner, roomId, "", [b.id], "att-cid-1"), 409, "conflict");
    expectError(await send(owner, roomId, "", []), 400, "invalid");

    const history = await call("GET", `/api/rooms/${roomId}/messages?limit=5`, undefined, {
      token: member.token,
    });
    const stored = history.body.messages.find(
      (m: { seq: number }) => m.seq === first.body.message.seq,
    );
    expect(stored.attachments).toEqual(first.body.message.attachments);
  });

  it("search results and the export carry them", async () => {
    const me = await newMember();
    const a = await uploaded(me, roomId, png(12, 12), { name: "harbour.png" });
    const sent = await send(me, roomId, "harbourside sunset", [a.id]);
    const found = await call("GET", `/api/rooms/${roomId}/search?q=harbourside`, undefined, {
      token: member.token,
    });
    expect(found.body.results[0].message.attachments).toEqual(sent.body.message.attachments);
    const exported = await SELF.fetch(`${BASE}/api/rooms/${roomId}/export`, {
      headers: { authorization: `Bearer ${member.token}` },
    });
    const lines = (await exported.text())
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    const line = lines.find((m: { seq: number }) => m.seq === sent.body.message.seq);
    expect(line.attachments).toEqual([expect.objectContaining({ id: a.id, url: a.url })]);
  });

  it("over a socket, and a resume by rev carries them", async () => {
    const socket = await RoomClient.open(roomId, owner.token);
    const ready = await RoomClient.open(roomId, member.token);
    const rev = (await ready.next("ready")).rev;
    ready.close();
    const a = await uploaded(owner, roomId, gif(8, 8), { name: "wave.gif" });
    socket.send({ type: "send", cid: "ws-att", body: "look", attachments: [a.id] });
    const ack = await socket.next("ack", (f) => f.cid === "ws-att");
    const resumed = await RoomClient.open(roomId, member.token, { sinceRev: rev });
    const frame = await resumed.next("message", (f) => f.message.seq === ack.seq);
    expect(frame.message.attachments).toEqual([
      expect.objectContaining({ id: a.id, kind: "image" }),
    ]);
    socket.close();
    resumed.close();
  });

  it("a client-made preview is kept with the attachment and served", async () => {
    const a = await uploaded(owner, roomId, jpeg(4000, 3000), { name: "big.jpg" });
    const res = await SELF.fetch(`${BASE}${a.url}/preview`, {
      method: "PUT",
      headers: { authorization: `Bearer ${owner.token}`, "content-type": "image/webp" },
      body: webp(400, 300),
    });
    expect(res.status).toBe(200);
    const withPreview = ((await res.json()) as { attachment: Attachment }).attachment;
    expect(withPreview.preview).toEqual({ url: `${a.url}/preview`, width: 400, height: 300 });
    const sent = await send(owner, roomId, "photo", [a.id]);
    expect(sent.body.message.attachments[0].preview).toEqual(withPreview.preview);
    const preview = await fetchAs(member, `${a.url}/preview`);
    expect(preview.status).toBe(200);
    expect(preview.headers.get("content-type")).toBe("image/webp");
    await preview.arrayBuffer();
  });
});

describe("nothing in R2 outlives its message", () => {
  it("deleting the message: 404 at once, the object gone after the alarm", async () => {
    const a = await uploaded(owner, roomId, png(6, 6));
    const sent = await send(owner, roomId, "soon gone", [a.id]);
    const key = `rooms/${roomId}/${a.id}`;
    expect(await env.FILES.head(key)).not.toBeNull();
    await call("DELETE", `/api/rooms/${roomId}/messages/${sent.body.message.seq}`, undefined, {
      token: owner.token,
    });
    expect((await fetchAs(owner, a.url)).status).toBe(404);
    expect(await goneFromR2(roomId, key)).toBe(true);
  });

  it("uploads never sent go after a day", async () => {
    const a = await uploaded(owner, roomId, png(7, 7));
    const key = `rooms/${roomId}/${a.id}`;
    await runInDurableObject(roomStub(roomId), (_, state) => {
      state.storage.sql.exec(
        "UPDATE files SET created_at = ? WHERE id = ?",
        Date.now() - 25 * 60 * 60 * 1000,
        a.id,
      );
    });
    expect(await goneFromR2(roomId, key)).toBe(true);
    expect((await fetchAs(owner, a.url)).status).toBe(404);
  });

  it("retention removes the files of the messages it removes, and maxBytes counts them", async () => {
    const created = await call(
      "POST",
      "/api/admin/rooms",
      { kind: "private", name: "kept", members: [{ userId: owner.id, role: "owner" }] },
      { token: admin.token },
    );
    const room = created.body.room.id as string;
    const a = await uploaded(owner, room, png(9, 9, 20_000));
    const first = await send(owner, room, "x", [a.id]);
    await send(owner, room, "y", []);
    await send(owner, room, "z", []);
    // Three one-letter bodies are 3 bytes: only the file's 20 kB can be over a 10 kB limit.
    const put = await call(
      "PUT",
      `/api/admin/rooms/${room}/retention`,
      { maxAgeDays: null, maxMessages: null, maxBytes: 10_000 },
      { token: admin.token },
    );
    expect(put.status).toBe(200);
    expect(put.body.deleted).toMatchObject({ messages: 1, fromSeq: first.body.message.seq });
    expect(put.body.deleted.bytes).toBeGreaterThan(20_000);
    expect((await fetchAs(owner, a.url)).status).toBe(404);
    expect(await goneFromR2(room, `rooms/${room}/${a.id}`)).toBe(true);
  });

  it("deleting the room removes every object under it", async () => {
    const room = (await createRoom(member, "channel", "doomed-files")).id;
    const a = await uploaded(member, room, png(2, 2));
    await send(member, room, "one", [a.id]);
    await uploaded(member, room, png(3, 3));
    expect((await r2Keys(room)).length).toBe(2);
    const res = await call("DELETE", `/api/admin/rooms/${room}`, undefined, { token: admin.token });
    expect(res.status).toBe(204);
    expect(await r2Keys(room)).toEqual([]);
  });
});
