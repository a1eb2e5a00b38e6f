// What the sharded tests share: the relay count, waiting, and a client's view of messages.
import { env } from "cloudflare:test";
import type { ServerFrame } from "../../src/shared/protocol";
import { sleep, until as untilWithin } from "../convergence-kit";
import type { TestUser } from "../helpers";
import { RoomClient } from "../room-client";

export const RELAYS = Number(env.ROOM_RELAYS);

export { sleep };

/**
 * Relays report closes to the room once per presence interval: a file's afterAll waits for the
 * last ones to land before its runtime is torn down (a report still in flight then fails as an
 * unhandled error).
 */
export const reportsLanded = () => sleep(2 * Number(env.PRESENCE_INTERVAL_MS) + 200);

/** Waits until `check` holds, or throws after `ms`. */
export const until = (check: () => boolean | Promise<boolean>, what: string, ms = 5_000) =>
  untilWithin(check, ms, what);

/** Fills the room's own two places with `owner`'s sockets; the next sockets go to relays. */
export async function fillRoom(owner: TestUser, roomId: string): Promise<RoomClient[]> {
  return [await RoomClient.open(roomId, owner.token), await RoomClient.open(roomId, owner.token)];
}

export const messages = (client: RoomClient) =>
  client.frames.filter((f): f is Extract<ServerFrame, { type: "message" }> => f.type === "message");

export async function sendAcked(client: RoomClient, cid: string, body: string) {
  client.send({ type: "send", cid, body });
  return client.next("ack", (f) => f.cid === cid);
}
