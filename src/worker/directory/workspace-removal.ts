// Taking someone out of a workspace (removal by its admins, or leaving): out of every room of the
// workspace with them, since its rooms are invisible to those outside it anyway, and memberships
// left behind would come back to life if they were added again. Then their sockets in those rooms
// close and their inbox drops the rooms (notify.ts does both, as for a room's removal).
import { and, eq, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { Env } from "../../config/env";
import { audit } from "../../db/audit";
import { batchAll } from "../../db/batch";
import type { Db } from "../../db/client";
import { auditLog, memberships, rooms, workspaceMembers } from "../../db/schema";
import { inBatches } from "../../realtime/batches";
import { ApiError, forbidden } from "../errors";
import * as notify from "../notify";
import { removal } from "./members";
import { findWorkspaceMember, LAST_OWNER, ownerCount, type WorkspaceAccess } from "./workspaces";

/**
 * Rooms per statement. Each list travels as one JSON parameter (json_each), so D1's limit of 100
 * bound parameters never binds; this only keeps one batch's work small.
 */
const ROOMS_PER_BATCH = 100;

/** Who may take `target` out: anyone themselves, admins anyone but owners, owners anyone. */
function assertMayRemove(
  access: WorkspaceAccess,
  self: boolean,
  targetRole: "owner" | "admin" | "member",
): void {
  if (self) return;
  if (!access.canAdmin) throw forbidden("Only the workspace's admins remove people");
  if (targetRole === "owner" && !access.canOwn) {
    throw forbidden("Only the workspace's owners remove an owner");
  }
}

/**
 * Removes `userId` from the workspace (or lets them leave, when they are the actor) and from
 * every room of it. The last owner can neither leave nor be removed (409). Room memberships go
 * first, in bounded batches, and the workspace membership last: a failure part-way leaves them in
 * the workspace, and the same request again finishes the job.
 */
export async function removeFromWorkspace(
  env: Env,
  db: Db,
  access: WorkspaceAccess,
  actorId: string,
  userId: string,
): Promise<void> {
  const workspaceId = access.workspace.id;
  const self = actorId === userId;
  const { member, user } = await findWorkspaceMember(db, workspaceId, userId);
  assertMayRemove(access, self, member.role);
  if (member.role === "owner" && (await ownerCount(db, workspaceId)) <= 1) {
    throw new ApiError("conflict", LAST_OWNER);
  }
  const via = self ? "leave" : "workspace";

  const held = await db
    .select({ membership: memberships })
    .from(memberships)
    .innerJoin(rooms, eq(rooms.id, memberships.roomId))
    .where(and(eq(memberships.userId, userId), eq(rooms.workspaceId, workspaceId)))
    .all();

  // Rooms they own go one at a time: the last owner's room is handed to an heir (members.ts).
  const owned = held.filter((h) => h.membership.role === "owner");
  const heirs = new Map<string, string | null>();
  for (const { membership } of owned) {
    const { statements, newOwner } = await removal(db, actorId, membership, {
      role: "owner",
      via,
    });
    await batchAll(db, [...statements, ...forgetDm(db, [membership.roomId])]);
    heirs.set(membership.roomId, newOwner);
  }

  // The rest by the hundred: one DELETE, one INSERT of their audit entries, DMs forgotten.
  const rest = held.filter((h) => h.membership.role !== "owner").map((h) => h.membership);
  for (let i = 0; i < rest.length; i += ROOMS_PER_BATCH) {
    const chunk = rest.slice(i, i + ROOMS_PER_BATCH);
    const roomIds = chunk.map((m) => m.roomId);
    const entries = JSON.stringify(chunk.map((m) => ({ room: m.roomId, role: m.role })));
    await db.batch([
      db
        .delete(memberships)
        .where(
          and(
            eq(memberships.userId, userId),
            sql`${memberships.roomId} IN (SELECT value FROM json_each(${JSON.stringify(roomIds)}))`,
          ),
        ),
      // What audit() writes for each room's removal (member.remove), a row per room. An
      // INSERT … SELECT names every column of the table, in order: NULL lets `id` count on.
      db.insert(auditLog).select(
        sql`SELECT NULL, ${Date.now()}, ${actorId}, 'member.remove', json_extract(value, '$.room'),
               ${workspaceId}, ${userId},
               json_object('role', json_extract(value, '$.role'), 'via', ${via})
            FROM json_each(${entries})`,
      ),
      ...forgetDm(db, roomIds),
    ]);
  }

  await db.batch([
    db
      .delete(workspaceMembers)
      .where(
        and(eq(workspaceMembers.workspaceId, workspaceId), eq(workspaceMembers.userId, userId)),
      ),
    audit(db, {
      actorId,
      action: "workspace.member_remove",
      workspaceId,
      targetId: userId,
      detail: { role: member.role, rooms: held.length, ...(self ? { via: "leave" } : {}) },
    }),
  ]);

  // D1 has committed: now the live side. Their sockets in those rooms close, inboxes drop them.
  await inBatches(held, ({ membership }) =>
    notify.memberRemoved(env, membership.roomId, userId, heirs.get(membership.roomId) ?? null),
  );
  // Sockets they opened as the workspace's admin in rooms they are not in close too, unless they
  // remain an instance admin (who may be in every room).
  if (user.role !== "admin") await notify.adminRevoked(env, db, userId, workspaceId);
}

/**
 * DMs they leave stop being found by their set of people (as leaving a group DM does), so a DM
 * opened later between the same people starts afresh with everyone in it.
 */
function forgetDm(db: Db, roomIds: readonly string[]): BatchItem<"sqlite">[] {
  return [
    db
      .update(rooms)
      .set({ dmKey: null })
      .where(
        and(
          eq(rooms.kind, "dm"),
          sql`${rooms.id} IN (SELECT value FROM json_each(${JSON.stringify(roomIds)}))`,
        ),
      ),
  ];
}
