// The web client's pure logic, without a browser: merging messages by seq and rev, the rows of
// the message list, safe links and mentions (the rest of the Markdown subset is in
// rich-text-logic.test.ts), reconnect delays, room-list previews, retention and the admin page
// in words, search snippets and the search's answers.
import { describe, expect, test } from "vitest";
import type { AuditEntry } from "../../src/shared/api";
import { type Message, messagePreview } from "../../src/shared/protocol";
import {
  auditActor,
  auditRoom,
  auditTarget,
  inviteSummary,
  roomLabel,
  storedText,
} from "../../web/components/admin-panel/admin-text";
import {
  deletedText,
  previewText,
  readPolicy,
  savedText,
} from "../../web/components/admin-panel/retention-text";
import { deviceName } from "../../web/lib/device-name";
import { formatBytes, formatDays, keptText, trimExplained } from "../../web/lib/retention";
import { inlineParts } from "../../web/lib/rich-text";
import { snippetParts } from "../../web/lib/snippet";
import { ApiError } from "../../web/net/api";
import { backoffDelay } from "../../web/net/live-socket";
import { roomPreview } from "../../web/state/app-state";
import { createMessageSearch } from "../../web/state/message-search";
import { timelineRows, upsertMessages } from "../../web/state/timeline";
import { messageOf } from "./fixtures";

const message = (seq: number, rev = seq, extra: Partial<Message> = {}): Message =>
  messageOf(seq, { rev, sender: { id: "usr_a", handle: "ana", name: "Ana" }, ...extra });

describe("upsertMessages", () => {
  test("inserts in seq order, newer revs replace, older revs and duplicates do not", () => {
    let list = upsertMessages([], [message(3), message(1)], 0);
    list = upsertMessages(list, [message(2), message(3, 3)], 0);
    expect(list.map((m) => m.seq)).toEqual([1, 2, 3]);
    const edited = upsertMessages(list, [message(2, 9, { body: "edited" })], 0);
    expect(edited[1]?.body).toBe("edited");
    expect(upsertMessages(edited, [message(2, 4, { body: "stale" })], 0)).toBe(edited);
  });

  test("leaves out messages below the loaded range, so paging back never skips a gap", () => {
    const list = upsertMessages([message(50)], [message(10, 99)], 40);
    expect(list.map((m) => m.seq)).toEqual([50]);
  });
});

describe("timelineRows", () => {
  test("a heading per day, runs of one sender, pending messages last", () => {
    const day1 = message(1);
    const day1b = message(2);
    const other = message(3, 3, { sender: { id: "usr_b", handle: "bob", name: "Bob" } });
    const day2 = message(4, 4, { createdAt: new Date(2026, 0, 11, 9).toISOString() });
    const rows = timelineRows(
      [day1, day1b, other, day2],
      [
        {
          cid: "c1",
          body: "queued",
          replyTo: null,
          createdAt: new Date(2026, 0, 11, 9, 5).toISOString(),
          status: "queued",
        },
      ],
      new Date(2026, 0, 11, 10),
    );
    expect(rows.map((r) => (r.kind === "message" ? `${r.key}:${r.first}` : r.kind))).toEqual([
      "day",
      "m1:true",
      "m2:false",
      "m3:true",
      "day",
      "m4:true",
      "pending",
    ]);
    const labels = rows.filter((r) => r.kind === "day").map((r) => r.kind === "day" && r.label);
    expect(labels).toEqual(["Yesterday", "Today"]);
  });
});

describe("inlineParts", () => {
  test("links only for http(s) and mailto:, without trailing punctuation; mentions by handle", () => {
    expect(inlineParts("see https://example.com/a?b=1, and @bob!")).toEqual([
      { kind: "text", text: "see " },
      { kind: "link", text: "https://example.com/a?b=1", href: "https://example.com/a?b=1" },
      { kind: "text", text: ", and " },
      { kind: "mention", text: "@bob", handle: "bob" },
      { kind: "text", text: "!" },
    ]);
    expect(inlineParts("javascript:alert(1) <b>x</b> mail@example.com")).toEqual([
      { kind: "text", text: "javascript:alert(1) <b>x</b> " },
      { kind: "link", text: "mail@example.com", href: "mailto:mail@example.com" },
    ]);
  });
});

describe("backoffDelay", () => {
  test("doubles up to the ceiling, with at most half of it random", () => {
    expect(backoffDelay(0, 500, 30_000, () => 0)).toBe(250);
    expect(backoffDelay(0, 500, 30_000, () => 1)).toBe(500);
    expect(backoffDelay(3, 500, 30_000, () => 0)).toBe(2000);
    expect(backoffDelay(20, 500, 30_000, () => 1)).toBe(30_000);
  });
});

describe("room-list previews", () => {
  const me = {
    id: "usr_bo",
    handle: "bo",
    displayName: "Bob Jensen",
    avatarUrl: null,
    bot: false,
    role: "user" as const,
    createdAt: new Date(2026, 0, 1).toISOString(),
  };

  test("one line, as the room stores it: name, then at most 140 characters", () => {
    expect(messagePreview("Ana", "two\n  lines ")).toBe("Ana: two lines");
    expect(messagePreview("Ana", "é".repeat(150))).toBe(`Ana: ${"é".repeat(140)}…`);
  });

  test('my own read "You: …"; someone else\'s, even of my name, keep theirs', () => {
    const mine = { lastPreview: "Bob Jensen: on my way", lastSenderId: "usr_bo" };
    expect(roomPreview(mine, me)).toBe("You: on my way");
    // Another Bob Jensen (names are not unique): the sender id decides.
    expect(roomPreview({ ...mine, lastSenderId: "usr_other" }, me)).toBe("Bob Jensen: on my way");
    // Stored before senders were: left as it is.
    expect(roomPreview({ ...mine, lastSenderId: null }, me)).toBe("Bob Jensen: on my way");
    expect(roomPreview({ lastPreview: null, lastSenderId: null }, me)).toBeNull();
  });
});

describe("retention in words", () => {
  test("days, hours or minutes; bytes in powers of 1,024", () => {
    expect(formatDays(90)).toBe("90 days");
    expect(formatDays(1)).toBe("1 day");
    expect(formatDays(1.25)).toBe("1.3 days");
    expect(formatDays(0.5)).toBe("12 hours");
    expect(formatDays(1 / 24)).toBe("1 hour");
    expect(formatDays(0.01)).toBe("14 minutes");
    expect(formatBytes(512)).toBe("512 bytes");
    expect(formatBytes(57_344)).toBe("56 KB");
    expect(formatBytes(1_572_864)).toBe("1.5 MB");
    expect(formatBytes(5 * 1024 ** 3)).toBe("5 GB");
  });

  test("the kept line names only the limits that are set", () => {
    expect(keptText({ maxAgeDays: 3, maxMessages: null, maxBytes: null })).toBe(
      "Messages here are kept for 3 days.",
    );
    expect(keptText({ maxAgeDays: 90, maxMessages: 1000, maxBytes: 5 * 1024 ** 2 })).toBe(
      "Messages here are kept for 90 days, at most 1,000 messages, up to 5 MB.",
    );
  });

  test("a trim of young messages under an age-only policy means the policy changed", () => {
    const now = Date.parse("2026-01-10T12:00:00Z");
    const young = message(1, 1, { createdAt: "2026-01-10T11:00:00.000Z" });
    const old = message(2, 2, { createdAt: "2026-01-01T11:00:00.000Z" });
    const ageOnly = { maxAgeDays: 3, maxMessages: null, maxBytes: null };
    expect(trimExplained(ageOnly, [old], now)).toBe(true);
    expect(trimExplained(ageOnly, [old, young], now)).toBe(false);
    expect(trimExplained({ ...ageOnly, maxMessages: 10 }, [young], now)).toBe(true);
  });

  test("preview and run answers; the form read as a policy", () => {
    const range = { messages: 1234, bytes: 57_344, fromSeq: 1, toSeq: 1234 };
    expect(previewText(range)).toBe("Would delete 1,234 messages (56 KB), #1–#1,234.");
    expect(deletedText({ messages: 1, bytes: 20, fromSeq: 7, toSeq: 7 })).toBe(
      "Deleted 1 message (20 bytes), #7.",
    );
    const nothing = { messages: 0, bytes: 0, fromSeq: null, toSeq: null };
    expect(previewText(nothing)).toBe("Nothing to delete.");
    expect(deletedText(nothing)).toBe("Nothing was deleted.");
    // Saving applies the policy at once: the admin is told what went.
    expect(savedText({ messages: 2, bytes: 30, fromSeq: 1, toSeq: 2 })).toBe(
      "Saved and applied: deleted 2 messages (30 bytes), #1–#2.",
    );
    expect(savedText(nothing)).toMatch(/^Saved\. Nothing needed deleting/);
    expect(readPolicy({ maxAgeDays: "0.5", maxMessages: "1,000", maxBytes: " " })).toEqual({
      policy: { maxAgeDays: 0.5, maxMessages: 1000, maxBytes: null },
    });
    expect(readPolicy({ maxAgeDays: "a week", maxMessages: "", maxBytes: "" })).toEqual({
      errors: { maxAgeDays: "Enter a number, or leave it empty for the default" },
    });
  });
});

describe("the admin page in words", () => {
  const ana = { id: "usr_a", handle: "ana", displayName: "Ana Lima", avatarUrl: null, bot: false };
  const bo = { id: "usr_b", handle: "bo", displayName: "Bo", avatarUrl: null, bot: false };

  test("invites: uses, expiry and rooms in a line", () => {
    const now = Date.parse("2027-01-01T00:00:00Z");
    const invite = {
      code: "c",
      url: "u",
      uses: 3,
      maxUses: 10,
      expiresAt: null,
      roomIds: ["r1", "r2"],
      workspaceId: "ws_default",
    };
    expect(inviteSummary(invite, now)).toBe("3 of 10 uses · never expires · 2 rooms");
    expect(inviteSummary({ ...invite, maxUses: null, uses: 1, roomIds: [] }, now)).toBe(
      "1 use · never expires · no rooms",
    );
    const past = { ...invite, expiresAt: "2026-12-31T00:00:00Z", roomIds: ["r1"] };
    expect(inviteSummary(past, now)).toBe("3 of 10 uses · expired · 1 room");
    expect(inviteSummary({ ...invite, expiresAt: "2027-02-01T00:00:00Z" }, now)).toMatch(
      /^3 of 10 uses · expires .+ · 2 rooms$/,
    );
  });

  test("rooms: DMs by their people; counts of stored messages, tombstones said", () => {
    expect(roomLabel({ kind: "channel", name: "general", participants: [] })).toBe("general");
    expect(roomLabel({ kind: "dm", name: null, participants: [ana, bo] })).toBe("DM: Ana Lima, Bo");
    expect(storedText({ storedMessages: 1, deletedMessages: 0 })).toBe("1 message stored");
    expect(storedText({ storedMessages: 1200, deletedMessages: 3 })).toBe(
      "1,200 messages stored (3 deleted)",
    );
  });

  test("audit entries: names instead of ids, and what is left when a name is gone", () => {
    const entry: AuditEntry = {
      id: 1,
      at: "2026-01-01T00:00:00.000Z",
      actorId: ana.id,
      action: "member.role",
      roomId: "room_1",
      targetId: bo.id,
      detail: null,
      actor: ana,
      room: { id: "room_1", kind: "dm", name: null, participants: [ana, bo], gone: false },
      target: { id: bo.id, kind: "user", name: "Bo", handle: "bo" },
    };
    expect([auditActor(entry), auditRoom(entry), auditTarget(entry)]).toEqual([
      "Ana Lima (@ana)",
      "DM: Ana Lima, Bo",
      "Bo (@bo)",
    ]);
    const token = {
      ...entry,
      target: { id: "tok_1", kind: "token" as const, name: "ci", handle: null },
    };
    expect(auditTarget(token)).toBe("API token “ci”");
    const gone = {
      ...entry,
      actor: null,
      room: { id: "room_2", kind: null, name: "old", participants: [], gone: true },
    };
    expect([auditActor(gone), auditRoom(gone)]).toEqual(["usr_a", "old (deleted)"]);
    expect(auditActor({ ...entry, actorId: null, actor: null })).toBe("—");
  });
});

describe("search snippets", () => {
  test("text and hits, the server's entities decoded, nothing else read as markup", () => {
    expect(snippetParts("…at the <mark>café</mark> tomorrow")).toEqual([
      { text: "…at the ", hit: false },
      { text: "café", hit: true },
      { text: " tomorrow", hit: false },
    ]);
    expect(
      snippetParts("&lt;b&gt;<mark>bold</mark>&lt;/b&gt; &amp; &quot;x&quot; &#39;y&#39;"),
    ).toEqual([
      { text: "<b>", hit: false },
      { text: "bold", hit: true },
      { text: `</b> & "x" 'y'`, hit: false },
    ]);
    // Markup other than <mark> stays text; an entity decoded once is not decoded again.
    expect(snippetParts("<b>x</b> &amp;lt; &nbsp;")).toEqual([
      { text: "<b>x</b> &lt; &nbsp;", hit: false },
    ]);
    // Markdown's unambiguous markers go, single * and _ stay (2*3, snake_case).
    expect(snippetParts("**<mark>ship</mark>** `npm test` ~~now~~ 2*3 snake_case")).toEqual([
      { text: "ship", hit: true },
      { text: " npm test now 2*3 snake_case", hit: false },
    ]);
    // Stray or repeated tags change nothing; adjacent hits are one.
    expect(snippetParts("a</mark>b<mark><mark>c</mark><mark>d</mark>")).toEqual([
      { text: "ab", hit: false },
      { text: "cd", hit: true },
    ]);
    expect(snippetParts("")).toEqual([]);
  });
});

describe("the search's answers", () => {
  interface Page {
    results: number[];
    nextBefore: number | null;
  }
  /** A search whose requests the test answers by hand, in any order. */
  function controlled() {
    const asked: Array<{
      query: string;
      before: number | null;
      answer(page: Page): Promise<void>;
      fail(): Promise<void>;
    }> = [];
    const search = createMessageSearch<Page>(
      (query, before) =>
        new Promise<Page>((resolve, reject) => {
          const settled = () => new Promise<void>((done) => setTimeout(done, 0));
          asked.push({
            query,
            before,
            answer(page) {
              resolve(page);
              return settled();
            },
            fail() {
              reject(new ApiError(500, "internal", "Something went wrong"));
              return settled();
            },
          });
        }),
      (shown, next) => ({
        results: [...shown.results, ...next.results],
        nextBefore: next.nextBefore,
      }),
    );
    return { search, asked };
  }

  test("searching, then ready; more pages append; empty text goes back to idle", async () => {
    const { search, asked } = controlled();
    void search.search("  kumquat ");
    expect(search.state.value).toEqual({ status: "searching", query: "kumquat" });
    // The same query again is not asked twice.
    void search.search("kumquat");
    expect(asked).toHaveLength(1);
    await asked[0]?.answer({ results: [9, 7], nextBefore: 7 });
    expect(search.state.value).toMatchObject({ status: "ready", page: { results: [9, 7] } });
    void search.loadMore();
    expect(search.state.value).toMatchObject({ more: { status: "loading" } });
    expect(asked[1]).toMatchObject({ query: "kumquat", before: 7 });
    await asked[1]?.answer({ results: [3], nextBefore: null });
    expect(search.state.value).toMatchObject({
      page: { results: [9, 7, 3], nextBefore: null },
      more: { status: "idle" },
    });
    // Nothing further to ask.
    await search.loadMore();
    expect(asked).toHaveLength(2);
    await search.search("   ");
    expect(search.state.value).toEqual({ status: "idle" });
  });

  test("an answer to an older query, or a page of it, never replaces the newer one", async () => {
    const { search, asked } = controlled();
    void search.search("kum");
    void search.search("kumquat");
    await asked[1]?.answer({ results: [5], nextBefore: 5 });
    await asked[0]?.answer({ results: [1, 2, 3], nextBefore: null });
    expect(search.state.value).toMatchObject({ query: "kumquat", page: { results: [5] } });
    void search.loadMore();
    void search.search("fig");
    await asked[2]?.answer({ results: [4], nextBefore: null });
    await asked[3]?.answer({ results: [8], nextBefore: null });
    expect(search.state.value).toMatchObject({ query: "fig", page: { results: [8] } });
  });

  test("a failure says why and can be retried; a failed page keeps what is shown", async () => {
    const { search, asked } = controlled();
    void search.search("kumquat");
    await asked[0]?.fail();
    expect(search.state.value).toMatchObject({
      status: "failed",
      query: "kumquat",
      error: { message: "Something went wrong" },
    });
    void search.retry();
    await asked[1]?.answer({ results: [9], nextBefore: 9 });
    void search.loadMore();
    await asked[2]?.fail();
    expect(search.state.value).toMatchObject({
      status: "ready",
      page: { results: [9], nextBefore: 9 },
      more: { status: "failed", error: { message: "Something went wrong" } },
    });
  });
});

describe("device names (the Account page's session list)", () => {
  test.each([
    [
      "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/130.0.0.0 Safari/537.36",
      "Chrome on Linux",
    ],
    [
      "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
      "Edge on Windows",
    ],
    [
      "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
      "Safari on iOS",
    ],
    [
      "Mozilla/5.0 (Macintosh; Intel Mac OS X 14.5; rv:128.0) Gecko/20100101 Firefox/128.0",
      "Firefox on macOS",
    ],
    [
      "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
      "Chrome on Android",
    ],
    ["curl/8.5.0", "curl/8.5.0"],
    [`bot/${"x".repeat(60)}`, `bot/${"x".repeat(35)}…`],
    [null, "Unknown device"],
    ["   ", "Unknown device"],
  ])("%s → %s", (userAgent, name) => {
    expect(deviceName(userAgent)).toBe(name);
  });
});
