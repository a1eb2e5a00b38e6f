// Retention (docs/api.md: the admin API, the `trimmed` frame, Retention): each room's own alarm deletes what its
// policy says, oldest first, in bounded batches; preview and run agree; export streams a room.
import { runInDurableObject, SELF } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import type { RoomDO } from "../src/room/room-do";
import type { Message } from "../src/shared/protocol";
import {
  BASE,
  call,
  createRoom,
  expectError,
  myRoom,
  register,
  roomStub,
  sendMessage,
  type TestUser,
  uniqueHandle,
} from "./helpers";
import { RoomClient } from "./room-client";

const DAY = 86_400_000;
let admin: TestUser;
let owner: TestUser;
let member: TestUser;

beforeAll(async () => {
  admin = await register(uniqueHandle("admin"), "Admin");
  owner = await register(uniqueHandle("owner"), "Olga Owner");
  member = await register(uniqueHandle("member"), "Mo Member");
});

async function adminRoom(retention?: Record<string, unknown>, ephemeral = false) {
  const res = await call(
    "POST",
    "/api/admin/rooms",
    {
      kind: "private",
      name: "kept",
      ephemeral,
      ...(retention ? { retention } : {}),
      members: [
        { userId: owner.id, role: "owner" },
        { userId: member.id, role: "member" },
      ],
    },
    { token: admin.token },
  );
  expect(res.status).toBe(201);
  return res.body.room.id as string;
}

/**
 * Writes messages straight into the room's SQLite, as a room that has lived for a while would
 * hold them (created_at in the past). Nothing is scheduled by this: the room learns of them when
 * it is next asked.
 */
async function seedMessages(
  roomId: string,
  messages: ReadonlyArray<{ body: string; at: number }>,
): Promise<void> {
  await runInDurableObject<RoomDO, void>(roomStub(roomId), (_room, state) => {
    const rev = JSON.parse(
      state.storage.sql
        .exec<{ value: string }>("SELECT value FROM meta WHERE key = 'rev'")
        .toArray()[0]?.value ?? "0",
    ) as number;
    messages.forEach((m, i) => {
      state.storage.sql.exec(
        `INSERT INTO messages (rev, sender_id, sender_handle, sender_name, cid, body, created_at)
         VALUES (?, ?, ?, 'Olga Owner', ?, ?, ?)`,
        rev + i + 1,
        owner.id,
        owner.handle,
        `seed-${rev + i + 1}`,
        m.body,
        m.at,
      );
    });
    state.storage.sql.exec(
      "INSERT INTO meta (key, value) VALUES ('rev', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
      JSON.stringify(rev + messages.length),
    );
  });
}

const asAdmin = (method: string, path: string, body?: unknown) =>
  call(method, path, body, { token: admin.token });
const preview = async (roomId: string) =>
  (await asAdmin("GET", `/api/admin/rooms/${roomId}/retention/preview`)).body;
const run = async (roomId: string) =>
  (await asAdmin("POST", `/api/admin/rooms/${roomId}/retention/run`)).body.deleted;

async function storedSeqs(roomId: string): Promise<number[]> {
  return runInDurableObject<RoomDO, number[]>(roomStub(roomId), (_room, state) =>
    state.storage.sql
      .exec<{ seq: number }>("SELECT seq FROM messages ORDER BY seq")
      .toArray()
      .map((r) => r.seq),
  );
}

const utf8 = (s: string) => new TextEncoder().encode(s).length;

async function waitFor(check: () => Promise<boolean>, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("the policy", () => {
  it("defaults to 90 days, 3 for ephemeral rooms; PUT replaces it and is audited", async () => {
    const plain = await adminRoom();
    expect((await asAdmin("GET", `/api/admin/rooms/${plain}/retention`)).body).toEqual({
      policy: { maxAgeDays: null, maxMessages: null, maxBytes: null },
      effective: { maxAgeDays: 90, maxMessages: null, maxBytes: null },
    });
    const ephemeral = await adminRoom(undefined, true);
    expect(
      (await asAdmin("GET", `/api/admin/rooms/${ephemeral}/retention`)).body.effective,
    ).toMatchObject({ maxAgeDays: 3 });

    const put = await asAdmin("PUT", `/api/admin/rooms/${plain}/retention`, {
      maxAgeDays: 0.5,
      maxMessages: 1000,
    });
    expect(put.body).toEqual({
      policy: { maxAgeDays: 0.5, maxMessages: 1000, maxBytes: null },
      effective: { maxAgeDays: 0.5, maxMessages: 1000, maxBytes: null },
      deleted: { messages: 0, bytes: 0, fromSeq: null, toSeq: null },
    });
    const audit = await asAdmin("GET", `/api/admin/audit?roomId=${plain}`);
    expect(audit.body.entries[0]).toMatchObject({
      action: "retention.set",
      actorId: admin.id,
      detail: { maxAgeDays: 0.5, maxMessages: 1000, maxBytes: null },
    });
    // Every member sees how long messages are kept; only owners (and admins) see the policy.
    const details = await call("GET", `/api/rooms/${plain}`, undefined, { token: member.token });
    expect(details.body.retention).toEqual({ maxAgeDays: 0.5, maxMessages: 1000, maxBytes: null });
    const asOwner = await call("GET", `/api/rooms/${plain}/retention`, undefined, {
      token: owner.token,
    });
    expect(asOwner.body.policy).toMatchObject({ maxAgeDays: 0.5 });
    expectError(
      await call("GET", `/api/rooms/${plain}/retention`, undefined, { token: member.token }),
      403,
      "forbidden",
    );
    const stranger = await register(uniqueHandle("stranger"), "Stranger");
    expectError(
      await call("GET", `/api/rooms/${plain}/retention`, undefined, { token: stranger.token }),
      404,
      "not_found",
    );
    expectError(
      await call(
        "PUT",
        `/api/admin/rooms/${plain}/retention`,
        { maxAgeDays: 1 },
        {
          token: owner.token,
        },
      ),
      403,
      "forbidden",
    );
  });

  it("refuses nonsense", async () => {
    const roomId = await adminRoom();
    for (const body of [
      { maxAgeDays: 0 },
      { maxAgeDays: -1 },
      { maxAgeDays: "90" },
      { maxMessages: 1.5 },
      { maxMessages: 0 },
      { maxBytes: -5 },
    ]) {
      expectError(
        await asAdmin("PUT", `/api/admin/rooms/${roomId}/retention`, body),
        400,
        "invalid",
      );
    }
    expectError(
      await asAdmin("GET", "/api/admin/rooms/room_nope/retention/preview"),
      404,
      "not_found",
    );
  });
});

describe("preview and run delete exactly the same messages, oldest first", () => {
  const now = Date.now();
  // 60 messages: the first 20 are 10 days old, the rest recent; bodies grow with the seq.
  const seeded = Array.from({ length: 60 }, (_, i) => ({
    body: `message ${i + 1} ${"é".repeat(i)}`,
    at: i < 20 ? now - 10 * DAY + i : now - 60_000 + i,
  }));
  const bytesThrough = (seq: number) =>
    seeded.slice(0, seq).reduce((sum, m) => sum + utf8(m.body), 0);
  const totalBytes = bytesThrough(60);
  // The smallest seq whose oldest-first bytes cover the excess over `max`.
  const bytesBoundary = (max: number) => {
    let seq = 0;
    while (bytesThrough(seq) < totalBytes - max) seq++;
    return seq;
  };

  const cases: Array<[string, Record<string, number>, number]> = [
    ["age alone", { maxAgeDays: 5 }, 20],
    ["count alone", { maxMessages: 25 }, 35],
    ["bytes alone", { maxBytes: 1000 }, bytesBoundary(1000)],
    ["all three, age bites first", { maxAgeDays: 5, maxMessages: 50, maxBytes: totalBytes }, 20],
    ["all three, count bites first", { maxAgeDays: 5, maxMessages: 30, maxBytes: totalBytes }, 30],
    [
      "all three, bytes bite first",
      { maxAgeDays: 5, maxMessages: 50, maxBytes: 600 },
      bytesBoundary(600),
    ],
  ];

  for (const [name, policy, boundary] of cases) {
    it(`${name}: through seq ${boundary}`, async () => {
      expect(boundary).toBeGreaterThan(0);
      const roomId = await adminRoom(policy);
      await seedMessages(roomId, seeded);
      const expected = {
        messages: boundary,
        bytes: bytesThrough(boundary),
        fromSeq: 1,
        toSeq: boundary,
      };
      expect(await preview(roomId)).toEqual(expected);
      expect(await run(roomId)).toEqual(expected);
      expect(await storedSeqs(roomId)).toEqual(
        Array.from({ length: 60 - boundary }, (_, i) => boundary + 1 + i),
      );
      // Nothing more to do, and doing it again changes nothing.
      const nothing = { messages: 0, bytes: 0, fromSeq: null, toSeq: null };
      expect(await preview(roomId)).toEqual(nothing);
      expect(await run(roomId)).toEqual(nothing);
      expect((await storedSeqs(roomId))[0]).toBe(boundary + 1);
      const audit = await asAdmin("GET", `/api/admin/audit?roomId=${roomId}`);
      expect(audit.body.entries.map((e: any) => e.action)).toContain("retention.run");
    });
  }
});

describe("a proposed policy", () => {
  it("previews exactly what saving it then deletes, without changing anything first", async () => {
    const roomId = await adminRoom();
    const now = Date.now();
    await seedMessages(
      roomId,
      Array.from({ length: 40 }, (_, i) => ({ body: `m${i + 1}`, at: now - 60_000 + i })),
    );
    const proposed = (query: string) =>
      asAdmin("GET", `/api/admin/rooms/${roomId}/retention/preview?${query}`);
    const bytes = Array.from({ length: 15 }, (_, i) => utf8(`m${i + 1}`)).reduce((a, b) => a + b);
    expect((await proposed("maxMessages=25")).body).toEqual({
      messages: 15,
      bytes,
      fromSeq: 1,
      toSeq: 15,
    });
    expectError(await proposed("maxMessages=0"), 400, "invalid");
    // All defaults, proposed explicitly (the saved policy here is the default too).
    expect((await proposed("proposed=true")).body).toMatchObject({ messages: 0 });
    expectError(await proposed("maxAgeDays=soon"), 400, "invalid");
    // Nothing was saved or deleted by previewing.
    expect(await preview(roomId)).toEqual({ messages: 0, bytes: 0, fromSeq: null, toSeq: null });
    expect(await storedSeqs(roomId)).toHaveLength(40);

    // Saving applies the policy at once, and the answer says what that deleted (audited too).
    const socket = await RoomClient.open(roomId, member.token);
    const saved = await asAdmin("PUT", `/api/admin/rooms/${roomId}/retention`, { maxMessages: 25 });
    expect(saved.body.deleted).toEqual({ messages: 15, bytes, fromSeq: 1, toSeq: 15 });
    expect(await storedSeqs(roomId)).toHaveLength(25);
    expect((await storedSeqs(roomId))[0]).toBe(16);
    // Members with the room open are told the new policy, for their "kept for" notice.
    expect(await socket.next("room", () => true)).toMatchObject({
      type: "room",
      room: { id: roomId, name: "kept" },
      retention: { maxAgeDays: 90, maxMessages: 25, maxBytes: null },
    });
    await socket.next("trimmed", (f) => f.firstSeq === 16);
    socket.close();
    const audit = await asAdmin("GET", `/api/admin/audit?roomId=${roomId}&limit=2`);
    expect(audit.body.entries.map((e: { action: string }) => e.action)).toEqual([
      "retention.run",
      "retention.set",
    ]);
    expect(audit.body.entries[0].detail).toMatchObject({ messages: 15, onSave: true });
  });
});

describe("the alarm alone", () => {
  it("a fractional maxAgeDays expires messages without any API call", async () => {
    const roomId = await adminRoom({ maxAgeDays: 1.5 / 86_400 }); // 1.5 seconds
    const socket = await RoomClient.open(roomId, member.token);
    for (const body of ["one", "two", "three"]) await sendMessage(owner, roomId, body);
    const trimmed = await socket.next("trimmed", (f) => f.firstSeq === 4, { timeoutMs: 8_000 });
    expect(trimmed).toEqual({ type: "trimmed", firstSeq: 4 });
    const history = await call("GET", `/api/rooms/${roomId}/messages`, undefined, {
      token: member.token,
    });
    expect(history.body).toEqual({ messages: [], hasMore: false });
    // D1 learns the new first seq: nothing is unread any more.
    await waitFor(async () => (await myRoom(member, roomId)).unread === 0);
    expect(await myRoom(member, roomId)).toMatchObject({ lastSeq: 3, unread: 0, mentions: 0 });
    // New messages keep their seqs after the purge.
    expect((await sendMessage(owner, roomId, "four")).seq).toBe(4);
    socket.close();
  });

  it("a count limit is enforced as soon as it is exceeded", async () => {
    const roomId = await adminRoom({ maxMessages: 5 });
    for (let i = 1; i <= 8; i++) await sendMessage(owner, roomId, `m${i}`);
    await waitFor(async () => (await storedSeqs(roomId))[0] === 4);
    expect(await storedSeqs(roomId)).toEqual([4, 5, 6, 7, 8]);
  });
});

describe("across a purge", () => {
  it("unread counts, history paging and resume by rev stay correct", async () => {
    const roomId = await adminRoom();
    const old = Date.now() - 100 * DAY;
    await seedMessages(
      roomId,
      Array.from({ length: 30 }, (_, i) => ({ body: `old ${i + 1}`, at: old + i })),
    );
    const a = await RoomClient.open(roomId, owner.token);
    const ready = await a.next("ready");
    const rev = ready.rev;
    a.close();
    // Ten new messages, with a mention of the member; the member has read nothing.
    for (let i = 1; i <= 10; i++) {
      await sendMessage(owner, roomId, i === 5 ? `@${member.handle} new ${i}` : `new ${i}`);
    }
    // Sending made retention due (the 30 old ones are past 90 days): the alarm purges them.
    await waitFor(async () => (await storedSeqs(roomId))[0] === 31);
    await roomStub(roomId).flush();
    expect(await myRoom(member, roomId)).toMatchObject({ lastSeq: 40, unread: 10, mentions: 1 });

    const page = await call("GET", `/api/rooms/${roomId}/messages?limit=8`, undefined, {
      token: member.token,
    });
    expect(page.body.messages.map((m: Message) => m.seq)).toEqual([33, 34, 35, 36, 37, 38, 39, 40]);
    const back = await call("GET", `/api/rooms/${roomId}/messages?before=33&limit=8`, undefined, {
      token: member.token,
    });
    expect(back.body).toMatchObject({ hasMore: false });
    expect(back.body.messages.map((m: Message) => m.seq)).toEqual([31, 32]);

    // A client that was away resumes from its old rev: it is told where the room begins and
    // gets exactly the messages that still exist.
    const resumed = await RoomClient.open(roomId, member.token, { sinceRev: rev });
    const synced = await resumed.next("synced");
    expect(resumed.frames.find((f) => f.type === "trimmed")).toEqual({
      type: "trimmed",
      firstSeq: 31,
    });
    const replayed = resumed.frames.flatMap((f) => (f.type === "message" ? [f.message.seq] : []));
    expect(replayed).toEqual(Array.from({ length: 10 }, (_, i) => 31 + i));
    expect(synced.complete).toBe(true);
    resumed.close();
    const changes = await call("GET", `/api/rooms/${roomId}/messages?sinceRev=0`, undefined, {
      token: member.token,
    });
    expect(changes.body).toMatchObject({ firstSeq: 31, complete: true });
    expect(changes.body.messages).toHaveLength(10);
  });
});

describe("a room of 100,000 messages", () => {
  const TOTAL = 100_000;
  let roomId: string;

  beforeAll(async () => {
    roomId = await adminRoom();
    const old = Date.now() - 100 * DAY;
    await runInDurableObject<RoomDO, void>(roomStub(roomId), (_room, state) => {
      state.storage.sql.exec(
        `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
         INSERT INTO messages (rev, sender_id, sender_handle, sender_name, cid, body, created_at)
         SELECT i, ?, ?, 'Olga Owner', 'bulk-' || i, 'needle ' || i, ? + i FROM n`,
        TOTAL,
        owner.id,
        owner.handle,
        old,
      );
      // Every 1000th message has a reaction; every 777th is a tombstone.
      state.storage.sql.exec(
        `INSERT INTO reactions (seq, user_id, emoji, at)
         SELECT seq, ?, '👍', 0 FROM messages WHERE seq % 1000 = 0`,
        member.id,
      );
      state.storage.sql.exec(
        "UPDATE messages SET body = '', deleted_at = created_at WHERE seq % 777 = 0",
      );
      state.storage.sql.exec(
        "INSERT INTO meta (key, value) VALUES ('rev', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        JSON.stringify(TOTAL),
      );
    });
  }, 120_000);

  it("exports as NDJSON in seq order, tombstones included, streamed", async () => {
    const response = await SELF.fetch(`${BASE}/api/rooms/${roomId}/export`, {
      headers: { authorization: `Bearer ${member.token}` },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("application/x-ndjson");
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let pending = "";
    let count = 0;
    let chunks = 0;
    let tombstones = 0;
    let lastSeq = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks++;
      pending += decoder.decode(value, { stream: true });
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines) {
        const message = JSON.parse(line) as Message;
        expect(message.seq).toBe(lastSeq + 1);
        lastSeq = message.seq;
        count++;
        if (message.deleted) {
          tombstones++;
          expect(message.body).toBe("");
        } else if (message.seq % 1000 === 0) {
          expect(message.reactions).toEqual([{ emoji: "👍", count: 1, userIds: [member.id] }]);
        }
      }
    }
    expect(pending).toBe("");
    expect(count).toBe(TOTAL);
    expect(tombstones).toBe(Math.floor(TOTAL / 777));
    // Many chunks: the export is streamed page by page, not built in memory.
    expect(chunks).toBeGreaterThanOrEqual(50);
  }, 120_000);

  it("export is for members and admins only", async () => {
    const stranger = await register(uniqueHandle("stranger"), "Stranger");
    expectError(
      await call("GET", `/api/rooms/${roomId}/export`, undefined, { token: stranger.token }),
      404,
      "not_found",
    );
    expectError(await call("GET", `/api/rooms/${roomId}/export`), 401, "unauthorized");
    const channel = await createRoom(owner, "channel", "public");
    expectError(
      await call("GET", `/api/rooms/${channel.id}/export`, undefined, { token: stranger.token }),
      403,
      "forbidden",
    );
    const asAdminRes = await asAdmin("GET", `/api/rooms/${channel.id}/export`);
    expect(asAdminRes.status).toBe(200);
  });

  it("purges in batches while live sends go on; a batch that throws is retried to the same end", async () => {
    const socket = await RoomClient.open(roomId, member.token);
    // Make the fifth purge batch fail midway (after its first statements, inside its
    // transaction): the alarm throws, the runtime retries it.
    await runInDurableObject<RoomDO, void>(roomStub(roomId), (_room, state) => {
      const sql = state.storage.sql as SqlStorage & { purgeFailures?: number };
      const exec = sql.exec.bind(sql);
      let purges = 0;
      sql.purgeFailures = 0;
      sql.exec = ((query: string, ...bindings: unknown[]) => {
        if (query.startsWith("DELETE FROM messages WHERE seq <=") && ++purges === 5) {
          sql.purgeFailures = (sql.purgeFailures ?? 0) + 1;
          throw new Error("storage hiccup (injected)");
        }
        return exec(query, ...bindings);
      }) as SqlStorage["exec"];
    });

    // Sending makes retention due: the 100,000 messages are past 90 days.
    const live = await sendMessage(owner, roomId, "still here");
    const trims: number[] = [];
    const acks: number[] = [];
    for (let i = 0; acks.length < 10; i++) {
      socket.send({ type: "send", cid: `live-${i}`, body: `live ${i}` });
      const from = socket.frames.length;
      acks.push((await socket.next("ack", (f) => f.cid === `live-${i}`, { from })).seq);
    }
    await socket.next("trimmed", (f) => f.firstSeq === TOTAL + 1, { timeoutMs: 90_000 });
    for (const frame of socket.frames) if (frame.type === "trimmed") trims.push(frame.firstSeq);
    // Many bounded batches, each announced, moving forward only.
    expect(trims.length).toBeGreaterThanOrEqual(TOTAL / 500 / 2);
    expect([...trims].sort((x, y) => x - y)).toEqual(trims);

    expect(await storedSeqs(roomId)).toEqual([live.seq, ...acks]);
    const leftovers = await runInDurableObject<RoomDO, Record<string, number>>(
      roomStub(roomId),
      (_room, state) => ({
        reactions: state.storage.sql
          .exec<{ n: number }>("SELECT count(*) AS n FROM reactions")
          .one().n,
        target: state.storage.sql
          .exec<{ n: number }>(
            "SELECT count(*) AS n FROM meta WHERE key = 'purgeTarget' AND value <> 'null'",
          )
          .one().n,
      }),
    );
    expect(leftovers).toEqual({ reactions: 0, target: 0 });
    const injected = await runInDurableObject<RoomDO, number>(
      roomStub(roomId),
      (_room, state) =>
        (state.storage.sql as SqlStorage & { purgeFailures?: number }).purgeFailures ?? 0,
    );
    expect(injected).toBe(1);
    const search = await call("GET", `/api/rooms/${roomId}/search?q=needle`, undefined, {
      token: member.token,
    });
    expect(search.body.results).toEqual([]);
    const stillHere = await call("GET", `/api/rooms/${roomId}/search?q=still`, undefined, {
      token: member.token,
    });
    expect(stillHere.body.results).toHaveLength(1);
    expect(await run(roomId)).toEqual({ messages: 0, bytes: 0, fromSeq: null, toSeq: null });
    socket.close();
  }, 120_000);
});
