// Delivery marks (docs/api.md, "Delivery marks"): the highest seq that reached one of a member's
// devices. A member with a room socket open has everything: their mark is implied while they are
// online and written when they connect and when their last socket closes, so a message costs no
// write per reader. Inbox frames and pushes the push service accepted move stored marks. Moves
// are announced as `delivered` frames, coalesced (RoomNews) to one a second per member, in rooms
// small enough for ticks to mean something (DMs, group DMs, small rooms): in a big room each
// announcement would go to everyone online, a cost that grows with its members.
import type { RoomNews } from "./room-news";
import type { RoomStore } from "./store";

/** Rooms of more members keep their marks (ready.deliveredMarks) but do not announce moves. */
export const DELIVERY_NEWS_MAX_MEMBERS = 32;

/** How many delivery marks a `ready` frame carries at most (the most advanced first). */
const MARKS_IN_READY = 1_000;

export interface RoomDeliveryDeps {
  store: RoomStore;
  /** Members with a room socket open now. */
  online(): ReadonlySet<string>;
  /** How many members the room has. */
  members(): number;
  news: RoomNews<number>;
}

export class RoomDelivery {
  constructor(private readonly d: RoomDeliveryDeps) {}

  /** A new message went out to the open sockets. */
  messageOut(seq: number, senderId: string): void {
    if (!this.#announces()) return;
    for (const userId of this.d.online()) if (userId !== senderId) this.d.news.changed(userId, seq);
  }

  /** A socket opened, or a member's last socket closed: what they had is now on record. */
  caughtUp(userId: string): void {
    this.reached(userId, this.d.store.lastSeq());
  }

  /** `seq` reached one of the member's devices another way (an inbox frame, a push). */
  reached(userId: string, seq: number): void {
    if (seq > 0 && this.d.store.delivered.advance(userId, seq) && this.#announces()) {
      this.d.news.changed(userId, seq);
    }
  }

  #announces(): boolean {
    return this.d.members() <= DELIVERY_NEWS_MAX_MEMBERS;
  }

  /** `ready.deliveredMarks`: the stored marks, and everything for whoever is online now. */
  marks(): Readonly<Record<string, number>> {
    const stored = this.d.store.delivered.top(MARKS_IN_READY, this.d.members());
    const online = this.d.online();
    const lastSeq = this.d.store.lastSeq();
    if (online.size > MARKS_IN_READY || lastSeq === 0) return stored;
    // The stored marks are shared (kept between welcomes): the online ones go on a copy.
    const marks = { ...stored };
    for (const userId of online) marks[userId] = lastSeq;
    return marks;
  }
}
