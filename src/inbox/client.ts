// How the Worker and the rooms reach a user's inbox Durable Object, and the membership news the
// Worker sends it. D1 has already committed; an inbox that cannot be reached is logged, not fatal.
import type { Env } from "../env";
import type { MemberRole } from "../shared/api";
import type { MembershipChange } from "../shared/protocol";

export const inboxStub = (env: Env, userId: string) => env.INBOX.get(env.INBOX.idFromName(userId));

const CONCURRENCY = 16;

/** Tells each user's inbox that their membership of `roomId` changed. */
export async function membershipChanged(
  env: Env,
  roomId: string,
  changes: ReadonlyArray<{ userId: string; change: MembershipChange; role?: MemberRole }>,
): Promise<void> {
  for (let i = 0; i < changes.length; i += CONCURRENCY) {
    await Promise.all(
      changes.slice(i, i + CONCURRENCY).map(async ({ userId, change, role }) => {
        try {
          await inboxStub(env, userId).membership(userId, roomId, change, role);
        } catch (error) {
          console.error(`inbox of ${userId} not told about ${roomId}`, error);
        }
      }),
    );
  }
}
