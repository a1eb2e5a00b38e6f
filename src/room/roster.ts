// The room's members as D1 last told it. Loaded from D1 once per room, then kept current by the
// membership changes the Worker reports after each D1 commit, so the send path resolves mentions
// and checks authority without waiting on D1 (a wait there would let a later frame overtake).
import type { MemberRole } from "../../src/shared/api";

export interface RosterMember {
  userId: string;
  handle: string;
  role: MemberRole;
}

const LOADED_KEY = "rosterLoaded";

export class Roster {
  #byId: Map<string, RosterMember> | null = null;
  #byHandle: Map<string, string> | null = null;
  #loaded: boolean | null = null;

  constructor(private readonly sql: SqlStorage) {}

  /** Whether the roster was ever loaded from D1 (rooms older than it start without one). */
  get loaded(): boolean {
    this.#loaded ??=
      this.sql.exec<{ n: number }>("SELECT count(*) AS n FROM meta WHERE key = ?", LOADED_KEY).one()
        .n > 0;
    return this.#loaded;
  }

  /** Replaces the whole roster with D1's list (the one-time load). */
  load(members: readonly RosterMember[]): void {
    this.sql.exec("DELETE FROM members");
    for (const m of members) this.#write(m);
    this.sql.exec(
      "INSERT INTO meta (key, value) VALUES (?, 'true') ON CONFLICT (key) DO NOTHING",
      LOADED_KEY,
    );
    this.#loaded = true;
    this.#forget();
  }

  /** Adds members or changes their role; returns those who were not members before. */
  upsert(members: readonly RosterMember[]): RosterMember[] {
    const added = members.filter((m) => !this.#members().has(m.userId));
    for (const m of members) this.#write(m);
    this.#forget();
    return added;
  }

  setRole(userId: string, role: MemberRole): void {
    this.sql.exec("UPDATE members SET role = ? WHERE user_id = ?", role, userId);
    this.#forget();
  }

  remove(userId: string): boolean {
    const removed = this.sql.exec("DELETE FROM members WHERE user_id = ?", userId).rowsWritten > 0;
    this.#forget();
    return removed;
  }

  /** The member's role now, or null for someone who is not (or no longer) a member. */
  /** How many members the room has (as D1 last reported). */
  size(): number {
    return this.#members().size;
  }

  role(userId: string): MemberRole | null {
    return this.#members().get(userId)?.role ?? null;
  }

  /** Members' ids for these handles; handles of non-members are ignored. */
  idsOf(handles: readonly string[]): string[] {
    this.#members();
    const ids: string[] = [];
    for (const handle of handles) {
      const id = this.#byHandle?.get(handle);
      if (id) ids.push(id);
    }
    return ids;
  }

  #write(m: RosterMember): void {
    this.sql.exec(
      `INSERT INTO members (user_id, handle, role) VALUES (?, ?, ?)
       ON CONFLICT (user_id) DO UPDATE SET handle = excluded.handle, role = excluded.role`,
      m.userId,
      m.handle,
      m.role,
    );
  }

  #forget(): void {
    this.#byId = null;
    this.#byHandle = null;
  }

  #members(): Map<string, RosterMember> {
    if (this.#byId) return this.#byId;
    const byId = new Map<string, RosterMember>();
    const byHandle = new Map<string, string>();
    for (const row of this.sql
      .exec<{ user_id: string; handle: string; role: MemberRole }>(
        "SELECT user_id, handle, role FROM members",
      )
      .toArray()) {
      byId.set(row.user_id, { userId: row.user_id, handle: row.handle, role: row.role });
      byHandle.set(row.handle, row.user_id);
    }
    this.#byId = byId;
    this.#byHandle = byHandle;
    return byId;
  }
}

/** Every member of the room as D1 has them, for the roster's one-time load. */
export async function readRoster(db: D1Database, roomId: string): Promise<RosterMember[]> {
  const { results } = await db
    .prepare(
      `SELECT m.user_id AS userId, u.handle AS handle, m.role AS role
       FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.room_id = ?`,
    )
    .bind(roomId)
    .all<RosterMember>();
  return results;
}
