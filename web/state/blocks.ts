// The people I blocked (docs/api.md, "Blocking"): loaded once per sign-in, changed only through
// block and unblock. The timeline folds their messages in rooms we share; nobody else sees this.
import { computed, type ReadonlySignal, signal } from "@preact/signals";
import type { PublicUser } from "../../src/shared/api";

export interface BlocksApi {
  list(): Promise<{ users: PublicUser[] }>;
  set(userId: string, blocked: boolean): Promise<unknown>;
}

export function createBlocks(api: BlocksApi) {
  const people = signal<readonly PublicUser[]>([]);
  const ids = computed(() => new Set(people.value.map((p) => p.id)));
  let epoch = 0;

  return {
    /** The people I blocked, newest first. */
    people: people as ReadonlySignal<readonly PublicUser[]>,
    /** Their ids, for folding messages. */
    ids: ids as ReadonlySignal<ReadonlySet<string>>,

    async load(): Promise<void> {
      const started = epoch;
      try {
        const { users } = await api.list();
        if (started === epoch) people.value = users;
      } catch {
        // Without the list nothing is folded; the next sign-in tries again.
      }
    },

    reset(): void {
      epoch++;
      people.value = [];
    },

    async block(user: PublicUser): Promise<void> {
      await api.set(user.id, true);
      if (!ids.value.has(user.id)) people.value = [user, ...people.value];
    },

    async unblock(userId: string): Promise<void> {
      await api.set(userId, false);
      people.value = people.value.filter((p) => p.id !== userId);
    },
  };
}

export type Blocks = ReturnType<typeof createBlocks>;
