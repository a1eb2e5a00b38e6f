// Exact unread and mention counts from D1 alone, as SQL over `r` (rooms) and
// `m` (memberships): one definition for the room list and for the inbox frames, so the two
// always agree.
//   unread   = last_seq − max(last_read_seq, first_seq − 1) − deleted seqs in that range
//   mentions = my mention rows above my read mark whose message is not deleted
// Sending marks the room read up to the sent message, so every seq above my mark is someone
// else's message.
export const READ_FLOOR = "max(m.last_read_seq, r.first_seq - 1)";

export const UNREAD_COLUMNS = `
  max(0, r.last_seq - ${READ_FLOOR}
    - (SELECT count(*) FROM deleted_messages d
       WHERE d.room_id = r.id AND d.seq > ${READ_FLOOR} AND d.seq <= r.last_seq)) AS unread,
  (SELECT count(*) FROM mentions x
    WHERE x.room_id = r.id AND x.user_id = m.user_id AND x.seq > ${READ_FLOOR}
      AND NOT EXISTS (SELECT 1 FROM deleted_messages d2
                      WHERE d2.room_id = x.room_id AND d2.seq = x.seq)) AS mention_count`;
