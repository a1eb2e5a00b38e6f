// The open room's details and members as the main panel shows them, kept current by the room
// socket's `member` and `room` frames.
import { type ReadonlySignal, signal } from "@preact/signals";
import type { RoomDetails } from "../../src/shared/api";
import type { Message } from "../../src/shared/protocol";
import { trimExplained } from "../lib/retention";
import { asApiError } from "../net/api";
import type { Loadable } from "./loadable";
import type { MemberFrame, RoomFrame } from "./room";
import { applyMemberFrame, mergeMembers } from "./room-members";

/** Members fetched at the end of the list, where someone who just joined usually is. */
export const MEMBERS_TAIL = 50;

/** Loads a room's details: the first page of members, or the page at `cursor`. */
export type LoadDetails = (
  roomId: string,
  page?: { cursor: string; limit: number },
) => Promise<RoomDetails>;

/** `isOpen` says whether the room is still the one in the main panel. */
export function createRoomDetails(load: LoadDetails, isOpen: (roomId: string) => boolean) {
  const openRoom = signal<Loadable<RoomDetails> | null>(null);
  // An answer is applied only if the panel did not change (reset) since its request.
  let view = 0;
  /** People who joined the open room whom it cannot name yet (a `member` frame has only an id). */
  const pendingMembers = new Set<string>();
  let fetchingMembers = false;
  let trimReload: Promise<void> | null = null;

  /** The open room's details, when they are loaded and of this room. */
  function details(roomId: string): RoomDetails | null {
    const current = openRoom.value;
    return current?.status === "ready" && current.value.room.id === roomId ? current.value : null;
  }

  function ready(value: RoomDetails): void {
    openRoom.value = { status: "ready", value };
  }

  async function reload(roomId: string): Promise<void> {
    const started = view;
    try {
      const fresh = await load(roomId);
      if (started === view) ready(mergeMembers(fresh, details(roomId)));
    } catch (error) {
      if (started === view) openRoom.value = { status: "error", error: asApiError(error) };
    }
  }

  /**
   * Names the people who joined: the first page of members (which is the whole list in most
   * rooms), else the end of the list, where newcomers are. One fetch at a time; joins that come
   * meanwhile are named by the next round.
   */
  async function fetchMembers(roomId: string): Promise<void> {
    if (fetchingMembers) return;
    fetchingMembers = true;
    try {
      while (pendingMembers.size > 0 && isOpen(roomId)) {
        const started = view;
        const wanted = new Set(pendingMembers);
        pendingMembers.clear();
        const fresh = await load(roomId);
        const missing = [...wanted].filter((id) => !fresh.members.some((m) => m.user.id === id));
        let found: RoomDetails["members"] = [];
        if (missing.length > 0 && fresh.memberCount > fresh.members.length) {
          const cursor = String(Math.max(fresh.members.length, fresh.memberCount - MEMBERS_TAIL));
          const tail = await load(roomId, { cursor, limit: MEMBERS_TAIL });
          found = tail.members.filter((m) => missing.includes(m.user.id));
        }
        if (started !== view) return;
        ready(mergeMembers(fresh, details(roomId), found));
      }
    } catch {
      // The names stay unknown ("Someone"); the next reload of the room brings them.
    } finally {
      fetchingMembers = false;
    }
  }

  return {
    /** Details of the room in the main panel, while a room is selected. */
    openRoom: openRoom as ReadonlySignal<Loadable<RoomDetails> | null>,
    reload,

    /** The panel changed (or the session): `loading` for a room, else nothing to show. */
    reset(next: Loadable<RoomDetails> | null): void {
      pendingMembers.clear();
      view++;
      openRoom.value = next;
    },

    onMember(roomId: string, frame: MemberFrame, meId: string): void {
      const current = details(roomId);
      if (!current) return;
      const next = applyMemberFrame(current, frame, meId);
      ready(next.details);
      if (next.unknown) {
        pendingMembers.add(frame.userId);
        void fetchMembers(roomId);
      }
    },

    /** The room's name, topic, archived state or retention changed. */
    onRoomChanged(roomId: string, frame: RoomFrame): void {
      const current = details(roomId);
      if (!current) return;
      ready({ ...current, room: { ...current.room, ...frame.room }, retention: frame.retention });
    },

    /**
     * Retention removed messages from the open room. If the policy we show does not account for
     * that, an admin changed it: reload the details, so "Messages here are kept for…" is right.
     */
    onTrimmed(roomId: string, removed: readonly Message[]): void {
      const current = details(roomId);
      if (!current || trimReload) return;
      if (trimExplained(current.retention, removed, Date.now())) return;
      trimReload = reload(roomId).finally(() => {
        trimReload = null;
      });
    },

    /** I muted or unmuted the room. */
    setMuted(roomId: string, muted: boolean): void {
      const current = details(roomId);
      if (current?.me) ready({ ...current, me: { ...current.me, muted } });
    },
  };
}
