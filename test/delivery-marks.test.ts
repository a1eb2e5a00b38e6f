// Delivery marks: how far each member's devices have received the room (a room socket, an inbox
// frame, or a push a push service accepted), told as `delivered` frames (at most one a second per
// member) and in `ready.deliveredMarks`.
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { toBase64Url } from "../src/worker/auth/crypto";
import { call, register, sendMessage, type TestUser } from "./helpers";
import { newSubscriber, PUSH_ORIGIN, pushService } from "./push-service";
import { InboxClient, RoomClient } from "./room-client";

let ana: TestUser;

beforeAll(async () => {
  await register(); // the instance's admin
  ana = await register();
});

afterEach(() => {
  vi.restoreAllMocks();
});

async function dmWith(): Promise<{ bo: TestUser; dm: string }> {
  const bo = await register();
  const res = await call("POST", "/api/dms", { userId: bo.id }, { token: ana.token });
  return { bo, dm: res.body.room.id as string };
}

const deliveredTo = (client: RoomClient, userId: string) =>
  client.frames.flatMap((f) => (f.type === "delivered" && f.userId === userId ? [f.seq] : []));

describe("delivery marks", () => {
  it("a member with the room open has each message delivered as it goes out", async () => {
    const { bo, dm } = await dmWith();
    const boSocket = await RoomClient.open(dm, bo.token);
    const anaSocket = await RoomClient.open(dm, ana.token);
    try {
      const sent = await sendMessage(ana, dm, "hello");
      await anaSocket.next("delivered", (f) => f.userId === bo.id && f.seq === sent.seq);
      const again = await RoomClient.open(dm, ana.token);
      const ready = await again.next("ready");
      expect(ready.deliveredMarks[bo.id]).toBe(sent.seq);
      again.close();
    } finally {
      boSocket.close();
      anaSocket.close();
    }
  });

  it("a member away gets it when a push service accepts their push", async () => {
    const { bo, dm } = await dmWith();
    const subscriber = await newSubscriber();
    await call(
      "POST",
      "/api/me/push-subscriptions",
      {
        endpoint: `${PUSH_ORIGIN}/${bo.handle}`,
        keys: { p256dh: toBase64Url(subscriber.p256dh), auth: toBase64Url(subscriber.auth) },
      },
      { token: bo.token },
    );
    const received = pushService(new Map([[`/${bo.handle}`, subscriber]]));
    const anaSocket = await RoomClient.open(dm, ana.token);
    try {
      const sent = await sendMessage(ana, dm, "ping");
      await anaSocket.next("delivered", (f) => f.userId === bo.id && f.seq === sent.seq, {
        timeoutMs: 8_000,
      });
      expect(received).toHaveLength(1);
    } finally {
      anaSocket.close();
    }
  });

  it("a member whose inbox is open gets it with the inbox's room frame", async () => {
    const { bo, dm } = await dmWith();
    const inbox = await InboxClient.open(bo.token);
    const anaSocket = await RoomClient.open(dm, ana.token);
    try {
      const sent = await sendMessage(ana, dm, "are you around?");
      await inbox.next("room", (f) => f.roomId === dm && f.lastSeq === sent.seq);
      await anaSocket.next("delivered", (f) => f.userId === bo.id && f.seq === sent.seq);
    } finally {
      inbox.close();
      anaSocket.close();
    }
  });

  it("a member who was offline gets everything when they connect; no mark before", async () => {
    const { bo, dm } = await dmWith();
    await sendMessage(ana, dm, "one");
    const last = await sendMessage(ana, dm, "two");
    const anaSocket = await RoomClient.open(dm, ana.token);
    try {
      expect((await anaSocket.next("ready")).deliveredMarks[bo.id]).toBeUndefined();
      const boSocket = await RoomClient.open(dm, bo.token);
      await anaSocket.next("delivered", (f) => f.userId === bo.id && f.seq === last.seq);
      boSocket.close();
    } finally {
      anaSocket.close();
    }
  });

  it("is told at most once a second per member, ending at the newest", async () => {
    const { bo, dm } = await dmWith();
    const boSocket = await RoomClient.open(dm, bo.token);
    const anaSocket = await RoomClient.open(dm, ana.token);
    try {
      let last = 0;
      for (let i = 0; i < 6; i++) last = (await sendMessage(ana, dm, `burst ${i}`)).seq;
      await anaSocket.next("delivered", (f) => f.userId === bo.id && f.seq === last, {
        timeoutMs: 3_000,
      });
      // Six messages inside about a second: the first at once, the rest in one at its end.
      expect(deliveredTo(anaSocket, bo.id).length).toBeLessThanOrEqual(3);
    } finally {
      boSocket.close();
      anaSocket.close();
    }
  });
});
