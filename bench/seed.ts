// Rooms of many messages, for the history and retention figures. Sending a million messages
// through the API would take longer than the whole bench (a room acks a few hundred a second
// here), so a room is filled in two steps: real messages through the room WebSocket first (Confab
// writes its own schema, indexes, FTS triggers and meta), then, with wrangler stopped, the rest
// are cloned from those rows inside the room's own SQLite file, through the same tables, indexes
// and triggers, with seq/rev/cid/body/created_at renewed. Confab then serves them as always.
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { DatabaseSync } from "node:sqlite";
import type { Account, Confab } from "./confab.ts";
import { confabProtocol } from "./confab.ts";
import { closeAll, connectAll } from "./load.ts";
import type { Server } from "./server.ts";

export const TEMPLATE_MESSAGES = 200;
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
      for (const frame of protocol.decode(text)) {
        if (frame.kind === "ack") answered++;
        else if (frame.kind === "refused") reject(new Error(`send refused: ${frame.code}`));
      }
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
 * The clones come first (older); the real messages follow with their own cid, body and time.
 */
export function cloneMessages(path: string, total: number, newestAgeMs = 0): void {
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
    // One clone a second, the newest `newestAgeMs` older than the first real message.
    const startAt = Number(first.created_at) - newestAgeMs - total * 1000;
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

export interface SeedSpec {
  roomId: string;
  /** Messages the room holds afterwards. */
  total: number;
  /** How much older than the real messages the newest clone is. */
  newestAgeMs?: number;
}

/**
 * Fills rooms: `TEMPLATE_MESSAGES` real messages each through the socket, then one stop of the
 * server to clone the rest, then a restart. Returns the new server and how long it all took.
 */
export async function seedRooms(input: {
  api: Confab;
  server: Server;
  restart: () => Promise<Server>;
  rooms: SeedSpec[];
  log: (line: string) => void;
}): Promise<{ server: Server; seconds: number; sentThroughApi: number }> {
  const started = performance.now();
  const admin = input.api.admin;
  for (const room of input.rooms) {
    await sendThroughSocket(
      input.api,
      room.roomId,
      admin,
      Math.min(TEMPLATE_MESSAGES, room.total),
      "template",
    );
  }
  let server = input.server;
  const cloning = input.rooms.filter((room) => room.total > TEMPLATE_MESSAGES);
  if (cloning.length > 0) {
    input.log(
      `seeding: cloning ${cloning.map((r) => r.total).join(" and ")} messages inside the rooms' SQLite (wrangler stopped)`,
    );
    await server.stop();
    for (const room of cloning) {
      cloneMessages(
        await roomDatabase(server.spec.persistTo, room.roomId),
        room.total,
        room.newestAgeMs,
      );
    }
    server = await input.restart();
  }
  return {
    server,
    seconds: (performance.now() - started) / 1000,
    sentThroughApi: TEMPLATE_MESSAGES,
  };
}
