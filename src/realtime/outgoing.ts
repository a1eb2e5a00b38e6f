// Frames on their way to a Durable Object's sockets. The first frame after a quiet spell goes out
// at the next turn of the event loop; while the room stays busy it sends at most once every
// FLUSH_EVERY_MS, everything its events produced meanwhile together. A socket that asked for
// batches (`?batch=1`) then gets one WebSocket message holding a JSON array of its frames
// instead of a message per frame: the send, the client's wake-up and any relay in between are
// paid once per batch, not once per frame. Other sockets get their frames one message each, in
// the same order. The price is at most FLUSH_EVERY_MS of latency, and only under load.

/** How often a busy room sends: a few milliseconds, well under what people notice. */
export const FLUSH_EVERY_MS = 4;

type Entry = { text: string; to: readonly WebSocket[]; except?: WebSocket | undefined };

export class Outgoing {
  #entries: Entry[] = [];
  #scheduled = false;
  #flushedAt = Number.NEGATIVE_INFINITY;

  constructor(
    /** Which sockets take arrays (read once per flush). */
    private readonly batching: () => ReadonlySet<WebSocket>,
    /** Runs `fn` after `ms` (the Durable Object's timer). */
    private readonly later: (fn: () => void, ms: number) => void,
    private readonly now: () => number = Date.now,
  ) {}

  /** One frame for one socket. */
  toOne(ws: WebSocket, frame: unknown): void {
    this.textToOne(ws, JSON.stringify(frame));
  }

  /** One frame for each of `sockets` but `except`. */
  toAll(sockets: readonly WebSocket[], frame: unknown, except?: WebSocket): void {
    if (sockets.length === 0) return;
    this.textToAll(sockets, JSON.stringify(frame), except);
  }

  /** A frame already in JSON (a relay's batch) for one socket. */
  textToOne(ws: WebSocket, text: string): void {
    this.#queue({ text, to: [ws] });
  }

  /** A frame already in JSON for each of `sockets` but `except`. */
  textToAll(sockets: readonly WebSocket[], text: string, except?: WebSocket): void {
    if (sockets.length === 0) return;
    this.#queue({ text, to: sockets, except });
  }

  /** Sends everything queued now (before a close, so the close comes after its frames). */
  flush(): void {
    const entries = this.#entries;
    if (entries.length === 0) return;
    this.#entries = [];
    this.#flushedAt = this.now();
    // The common case, one broadcast: the same text for everyone, no per-socket lists.
    if (entries.length === 1) {
      const { text, to, except } = entries[0] as Entry;
      for (const ws of to) if (ws !== except) send(ws, text);
      return;
    }
    const batching = this.batching();
    // Each socket's frames as entry numbers; sockets with the same list (everyone, when all
    // entries are broadcasts) share one joined text.
    const perSocket = new Map<WebSocket, number[]>();
    entries.forEach(({ to, except }, index) => {
      for (const ws of to) {
        if (ws === except) continue;
        const list = perSocket.get(ws);
        if (list) list.push(index);
        else perSocket.set(ws, [index]);
      }
    });
    const joined = new Map<string, string>();
    for (const [ws, list] of perSocket) {
      if (list.length === 1 || !batching.has(ws)) {
        for (const index of list) send(ws, (entries[index] as Entry).text);
        continue;
      }
      const key = list.join(",");
      let text = joined.get(key);
      if (text === undefined) {
        text = `[${list.map((index) => (entries[index] as Entry).text).join(",")}]`;
        joined.set(key, text);
      }
      send(ws, text);
    }
  }

  #queue(entry: Entry): void {
    this.#entries.push(entry);
    if (this.#scheduled) return;
    this.#scheduled = true;
    const wait = Math.max(0, this.#flushedAt + FLUSH_EVERY_MS - this.now());
    this.later(() => {
      this.#scheduled = false;
      this.flush();
    }, wait);
  }
}

/** A socket that closed meanwhile is skipped (its close event tidies up). */
function send(ws: WebSocket, text: string): void {
  try {
    ws.send(text);
  } catch {
    // Closing.
  }
}
