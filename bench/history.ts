// History pages in a room of a million messages. Sending a million messages through the API
// would take longer than the whole bench (the room acks a few hundred a second here), so the
// room is filled in two steps: real messages through the room WebSocket first (Confab writes its
// own schema, indexes, FTS triggers and meta), then, with wrangler stopped, the rest are cloned
// from those rows inside the room's own SQLite file, through the same tables, indexes and
// triggers, with seq/rev/cid/body/created_at renewed. Confab then serves the pages as always.
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { DatabaseSync } from "node:sqlite";
import type { Account, Confab } from "./confab.ts";
import { confabProtocol } from "./confab.ts";
import { closeAll, connectAll } from "./load.ts";
import { type Server, sleep } from "./server.ts";
import { median, type Summary, summarize } from "./stats.ts";

export interface HistoryFigure {
  messages: number;
  /** Of which sent through the API; the rest cloned into the room's SQLite while stopped. */
  sentThroughApi: number;
  seedSeconds: number;
  pageSize: number;
  requests: number;
  /** End-to-end request times (ms), each kind measured in turn, interleaved. */
  timings: Record<HistoryRequest, Summary | null>;
  /** p50(page) − p50(empty room, limit=1): the part of a page that grows with the room. */
  insideEstimateMs: Record<"newest" | "deep" | "middle" | "smallRoom", number>;
  lastSeq: number;
}

export type HistoryRequest = "newest" | "deep" | "middle" | "smallRoom" | "emptyRoom";

const TEMPLATE_MESSAGES = 200;
const BATCH = 50_000;

/** Sends `count` messages from `account` over one socket, a window at a time; resolves at the last ack. */
export async function sendThroughSocket(
  api: Confab,
  roomId: string,
  account: Account,
  count: number,
  label: string,
): Promise<void> {
  const protocol = confabProtocol();
  const { clients } = await connectAll([api.endpoint(roomId, account)], protocol, 1);
  const client = clients[0];
  if (!client) throw new Error("no socket");
  const window = 50;
  let sent = 0;
  let answered = 0;
  await new Promise<void>((resolve, reject) => {
    const pump = () => {
      while (sent < count && sent - answered < window) {
        client.ws.send(
          JSON.stringify({
            type: "send",
            cid: `${label}-${sent}`,
            body: `${label} message ${sent}`,
          }),
        );
        sent++;
      }
      if (answered >= count) resolve();
    };
    client.onFrame = (text) => {
      const frame = protocol.decode(text);
      if (frame.kind === "ack") answered++;
      else if (frame.kind === "refused") reject(new Error(`send refused: ${frame.code}`));
      pump();
    };
    pump();
  });
  await closeAll(clients);
}

/** The room's SQLite file in wrangler's local state: the one whose meta names the room. */
async function roomDatabase(persistTo: string, roomId: string): Promise<string> {
  const root = join(persistTo, "v3", "do");
  for (const dir of await readdir(root)) {
    if (!dir.endsWith("-RoomDO")) continue;
    for (const file of await readdir(join(root, dir))) {
      if (!file.endsWith(".sqlite") || file === "metadata.sqlite") continue;
      const path = join(root, dir, file);
      const db = new DatabaseSync(path, { readOnly: true });
      try {
        const row = db.prepare("SELECT value FROM meta WHERE key = 'room'").get() as
          | { value: string }
          | undefined;
        if (row && (JSON.parse(row.value) as { id?: string }).id === roomId) return path;
      } catch {
        // Not a room database (or not migrated yet).
      } finally {
        db.close();
      }
    }
  }
  throw new Error(`no SQLite file for room ${roomId} under ${root}`);
}

/**
 * Clones the room's own rows until it holds `total` messages: every column copied from the
 * template rows, seq/rev/cid/body/created_at renewed, the FTS triggers firing as for any insert.
 */
export function cloneMessages(path: string, total: number): void {
  const db = new DatabaseSync(path);
  try {
    const columns = (db.prepare("PRAGMA table_info(messages)").all() as Array<{ name: string }>)
      .map((c) => c.name)
      .filter((name) => name !== "seq");
    const templates = db
      .prepare(`SELECT ${columns.join(", ")} FROM messages ORDER BY seq`)
      .all() as Array<Record<string, unknown>>;
    const have = templates.length;
    const first = templates[0];
    if (!first) throw new Error("no template messages to clone");
    const startAt = Number(first.created_at) - total * 1000;
    // The clones are older than the real messages: they go first, then the real ones are re-added.
    db.exec("BEGIN");
    db.exec("DELETE FROM messages");
    db.exec("DELETE FROM sqlite_sequence WHERE name = 'messages'");
    db.exec("COMMIT");
    // One INSERT … SELECT per batch: SQLite generates the rows itself (no per-row round trip).
    db.exec("CREATE TEMP TABLE template AS SELECT * FROM main.messages WHERE 0");
    const keep = db.prepare(
      `INSERT INTO temp.template (${columns.join(", ")}) VALUES (${columns.map(() => "?").join(", ")})`,
    );
    for (const template of templates) {
      keep.run(...columns.map((name) => template[name] as string | number | null));
    }
    const picked = columns.map((name) => {
      switch (name) {
        case "rev":
          return "n.i + 1";
        case "cid":
          return "'history-' || n.i";
        case "body":
          return "'history message ' || n.i || ': ' || t.body";
        case "created_at":
          return `${startAt} + n.i * 1000`;
        default:
          return `t.${name}`;
      }
    });
    const clone = db.prepare(
      `WITH RECURSIVE n(i) AS (SELECT CAST(? AS INTEGER) UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ?)
       INSERT INTO main.messages (${columns.join(", ")})
       SELECT ${picked.join(", ")} FROM n JOIN temp.template t ON t.rowid = (n.i % ${have}) + 1`,
    );
    const clones = total - have;
    for (let done = 0; done < clones; done += BATCH) {
      db.exec("BEGIN");
      clone.run(done, Math.min(clones, done + BATCH));
      db.exec("COMMIT");
    }
    // The real messages come back last (newest), with their own cid, body and time.
    db.prepare(
      `INSERT INTO main.messages (${columns.join(", ")})
       SELECT ${columns.map((name) => (name === "rev" ? `${clones} + rowid` : name)).join(", ")}
       FROM temp.template ORDER BY rowid`,
    ).run();
    db.prepare("UPDATE meta SET value = ? WHERE key = 'rev'").run(JSON.stringify(total));
    db.prepare("UPDATE read_marks SET seq = ?").run(total);
    db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  } finally {
    db.close();
  }
}

export async function historyFigure(input: {
  api: Confab;
  server: Server;
  restart: () => Promise<Server>;
  messages: number;
  requests: number;
  log: (line: string) => void;
}): Promise<{ figure: HistoryFigure; server: Server }> {
  const { api, log } = input;
  await api.ensureAccounts(2);
  const admin = api.admin;
  const pageSize = 50;
  const big = await api.createRoom("history", [admin]);
  const small = await api.createRoom("history small", [admin]);
  const empty = await api.createRoom("history empty", [admin]);
  const sentThroughApi = Math.min(TEMPLATE_MESSAGES, input.messages);
  const seedStarted = performance.now();
  await sendThroughSocket(api, big, admin, sentThroughApi, "template");
  await sendThroughSocket(api, small, admin, pageSize * 2, "small");
  let server = input.server;
  if (input.messages > sentThroughApi) {
    log(
      `history: cloning up to ${input.messages} messages in the room's SQLite (wrangler stopped)`,
    );
    await server.stop();
    cloneMessages(await roomDatabase(server.spec.persistTo, big), input.messages);
    server = await input.restart();
  }
  const seedSeconds = (performance.now() - seedStarted) / 1000;

  const page = async (roomId: string, query: string) => {
    const response = await api.request<{ messages: Array<{ seq: number }>; hasMore: boolean }>(
      "GET",
      `/api/rooms/${roomId}/messages?${query}`,
      { token: admin.token },
    );
    if (response.status !== 200) throw new Error(`history page → ${response.status}`);
    return response;
  };
  const newest = await page(big, `limit=${pageSize}`);
  const lastSeq = newest.body.messages.at(-1)?.seq ?? 0;
  if (lastSeq !== input.messages || newest.body.messages.length !== pageSize) {
    throw new Error(`history room answers lastSeq ${lastSeq}, expected ${input.messages}`);
  }
  const deepBefore = Math.min(1_000, input.messages);
  const kinds: Record<HistoryRequest, string> = {
    newest: `limit=${pageSize}`,
    deep: `before=${deepBefore}&limit=${pageSize}`,
    middle: `before=${Math.floor(input.messages / 2)}&limit=${pageSize}`,
    smallRoom: `limit=${pageSize}`,
    emptyRoom: "limit=1",
  };
  const roomOf: Record<HistoryRequest, string> = {
    newest: big,
    deep: big,
    middle: big,
    smallRoom: small,
    emptyRoom: empty,
  };
  const order = Object.keys(kinds) as HistoryRequest[];
  const times: Record<HistoryRequest, number[]> = {
    newest: [],
    deep: [],
    middle: [],
    smallRoom: [],
    emptyRoom: [],
  };
  // Warm every path (wakes the rooms, runs their migrations check, fills caches).
  for (let i = 0; i < 5; i++) for (const kind of order) await page(roomOf[kind], kinds[kind]);
  await sleep(200);
  for (let i = 0; i < input.requests; i++) {
    for (const kind of order) times[kind].push((await page(roomOf[kind], kinds[kind])).ms);
  }
  const base = median(times.emptyRoom);
  const inside = (kind: HistoryRequest) => median(times[kind]) - base;
  return {
    server,
    figure: {
      messages: input.messages,
      sentThroughApi,
      seedSeconds,
      pageSize,
      requests: input.requests,
      timings: {
        newest: summarize(times.newest),
        deep: summarize(times.deep),
        middle: summarize(times.middle),
        smallRoom: summarize(times.smallRoom),
        emptyRoom: summarize(times.emptyRoom),
      },
      insideEstimateMs: {
        newest: inside("newest"),
        deep: inside("deep"),
        middle: inside("middle"),
        smallRoom: inside("smallRoom"),
      },
      lastSeq,
    },
  };
}
