// What the sharded tests share: the relay count, waiting, and a client's view of messages.
import { env } from "cloudflare:test";
import { relayOf } from "../../src/realtime/relays";
import type { ServerFrame } from "../../src/shared/protocol";
import { sleep, until as untilWithin } from "../convergence-kit";
import { register, type TestUser } from "../helpers";
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

/**
 * `count` people (handles `<prefix><i>`, names `<name> <i>`) on two relays or more: relays are
 * picked by a hash of the random user id, so while everyone hashed to one (1 run in 81 with five
 * people and three relays) the last is replaced by someone new.
 */
export async function peopleOnRelays(
  prefix: string,
  count: number,
  name = "Person",
): Promise<TestUser[]> {
  const people: TestUser[] = [];
  for (let i = 0; i < count; i++) people.push(await register(`${prefix}${i}`, `${name} ${i}`));
  const last = count - 1;
  for (let retry = 1; new Set(people.map((p) => relayOf(p.id, RELAYS))).size < 2; retry++) {
    if (retry > 20) throw new Error("everyone hashed to one relay, twenty times over");
    people[last] = await register(`${prefix}${last}_${retry}`, `${name} ${last}`);
  }
  return people;
}

export const messages = (client: RoomClient) =>
  client.frames.filter((f): f is Extract<ServerFrame, { type: "message" }> => f.type === "message");

export async function sendAcked(client: RoomClient, cid: string, body: string) {
  client.send({ type: "send", cid, body });
  return client.next("ack", (f) => f.cid === cid);
}
