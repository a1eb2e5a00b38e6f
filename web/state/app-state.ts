// The client's state: who I am, my rooms, what the main panel shows. Read-only signals out,
// changes only through actions, so it can be driven and tested without a DOM.
import { batch, computed, type ReadonlySignal, signal } from "@preact/signals";
import type { RoomDetails, RoomListItem, SelfUser } from "../../src/shared/api";
import {
  CLOSE_REASONS,
  type InboxRoomFrame,
  type MembershipChange,
  type Message,
  messagePreview,
} from "../../src/shared/protocol";
import { trimExplained } from "../lib/retention";
import {
  type Api,
  type ApiError,
  asApiError,
  type CreateRoomInput,
  type LoginInput,
  type RegisterInput,
  type UpdateRoomInput,
} from "../net/api";
import { createInbox, type Inbox } from "./inbox";
import { createRoomState, type MemberFrame, type RoomFrame, type RoomState } from "./room";
import { applyMemberFrame, mergeMembers } from "./room-members";

/** Members fetched at the end of the list, where someone who just joined usually is. */
const MEMBERS_TAIL = 50;

/** Why the app signed me out by itself: the sign-in screen says so. */
export type SignedOutNotice = "disabled" | "ended";

/** `unknown` until GET /api/me has answered; `error` when it could not (server unreachable). */
export type Session =
  | { status: "unknown" }
  | { status: "error"; error: ApiError }
  | { status: "signed-out"; notice: SignedOutNotice | null }
  | { status: "signed-in"; user: SelfUser };

/** What the main panel shows. */
export type Panel =
  | { kind: "home" }
  | { kind: "room"; roomId: string }
  | { kind: "new-room" }
  | { kind: "browse" }
  | { kind: "new-dm" }
  | { kind: "admin" };

/** Whether desktop notifications can be shown, and whether the user said yes. */
export type NotificationSetting = "unsupported" | "default" | "granted" | "denied";

function notificationSetting(): NotificationSetting {
  return typeof Notification === "undefined" ? "unsupported" : Notification.permission;
}

/** Most recent activity first; rooms without messages by when they were made. */
function byActivity(a: RoomListItem, b: RoomListItem): number {
  const at = (item: RoomListItem) => item.lastMessageAt ?? item.room.createdAt;
  return at(b).localeCompare(at(a));
}

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
  const notifications = signal<NotificationSetting>(notificationSetting());
  /** Unread messages in rooms that are not muted: the number in the tab title. */
  const totalUnread = computed(() =>
    rooms.value.status === "ready"
      ? rooms.value.value.reduce((sum, item) => sum + (item.muted ? 0 : item.unread), 0)
      : 0,
  );
  const roomStates = new Map<string, RoomState>();
  let inbox: Inbox | null = null;

  // Answers that arrive after the user moved on must not overwrite newer state: each answer
  // is applied only if no sign-in/out (epoch) or panel change (view) happened since its request.
  let epoch = 0;
  let view = 0;

  function stopLive() {
    inbox?.stop();
    inbox = null;
    for (const room of roomStates.values()) room.close();
    roomStates.clear();
  }

  function startLive() {
    stopLive();
    inbox = createInbox({
      onRoom: onInboxRoom,
      onMembership: onMembershipChange,
      refresh: () => void refreshRooms(),
      onRefused: onSocketRefused,
    });
    inbox.start();
  }

  /** While I sign out myself, the server closing my sockets is no news to tell me. */
  let signingOut = false;

  function signedOut(notice: SignedOutNotice | null = null) {
    stopLive();
    epoch++;
    view++;
    pendingMembers.clear();
    batch(() => {
      session.value = { status: "signed-out", notice: signingOut ? null : notice };
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
    startLive();
  }

  /** The D1 counts lag the rooms by a moment: what this client has read itself wins. */
  function withLocalReads(item: RoomListItem): RoomListItem {
    const readSeq = roomStates.get(item.room.id)?.readSeq() ?? 0;
    if (readSeq < item.lastSeq || (item.unread === 0 && item.mentions === 0)) return item;
    return { ...item, unread: 0, mentions: 0, lastReadSeq: Math.max(item.lastReadSeq, readSeq) };
  }

  function updateRoomItem(roomId: string, change: (item: RoomListItem) => RoomListItem): void {
    const current = rooms.value;
    if (current.status !== "ready") return;
    const index = current.value.findIndex((item) => item.room.id === roomId);
    const item = current.value[index];
    if (!item) return;
    const next = current.value.slice();
    next[index] = change(item);
    next.sort(byActivity);
    rooms.value = { status: "ready", value: next };
  }

  function isOpenRoom(roomId: string): boolean {
    const current = panel.value;
    return current.kind === "room" && current.roomId === roomId;
  }

  function roomItem(roomId: string): RoomListItem | undefined {
    return rooms.value.status === "ready"
      ? rooms.value.value.find((item) => item.room.id === roomId)
      : undefined;
  }

  /**
   * A socket was closed on purpose (1008). Disabling and the end of my session close every
   * socket of mine with a reason that says so: back to the sign-in screen, which tells why.
   */
  function onSocketRefused(reason: string): void {
    if (session.value.status !== "signed-in") return;
    if (reason === CLOSE_REASONS.accountDisabled) signedOut("disabled");
    else if (reason === CLOSE_REASONS.sessionEnded) signedOut("ended");
  }

  function onMembershipChange(roomId: string, change: MembershipChange): void {
    void refreshRooms();
    if (!isOpenRoom(roomId)) return;
    if (change === "removed") {
      roomStates.get(roomId)?.close();
      roomStates.delete(roomId);
      show({ kind: "home" });
    } else void loadRoom(roomId);
  }

  function onInboxRoom(frame: InboxRoomFrame): void {
    const before = roomItem(frame.roomId);
    if (!before) {
      void refreshRooms();
      return;
    }
    const seenHere = isOpenRoom(frame.roomId) && document.visibilityState === "visible";
    updateRoomItem(frame.roomId, (item) => ({
      ...item,
      lastSeq: Math.max(item.lastSeq, frame.lastSeq),
      // The count starts at this mark: kept with it, so the "New messages" line starts there too
      // (my read moves it, also a message I sent from elsewhere, which this client never saw).
      lastReadSeq: Math.max(item.lastReadSeq, frame.lastReadSeq),
      lastPreview: frame.lastPreview,
      lastSenderId: frame.lastSenderId,
      lastMessageAt: frame.lastMessageAt,
      room: { ...item.room, lastSeq: Math.max(item.room.lastSeq, frame.lastSeq) },
      // The open room is being read; its socket marks it read.
      unread: seenHere ? 0 : frame.unread,
      mentions: seenHere ? 0 : frame.mentions,
    }));
    if (!isOpenRoom(frame.roomId) && frame.unread > before.unread) {
      notify(before, frame.lastPreview ?? "New message", frame.mentions > before.mentions);
    }
  }

  /** A message arrived on the open room's socket (or its polling). */
  function onRoomMessage(roomId: string, message: Message): void {
    const mine = message.sender.id === me.value?.id;
    const hidden = document.visibilityState !== "visible" || !document.hasFocus();
    updateRoomItem(roomId, (item) => ({
      ...item,
      lastSeq: Math.max(item.lastSeq, message.seq),
      lastPreview: messagePreview(message.sender.name, message.body),
      lastSenderId: message.sender.id,
      lastMessageAt: message.createdAt,
      unread: mine || !hidden ? item.unread : item.unread + 1,
    }));
    const item = roomItem(roomId);
    if (!mine && hidden && item) {
      const mentioned = message.mentions.includes(me.value?.id ?? "");
      notify(item, `${message.sender.name}: ${message.body}`, mentioned);
    }
  }

  function onRoomRead(roomId: string, seq: number): void {
    const item = roomItem(roomId);
    if (!item || (item.unread === 0 && item.mentions === 0 && item.lastReadSeq >= seq)) return;
    updateRoomItem(roomId, (current) => ({
      ...current,
      lastReadSeq: Math.max(current.lastReadSeq, seq),
      unread: seq >= current.lastSeq ? 0 : current.unread,
      mentions: seq >= current.lastSeq ? 0 : current.mentions,
    }));
  }

  function notify(item: RoomListItem, body: string, mentioned: boolean): void {
    if (item.muted || notifications.value !== "granted") return;
    if (document.visibilityState === "visible" && document.hasFocus()) return;
    try {
      const title = `${mentioned ? "@ " : ""}${roomTitle(item, me.value)}`;
      const shown = new Notification(title, { body: body.slice(0, 200), tag: item.room.id });
      shown.onclick = () => {
        window.focus();
        show({ kind: "room", roomId: item.room.id });
        shown.close();
      };
    } catch {
      // Some browsers only allow notifications from a service worker.
    }
  }

  function roomState(roomId: string): RoomState {
    let room = roomStates.get(roomId);
    const user = me.value;
    if (!room) {
      room = createRoomState(roomId, user?.id ?? "", api, {
        onNewMessage: onRoomMessage,
        onRead: onRoomRead,
        onRefused: (_, reason) => {
          onSocketRefused(reason);
          void refreshRooms();
        },
        onTrimmed: onRoomTrimmed,
        onMember: onRoomMember,
        onRoomChanged,
        onResumed: (id) => {
          if (isOpenRoom(id)) void loadRoom(id);
        },
      });
      const item = roomItem(roomId);
      if (item) room.setInitialReadSeq(item.lastReadSeq);
      roomStates.set(roomId, room);
    }
    return room;
  }

  /**
   * Retention removed messages from the open room. If the policy we show does not account for
   * that, an admin changed it: reload the details, so "Messages here are kept for…" is right.
   */
  let trimReload: Promise<void> | null = null;
  function onRoomTrimmed(roomId: string, removed: readonly Message[]) {
    const details = openRoom.value;
    if (details?.status !== "ready" || details.value.room.id !== roomId || trimReload) return;
    if (trimExplained(details.value.retention, removed, Date.now())) return;
    trimReload = loadRoom(roomId).finally(() => {
      trimReload = null;
    });
  }

  /**
   * Runs an API call; a 401 means the session is gone (403 `disabled`: the account is), so the
   * sign-in screen comes back and says why.
   */
  async function call<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      const apiError = asApiError(error);
      if (session.value.status === "signed-in") {
        if (apiError.code === "disabled") signedOut("disabled");
        else if (apiError.status === 401) signedOut("ended");
      }
      throw apiError;
    }
  }

  async function refreshRooms(): Promise<void> {
    const started = epoch;
    try {
      const { rooms: list } = await call(api.myRooms);
      if (started === epoch) rooms.value = { status: "ready", value: list.map(withLocalReads) };
    } catch (error) {
      // A failed refresh keeps the last good list on screen.
      if (started === epoch && rooms.value.status !== "ready") {
        rooms.value = { status: "error", error: asApiError(error) };
      }
    }
  }

  /** The open room's details, when they are loaded and of this room. */
  function openDetails(roomId: string): RoomDetails | null {
    const details = openRoom.value;
    return details?.status === "ready" && details.value.room.id === roomId ? details.value : null;
  }

  async function loadRoom(roomId: string): Promise<void> {
    const started = view;
    try {
      const details = await call(() => api.roomDetails(roomId));
      if (started === view) {
        openRoom.value = { status: "ready", value: mergeMembers(details, openDetails(roomId)) };
      }
    } catch (error) {
      if (started === view) openRoom.value = { status: "error", error: asApiError(error) };
    }
  }

  // ---- the open room's members, live ----------------------------------------------------------

  /** People who joined the open room whom it cannot name yet (a `member` frame has only an id). */
  const pendingMembers = new Set<string>();
  let fetchingMembers = false;

  function onRoomMember(roomId: string, frame: MemberFrame): void {
    const mine = frame.userId === me.value?.id;
    if (mine && frame.change === "role" && frame.role) {
      const role = frame.role;
      updateRoomItem(roomId, (item) => ({ ...item, role }));
    }
    const details = openDetails(roomId);
    if (!details) return;
    const next = applyMemberFrame(details, frame, me.value?.id ?? "");
    openRoom.value = { status: "ready", value: next.details };
    if (next.unknown) {
      pendingMembers.add(frame.userId);
      void fetchMembers(roomId);
    }
  }

  /**
   * Names the people who joined: the first page of members (which is the whole list in most
   * rooms), else the end of the list, where newcomers are. One fetch at a time; joins that come
   * meanwhile are named by the next round.
   */
  async function fetchMembers(roomId: string): Promise<void> {
    if (fetchingMembers) return;
    fetchingMembers = true;
    try {
      while (pendingMembers.size > 0 && isOpenRoom(roomId)) {
        const started = view;
        const wanted = new Set(pendingMembers);
        pendingMembers.clear();
        const fresh = await call(() => api.roomDetails(roomId));
        const missing = [...wanted].filter((id) => !fresh.members.some((m) => m.user.id === id));
        let found: RoomDetails["members"] = [];
        if (missing.length > 0 && fresh.memberCount > fresh.members.length) {
          const cursor = String(Math.max(fresh.members.length, fresh.memberCount - MEMBERS_TAIL));
          const tail = await call(() => api.roomDetails(roomId, { cursor, limit: MEMBERS_TAIL }));
          found = tail.members.filter((m) => missing.includes(m.user.id));
        }
        if (started !== view) return;
        openRoom.value = {
          status: "ready",
          value: mergeMembers(fresh, openDetails(roomId), found),
        };
      }
    } catch {
      // The names stay unknown ("Someone"); the next reload of the room brings them.
    } finally {
      fetchingMembers = false;
    }
  }

  /** The room's name, topic, archived state or retention changed while it is open. */
  function onRoomChanged(roomId: string, frame: RoomFrame): void {
    updateRoomItem(roomId, (item) => ({
      ...item,
      room: { ...item.room, ...frame.room },
    }));
    const details = openDetails(roomId);
    if (!details) return;
    openRoom.value = {
      status: "ready",
      value: {
        ...details,
        room: { ...details.room, ...frame.room },
        retention: frame.retention,
      },
    };
  }

  function show(next: Panel): void {
    const previous = panel.value;
    pendingMembers.clear();
    if (previous.kind === "room" && !(next.kind === "room" && next.roomId === previous.roomId)) {
      const room = roomStates.get(previous.roomId);
      // A room with messages still on their way stays connected until they are out.
      if (room && !room.hasUnsent()) room.close();
    }
    if (next.kind === "room") roomState(next.roomId).open();
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
    totalUnread: totalUnread as ReadonlySignal<number>,
    notifications: notifications as ReadonlySignal<NotificationSetting>,
    /** The live state of a room (made on first use, kept while signed in). */
    roomState,

    /** On load: the session cookie decides which screen comes up. */
    async start(): Promise<void> {
      session.value = { status: "unknown" };
      try {
        const { user } = await api.me();
        signedIn(user);
      } catch (error) {
        const apiError = asApiError(error);
        if (apiError.status === 401) signedOut();
        else if (apiError.code === "disabled") signedOut("disabled");
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
      signingOut = true;
      try {
        await api.logout();
      } catch (error) {
        // A 401 means the session had already ended: signing out is done either way.
        if (asApiError(error).status !== 401) throw asApiError(error);
      } finally {
        signingOut = false;
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

    async setMuted(roomId: string, muted: boolean): Promise<void> {
      await call(() => api.setMuted(roomId, muted));
      updateRoomItem(roomId, (item) => ({ ...item, muted }));
      const details = openRoom.value;
      if (details?.status === "ready" && details.value.room.id === roomId && details.value.me) {
        openRoom.value = {
          status: "ready",
          value: { ...details.value, me: { ...details.value.me, muted } },
        };
      }
    },

    async leaveRoom(roomId: string): Promise<void> {
      await call(() => api.leaveRoom(roomId));
      roomStates.get(roomId)?.close();
      roomStates.delete(roomId);
      show({ kind: "home" });
      await refreshRooms();
    },

    async updateRoom(roomId: string, input: UpdateRoomInput): Promise<void> {
      await call(() => api.updateRoom(roomId, input));
      await Promise.all([refreshRooms(), loadRoom(roomId)]);
    },

    /** Reloads the open room's details (members, roles) after a change. */
    reloadRoom: (roomId: string) => loadRoom(roomId),

    async enableNotifications(): Promise<void> {
      if (typeof Notification === "undefined") return;
      notifications.value = await Notification.requestPermission();
    },

    api,
    call,

    discoverChannels: async (q: string) => (await call(() => api.discoverChannels(q))).rooms,
    findPeople: async (q: string) => (await call(() => api.findPeople(q))).users,
  };
}

export type AppState = ReturnType<typeof createAppState>;

/** The room list's line under a room's name: "You: …" for my own message. */
export function roomPreview(
  item: Pick<RoomListItem, "lastPreview" | "lastSenderId">,
  me: SelfUser | null,
): string | null {
  const preview = item.lastPreview;
  if (preview === null || !me || item.lastSenderId !== me.id) return preview;
  const mine = `${me.displayName}: `;
  return preview.startsWith(mine) ? `You: ${preview.slice(mine.length)}` : preview;
}

/** How a room is called in lists and headers: DMs by the people in them. */
export function roomTitle(item: Pick<RoomListItem, "room" | "peers">, me: SelfUser | null): string {
  if (item.room.kind !== "dm") return item.room.name ?? "Untitled room";
  if (item.peers.length === 0) return me ? `${me.displayName} (you)` : "Just you";
  return item.peers.map((p) => p.displayName).join(", ");
}
