// The room's work that is not an answer to anyone: flushing the outbox to D1, handing new
// messages to the push queue, enforcing the retention policy, removing files and lifting bans
// whose time has come, all on the one alarm through the scheduler. The room calls `afterChange`
// after each change and `alarm` when the alarm fires; retention runs on request as well.

import type { RetentionPolicy } from "../../src/shared/api";
import type { InboxRoomFrame } from "../../src/shared/protocol";
import type { Env } from "../config/env";
import { liftExpiredBans } from "../db/room-bans";
import { inboxStub, roomFiles } from "../realtime/stubs";
import { cleanFiles } from "./file-cleanup";
import type { RoomInfo } from "./handlers";
import { handOffPushes, pushesWaiting } from "./push-handoff";
import {
  addRanges,
  type EffectiveRetention,
  effectiveRetention,
  NOTHING,
  nextRetentionAt,
  previewPurge,
  purgeBatch,
  purgeBoundary,
  type RetentionDefaults,
} from "./retention";
import type { Scheduler } from "./scheduler";
import type { PurgeRange, RoomStore } from "./store";
import { type SyncStatus, syncStatus, syncToD1 } from "./sync-task";
import { UNSENT_UPLOAD_TTL_MS } from "./uploads";

export interface RoomTasksDeps {
  store: RoomStore;
  scheduler: Scheduler;
  /** Read at each use: the Durable Object's bindings (tests swap its D1 for a failing one). */
  env: () => Env;
  syncDelayMs: number;
  retentionDefaults: RetentionDefaults;
  /** Retention removed everything below the room's new first seq: tell the open sockets. */
  trimmed: () => void;
  /** An inbox frame told a member of messages up to `seq`: it reached one of their devices. */
  delivered: (userId: string, seq: number) => void;
}

export class RoomTasks {
  constructor(private readonly deps: RoomTasksDeps) {}

  /** A change wrote the outbox: make sure a flush is coming, and retention when it is due. */
  async afterChange(): Promise<void> {
    const { store, scheduler, syncDelayMs } = this.deps;
    await this.scheduleFiles();
    if (!store.outbox.dirty) return;
    store.outbox.dirty = false;
    // The push hand-over rides on the sync's alarm: one wake-up for both.
    const at = Date.now() + syncDelayMs;
    await scheduler.request("sync", at);
    if (pushesWaiting(store)) await scheduler.request("push", at);
    await this.scheduleRetention(false);
  }

  /** The alarm: runs whatever is due. */
  async alarm(): Promise<void> {
    await this.deps.scheduler.run(
      {
        sync: () => syncToD1(this.#syncContext()),
        push: () => this.#handOffPushes(),
        retention: (now) => this.#retentionStep(now),
        files: (now) => {
          const roomId = this.deps.store.getMeta<RoomInfo>("room")?.id ?? null;
          if (roomId === null) return Promise.resolve(null);
          return cleanFiles(this.deps.store, roomFiles(this.deps.env(), roomId), roomId, now);
        },
        bans: (now) => this.#liftBans(now),
      },
      Date.now(),
    );
  }

  /** A ban here ends at `at`: the alarm lifts it then (in D1, where bans live). */
  async banEnds(at: number): Promise<void> {
    await this.deps.scheduler.request("bans", at);
  }

  /** The "bans" task: lifts the bans that have ended, then waits for the next one's end. */
  #liftBans(now: number): Promise<number | null> {
    const roomId = this.deps.store.getMeta<RoomInfo>("room")?.id;
    return roomId ? liftExpiredBans(this.deps.env().DB, roomId, now) : Promise.resolve(null);
  }

  /**
   * Flushes the outbox now (operators, HTTP reads, joins) and re-arms the sync task; pushes
   * waiting for the same alarm are handed over too, so nothing is left due before the sync.
   */
  async syncNow(): Promise<void> {
    const { store, scheduler } = this.deps;
    store.outbox.dirty = false;
    try {
      await scheduler.set("sync", await syncToD1(this.#syncContext()));
    } finally {
      if (scheduler.dueAt("push") !== null) {
        try {
          await scheduler.set("push", await this.#handOffPushes());
        } catch (error) {
          // Still due: the alarm hands them over.
          console.error("push hand-over failed", error);
        }
      }
    }
  }

  #handOffPushes(): Promise<number | null> {
    const { store, env } = this.deps;
    return handOffPushes(store, store.getMeta<RoomInfo>("room")?.id ?? null, env().PUSH_QUEUE);
  }

  /**
   * Files changed (released into the trash, or a new upload that may go unsent): the files
   * task runs at once for the trash, else when the oldest unsent upload comes of age.
   */
  async scheduleFiles(): Promise<void> {
    const { files } = this.deps.store;
    if (!files.changed) return;
    files.changed = false;
    if (files.trash(1).length > 0) {
      await this.deps.scheduler.request("files", Date.now());
      return;
    }
    const oldest = files.oldestUnsentAt();
    if (oldest !== null) await this.deps.scheduler.request("files", oldest + UNSENT_UPLOAD_TTL_MS);
  }

  syncStatus(): SyncStatus {
    return syncStatus(this.deps.store, this.deps.scheduler.dueAt("sync"));
  }

  /** The policy in force: the room's own fields (from D1) over the instance defaults. */
  policy(): EffectiveRetention {
    const room = this.deps.store.getMeta<RoomInfo>("room");
    return effectiveRetention(
      room?.retention ?? null,
      room?.ephemeral ?? false,
      this.deps.retentionDefaults,
    );
  }

  /** What the policy (or a proposed one, before saving it) would delete now. */
  preview(room: RoomInfo, proposed: RetentionPolicy | null): PurgeRange {
    const policy = proposed
      ? effectiveRetention(proposed, room.ephemeral, this.deps.retentionDefaults)
      : this.policy();
    return previewPurge(this.deps.store, policy, Date.now());
  }

  /**
   * Applies the policy now, batch after batch, letting live traffic in between batches;
   * answers what was deleted (the preview of the same moment).
   */
  async runRetention(): Promise<PurgeRange> {
    const { store } = this.deps;
    const target = purgeBoundary(store, this.policy(), Date.now());
    let deleted = NOTHING;
    while (target > 0 && (store.retained.storedRange()?.first ?? target + 1) <= target) {
      deleted = addRanges(deleted, purgeBatch(store, target));
      this.deps.trimmed();
      await this.afterChange();
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
    await this.scheduleRetention(true);
    // Like an HTTP read: whoever asked sees the new counts (first seq) in D1 right away.
    if (deleted.messages > 0) await this.syncNow();
    return deleted;
  }

  /**
   * Points the retention task at its next due time. Without `replace`, a task already
   * scheduled stays unless the count or bytes limit is now exceeded (cheap checks).
   */
  async scheduleRetention(replace: boolean): Promise<void> {
    const { store, scheduler } = this.deps;
    const policy = this.policy();
    const due = scheduler.dueAt("retention");
    if (!replace && due !== null && !this.#overLimits(policy)) return;
    const at = nextRetentionAt(store, policy, Date.now());
    if (replace) await scheduler.set("retention", at);
    else if (at !== null) await scheduler.request("retention", at);
  }

  #overLimits(policy: EffectiveRetention): boolean {
    const { store } = this.deps;
    if (
      policy.maxMessages !== null &&
      (store.retained.storedRange()?.count ?? 0) > policy.maxMessages
    )
      return true;
    return policy.maxBytes !== null && store.retained.storedBytes() > policy.maxBytes;
  }

  /**
   * The alarm's retention task: one bounded batch toward the boundary, then it asks to run again
   * at once while there is more. The boundary is kept in meta so a batch that throws is retried
   * toward the same end state.
   */
  async #retentionStep(now: number): Promise<number | null> {
    const { store } = this.deps;
    const policy = this.policy();
    const target = store.getMeta<number>("purgeTarget") ?? purgeBoundary(store, policy, now);
    if (target > 0) {
      store.setMeta("purgeTarget", target);
      if (purgeBatch(store, target).messages > 0) {
        this.deps.trimmed();
        await this.afterChange();
      }
      if ((store.retained.storedRange()?.first ?? target + 1) <= target) return Date.now();
      store.setMeta("purgeTarget", null);
    }
    return nextRetentionAt(store, policy, Date.now());
  }

  #syncContext() {
    const { store, env, syncDelayMs } = this.deps;
    return {
      store,
      roomId: store.getMeta<RoomInfo>("room")?.id ?? null,
      db: () => env().DB,
      notifyInbox: (userId: string, frame: InboxRoomFrame) =>
        inboxStub(env(), userId).roomActivity(frame),
      delivered: this.deps.delivered,
      delayMs: syncDelayMs,
    };
  }
}
