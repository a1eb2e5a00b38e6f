// Baseline rooms for the benchmark: the least a chat room can do per message. No auth, no
// validation, no acks. One only broadcasts each frame to every socket; the other first writes
// the frame to SQLite (one INSERT), as a room that keeps history must.
import { DurableObject } from "cloudflare:workers";

interface Env {
  BROADCAST: DurableObjectNamespace<BroadcastRoom>;
  SQLITE_BROADCAST: DurableObjectNamespace<SqliteBroadcastRoom>;
}

/** What a client gets on connect, so set-up time is measured to a first frame as for Confab. */
const READY = JSON.stringify({ type: "ready" });

/**
 * Room objects constructed since the isolate started: a room that hibernated is constructed
 * again when a frame wakes it, so the bench can see that hibernation really happened.
 */
let constructed = 0;

export class BroadcastRoom extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    constructed++;
  }

  override async fetch(): Promise<Response> {
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server);
    server.send(READY);
    return new Response(null, { status: 101, webSocket: client });
  }

  override async webSocketMessage(_ws: WebSocket, data: string | ArrayBuffer): Promise<void> {
    this.broadcast(data);
  }

  protected broadcast(data: string | ArrayBuffer): void {
    for (const socket of this.ctx.getWebSockets()) {
      try {
        socket.send(data);
      } catch {
        // Closing socket.
      }
    }
  }
}

export class SqliteBroadcastRoom extends BroadcastRoom {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec(
      "CREATE TABLE IF NOT EXISTS messages (seq INTEGER PRIMARY KEY AUTOINCREMENT, body TEXT NOT NULL, at INTEGER NOT NULL)",
    );
  }

  override async webSocketMessage(_ws: WebSocket, data: string | ArrayBuffer): Promise<void> {
    const body = typeof data === "string" ? data : new TextDecoder().decode(data);
    this.ctx.storage.sql.exec("INSERT INTO messages (body, at) VALUES (?, ?)", body, Date.now());
    this.broadcast(data);
  }
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    // /ws/broadcast/<room> or /ws/sqlite/<room>; /constructed for the count above.
    const [, ws, kind, room] = new URL(request.url).pathname.split("/");
    if (ws === "constructed") return Response.json({ constructed });
    if (ws !== "ws" || !room || request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
      return new Response("Not found", { status: 404 });
    }
    const namespace =
      kind === "broadcast" ? env.BROADCAST : kind === "sqlite" ? env.SQLITE_BROADCAST : null;
    if (!namespace) return new Response("Not found", { status: 404 });
    return namespace.get(namespace.idFromName(room)).fetch(request);
  },
} satisfies ExportedHandler<Env>;
