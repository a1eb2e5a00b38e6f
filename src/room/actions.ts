// The room's actions: each takes the room's state (store, roster) and returns its effects —
// the answer for whoever asked and the frames every open socket must get — without touching a
// socket. The room Durable Object delivers them; the same action serves a frame and an HTTP call.
import type { MemberRole } from "../../src/shared/api";
import {
  type Message,
  mentionedHandles,
  PROTOCOL_VERSION,
  READY_ONLINE_MAX,
  type ServerFrame,
} from "../../src/shared/protocol";
import {
  type Actor,
  type Change,
  deleteMessage,
  editMessage,
  markRead,
  pinMessage,
  type Result,
  type RoomInfo,
  reactToMessage,
  type SendInput,
  sendMessage,
} from "./handlers";
import type { EffectiveRetention } from "./retention";
import type { ConnectGrant } from "./room-sockets";
import type { Roster, RosterMember } from "./roster";
import type { RoomStore } from "./store";

/** What an action did: the answer, and the frames for every open socket of the room. */
export interface Outcome<T> {
  result: Result<T>;
  frames: ServerFrame[];
}

const only = <T>(result: Result<T>, frames: ServerFrame[] = []): Outcome<T> => ({
  result,
  frames,
});

/**
 * A send: mentions resolve against the roster as the message is written (no wait on D1, so a
 * sender's frames keep their order), then the idempotent write. The message frame is also the
 * sender's read receipt (sending marks read).
 */
export function send(
  store: RoomStore,
  roster: Roster,
  room: RoomInfo,
  actor: Actor,
  input: Omit<SendInput, "mentions">,
  now: number,
): Outcome<{ message: Message; created: boolean }> {
  const mentions = roster.idsOf(mentionedHandles(input.body));
  const result = sendMessage(store, room, actor, { ...input, mentions }, now);
  if (!result.ok || !result.value.created) return only(result);
  const { message, root } = result.value;
  // A reply also changes its root (the thread summary: a new rev, a `changed` frame).
  return only(result, [
    { type: "message", message },
    ...(root ? [{ type: "changed" as const, message: root }] : []),
  ]);
}

export type MessageChange =
  | { type: "edit"; seq: number; body: string }
  | { type: "delete"; seq: number }
  | { type: "react"; seq: number; emoji: string; on: boolean }
  | { type: "pin"; seq: number; on: boolean };

/** An edit, delete, reaction or pin: `changed` frames when something really changed. */
export function change(
  store: RoomStore,
  room: RoomInfo,
  actor: Actor,
  input: MessageChange,
  now: number,
): Outcome<Message> {
  const result: Result<Change> =
    input.type === "edit"
      ? editMessage(store, room, actor, input.seq, input.body, now)
      : input.type === "delete"
        ? deleteMessage(store, room, actor, input.seq, now)
        : input.type === "pin"
          ? pinMessage(store, room, actor, input, now)
          : reactToMessage(store, room, actor, input, now);
  if (!result.ok) return only(result);
  const { message, changed, also = [] } = result.value;
  if (!changed) return only({ ok: true, value: message });
  return only({ ok: true, value: message }, [
    { type: "changed", message },
    ...also.map((m) => ({ type: "changed" as const, message: m })),
  ]);
}

/** A read mark that moved forward is everyone's read receipt. */
export function read(
  store: RoomStore,
  actor: Actor,
  seq: number,
  now: number,
): Outcome<{ seq: number }> {
  const mark = markRead(store, actor, seq, now);
  return only(
    { ok: true, value: { seq: mark.seq } },
    mark.moved ? [{ type: "read", userId: actor.id, seq: mark.seq }] : [],
  );
}

/**
 * People became members (D1 has committed): the roster learns them, they start with the room
 * read up to its last message (joining is not unread; the outbox brings D1 to the same mark),
 * and open sockets see them join.
 */
export function addMembers(
  store: RoomStore,
  roster: Roster,
  members: readonly RosterMember[],
  now: number,
): ServerFrame[] {
  const added = roster.upsert(members);
  const lastSeq = store.lastSeq();
  store.atomically(() => {
    for (const m of added) {
      if (lastSeq > 0 && store.marks.advance(m.userId, lastSeq, now).moved) {
        store.outbox.readMark(m.userId, lastSeq);
      }
    }
  });
  return added.map((m) => ({ type: "member", userId: m.userId, change: "joined", role: m.role }));
}

/** Someone left or was removed: gone from the roster and from the read marks. */
export function removeMember(store: RoomStore, roster: Roster, userId: string): ServerFrame[] {
  const wasMember = roster.remove(userId);
  store.marks.forget(userId);
  store.delivered.forget(userId);
  return wasMember ? [{ type: "member", userId, change: "left" }] : [];
}

export function changeRole(roster: Roster, userId: string, role: MemberRole): ServerFrame[] {
  roster.setRole(userId, role);
  return [{ type: "member", userId, change: "role", role }];
}

/** How many read marks a `ready` frame carries at most (the most advanced first). */
const READ_MARKS_IN_READY = 1_000;

/** What members see of the room in frames. */
export function roomSummary(room: RoomInfo) {
  return {
    id: room.id,
    kind: room.kind,
    name: room.name,
    topic: room.topic,
    archived: room.archived,
  };
}

/**
 * What a new socket is told first: `ready` (who it is, where the room stands, who is online,
 * read and delivery marks), and `trimmed` when retention has removed the room's beginning, so a client that
 * was away during a purge learns where the room now starts.
 */
export function welcome(
  store: RoomStore,
  roster: Roster,
  room: RoomInfo,
  grant: ConnectGrant,
  online: ReadonlySet<string>,
  deliveredMarks: Record<string, number>,
): ServerFrame[] {
  const size = online.size;
  const ready: ServerFrame = {
    type: "ready",
    v: PROTOCOL_VERSION,
    room: roomSummary(room),
    me: {
      id: grant.actor.id,
      handle: grant.actor.handle,
      name: grant.actor.name,
      role: grant.actor.role ?? "admin",
    },
    rev: store.rev(),
    lastSeq: store.lastSeq(),
    online: firstOf(online, READY_ONLINE_MAX, grant.actor.id),
    onlineCount: size,
    readMarks: store.marks.top(READ_MARKS_IN_READY, roster.loaded ? roster.size() : null),
    deliveredMarks,
  };
  const firstSeq = store.firstSeq();
  return firstSeq > 1 ? [ready, { type: "trimmed", firstSeq }] : [ready];
}

/** D1 changed the room: a `room` frame if anything members see of it changed. */
export function roomChanged(
  before: RoomInfo | null,
  room: RoomInfo,
  retention: EffectiveRetention,
): ServerFrame[] {
  const seen = (r: RoomInfo | null) =>
    r ? JSON.stringify([r.name, r.topic, r.archived, r.ephemeral, r.retention]) : null;
  if (seen(before) === seen(room)) return [];
  return [{ type: "room", room: roomSummary(room), retention }];
}

/** Up to `max` of `ids`, `first` (the newcomer) among them if present. */
function firstOf(ids: ReadonlySet<string>, max: number, first: string): string[] {
  const out = ids.has(first) ? [first] : [];
  for (const id of ids) {
    if (out.length >= max) break;
    if (id !== first) out.push(id);
  }
  return out;
}
