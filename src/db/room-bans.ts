// Lifting a room's bans whose `until` has come (docs/api.md, "Bans"): the room's alarm runs it
// against D1, where bans live. One batch audits and deletes the expired bans together (the audit
// rows are copied from the very rows deleted, actor null), and says when the next ban ends.

/** Lifts `roomId`'s bans with `until <= now`; answers when its next ban ends, or null. */
export async function liftExpiredBans(
  d1: D1Database,
  roomId: string,
  now: number,
): Promise<number | null> {
  const expired = "room_id = ?1 AND until IS NOT NULL AND until <= ?2";
  const [, , next] = await d1.batch<{ next: number | null }>([
    d1
      .prepare(
        `INSERT INTO audit_log (at, actor_id, action, room_id, target_id, detail_json)
         SELECT ?2, NULL, 'member.unban', room_id, user_id,
                json_object('reason', 'expired',
                            'until', strftime('%Y-%m-%dT%H:%M:%fZ', until / 1000.0, 'unixepoch'))
         FROM room_bans WHERE ${expired}`,
      )
      .bind(roomId, now),
    d1.prepare(`DELETE FROM room_bans WHERE ${expired}`).bind(roomId, now),
    d1
      .prepare("SELECT min(until) AS next FROM room_bans WHERE room_id = ?1 AND until > ?2")
      .bind(roomId, now),
  ]);
  return next?.results[0]?.next ?? null;
}
