// Seeding from Node, for tests that need more than a person would type: accounts and rooms over
// HTTP with a bearer token, and many messages over one room WebSocket (Node 22's global
// WebSocket, authenticated with a one-time ticket), a bounded number in flight at once.

/** Every test account's password. */
export const PASSWORD = "correct horse battery";
/** The instance's first account (hence its admin), registered by the global setup. */
export const ADMIN = { handle: "admin", name: "Site Admin" } as const;

export interface Account {
  id: string;
  token: string;
}

/** One API request with a JSON body, as the instance's own origin; throws on an error answer. */
export async function call<T>(baseUrl: string, path: string, init: RequestInit = {}): Promise<T> {
  const response = await fetch(`${baseUrl}/api${path}`, {
    ...init,
    headers: { "content-type": "application/json", origin: baseUrl, ...init.headers },
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${init.method ?? "GET"} ${path}: ${response.status} ${text}`);
  return (text ? JSON.parse(text) : null) as T;
}

export async function register(baseUrl: string, handle: string, name: string): Promise<Account> {
  const { user, token } = await call<{ user: { id: string }; token: string }>(
    baseUrl,
    "/auth/register",
    {
      method: "POST",
      body: JSON.stringify({ handle, displayName: name, password: PASSWORD }),
    },
  );
  return { id: user.id, token };
}

export async function createRoom(
  baseUrl: string,
  owner: Account,
  name: string,
  kind: "channel" | "private" = "channel",
) {
  const { room } = await call<{ room: { id: string } }>(baseUrl, "/rooms", {
    method: "POST",
    headers: { authorization: `Bearer ${owner.token}` },
    body: JSON.stringify({ kind, name }),
  });
  return room.id;
}

export const createChannel = (baseUrl: string, owner: Account, name: string) =>
  createRoom(baseUrl, owner, name, "channel");

export async function joinRoom(baseUrl: string, account: Account, roomId: string) {
  await call(baseUrl, `/rooms/${roomId}/join`, {
    method: "POST",
    headers: { authorization: `Bearer ${account.token}` },
  });
}

/**
 * Sends `count` messages to a room over one WebSocket, `body(i)` for i = 1…count in order, with
 * at most `window` unacknowledged; resolves once every one is acknowledged.
 */
export async function sendMany(
  baseUrl: string,
  account: Account,
  roomId: string,
  count: number,
  body: (i: number) => string,
  window = 200,
): Promise<void> {
  const { ticket } = await call<{ ticket: string }>(baseUrl, `/rooms/${roomId}/ws-ticket`, {
    method: "POST",
    headers: { authorization: `Bearer ${account.token}` },
  });
  const url = `${baseUrl.replace(/^http/, "ws")}/api/rooms/${roomId}/ws?ticket=${ticket}`;
  const socket = new WebSocket(url);
  try {
    await new Promise<void>((resolve, reject) => {
      let sent = 0;
      let acked = 0;
      const fill = () => {
        while (sent < count && sent - acked < window) {
          sent++;
          socket.send(JSON.stringify({ type: "send", cid: `seed-${sent}`, body: body(sent) }));
        }
      };
      socket.onmessage = (event) => {
        const frame = JSON.parse(String(event.data)) as { type: string; message?: string };
        if (frame.type === "ready") fill();
        else if (frame.type === "ack") {
          acked++;
          if (acked === count) resolve();
          else fill();
        } else if (frame.type === "error") reject(new Error(`refused: ${frame.message}`));
      };
      socket.onclose = (event) => reject(new Error(`socket closed (${event.code})`));
      socket.onerror = () => reject(new Error("socket error"));
    });
  } finally {
    socket.onclose = null;
    socket.close();
  }
}
