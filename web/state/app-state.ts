// The client's state: who I am, my rooms, what the main panel shows. Read-only signals out,
// changes only through actions, so it can be driven and tested without a DOM.
import { batch, computed, type ReadonlySignal, signal } from "@preact/signals";
import type { RoomDetails, RoomListItem, SelfUser } from "../../src/shared/api";
import {
  type Api,
  type ApiError,
  asApiError,
  type CreateRoomInput,
  type LoginInput,
  type RegisterInput,
} from "../net/api";

/** `unknown` until GET /api/me has answered; `error` when it could not (server unreachable). */
export type Session =
  | { status: "unknown" }
  | { status: "error"; error: ApiError }
  | { status: "signed-out" }
  | { status: "signed-in"; user: SelfUser };

/** What the main panel shows. */
export type Panel =
  | { kind: "home" }
  | { kind: "room"; roomId: string }
  | { kind: "new-room" }
  | { kind: "browse" }
  | { kind: "new-dm" };

export type Loadable<T> =
  | { status: "loading" }
  | { status: "ready"; value: T }
  | { status: "error"; error: ApiError };

export function createAppState(api: Api) {
  const session = signal<Session>({ status: "unknown" });
  const rooms = signal<Loadable<RoomListItem[]>>({ status: "loading" });
  const panel = signal<Panel>({ kind: "home" });
  const openRoom = signal<Loadable<RoomDetails> | null>(null);
  const me = computed(() => (session.value.status === "signed-in" ? session.value.user : null));

  // Answers that arrive after the user moved on must not overwrite newer state: each answer
  // is applied only if no sign-in/out (epoch) or panel change (view) happened since its request.
  let epoch = 0;
  let view = 0;

  function signedOut() {
    epoch++;
    view++;
    batch(() => {
      session.value = { status: "signed-out" };
      rooms.value = { status: "loading" };
      panel.value = { kind: "home" };
      openRoom.value = null;
    });
  }

  function signedIn(user: SelfUser) {
    epoch++;
    view++;
    batch(() => {
      session.value = { status: "signed-in", user };
      rooms.value = { status: "loading" };
      panel.value = { kind: "home" };
      openRoom.value = null;
    });
    void refreshRooms();
  }

  /** Runs an API call; a 401 means the session is gone, so the sign-in screen comes back. */
  async function call<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      const apiError = asApiError(error);
      if (apiError.status === 401 && session.value.status === "signed-in") signedOut();
      throw apiError;
    }
  }

  async function refreshRooms(): Promise<void> {
    const started = epoch;
    try {
      const { rooms: list } = await call(api.myRooms);
      if (started === epoch) rooms.value = { status: "ready", value: list };
    } catch (error) {
      // A failed refresh keeps the last good list on screen.
      if (started === epoch && rooms.value.status !== "ready") {
        rooms.value = { status: "error", error: asApiError(error) };
      }
    }
  }

  async function loadRoom(roomId: string): Promise<void> {
    const started = view;
    try {
      const details = await call(() => api.roomDetails(roomId));
      if (started === view) openRoom.value = { status: "ready", value: details };
    } catch (error) {
      if (started === view) openRoom.value = { status: "error", error: asApiError(error) };
    }
  }

  function show(next: Panel): void {
    view++;
    batch(() => {
      panel.value = next;
      openRoom.value = next.kind === "room" ? { status: "loading" } : null;
    });
    if (next.kind === "room") void loadRoom(next.roomId);
  }

  return {
    session: session as ReadonlySignal<Session>,
    me: me as ReadonlySignal<SelfUser | null>,
    rooms: rooms as ReadonlySignal<Loadable<RoomListItem[]>>,
    panel: panel as ReadonlySignal<Panel>,
    /** Details of the room in the main panel, while a room is selected. */
    openRoom: openRoom as ReadonlySignal<Loadable<RoomDetails> | null>,

    /** On load: the session cookie decides which screen comes up. */
    async start(): Promise<void> {
      session.value = { status: "unknown" };
      try {
        const { user } = await api.me();
        signedIn(user);
      } catch (error) {
        const apiError = asApiError(error);
        if (apiError.status === 401) signedOut();
        else session.value = { status: "error", error: apiError };
      }
    },

    async signIn(input: LoginInput): Promise<void> {
      const { user } = await api.login(input);
      signedIn(user);
    },

    async signUp(input: RegisterInput): Promise<void> {
      const { user } = await api.register(input);
      signedIn(user);
    },

    async signOut(): Promise<void> {
      try {
        await api.logout();
      } catch (error) {
        // A 401 means the session had already ended: signing out is done either way.
        if (asApiError(error).status !== 401) throw asApiError(error);
      }
      signedOut();
    },

    refreshRooms,
    show,

    async createRoom(input: CreateRoomInput): Promise<void> {
      const { room } = await call(() => api.createRoom(input));
      await refreshRooms();
      show({ kind: "room", roomId: room.id });
    },

    async joinRoom(roomId: string): Promise<void> {
      await call(() => api.joinRoom(roomId));
      await refreshRooms();
      show({ kind: "room", roomId });
    },

    async openDm(userId: string): Promise<void> {
      const { room } = await call(() => api.openDm(userId));
      await refreshRooms();
      show({ kind: "room", roomId: room.id });
    },

    discoverChannels: async (q: string) => (await call(() => api.discoverChannels(q))).rooms,
    findPeople: async (q: string) => (await call(() => api.findPeople(q))).users,
  };
}

export type AppState = ReturnType<typeof createAppState>;

/** How a room is called in lists and headers: DMs by the people in them. */
export function roomTitle(item: Pick<RoomListItem, "room" | "peers">, me: SelfUser | null): string {
  if (item.room.kind !== "dm") return item.room.name ?? "Untitled room";
  if (item.peers.length === 0) return me ? `${me.displayName} (you)` : "Just you";
  return item.peers.map((p) => p.displayName).join(", ");
}
