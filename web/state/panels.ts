// What the main panel shows.

export type Panel =
  | { kind: "home" }
  /** A room; `thread`: the root seq of the thread open beside it. */
  | { kind: "room"; roomId: string; thread?: number }
  | { kind: "new-room" }
  | { kind: "browse" }
  | { kind: "new-dm" }
  | { kind: "admin" }
  | { kind: "notifications" }
  /** My display name, password and signed-in devices. */
  | { kind: "account" }
  /** The threads I follow, across my rooms. */
  | { kind: "threads" }
  /** The current workspace's settings (its owners and admins). */
  | { kind: "workspace-settings" }
  | { kind: "new-workspace" };

/** Whether the panel shows this room. */
export function showsRoom(panel: Panel, roomId: string): boolean {
  return panel.kind === "room" && panel.roomId === roomId;
}
