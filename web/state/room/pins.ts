// The room's pinned messages, newest pin first: loaded once over HTTP, then kept by what the
// room's socket says (a pin or an unpin is a `changed` frame; so are edits and deletes of pinned
// messages), the newer rev winning.
import { signal } from "@preact/signals";
import type { Message } from "../../../src/shared/protocol";
import { asApiError } from "../../net/api";
import type { RoomApi } from "./live";

/** Newest pin first; pins of the same moment by seq, newest first. */
function byPinTime(a: Message, b: Message): number {
  const at = (m: Message) => m.pinned?.at ?? "";
  return at(b).localeCompare(at(a)) || b.seq - a.seq;
}

/**
 * The pinned list after `incoming` (changed messages): a message pinned joins it, one unpinned or
 * deleted leaves it, an edit replaces it; an older rev than the one held changes nothing. The list
 * itself when nothing changed.
 */
export function applyPins(pins: readonly Message[], incoming: readonly Message[]): Message[] {
  let next: Message[] | null = null;
  for (const message of incoming) {
    const list: Message[] = next ?? (pins as Message[]);
    const at = list.findIndex((m) => m.seq === message.seq);
    const held = list[at];
    if (held && held.rev >= message.rev) continue;
    const keep = message.pinned !== null && !message.deleted;
    if (!held && !keep) continue;
    next = list.filter((m) => m.seq !== message.seq);
    if (keep) next.push(message);
    next.sort(byPinTime);
  }
  return next ?? (pins as Message[]);
}

export function createPins(roomId: string, api: Pick<RoomApi, "pins" | "pin">) {
  /** Null until the first load answers. */
  const list = signal<Message[] | null>(null);
  const error = signal<string | null>(null);
  /** What the socket said while the list was on its way: applied on top of it. */
  let heardWhileLoading: Message[] | null = null;

  async function load(): Promise<void> {
    if (heardWhileLoading) return;
    heardWhileLoading = [];
    try {
      const { messages } = await api.pins(roomId);
      list.value = applyPins(messages, heardWhileLoading);
      error.value = null;
    } catch (e) {
      error.value = asApiError(e).message;
    } finally {
      heardWhileLoading = null;
    }
  }

  return {
    list,
    error,
    /** Loads the list; from then on the socket keeps it (replays carry pin changes too). */
    load,
    heard(incoming: readonly Message[]): void {
      heardWhileLoading?.push(...incoming);
      if (list.value) list.value = applyPins(list.value, incoming);
    },
  };
}

export type Pins = ReturnType<typeof createPins>;
