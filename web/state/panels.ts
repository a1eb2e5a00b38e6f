// What the main panel shows.

export type Panel =
  | { kind: "home" }
  | { kind: "room"; roomId: string }
  | { kind: "new-room" }
  | { kind: "browse" }
  | { kind: "new-dm" }
  | { kind: "admin" }
  | { kind: "notifications" };

/** Whether the panel shows this room. */
export function showsRoom(panel: Panel, roomId: string): boolean {
  return panel.kind === "room" && panel.roomId === roomId;
}
