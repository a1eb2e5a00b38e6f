// Unicode rules for names, bodies and reactions (docs/api.md "Text"): the pure rules of
// src/shared/text.ts, then each of them through the real Worker, over HTTP and the room socket.
import { runInDurableObject } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { DisplayName, RoomName, Topic } from "../src/shared/api";
import { Body, Emoji, type Message } from "../src/shared/protocol";
import { cleanBody, isEmoji, nameProblem } from "../src/shared/text";
import { QUICK_REACTIONS } from "../web/components/message";
import {
  addMember,
  call,
  createRoom,
  expectError,
  register,
  roomStub,
  type TestUser,
  uniqueHandle,
} from "./helpers";
import { RoomClient } from "./room-client";

const PASSWORD = "correct horse battery";

/** Names no one should be able to take: a reversed file name, nothing visible, a NUL. */
const BAD_NAMES = [
  ["a right-to-left override", "admin\u202Egnp.exe"],
  ["an isolate", "a\u2066b\u2069"],
  ["only zero-width spaces", "\u200B\u200B"],
  ["only format characters", "\uFEFF\u2060\u200D\u180E"],
  ["only a Hangul filler", "\u3164"],
  ["a NUL", "a\u0000b"],
  ["a newline", "a\nb"],
  ["a C1 control", "a\u0085b"],
] as const;

const VALID_EMOJI = ["👍", "👍🏽", "👨‍👩‍👧", "🇫🇷", "❤️", "🏴󠁧󠁢󠁳󠁣󠁴󠁿", "1️⃣"];
const INVALID_EMOJI = ["lol", "👍👍", "a", "<b>", "", " 👍", "❤", "🇫", "👍\u0000"];

/** A search snippet's marks open and close in turn, and no marker character is left over. */
function expectBalancedMarks(snippet: string) {
  const tags = snippet.match(/<\/?mark>/g) ?? [];
  expect(tags.length).toBeGreaterThan(0);
  tags.forEach((tag, i) => {
    expect(tag).toBe(i % 2 === 0 ? "<mark>" : "</mark>");
  });
  expect(tags.length % 2).toBe(0);
  expect(snippet).not.toMatch(/\p{Cc}/u);
}

// ---- the rules themselves ---------------------------------------------------------------------

describe("text.ts", () => {
  it("names: controls, bidi overrides and isolates, and invisible-only names are refused", () => {
    for (const [, name] of BAD_NAMES) expect(nameProblem(name)).not.toBeNull();
    for (const name of ["Ana Lima", "José", "李小龙", "عائشة", "👩‍💻 dev", "a\u200Db"]) {
      expect(nameProblem(name)).toBeNull();
    }
    // Tab: not in names, fine in topics; other controls stay out of topics.
    expect(nameProblem("a\tb")).not.toBeNull();
    expect(nameProblem("a\tb", { tab: true })).toBeNull();
    expect(nameProblem("a\nb", { tab: true })).not.toBeNull();
    expect(nameProblem("\u2067x", { tab: true })).not.toBeNull();
  });

  it("the schemas trim, NFC-normalise, then apply the rules", () => {
    expect(DisplayName.parse("  e\u0301  ")).toBe("\u00e9");
    expect(RoomName.parse("Cafe\u0301")).toBe("Caf\u00e9");
    expect(Topic.parse("col1\tcol2")).toBe("col1\tcol2");
    expect(Topic.parse("")).toBe("");
    for (const [, name] of BAD_NAMES) {
      expect(DisplayName.safeParse(name).success).toBe(false);
      expect(RoomName.safeParse(name).success).toBe(false);
      expect(Topic.safeParse(name).success).toBe(false);
    }
  });

  it("bodies drop C0 controls but tab, LF and CR, and DEL, before trimming", () => {
    expect(cleanBody("a\u0000b\u0002c\u0003")).toBe("abc");
    expect(cleanBody("\u0001 hi\u007F ")).toBe("hi");
    expect(cleanBody("line 1\r\n\tline 2")).toBe("line 1\r\n\tline 2");
    // C1 controls and format characters are not this rule's business.
    expect(cleanBody("a\u0085b\u200Bc")).toBe("a\u0085b\u200Bc");
    expect(Body.parse("  a\u0000b  ")).toBe("ab");
    expect(cleanBody("\u0000\u0002\u0003")).toBe("");
  });

  it("a reaction is exactly one RGI emoji", () => {
    for (const e of VALID_EMOJI) expect([e, isEmoji(e)]).toEqual([e, true]);
    for (const e of INVALID_EMOJI) expect([e, isEmoji(e)]).toEqual([e, false]);
    expect(Emoji.safeParse("👍").success).toBe(true);
    expect(Emoji.safeParse("lol").success).toBe(false);
  });

  it("the client's reaction picker offers only what the server accepts", () => {
    for (const e of QUICK_REACTIONS) expect([e, isEmoji(e)]).toEqual([e, true]);
  });
});

// ---- through the Worker -----------------------------------------------------------------------

let admin: TestUser;
let owner: TestUser;
let member: TestUser;
let roomId: string;

beforeAll(async () => {
  admin = await register(uniqueHandle("uni_admin"), "Ada Admin");
  if (admin.role !== "admin") throw new Error("the first account of the file should be the admin");
  owner = await register(uniqueHandle("uni_owner"), "Olga Owner");
  member = await register(uniqueHandle("uni_member"), "Max Member");
  roomId = (await createRoom(owner, "private", "unicode")).id;
  await addMember(owner, roomId, member.id);
});

/** The field a 400 `invalid` names in its details. */
const invalidPaths = (res: { body: { error: { details?: Array<{ path: string }> } } }) =>
  (res.body.error.details ?? []).map((d) => d.path);

describe("display names", () => {
  it.each(BAD_NAMES)("sign-up with %s → 400 invalid", async (_, displayName) => {
    const res = await call("POST", "/api/auth/register", {
      handle: uniqueHandle("uni_bad"),
      displayName,
      password: PASSWORD,
    });
    expectError(res, 400, "invalid");
    expect(invalidPaths(res)).toEqual(["displayName"]);
  });

  it("are stored NFC: e + combining acute is é", async () => {
    const res = await call("POST", "/api/auth/register", {
      handle: uniqueHandle("uni_nfc"),
      displayName: "Jose\u0301",
      password: PASSWORD,
    });
    expect(res.status).toBe(201);
    expect(res.body.user.displayName).toBe("Jos\u00e9");
    const me = await call("GET", "/api/me", undefined, { token: res.body.token });
    expect(me.body.user.displayName).toBe("Jos\u00e9");
  });
});

describe("room names and topics", () => {
  it.each(BAD_NAMES)("create, rename and retopic with %s → 400 invalid", async (_, bad) => {
    const token = owner.token;
    expectError(
      await call("POST", "/api/rooms", { kind: "channel", name: bad }, { token }),
      400,
      "invalid",
    );
    expectError(
      await call("POST", "/api/rooms", { kind: "channel", name: "ok", topic: bad }, { token }),
      400,
      "invalid",
    );
    expectError(
      await call("PATCH", `/api/rooms/${roomId}`, { name: bad }, { token }),
      400,
      "invalid",
    );
    expectError(
      await call("PATCH", `/api/rooms/${roomId}`, { topic: bad }, { token }),
      400,
      "invalid",
    );
  });

  it("the admin API applies the same rules", async () => {
    for (const [, bad] of BAD_NAMES) {
      const res = await call(
        "POST",
        "/api/admin/rooms",
        { kind: "channel", name: "fine", topic: bad },
        { token: admin.token },
      );
      expectError(res, 400, "invalid");
      expect(invalidPaths(res)).toEqual(["topic"]);
    }
  });

  it("a topic may hold a tab; names and topics are stored NFC", async () => {
    const created = await call(
      "POST",
      "/api/rooms",
      { kind: "channel", name: "Cafe\u0301", topic: "when\twhere" },
      { token: owner.token },
    );
    expect(created.status).toBe(201);
    expect(created.body.room).toMatchObject({ name: "Caf\u00e9", topic: "when\twhere" });
    const renamed = await call(
      "PATCH",
      `/api/rooms/${created.body.room.id}`,
      { name: "Re\u0301sume\u0301", topic: "a\tb\u0301" },
      { token: owner.token },
    );
    expect(renamed.status).toBe(200);
    expect(renamed.body.room).toMatchObject({ name: "R\u00e9sum\u00e9", topic: "a\tb\u0301" });
  });
});

// ---- message bodies ---------------------------------------------------------------------------

let cidCounter = 0;
const newCid = () => `uni-${(cidCounter++).toString(36)}`;

async function history(token = member.token): Promise<Message[]> {
  const res = await call("GET", `/api/rooms/${roomId}/messages?limit=100`, undefined, { token });
  expect(res.status).toBe(200);
  return res.body.messages as Message[];
}

/** Sends a frame and returns the first frame from then on that `match` accepts. */
async function answer(
  client: RoomClient,
  frame: Record<string, unknown>,
  match: (f: RoomClient["frames"][number]) => boolean,
) {
  const from = client.frames.length;
  client.send(frame);
  const deadline = Date.now() + 5_000;
  for (;;) {
    const found = client.frames.slice(from).find(match);
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`no answer; got ${JSON.stringify(client.frames)}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe("message bodies", () => {
  const dirty = "a\u0000b\u0002c\u0003";

  it("over HTTP, send and edit drop the controls before storing", async () => {
    const sent = await call(
      "POST",
      `/api/rooms/${roomId}/messages`,
      { cid: newCid(), body: dirty },
      { token: member.token },
    );
    expect(sent.status).toBe(201);
    expect(sent.body.message.body).toBe("abc");
    const seq = sent.body.message.seq as number;
    const edited = await call(
      "PATCH",
      `/api/rooms/${roomId}/messages/${seq}`,
      { body: "x\u0001y\u007F\tz" },
      { token: member.token },
    );
    expect(edited.status).toBe(200);
    expect(edited.body.message.body).toBe("xy\tz");
    expect((await history()).find((m) => m.seq === seq)?.body).toBe("xy\tz");
    // Nothing but controls is an empty message.
    expectError(
      await call(
        "POST",
        `/api/rooms/${roomId}/messages`,
        { cid: newCid(), body: "\u0000\u0002 \u0003" },
        { token: member.token },
      ),
      400,
      "invalid",
    );
  });

  it("the length limit counts the body without them", async () => {
    const body = `${"x".repeat(2000)}${"\u0000".repeat(50)}`;
    const sent = await call(
      "POST",
      `/api/rooms/${roomId}/messages`,
      { cid: newCid(), body },
      { token: member.token },
    );
    expect(sent.status).toBe(201);
    expect(sent.body.message.body).toBe("x".repeat(2000));
  });

  it("over WS, send and edit frames drop them too", async () => {
    const client = await RoomClient.open(roomId, member.token);
    const cid = newCid();
    const ack = await answer(
      client,
      { type: "send", cid, body: dirty },
      (f) => (f.type === "ack" && f.cid === cid) || f.type === "error",
    );
    if (ack.type !== "ack") throw new Error(`expected an ack, got ${JSON.stringify(ack)}`);
    const message = await client.next("message", (f) => f.message.seq === ack.seq);
    expect(message.message.body).toBe("abc");
    const changed = await answer(
      client,
      { type: "edit", seq: ack.seq, body: "\u0002edited\u0003 \u0000ok" },
      (f) => (f.type === "changed" && f.message.seq === ack.seq) || f.type === "error",
    );
    expect(changed).toMatchObject({ type: "changed", message: { body: "edited ok" } });
    expect((await history()).find((m) => m.seq === ack.seq)?.body).toBe("edited ok");
    client.close();
  });
});

// ---- search snippets --------------------------------------------------------------------------

describe("search snippets", () => {
  async function search(q: string) {
    const res = await call(
      "GET",
      `/api/rooms/${roomId}/search?q=${encodeURIComponent(q)}`,
      undefined,
      { token: member.token },
    );
    expect(res.status).toBe(200);
    return res.body.results as Array<{ message: Message; snippet: string }>;
  }

  it("a body sent with U+0002/U+0003 gives balanced marks", async () => {
    await call(
      "POST",
      `/api/rooms/${roomId}/messages`,
      { cid: newCid(), body: "before \u0002 zebra\u0003 crossing \u0002after" },
      { token: member.token },
    );
    const [hit] = await search("zebra");
    expect(hit?.message.body).toBe("before  zebra crossing after");
    expectBalancedMarks(hit?.snippet ?? "");
    expect(hit?.snippet).toContain("<mark>zebra</mark>");
  });

  it("so does one stored before the rule, with the markers still in it", async () => {
    const sent = await call(
      "POST",
      `/api/rooms/${roomId}/messages`,
      { cid: newCid(), body: "placeholder" },
      { token: member.token },
    );
    const seq = sent.body.message.seq as number;
    // As an older version stored it: the controls kept (the search index follows by trigger).
    await runInDurableObject(roomStub(roomId), (_room, state) => {
      state.storage.sql.exec(
        "UPDATE messages SET body = ? WHERE seq = ?",
        "old \u0002 <i> \u0003\u0003 giraffe \u0002 neck",
        seq,
      );
    });
    const [hit] = await search("giraffe");
    expect(hit?.message.seq).toBe(seq);
    expectBalancedMarks(hit?.snippet ?? "");
    expect(hit?.snippet).toBe("old  &lt;i&gt;  <mark>giraffe</mark>  neck");
  });
});

// ---- reactions --------------------------------------------------------------------------------

describe("reactions", () => {
  let seq: number;
  const path = (emoji: string) =>
    `/api/rooms/${roomId}/messages/${seq}/reactions/${encodeURIComponent(emoji)}`;

  beforeAll(async () => {
    const sent = await call(
      "POST",
      `/api/rooms/${roomId}/messages`,
      { cid: newCid(), body: "react to me" },
      { token: owner.token },
    );
    seq = sent.body.message.seq;
  });

  it("over HTTP: one emoji is accepted, anything else is 400 invalid (PUT and DELETE)", async () => {
    for (const emoji of VALID_EMOJI) {
      const res = await call("PUT", path(emoji), undefined, { token: member.token });
      expect([emoji, res.status]).toEqual([emoji, 200]);
      expect(res.body.message.reactions.map((r: { emoji: string }) => r.emoji)).toContain(emoji);
    }
    for (const emoji of ["lol", "👍👍", "a", "<b>", "❤"]) {
      for (const method of ["PUT", "DELETE"]) {
        const res = await call(method, path(emoji), undefined, { token: member.token });
        expectError(res, 400, "invalid");
        expect(invalidPaths(res)).toEqual(["emoji"]);
      }
    }
    const removed = await call("DELETE", path("👍🏽"), undefined, { token: member.token });
    expect(removed.status).toBe(200);
    expect(removed.body.message.reactions.map((r: { emoji: string }) => r.emoji)).not.toContain(
      "👍🏽",
    );
  });

  it("over WS: the react frame takes the same rule", async () => {
    const client = await RoomClient.open(roomId, member.token);
    for (const emoji of ["lol", "👍👍", "<b>"]) {
      const error = await answer(
        client,
        { type: "react", seq, emoji, on: true },
        (f) => f.type === "error" || f.type === "changed",
      );
      expect(error).toMatchObject({ type: "error", code: "invalid" });
    }
    const changed = await answer(
      client,
      { type: "react", seq, emoji: "🎉", on: true },
      (f) => f.type === "error" || (f.type === "changed" && f.message.seq === seq),
    );
    expect(changed.type).toBe("changed");
    if (changed.type === "changed") {
      expect(changed.message.reactions.map((r) => r.emoji)).toContain("🎉");
    }
    client.close();
  });
});
