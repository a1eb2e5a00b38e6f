// A 1:1 DM's block state: which of its two members blocked the other, as the Worker last told
// the room (D1 is the source of truth). Kept in the room's meta so a send is refused without a
// D1 read, and an eviction forgets nothing. Nobody sends while either has blocked the other.
import type { Result } from "./handlers";
import type { RoomStore } from "./store";

const BLOCKERS_KEY = "dmBlockers";

/** The members who blocked the other one (empty: nobody; rooms other than 1:1 DMs never have any). */
export const dmBlockers = (store: RoomStore): string[] =>
  store.getMeta<string[]>(BLOCKERS_KEY) ?? [];

export function setDmBlockers(store: RoomStore, blockers: readonly string[]): void {
  if (blockers.length === 0 && store.getMeta<string[]>(BLOCKERS_KEY) === null) return;
  store.setMeta(BLOCKERS_KEY, [...new Set(blockers)].sort());
}

/**
 * Whether `senderId` may send here. The blocked person learns only that they cannot write
 * (the contract's `blocked` code); the blocker is told why, and that unblocking undoes it.
 */
export function blockRefusal(store: RoomStore, senderId: string): Result<never> | null {
  const blockers = dmBlockers(store);
  if (blockers.length === 0) return null;
  return {
    ok: false,
    code: "blocked",
    message: blockers.includes(senderId)
      ? "You blocked this person: unblock them to write here"
      : "You can't send messages in this conversation",
  };
}
