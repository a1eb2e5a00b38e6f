// Closes the server starts reach a standard client at once: Node 22's global WebSocket (undici),
// against `wrangler dev`, sees code 1008 within 2 s when its member is removed from the room or
// its session logs out. (Without the Worker's relay, workerd holds the TCP connection of a
// hibernatable socket closed by its Durable Object until that object goes idle and is evicted,
// ~10 s later: the close frame arrives, the close event does not.)
import { describe, expect, inject, test } from "vitest";
import { type Account, createChannel, joinRoom, register } from "./seed";

const baseUrl = inject("baseUrl");
const WITHIN_MS = 2_000;

interface Closed {
  code: number;
  at: number;
}

interface OpenSocket {
  socket: WebSocket;
  closed: Promise<Closed>;
}

async function api(path: string, token: string, init: RequestInit = {}): Promise<Response> {
  const response = await fetch(`${baseUrl}/api${path}`, {
    ...init,
    headers: { authorization: `Bearer ${token}`, origin: baseUrl, ...init.headers },
  });
  if (!response.ok) {
    throw new Error(`${init.method ?? "GET"} ${path}: ${response.status} ${await response.text()}`);
  }
  return response;
}

/** Opens a socket and resolves once the server's first frame (`ready`) has arrived. */
function open(url: string, headers?: Record<string, string>): Promise<OpenSocket> {
  // undici's WebSocket takes headers in its second argument (an extension of the standard).
  const socket = headers
    ? new WebSocket(url, { headers } as unknown as string[])
    : new WebSocket(url);
  const closed = new Promise<Closed>((resolve) => {
    socket.addEventListener("close", (event) => resolve({ code: event.code, at: Date.now() }));
  });
  return new Promise((resolve, reject) => {
    socket.addEventListener("message", (event) => {
      const frame = JSON.parse(String(event.data)) as { type: string };
      if (frame.type === "ready") resolve({ socket, closed });
    });
    socket.addEventListener("error", () => reject(new Error(`socket error on ${url}`)));
    void closed.then(({ code }) => reject(new Error(`closed (${code}) before ready: ${url}`)));
  });
}

const wsUrl = (path: string) => `${baseUrl.replace(/^http/, "ws")}/api${path}`;

async function roomSocket(account: Account, roomId: string): Promise<OpenSocket> {
  const response = await api(`/rooms/${roomId}/ws-ticket`, account.token, { method: "POST" });
  const { ticket } = (await response.json()) as { ticket: string };
  return open(wsUrl(`/rooms/${roomId}/ws?ticket=${ticket}`));
}

const inboxSocket = (account: Account) =>
  open(wsUrl("/me/ws"), { authorization: `Bearer ${account.token}` });

/** The close code and how long after `start` it came (waits up to 15 s, so a late one shows). */
async function closeOf(open: OpenSocket, start: number): Promise<{ code: number; ms: number }> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), 15_000);
  });
  try {
    const closed = await Promise.race([open.closed, late]);
    return closed ? { code: closed.code, ms: closed.at - start } : { code: 0, ms: Infinity };
  } finally {
    clearTimeout(timer);
    open.socket.close();
  }
}

describe("server-initiated closes reach a standard client within 2 s", () => {
  test("a member removed by the owner sees 1008 on the room socket", async () => {
    const owner = await register(baseUrl, "close_owner", "Close Owner");
    const member = await register(baseUrl, "close_member", "Close Member");
    const roomId = await createChannel(baseUrl, owner, "Close on removal");
    await joinRoom(baseUrl, member, roomId);
    const socket = await roomSocket(member, roomId);

    const start = Date.now();
    await api(`/rooms/${roomId}/members/${member.id}`, owner.token, { method: "DELETE" });
    const { code, ms } = await closeOf(socket, start);

    expect(code).toBe(1008);
    expect(ms).toBeLessThan(WITHIN_MS);
  });

  test("logout closes that session's room and inbox sockets with 1008", async () => {
    const owner = await register(baseUrl, "close_host", "Close Host");
    const leaver = await register(baseUrl, "close_leaver", "Close Leaver");
    const roomId = await createChannel(baseUrl, owner, "Close on logout");
    await joinRoom(baseUrl, leaver, roomId);
    const room = await roomSocket(leaver, roomId);
    const inbox = await inboxSocket(leaver);

    const start = Date.now();
    await api("/auth/logout", leaver.token, { method: "POST" });
    const closed = await Promise.all([closeOf(room, start), closeOf(inbox, start)]);

    expect(closed.map(({ code }) => code)).toEqual([1008, 1008]);
    for (const { ms } of closed) expect(ms).toBeLessThan(WITHIN_MS);
  });
});
