// Confab as the bench sees it: its public HTTP API (accounts, rooms, history, sync status) and its
// room WebSocket protocol, parsed with the shared schemas of src/shared.
import { performance } from "node:perf_hooks";
import type { z } from "zod";
import { RoomSync as RoomSyncSchema } from "../src/shared/api.ts";
import { framesOf, ServerFrame } from "../src/shared/protocol/index.ts";
import type { Decoded, Endpoint, Protocol } from "./load.ts";

export interface Account {
  id: string;
  handle: string;
  token: string;
}

export const PASSWORD = "bench-password-1";

/** Members passed to `POST /api/admin/rooms` itself; the rest join. */
const CREATE_MEMBERS = 16;

/** Every non-message frame and one message frame in this many is checked against the schema. */
const VALIDATE_EVERY = 100;

/**
 * Confab's room protocol. `message` frames (the hot path) are JSON-parsed and read as the shared
 * `ServerFrame` type; a sample of them, and every other frame, is validated with its zod schema.
 */
export function confabProtocol(): Protocol {
  let invalid = 0;
  let messages = 0;
  const check = (raw: unknown): ServerFrame | null => {
    const parsed = ServerFrame.safeParse(raw);
    if (parsed.success) return parsed.data;
    invalid++;
    return null;
  };
  return {
    acks: true,
    invalidFrames: () => invalid,
    decode(text: string): Decoded[] {
      return framesOf(JSON.parse(text)).map((raw) => decodeOne(raw as ServerFrame));
    },
  };

  function decodeOne(raw: ServerFrame): Decoded {
    if (raw.type === "message") {
      if (messages++ % VALIDATE_EVERY === 0 && !check(raw)) return { kind: "other" };
      return { kind: "delivery", body: raw.message.body };
    }
    const frame = check(raw);
    if (!frame) return { kind: "other" };
    switch (frame.type) {
      case "ready":
        return { kind: "ready" };
      case "ack":
        return { kind: "ack", cid: frame.cid };
      case "error":
        return {
          kind: "refused",
          cid: frame.ref,
          code: frame.code,
          retryAfterMs: frame.retryAfterMs,
        };
      default:
        return { kind: "other" };
    }
  }
}

export interface TimedResponse<T> {
  status: number;
  body: T;
  ms: number;
}

/** One Confab instance, its admin (the first account) and a pool of bench users. */
export class Confab {
  /** Changes when the server is restarted on another port. */
  url: string;
  readonly accounts: Account[] = [];
  #rooms = 0;
  readonly #shared = new Map<number, string>();

  constructor(url: string) {
    this.url = url;
  }

  get admin(): Account {
    const admin = this.accounts[0];
    if (!admin) throw new Error("no admin yet: call ensureAccounts first");
    return admin;
  }

  async request<T>(
    method: string,
    path: string,
    options: { token?: string; body?: unknown } = {},
  ): Promise<TimedResponse<T>> {
    const started = performance.now();
    const response = await fetch(`${this.url}${path}`, {
      method,
      headers: {
        ...(options.body === undefined ? {} : { "content-type": "application/json" }),
        ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
      },
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    });
    const text = await response.text();
    const ms = performance.now() - started;
    let body: unknown = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      body = text;
    }
    return { status: response.status, body: body as T, ms };
  }

  async #expect<T>(
    method: string,
    path: string,
    options: { token?: string; body?: unknown },
  ): Promise<T> {
    const response = await this.request<T>(method, path, options);
    if (response.status >= 300) {
      throw new Error(
        `${method} ${path} → ${response.status} ${JSON.stringify(response.body).slice(0, 300)}`,
      );
    }
    return response.body;
  }

  /**
   * Registers accounts until there are `count` (the first is the instance admin). Each costs a
   * PBKDF2 hash (100k iterations) inside workerd, so only as many as a figure needs.
   */
  async ensureAccounts(count: number, concurrency = 8): Promise<void> {
    const register = async (i: number): Promise<Account> => {
      const handle = `bench_${String(i).padStart(4, "0")}`;
      const body = await this.#expect<{ user: { id: string; handle: string }; token: string }>(
        "POST",
        "/api/auth/register",
        { body: { handle, displayName: `Bench ${i}`, password: PASSWORD } },
      );
      return { id: body.user.id, handle: body.user.handle, token: body.token };
    };
    if (this.accounts.length === 0) this.accounts.push(await register(0));
    const start = this.accounts.length;
    const fresh: Account[] = new Array(Math.max(0, count - start));
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < fresh.length) {
          const i = next++;
          fresh[i] = await register(start + i);
        }
      }),
    );
    this.accounts.push(...fresh);
  }

  /**
   * A public channel created by the admin with these accounts as members (the admin as owner).
   * The first members come with the create call; the others join by themselves, as people join
   * public channels (before 244d500 the create call also failed above 16 members).
   */
  async createRoom(label: string, members: Account[], concurrency = 8): Promise<string> {
    const admin = this.admin;
    const list = members.map((m) => ({
      userId: m.id,
      role: m.id === admin.id ? ("owner" as const) : ("member" as const),
    }));
    const body = await this.#expect<{ room: { id: string } }>("POST", "/api/admin/rooms", {
      token: admin.token,
      body: {
        kind: "channel",
        name: `${label} ${++this.#rooms}`,
        members: list.slice(0, CREATE_MEMBERS),
      },
    });
    const joining = members.slice(CREATE_MEMBERS);
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < joining.length) {
          const account = joining[next++];
          if (!account) continue;
          await this.#expect("POST", `/api/rooms/${body.room.id}/join`, { token: account.token });
        }
      }),
    );
    return body.room.id;
  }

  /**
   * A room whose members are the first `count` accounts, shared by the figures that only need
   * members (joining a thousand people costs a D1 write each): made once, then reused.
   */
  async sharedRoom(count: number): Promise<string> {
    let roomId = this.#shared.get(count);
    if (!roomId) {
      roomId = await this.createRoom(`members ${count}`, this.accounts.slice(0, count));
      this.#shared.set(count, roomId);
    }
    return roomId;
  }

  /** Sets each member's notify level in the room (`PUT /api/rooms/:id/notifications`). */
  async notifyLevel(
    roomId: string,
    members: Account[],
    level: "all" | "mentions" | "none",
    concurrency = 8,
  ): Promise<void> {
    await atMost(concurrency, members, (member) =>
      this.#expect("PUT", `/api/rooms/${roomId}/notifications`, {
        token: member.token,
        body: { level },
      }),
    );
  }

  /** Subscribes a browser of `account` whose push service endpoint is `endpoint`; its id. */
  async subscribePush(
    account: Account,
    endpoint: string,
    keys: { p256dh: string; auth: string },
  ): Promise<string> {
    const body = await this.#expect<{ subscription: { id: string } }>(
      "POST",
      "/api/me/push-subscriptions",
      { token: account.token, body: { endpoint, keys } },
    );
    return body.subscription.id;
  }

  endpoint(roomId: string, account: Account): Endpoint {
    return {
      // As the web client does: several frames to a message while the room is busy.
      url: `${this.url.replace(/^http/, "ws")}/api/rooms/${roomId}/ws?batch=1`,
      headers: { authorization: `Bearer ${account.token}` },
    };
  }

  /** The room's D1 sync status, or null while the endpoint does not exist (404 for the route). */
  async syncStatus(roomId: string): Promise<RoomSync | null> {
    const response = await this.request<unknown>("GET", `/api/admin/rooms/${roomId}/sync`, {
      token: this.admin.token,
    });
    if (response.status === 404) return null;
    if (response.status !== 200) {
      throw new Error(`sync status → ${response.status} ${JSON.stringify(response.body)}`);
    }
    return RoomSyncSchema.parse((response.body as { sync: unknown }).sync);
  }
}

export type RoomSync = z.infer<typeof RoomSyncSchema>;

/** Runs `each` over `items` with at most `concurrency` calls in flight. */
export async function atMost<T>(
  concurrency: number,
  items: readonly T[],
  each: (item: T) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) {
        const item = items[next++] as T;
        await each(item);
      }
    }),
  );
}
