// The room WebSocket as clients use it: real sockets through the Worker to the room's Durable Object.
import { beforeAll, describe, expect, it } from "vitest";
import { addMember, call, createRoom, type Reply, register, type TestUser } from "./helpers";
import { RoomClient } from "./room-client";

let owner: TestUser;
let member: TestUser;
let roomId: string;

beforeAll(async () => {
  owner = await register("sock_owner", "Olga Owner");
  member = await register("sock_member", "Max Member");
  roomId = (await createRoom(owner, "private", "sockets")).id;
  await addMember(owner, roomId, member.id);
});

describe("room socket", () => {
  it("opens with ready, delivers a send to everyone, acks the sender", async () => {
    const a = await RoomClient.open(roomId, owner.token);
    const b = await RoomClient.open(roomId, member.token);
    const ready = a.frames[0];
    expect(ready).toMatchObject({
      type: "ready",
      v: 1,
      room: { id: roomId, kind: "private" },
      me: { id: owner.id, role: "owner" },
    });

    a.send({ type: "send", cid: "c1", body: "  hello @sock_member  " });
    const ack = await a.next("ack");
    const got = await b.next("message");
    expect(ack).toMatchObject({ cid: "c1", seq: got.message.seq, rev: got.message.rev });
    expect(got.message).toMatchObject({
      roomId,
      body: "hello @sock_member",
      sender: { id: owner.id, handle: "sock_owner", name: "Olga Owner" },
      deleted: false,
      editedAt: null,
      replyTo: null,
      reactions: [],
      mentions: [member.id],
    });
    a.close();
    b.close();
  });

  it("is refused before the upgrade: 401 without session, 404 for outsiders, 403 foreign origin", async () => {
    const outsider = await register();
    expect((await RoomClient.upgrade(roomId, null)).status).toBe(401);
    expect((await RoomClient.upgrade(roomId, outsider.token)).status).toBe(404);
    expect(
      (await RoomClient.upgrade(roomId, member.token, { origin: "https://evil.example" })).status,
    ).toBe(403);
    expect((await RoomClient.upgrade("room_missing", member.token)).status).toBe(404);
  });

  it("sends over HTTP reach sockets, and history pages them", async () => {
    const a = await RoomClient.open(roomId, owner.token);
    const sent = await call(
      "POST",
      `/api/rooms/${roomId}/messages`,
      { cid: "h1", body: "from http" },
      { token: member.token },
    );
    expect(sent.status).toBe(201);
    const frame = await a.next("message", (f) => f.message.body === "from http");
    expect(frame.message.seq).toBe(sent.body.message.seq);
    const history = await call("GET", `/api/rooms/${roomId}/messages?limit=1`, undefined, {
      token: owner.token,
    });
    expect(history.body.messages.map((m: { body: string }) => m.body)).toEqual(["from http"]);
    expect(history.body.hasMore).toBe(true);
    a.close();
  });
});

describe("HTTP send limits", () => {
  it("answers 429 rate_limited with Retry-After past the burst, and loses nothing accepted", async () => {
    const sender = await register();
    const room = await createRoom(sender, "channel", "http-burst");
    const results: Reply[] = [];
    // Concurrent batches, so a slow machine cannot refill the bucket between sends; bounded.
    for (let batch = 0; batch < 5 && !results.some((r) => r.status === 429); batch++) {
      const sends = Array.from({ length: 30 }, (_, i) =>
        call(
          "POST",
          `/api/rooms/${room.id}/messages`,
          { cid: `b${batch}-${i}`, body: `n${batch}-${i}` },
          { token: sender.token },
        ),
      );
      results.push(...(await Promise.all(sends)));
    }
    const limited = results.find((r) => r.status === 429);
    expect(limited?.body.error.code).toBe("rate_limited");
    expect(Number(limited?.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(results.every((r) => r.status === 201 || r.status === 429)).toBe(true);
    const accepted = results
      .filter((r) => r.status === 201)
      .map((r) => r.body.message.seq as number);
    expect(accepted.length).toBeGreaterThanOrEqual(20);
    const stored: number[] = [];
    for (let after = 0; ; ) {
      const page = await call(
        "GET",
        `/api/rooms/${room.id}/messages?after=${after}&limit=100`,
        undefined,
        { token: sender.token },
      );
      stored.push(...page.body.messages.map((m: { seq: number }) => m.seq));
      if (!page.body.hasMore) break;
      after = stored.at(-1) ?? 0;
    }
    expect(stored).toEqual([...accepted].sort((a, b) => a - b));
  });
});

describe("WebSocket tickets", () => {
  it("lets a client without cookies or headers in once, for that room only", async () => {
    const issued = await call("POST", `/api/rooms/${roomId}/ws-ticket`, undefined, {
      token: member.token,
    });
    expect(issued.status).toBe(201);
    expect(issued.body.ticket).toMatch(/^wt_/);
    expect(Date.parse(issued.body.expiresAt) - Date.now()).toBeLessThanOrEqual(30_000);

    const socket = await RoomClient.open(roomId, null, { ticket: issued.body.ticket });
    expect(socket.frames[0]).toMatchObject({ type: "ready", me: { id: member.id } });
    socket.close();
    // One-time: the same ticket never opens a second socket.
    expect((await RoomClient.upgrade(roomId, null, { ticket: issued.body.ticket })).status).toBe(
      401,
    );

    const other = await createRoom(member, "channel", "ticket-elsewhere");
    const forOther = await call("POST", `/api/rooms/${other.id}/ws-ticket`, undefined, {
      token: member.token,
    });
    expect((await RoomClient.upgrade(roomId, null, { ticket: forOther.body.ticket })).status).toBe(
      401,
    );
    expect((await RoomClient.upgrade(roomId, null, { ticket: "wt_made_up" })).status).toBe(401);

    const outsider = await register();
    const refused = await call("POST", `/api/rooms/${roomId}/ws-ticket`, undefined, {
      token: outsider.token,
    });
    expect(refused.status).toBe(404);
  });
});
