// Exact unread, mention and thread counts from D1 alone, as SQL over `r` (rooms) and
// `m` (memberships): one definition for the room list and for the inbox frames, so the two
// always agree.
//   unread   = last_seq − max(last_read_seq, first_seq − 1) − (deleted seqs and thread replies
//              in that range, each seq once)
//   mentions = my mention rows above my read mark (the thread's read mark for a mention in a
//              thread) whose message is not deleted
//   threads  = threads I follow with a reply above my thread read mark, not mine, not deleted
// Sending marks the room read up to the sent message, so every seq above my mark is someone
// else's message or a thread reply; replying in a thread reads the thread up to the reply.
export const READ_FLOOR = "max(m.last_read_seq, r.first_seq - 1)";

const IN_RANGE = (alias: string) =>
  `${alias}.room_id = r.id AND ${alias}.seq > ${READ_FLOOR} AND ${alias}.seq <= r.last_seq`;

export const UNREAD_COLUMNS = `
  max(0, r.last_seq - ${READ_FLOOR}
    - (SELECT count(*) FROM deleted_messages d WHERE ${IN_RANGE("d")})
    - (SELECT count(*) FROM thread_replies t WHERE ${IN_RANGE("t")})
    + (SELECT count(*) FROM thread_replies t2 JOIN deleted_messages d3
         ON d3.room_id = t2.room_id AND d3.seq = t2.seq WHERE ${IN_RANGE("t2")})) AS unread,
  (SELECT count(*) FROM mentions x
    LEFT JOIN thread_follows xf ON xf.room_id = x.room_id AND xf.root_seq = x.root_seq
      AND xf.user_id = x.user_id
    WHERE x.room_id = r.id AND x.user_id = m.user_id
      AND x.seq > CASE WHEN x.root_seq IS NULL THEN ${READ_FLOOR}
                       ELSE max(coalesce(xf.last_read_seq, 0), r.first_seq - 1) END
      AND NOT EXISTS (SELECT 1 FROM deleted_messages d2
                      WHERE d2.room_id = x.room_id AND d2.seq = x.seq)) AS mention_count`;

export const THREADS_COLUMN = `
  (SELECT count(*) FROM thread_follows f
    WHERE f.room_id = r.id AND f.user_id = m.user_id AND f.following = 1
      AND EXISTS (SELECT 1 FROM thread_replies tr
        WHERE tr.room_id = f.room_id AND tr.root_seq = f.root_seq
          AND tr.seq > max(f.last_read_seq, r.first_seq - 1) AND tr.sender_id <> f.user_id
          AND NOT EXISTS (SELECT 1 FROM deleted_messages d4
                          WHERE d4.room_id = tr.room_id AND d4.seq = tr.seq))) AS thread_count`;
