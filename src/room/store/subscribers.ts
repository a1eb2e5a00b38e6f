// The members whose inbox socket is open: the only ones a room tells about its activity.
export class InboxSubscribers {
  constructor(private readonly sql: SqlStorage) {}

  add(userId: string, at: number): void {
    this.sql.exec(
      "INSERT INTO inbox_subscribers (user_id, since) VALUES (?, ?) ON CONFLICT DO NOTHING",
      userId,
      at,
    );
  }

  remove(userIds: readonly string[]): void {
    for (const userId of userIds) {
      this.sql.exec("DELETE FROM inbox_subscribers WHERE user_id = ?", userId);
    }
  }

  all(): string[] {
    return this.sql
      .exec<{ user_id: string }>("SELECT user_id FROM inbox_subscribers")
      .toArray()
      .map((r) => r.user_id);
  }
}
