// Per-user rate state that must outlive an eviction (send buckets, sync windows), kept in the
// room's SQLite with an in-memory copy: a client that only uses HTTP has no socket attachment to
// remember it, and an eviction must not hand a flooder a fresh bucket.
export class RateState {
  readonly #cache = new Map<string, unknown>();

  constructor(private readonly sql: SqlStorage) {}

  get<T>(key: string): T | null {
    if (this.#cache.has(key)) return this.#cache.get(key) as T;
    const row = this.sql
      .exec<{ value: string }>("SELECT value FROM rate_state WHERE key = ?", key)
      .toArray()[0];
    const value = row ? (JSON.parse(row.value) as T) : null;
    this.#cache.set(key, value);
    return value;
  }

  set(key: string, value: unknown): void {
    this.#cache.set(key, value);
    this.sql.exec(
      "INSERT INTO rate_state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
      key,
      JSON.stringify(value),
    );
  }
}
