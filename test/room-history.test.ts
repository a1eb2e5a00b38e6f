// History and search over HTTP (docs/api.md: Messages over HTTP, Limits): full-text search in a room, and paging through a
// room of 100,000 messages — every page exact and served by an index.
import { env, runInDurableObject } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import type { Message } from "../src/shared/protocol";
import { addMember, call, createRoom, expectError, register, type TestUser } from "./helpers";

let admin: TestUser;
let owner: TestUser;
let member: TestUser;
let outsider: TestUser;

beforeAll(async () => {
  admin = await register("hist_admin", "Ada Admin");
  owner = await register("hist_owner", "Olga Owner");
  member = await register("hist_member", "Max Member");
  outsider = await register("hist_outsider", "Otto Outsider");
  if (admin.role !== "admin") throw new Error("the first account of the file should be the admin");
});

let cidCounter = 0;

async function send(user: TestUser, roomId: string, body: string): Promise<Message> {
  const res = await call(
    "POST",
    `/api/rooms/${roomId}/messages`,
    { cid: `h-${cidCounter++}`, body },
    { token: user.token },
  );
  if (res.status !== 201) throw new Error(`send: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.message as Message;
}

interface SearchResult {
  results: Array<{ message: Message; snippet: string }>;
  nextBefore: number | null;
}

async function search(roomId: string, query: string, token = member.token) {
  const res = await call("GET", `/api/rooms/${roomId}/search?${query}`, undefined, { token });
  return res as { status: number; body: SearchResult };
}

const seqsOf = (r: { body: SearchResult }) => r.body.results.map((x) => x.message.seq);
const q = (text: string, extra = "") => `q=${encodeURIComponent(text)}${extra}`;

// ---- 10. search -------------------------------------------------------------------------------

describe("search", () => {
  let roomId: string;
  const sent: Record<string, Message> = {};

  beforeAll(async () => {
    roomId = (await createRoom(owner, "private", "search")).id;
    await addMember(owner, roomId, member.id);
    const bodies: Array<[string, TestUser, string]> = [
      ["cafe1", owner, "Meet at the café tomorrow"],
      ["cafe2", member, "The cafe opens at nine"],
      ["cafeteria", owner, "Lunch in the cafeteria"],
      ["html", member, "Use <b>bold</b> & <script>alert(1)</script> carefully"],
      ["apple", owner, "apple pie for dessert"],
      ["zebra", member, "zebra crossing ahead"],
      ["naive", owner, "A NAÏVE résumé"],
      ...Array.from(
        { length: 7 },
        (_, i) => [`page${i}`, member, `pagination sample ${i}`] as [string, TestUser, string],
      ),
    ];
    for (const [key, user, body] of bodies) sent[key] = await send(user, roomId, body);
  });

  const seq = (key: string) => {
    const m = sent[key];
    if (!m) throw new Error(`no message ${key}`);
    return m.seq;
  };

  it("folds diacritics both ways and matches the last word as a prefix, newest first", async () => {
    const cafe = await search(roomId, q("cafe"));
    expect(cafe.status).toBe(200);
    // "cafe" is the last (only) word: a prefix, so "cafeteria" matches too.
    expect(seqsOf(cafe)).toEqual([seq("cafeteria"), seq("cafe2"), seq("cafe1")]);
    expect(seqsOf(await search(roomId, q("café")))).toEqual(seqsOf(cafe));
    expect(seqsOf(await search(roomId, q("CAFÉ")))).toEqual(seqsOf(cafe));
    expect(seqsOf(await search(roomId, q("naive resume")))).toEqual([seq("naive")]);
    expect(seqsOf(await search(roomId, q("naïve RÉSUMÉ")))).toEqual([seq("naive")]);
    // Every word must match; only the last is a prefix.
    expect(seqsOf(await search(roomId, q("café tom")))).toEqual([seq("cafe1")]);
    expect(seqsOf(await search(roomId, q("caf tomorrow")))).toEqual([]);
    expect(seqsOf(await search(roomId, q("cafe opens")))).toEqual([seq("cafe2")]);
    expect(seqsOf(await search(roomId, q("caf")))).toEqual(seqsOf(cafe));
    // Punctuation is not query syntax.
    expect(seqsOf(await search(roomId, q('cafe" OR "zebra')))).toEqual([]);
    expect((await search(roomId, q("zebra*)("))).status).toBe(200);
    expect((await search(roomId, q("!!!"))).body).toEqual({ results: [], nextBefore: null });
  });

  it("results are full messages with an HTML snippet: hits in <mark>, body HTML escaped", async () => {
    const cafe = await search(roomId, q("cafe"));
    for (const r of cafe.body.results) {
      expect(r.snippet).toContain("<mark>");
      expect(r.snippet).toContain("</mark>");
      expect(r.message.roomId).toBe(roomId);
    }
    const first = cafe.body.results.find((r) => r.message.seq === seq("cafe1"));
    expect(first?.message).toMatchObject({
      body: "Meet at the café tomorrow",
      sender: { id: owner.id, handle: owner.handle },
    });
    expect(first?.snippet).toContain("<mark>café</mark>");
    const html = await search(roomId, q("bold"));
    expect(seqsOf(html)).toEqual([seq("html")]);
    const snippet = html.body.results[0]?.snippet ?? "";
    expect(snippet).toContain("&lt;b&gt;<mark>bold</mark>&lt;/b&gt;");
    expect(snippet).toContain("&amp;");
    expect(snippet).toContain("&lt;script&gt;");
    expect(snippet).not.toContain("<b>");
    expect(snippet).not.toContain("<script>");
    // Only <mark> tags are HTML in a snippet.
    expect(snippet.replace(/<\/?mark>/g, "")).not.toMatch(/[<>]/);
    // The message itself is the raw text: escaping is the snippet's job only.
    expect(html.body.results[0]?.message.body).toContain("<b>bold</b>");
  });

  it("pages newest first with before / nextBefore, no gaps or duplicates", async () => {
    const all = seqsOf(await search(roomId, q("pagination")));
    expect(all).toEqual([6, 5, 4, 3, 2, 1, 0].map((i) => seq(`page${i}`)));
    const seen: number[] = [];
    let before: number | null = null;
    let pages = 0;
    do {
      const page = await search(
        roomId,
        q("pagination", `&limit=3${before === null ? "" : `&before=${before}`}`),
      );
      expect(page.status).toBe(200);
      expect(page.body.results.length).toBeLessThanOrEqual(3);
      seen.push(...seqsOf(page));
      before = page.body.nextBefore;
      if (before !== null) expect(before).toBe(seen.at(-1));
      pages++;
    } while (before !== null && pages < 10);
    expect(pages).toBe(3);
    expect(seen).toEqual(all);
    // An exact multiple of the page size ends without an empty extra page.
    const six = await search(roomId, q("pagination", `&limit=6`));
    expect(six.body.nextBefore).toBe(seq("page1"));
    const rest = await search(roomId, q("pagination", `&limit=6&before=${seq("page1")}`));
    expect(seqsOf(rest)).toEqual([seq("page0")]);
    expect(rest.body.nextBefore).toBeNull();
  });

  it("finds edited messages by their new text only, and never finds deleted ones", async () => {
    expect(seqsOf(await search(roomId, q("apple")))).toEqual([seq("apple")]);
    const edited = await call(
      "PATCH",
      `/api/rooms/${roomId}/messages/${seq("apple")}`,
      { body: "banana split for dessert" },
      { token: owner.token },
    );
    expect(edited.status).toBe(200);
    expect(seqsOf(await search(roomId, q("apple")))).toEqual([]);
    const banana = await search(roomId, q("banana"));
    expect(seqsOf(banana)).toEqual([seq("apple")]);
    expect(banana.body.results[0]?.message.body).toBe("banana split for dessert");
    expect(banana.body.results[0]?.message.editedAt).not.toBeNull();
    expect(seqsOf(await search(roomId, q("dessert")))).toEqual([seq("apple")]);

    expect(seqsOf(await search(roomId, q("zebra")))).toEqual([seq("zebra")]);
    const deleted = await call(
      "DELETE",
      `/api/rooms/${roomId}/messages/${seq("zebra")}`,
      undefined,
      { token: owner.token },
    );
    expect(deleted.status).toBe(200);
    expect(seqsOf(await search(roomId, q("zebra")))).toEqual([]);
    expect(seqsOf(await search(roomId, q("crossing")))).toEqual([]);
    // Deleting an edited message: neither text is found.
    await call("DELETE", `/api/rooms/${roomId}/messages/${seq("apple")}`, undefined, {
      token: owner.token,
    });
    expect(seqsOf(await search(roomId, q("banana")))).toEqual([]);
    expect(seqsOf(await search(roomId, q("apple")))).toEqual([]);
  });

  it("is for those who may see the room: 404 for outsiders of a private room, 401 signed out", async () => {
    expectError((await search(roomId, q("cafe"), outsider.token)) as never, 404, "not_found");
    expectError(
      (await call("GET", `/api/rooms/${roomId}/search?q=cafe`)) as never,
      401,
      "unauthorized",
    );
    // Admins may read any room.
    expect(seqsOf(await search(roomId, q("cafe"), admin.token))).toHaveLength(3);
    // A public channel is searchable by anyone signed in.
    const channel = (await createRoom(owner, "channel", "open search")).id;
    const m = await send(owner, channel, "public words here");
    expect(seqsOf(await search(channel, q("public"), outsider.token))).toEqual([m.seq]);
  });

  it("bad queries answer 400", async () => {
    for (const query of [
      "",
      "q=",
      "q=%20%20",
      `q=${"a".repeat(201)}`,
      "q=cafe&limit=0",
      "q=cafe&limit=51",
      "q=cafe&before=0",
      "q=cafe&before=abc",
    ]) {
      expectError((await search(roomId, query)) as never, 400, "invalid");
    }
  });
});

// ---- 11. history at scale ---------------------------------------------------------------------

const TOTAL = 100_000;

describe("history of a room with 100,000 messages", () => {
  let roomId: string;
  // `sinceRev` requests are limited per user (5 per 10 s): later tests read as the owner.
  const get = async (query: string, token = member.token) => {
    const res = await call("GET", `/api/rooms/${roomId}/messages?${query}`, undefined, { token });
    return res as {
      status: number;
      body: { messages: Message[]; hasMore: boolean; rev?: number; complete?: boolean };
    };
  };
  const range = (from: number, to: number) =>
    Array.from({ length: to - from + 1 }, (_, i) => from + i);
  const seqs = (page: { body: { messages: Message[] } }) => page.body.messages.map((m) => m.seq);

  // Recent, one millisecond apart: well inside the retention period.
  const createdBase = Date.now() - TOTAL;

  beforeAll(async () => {
    roomId = (await createRoom(owner, "private", "big room")).id;
    await addMember(owner, roomId, member.id);
    const stub = env.ROOM.get(env.ROOM.idFromName(roomId));
    await runInDurableObject(stub, (_instance, state) => {
      state.storage.sql.exec(
        `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
         INSERT INTO messages (rev, sender_id, sender_handle, sender_name, cid, body, created_at)
         SELECT i, ?, ?, ?, 'bulk-' || i, 'message ' || i, ? + i FROM n`,
        TOTAL,
        owner.id,
        owner.handle,
        "Olga Owner",
        createdBase,
      );
      // The room's change counter, as if every insert had gone through the store.
      state.storage.sql.exec(
        "INSERT INTO meta (key, value) VALUES ('rev', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        JSON.stringify(TOTAL),
      );
    });
  }, 120_000);

  it("the newest page (limit 100) is 99,901..100,000 ascending, with hasMore", async () => {
    const page = await get("limit=100");
    expect(page.status).toBe(200);
    expect(seqs(page)).toEqual(range(TOTAL - 99, TOTAL));
    expect(page.body.hasMore).toBe(true);
    const last = page.body.messages.at(-1);
    expect(last).toMatchObject({
      seq: TOTAL,
      rev: TOTAL,
      roomId,
      body: `message ${TOTAL}`,
      sender: { id: owner.id, handle: owner.handle, name: "Olga Owner" },
      deleted: false,
      editedAt: null,
      replyTo: null,
      reactions: [],
      mentions: [],
      attachments: [],
    });
    expect(last?.createdAt).toBe(new Date(createdBase + TOTAL).toISOString());
    // Without a limit: 50.
    expect(seqs(await get(""))).toEqual(range(TOTAL - 49, TOTAL));
  });

  it("paging back with before= walks without gaps or duplicates; a deep page is exact", async () => {
    let before = TOTAL + 1;
    const seen: number[] = [];
    for (let i = 0; i < 5; i++) {
      const page = await get(`before=${before}&limit=100`);
      expect(page.body.hasMore).toBe(true);
      const s = seqs(page);
      expect(s).toEqual(range(before - 100, before - 1));
      seen.unshift(...s);
      before = s[0] as number;
    }
    expect(seen).toEqual(range(TOTAL - 499, TOTAL));
    const deep = await get("before=50001&limit=100");
    expect(seqs(deep)).toEqual(range(49_901, 50_000));
    expect(deep.body.hasMore).toBe(true);
    expect(deep.body.messages[0]?.body).toBe("message 49901");
    // The start of the room: a short last page, hasMore false.
    const start = await get("before=31&limit=100");
    expect(seqs(start)).toEqual(range(1, 30));
    expect(start.body.hasMore).toBe(false);
    const exact = await get("before=101&limit=100");
    expect(seqs(exact)).toEqual(range(1, 100));
    expect(exact.body.hasMore).toBe(false);
    expect((await get("before=1&limit=100")).body).toEqual({ messages: [], hasMore: false });
  });

  it("after= polls forward and sinceRev= pages the changes feed", async () => {
    const first = await get("after=0&limit=100");
    expect(seqs(first)).toEqual(range(1, 100));
    expect(first.body.hasMore).toBe(true);
    const middle = await get("after=60000&limit=100");
    expect(seqs(middle)).toEqual(range(60_001, 60_100));
    const tail = await get(`after=${TOTAL - 30}&limit=100`);
    expect(seqs(tail)).toEqual(range(TOTAL - 29, TOTAL));
    expect(tail.body.hasMore).toBe(false);
    expect((await get(`after=${TOTAL}`)).body).toEqual({ messages: [], hasMore: false });

    const feed = await get("sinceRev=0");
    expect(feed.body.messages.map((m) => m.rev)).toEqual(range(1, 500));
    expect(feed.body).toMatchObject({ hasMore: true, complete: false, rev: 500 });
    const next = await get("sinceRev=500&limit=200");
    expect(next.body.messages.map((m) => m.rev)).toEqual(range(501, 700));
    expect(next.body).toMatchObject({ complete: false, rev: 700 });
    const end = await get(`sinceRev=${TOTAL - 10}`);
    expect(end.body.messages.map((m) => m.seq)).toEqual(range(TOTAL - 9, TOTAL));
    expect(end.body).toMatchObject({ hasMore: false, complete: true, rev: TOTAL });

    // Changes to old messages come back in rev order, after everything else.
    const edited = await call(
      "PATCH",
      `/api/rooms/${roomId}/messages/5`,
      { body: "message 5, edited" },
      { token: owner.token },
    );
    expect(edited.status).toBe(200);
    expect(edited.body.message.rev).toBe(TOTAL + 1);
    const sent = await send(member, roomId, "a new one");
    expect(sent).toMatchObject({ seq: TOTAL + 1, rev: TOTAL + 2 });
    const changes = await get(`sinceRev=${TOTAL}`);
    expect(changes.body.messages.map((m) => [m.seq, m.rev])).toEqual([
      [5, TOTAL + 1],
      [TOTAL + 1, TOTAL + 2],
    ]);
    expect(changes.body).toMatchObject({ complete: true, rev: TOTAL + 2 });
    expect((await get(`sinceRev=${TOTAL + 2}`)).body).toMatchObject({
      messages: [],
      complete: true,
      rev: TOTAL + 2,
    });
    // History still pages by seq: the edit is in place, not moved.
    expect((await get("after=4&limit=1")).body.messages[0]).toMatchObject({
      seq: 5,
      body: "message 5, edited",
    });
    expect(seqs(await get("limit=2"))).toEqual([TOTAL, TOTAL + 1]);
  });

  it("every page query is served by the primary key or an index", async () => {
    const stub = env.ROOM.get(env.ROOM.idFromName(roomId));
    const plans = await stub.queryPlans();
    expect(Object.keys(plans).sort()).toEqual(["after", "changes", "newest", "thread"]);
    const indexed =
      /^SEARCH messages USING (INTEGER PRIMARY KEY|(COVERING )?INDEX messages_(rev|main|thread))/;
    for (const [name, plan] of Object.entries(plans)) {
      expect(plan.length, name).toBeGreaterThan(0);
      for (const step of plan) {
        expect(step, name).toMatch(indexed);
        expect(step, name).not.toMatch(/TEMP B-TREE/);
      }
    }
    expect(plans.newest?.join(" ")).toMatch(/messages_main|PRIMARY KEY/);
    expect(plans.after?.join(" ")).toMatch(/messages_main|PRIMARY KEY/);
    expect(plans.thread?.join(" ")).toMatch(/messages_thread/);
    expect(plans.changes?.join(" ")).toMatch(/messages_rev/);

    // The statements the store really runs (all columns), planned against this very table.
    const columns =
      "seq, rev, sender_id, sender_handle, sender_name, cid, body, reply_to, mentions_json, attachments_json, created_at, edited_at, deleted_at";
    const real = await runInDurableObject(stub, (_instance, state) => {
      const plan = (sql: string, ...args: unknown[]) =>
        state.storage.sql
          .exec<{ detail: string }>(`EXPLAIN QUERY PLAN ${sql}`, ...args)
          .toArray()
          .map((r) => r.detail);
      return {
        before: plan(
          `SELECT ${columns} FROM messages WHERE thread_of IS NULL AND seq < ? ORDER BY seq DESC LIMIT ?`,
          50_001,
          101,
        ),
        after: plan(
          `SELECT ${columns} FROM messages WHERE thread_of IS NULL AND seq > ? ORDER BY seq ASC LIMIT ?`,
          50_000,
          101,
        ),
        changes: plan(
          `SELECT ${columns} FROM messages WHERE rev > ? ORDER BY rev ASC LIMIT ?`,
          50_000,
          501,
        ),
      };
    });
    for (const [name, plan] of Object.entries(real)) {
      for (const step of plan) {
        expect(step, name).toMatch(indexed);
        expect(step, name).not.toMatch(/TEMP B-TREE/);
      }
    }
  });

  it("pages stay fast at this size", async () => {
    const started = performance.now();
    for (const query of [
      "limit=100",
      "before=50001&limit=100",
      "before=101&limit=100",
      "after=77777&limit=100",
      "sinceRev=90000",
    ]) {
      expect((await get(query, owner.token)).status).toBe(200);
    }
    // Five indexed pages, a few hundred rows in all: far from a table scan of 100,000 rows.
    expect(performance.now() - started).toBeLessThan(3_000);
  });

  it("answers bad paging input with 400, and clamps history pages to 100", async () => {
    for (const query of [
      "before=0",
      "before=-5",
      "before=abc",
      "after=-1",
      "sinceRev=-1",
      "limit=0",
      "limit=501",
      "limit=1.5",
      "before=10&after=5",
      "before=10&sinceRev=5",
      "after=10&sinceRev=5",
      "before=10&after=5&sinceRev=1",
    ]) {
      const res = await get(query);
      expectError(res as never, 400, "invalid");
    }
    const big = await get("limit=101");
    expect(big.status).toBe(200);
    expect(seqs(big)).toHaveLength(100);
    const huge = await get("before=50001&limit=500");
    expect(seqs(huge)).toEqual(range(49_901, 50_000));
    const afterHuge = await get("after=0&limit=500");
    expect(seqs(afterHuge)).toEqual(range(1, 100));
    // The changes feed takes up to 500 (the replay size).
    const feed = await get("sinceRev=0&limit=500", owner.token);
    expect(feed.body.messages).toHaveLength(500);
    // Outsiders of a private room: 404, whatever the query.
    const res = await call("GET", `/api/rooms/${roomId}/messages?limit=1`, undefined, {
      token: outsider.token,
    });
    expectError(res, 404, "not_found");
  });
});
