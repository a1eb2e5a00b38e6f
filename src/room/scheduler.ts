// A Durable Object has one alarm; the room has several things to do later (the D1 sync, the
// push hand-over, retention, removing files from R2, lifting bans). The scheduler keeps each task's due time
// in the room's SQLite and points the one alarm at the earliest. Alarms are at-least-once: a task that runs when nothing is due does
// nothing, and a task's own work must be idempotent.

export type TaskName = "sync" | "retention" | "files" | "push" | "bans";
type Due = Partial<Record<TaskName, number>>;

/** A task's work; returns when it wants to run again (looking at its own state), or null. */
export type Task = (now: number) => Promise<number | null>;

interface MetaStore {
  getMeta<T>(key: string): T | null;
  setMeta(key: string, value: unknown): void;
}

/** A task that throws runs again after this long, doubling per failure in a row up to the max. */
const RETRY_MS = 1_000;
const RETRY_MAX_MS = 60_000;

export class Scheduler {
  #due: Due | null = null;
  #armedAt: number | null | undefined;
  /** Failures in a row per task; in memory, so an eviction only shortens the next wait. */
  readonly #failures = new Map<TaskName, number>();

  constructor(
    private readonly meta: MetaStore,
    private readonly storage: DurableObjectStorage,
  ) {}

  dueAt(task: TaskName): number | null {
    return this.#tasks()[task] ?? null;
  }

  /** Runs `task` no later than `at` (an earlier request wins). */
  async request(task: TaskName, at: number): Promise<void> {
    const current = this.dueAt(task);
    if (current !== null && current <= at) return;
    await this.set(task, at);
  }

  /** Sets `task` to run at `at` exactly, or never (null). */
  async set(task: TaskName, at: number | null): Promise<void> {
    const due = { ...this.#tasks() };
    if (at === null) delete due[task];
    else due[task] = at;
    this.#due = due;
    this.meta.setMeta("schedule", due);
    await this.#arm();
  }

  /** The alarm handler: runs every due task, then re-arms for whatever is next. */
  async run(tasks: Record<TaskName, Task>, now: number): Promise<void> {
    // The alarm has fired: whatever the runtime had armed is gone. It was armed for the
    // earliest task, so that one runs even if the alarm came early (an operator or a test ran it).
    this.#armedAt = null;
    const times = Object.values(this.#tasks());
    const cutoff = Math.max(now, times.length > 0 ? Math.min(...times) : now);
    for (const name of Object.keys(tasks) as TaskName[]) {
      const at = this.dueAt(name);
      if (at === null || at > cutoff) continue;
      // Work that arrives while a task runs is the task's to notice: it looks at its own state
      // (e.g. the outbox) when it finishes and says when it wants to run again.
      await this.set(name, await this.#attempt(name, tasks[name], now));
    }
    await this.#arm();
  }

  /**
   * Runs one task. One that throws is retried with backoff, and never stops the others or the
   * alarm: without this a single bad batch would leave the room with no alarm at all.
   */
  async #attempt(name: TaskName, task: Task, now: number): Promise<number | null> {
    try {
      const next = await task(now);
      this.#failures.delete(name);
      return next;
    } catch (error) {
      const failures = (this.#failures.get(name) ?? 0) + 1;
      this.#failures.set(name, failures);
      console.error(`room task ${name} failed (${failures} in a row)`, error);
      return Date.now() + Math.min(RETRY_MAX_MS, RETRY_MS * 2 ** (failures - 1));
    }
  }

  #tasks(): Due {
    this.#due ??= this.meta.getMeta<Due>("schedule") ?? {};
    return this.#due;
  }

  async #arm(): Promise<void> {
    const times = Object.values(this.#tasks());
    const next = times.length > 0 ? Math.min(...times) : null;
    if (this.#armedAt === undefined) this.#armedAt = await this.storage.getAlarm();
    if (next === this.#armedAt) return;
    if (next === null) await this.storage.deleteAlarm();
    else await this.storage.setAlarm(next);
    this.#armedAt = next;
  }
}
