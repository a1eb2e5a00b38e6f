// My workspaces (docs/api.md, "Workspaces"): which one is current on this device (the room list
// shows its rooms, and new rooms, DMs, searches and invites go to it), and each one's unread
// counts, derived from the room list the inbox keeps current.
import { computed, type ReadonlySignal, signal } from "@preact/signals";
import type { RoomListItem, Workspace } from "../../src/shared/api";

/** A workspace's badge: unread messages in rooms not muted, and mentions of me. */
export interface WorkspaceCounts {
  unread: number;
  mentions: number;
}

const KEY = "confab.workspace.";

/** The counts of my rooms, by workspace id (a workspace with no rooms of mine is absent). */
export function countsByWorkspace(items: readonly RoomListItem[]): Map<string, WorkspaceCounts> {
  const counts = new Map<string, WorkspaceCounts>();
  for (const item of items) {
    const id = item.room.workspaceId;
    const sum = counts.get(id) ?? { unread: 0, mentions: 0 };
    counts.set(id, {
      unread: sum.unread + (item.muted ? 0 : item.unread),
      mentions: sum.mentions + item.mentions,
    });
  }
  return counts;
}

/** The remembered workspace if it is still mine, else the instance's default, else the first. */
export function pickCurrent(
  list: readonly Workspace[],
  remembered: string | null,
): Workspace | null {
  return list.find((w) => w.id === remembered) ?? list.find((w) => w.isDefault) ?? list[0] ?? null;
}

/** A workspace's rooms; all of them while no workspace is known (the server has none to say). */
export function inWorkspace(items: RoomListItem[], workspaceId: string | null): RoomListItem[] {
  return workspaceId === null ? items : items.filter((i) => i.room.workspaceId === workspaceId);
}

/** A slug suggested for a name: "Acme Research (EU)" → "acme-research-eu". */
export function slugFrom(name: string): string {
  return name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 40)
    .replace(/-+$/, "");
}

/** Owners and admins of the workspace manage it; so do the instance's admins. */
export function canManage(workspace: Workspace | null, instanceAdmin: boolean): boolean {
  return !!workspace && (instanceAdmin || workspace.role === "owner" || workspace.role === "admin");
}

export interface WorkspaceSource {
  list: () => Promise<{ workspaces: Workspace[] }>;
  /** Who may create workspaces on this instance. */
  creation: () => Promise<"admins" | "open">;
}

export function createWorkspaces(source: WorkspaceSource, storage: Storage | null) {
  const list = signal<Workspace[]>([]);
  const remembered = signal<string | null>(null);
  const creation = signal<"admins" | "open">("admins");
  let userId: string | null = null;
  // An answer is applied only if no sign-in/out happened since its request.
  let epoch = 0;

  function read(key: string): string | null {
    try {
      return storage?.getItem(key) ?? null;
    } catch {
      return null;
    }
  }

  async function reload(): Promise<void> {
    const started = epoch;
    try {
      const { workspaces } = await source.list();
      if (started === epoch) list.value = workspaces;
    } catch {
      // No answer: the list stays as it was (empty: the room list shows every room).
    }
  }

  const current = computed(() => pickCurrent(list.value, remembered.value));

  return {
    list: list as ReadonlySignal<Workspace[]>,
    current,
    /** The current workspace's id, or undefined (requests then mean the default one). */
    currentId: (): string | undefined => current.value?.id,
    creation: creation as ReadonlySignal<"admins" | "open">,
    reload,

    start(user: string): void {
      epoch++;
      userId = user;
      list.value = [];
      remembered.value = read(KEY + user);
      void reload();
      const started = epoch;
      source.creation().then(
        (mode) => {
          if (started === epoch) creation.value = mode;
        },
        () => {},
      );
    },

    reset(): void {
      epoch++;
      userId = null;
      list.value = [];
      remembered.value = null;
      creation.value = "admins";
    },

    /** Makes a workspace current, and remembers it on this device. */
    select(workspaceId: string): void {
      remembered.value = workspaceId;
      try {
        if (userId) storage?.setItem(KEY + userId, workspaceId);
      } catch {
        // Not remembered, still current.
      }
    },

    /** A workspace created or changed here: the list has it at once. */
    put(workspace: Workspace): void {
      const known = list.value.some((w) => w.id === workspace.id);
      list.value = known
        ? list.value.map((w) => (w.id === workspace.id ? workspace : w))
        : [...list.value, workspace];
    },
  };
}

export type Workspaces = ReturnType<typeof createWorkspaces>;
