// Talking to Confab as a client would: real HTTP requests into the Worker, real D1 behind it.
import { env, SELF } from "cloudflare:test";
import { roomStub as roomStubOf } from "../src/realtime/stubs";

export const BASE = "http://confab.test";

export interface Reply<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export interface CallOptions {
  token?: string | undefined;
  cookie?: string;
  origin?: string | null;
  ip?: string;
  headers?: Record<string, string>;
  /** Raw body text, sent as is (for malformed input). */
  raw?: string;
}

export async function call<T = any>(
  method: string,
  path: string,
  body?: unknown,
  opts: CallOptions = {},
): Promise<Reply<T>> {
  const headers = new Headers(opts.headers);
  if (opts.token) headers.set("authorization", `Bearer ${opts.token}`);
  if (opts.cookie) headers.set("cookie", opts.cookie);
  if (opts.origin) headers.set("origin", opts.origin);
  if (opts.ip) headers.set("cf-connecting-ip", opts.ip);
  let payload: string | undefined = opts.raw;
  if (body !== undefined) {
    payload = JSON.stringify(body);
    headers.set("content-type", "application/json");
  } else if (opts.raw !== undefined && !headers.has("content-type")) {
    headers.set("content-type", "application/json");
  }
  const res = await SELF.fetch(`${BASE}${path}`, { method, headers, body: payload });
  const text = await res.text();
  let parsed: unknown = null;
  if (text) {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = text;
    }
  }
  return { status: res.status, body: parsed as T, headers: res.headers };
}

export interface TestUser {
  id: string;
  handle: string;
  token: string;
  role: "admin" | "user";
}

let counter = 0;
export const uniqueHandle = (prefix = "user") =>
  `${prefix}_${Date.now().toString(36)}${(counter++).toString(36)}`.slice(0, 32);

let addresses = 0;
/** A client address no other call of this file uses (198.18.0.0/15 is for testing). */
export const uniqueIp = () => {
  const n = addresses++;
  return `198.${18 + ((n >> 16) & 1)}.${(n >> 8) & 255}.${n & 255}`;
};

/** Signs a person up from their own address, as people do: sign-ups are limited per IP. */
export async function register(
  handle = uniqueHandle(),
  displayName = "Test Person",
): Promise<TestUser> {
  const res = await call(
    "POST",
    "/api/auth/register",
    { handle, displayName, password: "correct horse battery" },
    { ip: uniqueIp() },
  );
  if (res.status !== 201)
    throw new Error(`register ${handle}: ${res.status} ${JSON.stringify(res.body)}`);
  return {
    id: res.body.user.id,
    handle: res.body.user.handle,
    token: res.body.token,
    role: res.body.user.role,
  };
}

export async function createRoom(
  owner: TestUser,
  kind: "channel" | "private" = "channel",
  name = "general",
  workspaceId?: string,
) {
  const res = await call(
    "POST",
    "/api/rooms",
    { kind, name, ...(workspaceId ? { workspaceId } : {}) },
    { token: owner.token },
  );
  if (res.status !== 201) throw new Error(`create room: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.room as { id: string; kind: string; name: string };
}

export async function addMember(actor: TestUser, roomId: string, userId: string, role?: string) {
  const res = await call(
    "POST",
    `/api/rooms/${roomId}/members`,
    { userId, ...(role ? { role } : {}) },
    { token: actor.token },
  );
  if (res.status !== 201) throw new Error(`add member: ${res.status} ${JSON.stringify(res.body)}`);
}

let workspaces = 0;
/** A new workspace made by `creator` (an instance admin, unless WORKSPACE_CREATION is open). */
export async function createWorkspace(
  creator: TestUser,
  options: { name?: string; slug?: string; dataLocation?: "eu" | "fedramp" | null } = {},
) {
  const slug = options.slug ?? `ws-${Date.now().toString(36)}-${(workspaces++).toString(36)}`;
  const res = await call(
    "POST",
    "/api/workspaces",
    { name: options.name ?? `Workspace ${slug}`, slug, dataLocation: options.dataLocation },
    { token: creator.token },
  );
  if (res.status !== 201)
    throw new Error(`create workspace: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.workspace as { id: string; name: string; slug: string; dataLocation: string };
}

/** Adds `userId` to a workspace, as `actor` (one of its admins, or an instance admin). */
export async function addToWorkspace(
  actor: TestUser,
  workspaceId: string,
  userId: string,
  role?: "owner" | "admin" | "member",
) {
  const res = await call(
    "POST",
    `/api/workspaces/${workspaceId}/members`,
    { userId, ...(role ? { role } : {}) },
    { token: actor.token },
  );
  if (res.status !== 201)
    throw new Error(`add to workspace: ${res.status} ${JSON.stringify(res.body)}`);
}

export function expectError(res: Reply, status: number, code: string) {
  if (res.status !== status || res.body?.error?.code !== code) {
    throw new Error(`expected ${status} ${code}, got ${res.status} ${JSON.stringify(res.body)}`);
  }
}

/** The room's Durable Object, in its jurisdiction's namespace when its workspace has one. */
export const roomStub = (roomId: string) => roomStubOf(env, roomId);

/** Sends over HTTP and returns the stored message. */
export async function sendMessage(user: TestUser, roomId: string, body: string, cid?: string) {
  const res = await call(
    "POST",
    `/api/rooms/${roomId}/messages`,
    { cid: cid ?? crypto.randomUUID(), body },
    { token: user.token },
  );
  if (res.status !== 201) throw new Error(`send: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.message as { seq: number; rev: number; body: string };
}

/** My entry for one room in `GET /api/rooms`. */
export async function myRoom(user: TestUser, roomId: string) {
  const res = await call("GET", "/api/rooms", undefined, { token: user.token });
  if (res.status !== 200) throw new Error(`rooms: ${res.status}`);
  const item = (res.body.rooms as any[]).find((r) => r.room.id === roomId);
  if (!item) throw new Error(`room ${roomId} not in the list`);
  return item as {
    unread: number;
    mentions: number;
    threads: number;
    lastSeq: number;
    lastReadSeq: number;
    lastPreview: string | null;
    lastSenderId: string | null;
    lastMessageAt: string | null;
  };
}
