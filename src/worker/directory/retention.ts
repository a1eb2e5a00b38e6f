// A room's retention policy in the registry (D1 `rooms.retention_json`): reading it with the
// instance defaults filled in, and replacing it. The room's Durable Object enforces it.
import { eq } from "drizzle-orm";
import type { RetentionPolicy } from "../../../src/shared/api";
import { audit } from "../../db/audit";
import type { Db } from "../../db/client";
import { rooms } from "../../db/schema";
import { effectiveRetention, type RetentionDefaults } from "../../room/retention";
import type { RoomRow } from "./access";

/** The room's own fields, every one present (null: the instance default applies). */
export function storedPolicy(room: RoomRow) {
  const policy = room.retentionJson ? (JSON.parse(room.retentionJson) as RetentionPolicy) : {};
  return {
    maxAgeDays: policy.maxAgeDays ?? null,
    maxMessages: policy.maxMessages ?? null,
    maxBytes: policy.maxBytes ?? null,
  };
}

/** `{policy, effective}`: what the room set, and what is in force. */
export function retentionOf(room: RoomRow, defaults: RetentionDefaults) {
  const policy = storedPolicy(room);
  return { policy, effective: effectiveRetention(policy, room.ephemeral, defaults) };
}

/** Replaces the policy (omitted fields: instance default) and records who did it. */
export async function setRetention(
  db: Db,
  actorId: string,
  room: RoomRow,
  policy: RetentionPolicy,
): Promise<RoomRow> {
  const next = {
    maxAgeDays: policy.maxAgeDays ?? null,
    maxMessages: policy.maxMessages ?? null,
    maxBytes: policy.maxBytes ?? null,
  };
  const [updated] = await db.batch([
    db
      .update(rooms)
      .set({ retentionJson: JSON.stringify(next) })
      .where(eq(rooms.id, room.id))
      .returning(),
    audit(db, { actorId, action: "retention.set", roomId: room.id, detail: next }),
  ]);
  return updated[0] ?? room;
}
