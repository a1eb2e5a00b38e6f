// The room and inbox WebSocket protocols as an AsyncAPI 3.0 document, generated from the zod
// schemas of shared/protocol.ts (the ones that validate and type every frame), beside the OpenAPI
// document of the HTTP API.
import { z } from "zod";
import {
  CLOSE,
  ClientFrame,
  InboxFrame,
  MESSAGE_LIMITS,
  PROTOCOL_VERSION,
  ServerFrame,
} from "../../../src/shared/protocol";

type JsonSchema = { [key: string]: unknown };
type Direction = "client" | "server";

/** One line per frame type; typed by the unions, so a new frame cannot go undescribed. */
const CLIENT_FRAMES: Record<ClientFrame["type"], string> = {
  send: "Send a message; `cid` makes it idempotent and comes back in `ack` (or as an error's `ref`)",
  edit: "Edit my message",
  delete: "Delete a message (sender, owners, moderators, admins): it becomes a tombstone",
  react: "Add (`on: true`) or remove my reaction",
  typing: "I started or stopped typing (passed on at most once per 2 s per socket)",
  read: "Move my read mark forward",
  sync: "Replay the changes after `sinceRev`: `message` frames, then `synced`",
};
const SERVER_FRAMES: Record<ServerFrame["type"], string> = {
  ready:
    "First frame of every connection: the room, me, who is online, everyone's read and delivery marks",
  message: "A new message",
  changed: "A message was edited, deleted or reacted to",
  ack: "My `send` was stored: its `cid` and the seq and rev it got",
  synced: "A replay is done; `complete: false`: page the rest with GET …/messages?sinceRev=",
  trimmed: "Retention removed every message before `firstSeq`",
  typing: "Someone started or stopped typing",
  presence: "Someone came online or went offline (news sent at most every PRESENCE_INTERVAL_MS)",
  presences: "Several presence changes of one interval together: who came online, who went offline",
  read: "Someone's read mark moved",
  delivered:
    "Someone's delivery mark moved: messages up to `seq` reached one of their devices (≤ 1/s each)",
  member: "Someone joined or left, or their role changed",
  room: "The room's name, topic, archived state or retention policy changed",
  error: "A frame was refused (the socket stays open); `ref` is its `cid` if it had one",
};
const INBOX_FRAMES: Record<InboxFrame["type"], string> = {
  ready: "First frame of every connection",
  room: "A room of mine had activity: the counts GET /api/rooms gives for it",
  membership: "I was added to or removed from a room, or my role in it changed",
  workspace: "I was added to or removed from a workspace, or my role in it changed",
  error: "A frame was refused: anything but `ping` (`invalid`), or over the frame budget",
};

const pascal = (text: string) => `${text[0]?.toUpperCase() ?? ""}${text.slice(1)}`;
const SCHEMA_REFS = "#/components/schemas/";

/**
 * Builds the document's schemas: each frame's JSON Schema (draft-07, the base of AsyncAPI's own
 * schema format), with the shapes zod knows by name (`.meta({ id })`: Message, RoomSummary, …)
 * hoisted into components.schemas once and referenced from every frame that uses them.
 */
class SchemaSet {
  readonly schemas: Record<string, JsonSchema> = {};

  /** The frame's schema under its own name (or `fallback`), returning that name. */
  add(frame: z.ZodType, io: "input" | "output", fallback: string): string {
    const converted = z.toJSONSchema(frame, { target: "draft-7", io, unrepresentable: "throw" });
    const {
      $schema: _,
      definitions = {},
      ...top
    } = relink(converted) as JsonSchema & {
      definitions?: Record<string, JsonSchema>;
    };
    for (const [name, schema] of Object.entries(definitions)) this.#put(name, schema);
    const ref = typeof top.$ref === "string" && Object.keys(top).length === 1 ? top.$ref : null;
    if (ref?.startsWith(SCHEMA_REFS)) return ref.slice(SCHEMA_REFS.length);
    this.#put(fallback, top);
    return fallback;
  }

  #put(name: string, schema: JsonSchema): void {
    const known = this.schemas[name];
    if (known && JSON.stringify(known) !== JSON.stringify(schema)) {
      throw new Error(`Two different shapes are both named ${name}`);
    }
    this.schemas[name] = schema;
  }
}

/** zod writes `#/definitions/X` for named shapes; in this document they live in components. */
function relink(schema: unknown): unknown {
  return JSON.parse(
    JSON.stringify(schema).replaceAll('"#/definitions/', `"${SCHEMA_REFS}`),
  ) as unknown;
}

interface Socket {
  channel: "room" | "inbox";
  /** Who may open it: what the Worker checks before the upgrade. */
  security: string[];
  frames: Array<{
    direction: Direction;
    union: { options: readonly z.ZodType[] };
    summaries: Record<string, string>;
    schemaName: (type: string) => string;
  }>;
}

const SOCKETS: Socket[] = [
  {
    channel: "room",
    security: ["bearer", "cookie", "ticket"],
    frames: [
      {
        direction: "client",
        union: ClientFrame,
        summaries: CLIENT_FRAMES,
        schemaName: (type) => `${pascal(type)}Frame`,
      },
      {
        direction: "server",
        union: ServerFrame,
        summaries: SERVER_FRAMES,
        schemaName: (type) => `Server${pascal(type)}Frame`,
      },
    ],
  },
  {
    channel: "inbox",
    security: ["bearer", "cookie"],
    frames: [
      {
        direction: "server",
        union: InboxFrame,
        summaries: INBOX_FRAMES,
        schemaName: (type) => `Inbox${pascal(type)}Frame`,
      },
    ],
  },
];

const frameType = (frame: z.ZodType): string => {
  const shape = (frame as unknown as { shape?: { type?: { value?: unknown } } }).shape;
  const type = shape?.type?.value;
  if (typeof type !== "string") throw new Error("Every frame has a literal `type`");
  return type;
};

/** As in the OpenAPI document (app.ts). */
const SECURITY_SCHEMES = {
  bearer: {
    type: "http",
    scheme: "bearer",
    description: "A session token from /api/auth/login or an API token from /api/admin/tokens",
  },
  cookie: { type: "httpApiKey", in: "cookie", name: "confab_session" },
  ticket: {
    type: "httpApiKey",
    in: "query",
    name: "ticket",
    description: "A one-time, 30-second ticket from POST /api/rooms/{id}/ws-ticket",
  },
};

const CLOSE_CODES = `Close codes: ${Object.entries(CLOSE)
  .map(([name, code]) => `${code} ${name}`)
  .join(
    ", ",
  )}. Frames are JSON text, at most ${MESSAGE_LIMITS.frameMaxBytes} bytes; the text \`ping\` is answered \`pong\`.`;

function build(): JsonSchema {
  const schemas = new SchemaSet();
  const messages: Record<string, JsonSchema> = {};
  const operations: Record<string, JsonSchema> = {};
  const channelMessages: Record<Socket["channel"], Record<string, { $ref: string }>> = {
    room: {},
    inbox: {},
  };
  for (const socket of SOCKETS) {
    for (const { direction, union, summaries, schemaName } of socket.frames) {
      for (const frame of union.options) {
        const type = frameType(frame);
        const io = direction === "client" ? "input" : "output";
        const payload = schemas.add(frame, io, schemaName(type));
        // `roomClientSend`: the frame `send` that a client sends on the room socket.
        const id = `${socket.channel}${pascal(direction)}${pascal(type)}`;
        messages[id] = {
          name: type,
          title: `${type} (${direction === "client" ? "client → server" : "server → client"})`,
          summary: summaries[type],
          contentType: "application/json",
          payload: { $ref: `${SCHEMA_REFS}${payload}` },
        };
        channelMessages[socket.channel][id] = { $ref: `#/components/messages/${id}` };
        // Operations are the server's: it receives what clients send and sends the rest.
        const action = direction === "client" ? "receive" : "send";
        operations[`${socket.channel}${pascal(action)}${pascal(type)}`] = {
          action,
          channel: { $ref: `#/channels/${socket.channel}` },
          summary: summaries[type],
          messages: [{ $ref: `#/channels/${socket.channel}/messages/${id}` }],
          security: socket.security.map((name) => ({
            $ref: `#/components/securitySchemes/${name}`,
          })),
        };
      }
    }
  }
  return {
    asyncapi: "3.0.0",
    info: {
      title: "Confab WebSockets",
      version: String(PROTOCOL_VERSION),
      description:
        "The room and inbox WebSocket protocols (docs/api.md, Room WebSocket and Inbox WebSocket). " +
        "Both are opened with a GET upgrade on the API's origin (ws: or wss:), authenticated like " +
        `the HTTP API (GET /api/openapi.json). ${CLOSE_CODES}`,
    },
    defaultContentType: "application/json",
    channels: {
      room: {
        address: "/api/rooms/{id}/ws",
        title: "Room socket",
        description:
          "One room: its messages, reactions, typing, presence and read marks. `?sinceRev=` " +
          "replays what changed since a rev before going live; `?ticket=` authenticates " +
          "where a header cannot be set (a browser), with a ticket from POST /api/rooms/{id}/ws-ticket. " +
          "`?batch=1`: while the room is busy, one WebSocket message may carry several frames as a " +
          "JSON array, in order (each element one of the messages below).",
        parameters: { id: { description: "The room's id" } },
        messages: channelMessages.room,
        bindings: {
          ws: {
            method: "GET",
            query: {
              type: "object",
              properties: {
                sinceRev: { type: "string", pattern: "^[0-9]+$" },
                ticket: { type: "string" },
                batch: { type: "string", enum: ["0", "1"] },
              },
            },
            bindingVersion: "0.1.0",
          },
        },
      },
      inbox: {
        address: "/api/me/ws",
        title: "Inbox socket",
        description:
          "My rooms' activity and membership changes, for room lists and unread counts; read-only.",
        messages: channelMessages.inbox,
        bindings: { ws: { method: "GET", bindingVersion: "0.1.0" } },
      },
    },
    operations,
    components: { schemas: schemas.schemas, messages, securitySchemes: SECURITY_SCHEMES },
  };
}

let built: JsonSchema | undefined;

/** The document; built on first use (it only depends on the code), then kept. */
export function asyncApiDocument(): JsonSchema {
  built ??= build();
  return built;
}
