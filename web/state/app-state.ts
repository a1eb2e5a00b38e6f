// The client's state: who I am, my rooms, what the main panel shows (and the address bar with
// it). Read-only signals out, changes only through actions, so it can be driven and tested
// without a DOM. Each part has its module; this one wires them together and owns the live
// sockets (the inbox, the rooms).
import { batch, computed, effect, type ReadonlySignal, signal } from "@preact/signals";
import type { NotifyLevel, RoomListItem, SelfUser } from "../../src/shared/api";
import type { InboxRoomFrame, MembershipChange, Message } from "../../src/shared/protocol";
import { CLOSE_REASONS } from "../../src/shared/protocol/rules";
import { plainText } from "../lib/rich-text";
import type {
  Api,
  CreateInviteInput,
  CreateRoomInput,
  CreateWorkspaceInput,
  UpdateRoomInput,
} from "../net/api";
import { browserPush } from "../net/push";
import { createBlocks } from "./blocks";
import { createDeviceStore, type SavedDraft } from "./device-store";
import { createInbox, type Inbox } from "./inbox";
import { createOnboarding } from "./onboarding";
import { type Panel, showsRoom } from "./panels";
import { createPushSetting } from "./push";
import { createRoomState, type MemberFrame, type RoomFrame, type RoomState } from "./room";
import { createRoomDetails } from "./room-details";
import {
  applyInboxFrame,
  applyRoomMessage,
  applyRoomRead,
  createRoomList,
  levelWants,
  roomTitle,
} from "./room-list";
import { createRoomSort } from "./room-sections";
import {
  type AddressBar,
  browserAddressBar,
  type Destination,
  destinationOf,
  type HistoryEntry,
  record,
} from "./route";
import { createSession, type SignedOutNotice } from "./session";
import { canManage, countsByWorkspace, createWorkspaces, inWorkspace } from "./workspaces";

export type { Loadable } from "./loadable";
export type { Panel } from "./panels";
export type { PushStatus, PushTest } from "./push";
export { roomPreview, roomTitle } from "./room-list";
export type { Session, SignedOutNotice } from "./session";

/** This browser's localStorage, where it may be used. */
function localStore(): Storage | null {
  try {
    return typeof localStorage === "undefined" ? null : localStorage;
  } catch {
    return null;
  }
}

/** What the home panel says after a link led nowhere. */
export const NOTICES = {
  noRoom: "That room does not exist, or you no longer have access to it.",
  noPage: "There is nothing at that address.",
  banned: (room: string | null) =>
    room ? `You were banned from #${room}` : "You are banned from that room.",
} as const;

const HOME: Destination = { panel: { kind: "home" }, seq: null };

/** `address`: the browser's history by default; null leaves the address bar alone (tests). */
export function createAppState(api: Api, address: AddressBar | null = browserAddressBar()) {
  const session = createSession(api, signedIn, signedOut);
  const { me, call } = session.actions;
  const list = createRoomList(
    () => call(api.myRooms),
    (roomId) => roomStates.get(roomId)?.readSeq() ?? 0,
  );
  const panel = signal<Panel>({ kind: "home" });
  /** Why the app went home by itself (a link to a room I cannot see), until the next move. */
  const notice = signal<string | null>(null);
  const isOpen = (roomId: string) => showsRoom(panel.value, roomId);
  const details = createRoomDetails(
    (roomId, page) => call(() => api.roomDetails(roomId, page)),
    isOpen,
  );
  const push = createPushSetting(
    {
      vapidKey: () => call(api.push.vapidKey),
      subscribe: (subscription) => call(() => api.push.subscribe(subscription)),
      unsubscribe: (id) => call(() => api.push.unsubscribe(id)),
      test: (id) => call(() => api.push.test(id)),
    },
    browserPush(),
    localStore(),
  );
  /** The room list's order (recent activity or A–Z), kept on this device. */
  const roomSort = createRoomSort(localStore());
  /** My unsent messages and drafts, kept on this device across reloads. */
  const saved = createDeviceStore(localStore());
  const blocks = createBlocks({
    list: () => call(api.blocks),
    set: (userId, blocked) => call(() => api.setBlocked(userId, blocked)),
  });
  /** My workspaces and the current one (remembered on this device). */
  const workspaces = createWorkspaces(
    {
      list: () => call(api.workspaces.list),
      creation: async () => (await api.config()).workspaceCreation,
    },
    localStore(),
  );
  /** The room list as the sidebar shows it: the current workspace's rooms. */
  const workspaceRooms = computed(() => {
    const rooms = list.rooms.value;
    if (rooms.status !== "ready") return rooms;
    return { ...rooms, value: inWorkspace(rooms.value, workspaces.current.value?.id ?? null) };
  });
  const workspaceCounts = computed(() => {
    const rooms = list.rooms.value;
    return countsByWorkspace(rooms.status === "ready" ? rooms.value : []);
  });
  /** A room of a workspace the list does not know yet (I was added to one): the list reloads. */
  const askedFor = new Set<string>();
  effect(() => {
    const known = new Set(workspaces.list.value.map((w) => w.id));
    if (known.size === 0) return;
    for (const id of workspaceCounts.value.keys()) {
      if (known.has(id) || askedFor.has(id)) continue;
      askedFor.add(id);
      void workspaces.reload();
    }
  });
  // A room opened from elsewhere (a link, a notification, the quick switcher): its workspace
  // becomes the current one, so the sidebar shows the room.
  effect(() => {
    const open = panel.value;
    if (open.kind !== "room") return;
    const item = list.item(open.roomId);
    const known = workspaces.list.value.some((w) => w.id === item?.room.workspaceId);
    if (item && known && item.room.workspaceId !== workspaces.current.peek()?.id) {
      workspaces.select(item.room.workspaceId);
    }
  });
  /** DMs I hid, at the seq they were hidden: their inbox news is ignored until a new message. */
  const hiddenAt = new Map<string, number>();
  const roomStates = new Map<string, RoomState>();
  let inbox: Inbox | null = null;
  const refreshRooms = list.refresh;
  const onboarding = createOnboarding(api, address, {
    signedIn: (user) => signedIn(user),
    call,
    async enter(roomId) {
      await refreshRooms();
      go(roomId ? { panel: { kind: "room", roomId }, seq: null } : HOME, "replace");
    },
    tell: (text) => {
      notice.value = text;
    },
    restart: () => session.actions.start(),
  });

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
      // Added to a workspace, removed from one, a new role there: the switcher asks again (a
      // workspace I left stops being current by itself: it is no longer in the list).
      onWorkspace: (workspaceId, change) => {
        void workspaces.reload();
        if (
          change === "removed" &&
          panel.value.kind === "workspace-settings" &&
          workspaces.currentId() === workspaceId
        ) {
          go(HOME, "replace");
        }
      },
      refresh: () => void refreshRooms(),
      onRefused: session.refused,
    });
    inbox.start();
  }

  // Answers that arrive after the user moved on must not overwrite newer state: the list drops
  // those asked for before a sign-in/out, the details those asked for before a panel change.
  function switchSession(user: SelfUser | null, notice?: SignedOutNotice | null) {
    batch(() => {
      session.set(user, notice);
      list.reset();
      panel.value = { kind: "home" };
      details.reset(null);
    });
  }

  function signedOut(notice: SignedOutNotice | null = null) {
    stopLive();
    blocks.reset();
    hiddenAt.clear();
    workspaces.reset();
    push.signedOut();
    switchSession(null, notice);
  }

  function signedIn(user: SelfUser) {
    switchSession(user);
    blocks.reset();
    hiddenAt.clear();
    void refreshRooms();
    void blocks.load();
    askedFor.clear();
    workspaces.start(user.id);
    startLive();
    // The address names where to go: a link followed, a reload, a sign-in after a link.
    follow("replace");
    void push.start(user.id);
    // What someone else left on this device is not mine to see; what I left goes out now.
    saved.clear(user.id);
    for (const roomId of saved.roomsWithOutbox(user.id)) {
      if (!isOpen(roomId)) roomState(roomId).open();
    }
  }

  /** Opens what the address bar names (after signing in, Back and Forward). */
  function follow(entry: HistoryEntry): void {
    if (!address || !me.value || onboarding.link.value) return;
    const { path, state } = address.current();
    const to = destinationOf(path, state);
    if (!to) {
      go(HOME, "replace");
      notice.value = NOTICES.noPage;
    } else if (to.panel.kind === "admin" && me.value.role !== "admin") go(HOME, "replace");
    else go(to, entry);
  }

  address?.listen(() => follow("none"));

  function closeRoom(roomId: string): void {
    roomStates.get(roomId)?.close();
    roomStates.delete(roomId);
  }

  function onMembershipChange(roomId: string, change: MembershipChange, banned: boolean): void {
    void refreshRooms();
    if (!isOpen(roomId)) return;
    if (banned) leaveBanned(roomId);
    else if (change === "removed") {
      closeRoom(roomId);
      go(HOME, "replace");
    } else void details.reload(roomId);
  }

  function onInboxRoom(frame: InboxRoomFrame): void {
    const before = list.item(frame.roomId);
    if (!before) {
      // A DM I hid stays away until a new message (the list answers without it until then).
      const hidden = hiddenAt.get(frame.roomId);
      if (hidden !== undefined && frame.lastSeq <= hidden) return;
      hiddenAt.delete(frame.roomId);
      void refreshRooms();
      return;
    }
    const seenHere = isOpen(frame.roomId) && document.visibilityState === "visible";
    list.update(frame.roomId, (item) => applyInboxFrame(item, frame, seenHere));
    if (!isOpen(frame.roomId) && frame.unread > before.unread) {
      notify(before, frame.lastPreview ?? "New message", frame.mentions > before.mentions, null);
    }
  }

  /** A message arrived on the open room's socket (or its polling). */
  function onRoomMessage(roomId: string, message: Message): void {
    const mine = message.sender.id === me.value?.id;
    const hidden = document.visibilityState !== "visible" || !document.hasFocus();
    list.update(roomId, (item) => applyRoomMessage(item, message, !mine && hidden));
    const item = list.item(roomId);
    const mentioned = message.mentions.includes(me.value?.id ?? "");
    // A thread reply is news when it mentions me; the rest wait in the Threads view.
    if (!mine && hidden && item && (message.threadOf === null || mentioned)) {
      const at: Destination =
        message.threadOf === null
          ? { panel: { kind: "room", roomId }, seq: message.seq }
          : { panel: { kind: "room", roomId, thread: message.threadOf }, seq: null };
      notify(item, `${message.sender.name}: ${plainText(message.body)}`, mentioned, at);
    }
  }

  /**
   * A desktop notification while the page is in the background (push covers a closed one:
   * web/sw/); its click opens the room (`at` its message, or thread, when it is of one).
   */
  function notify(
    item: RoomListItem,
    body: string,
    mentioned: boolean,
    at: Destination | null,
  ): void {
    if (!levelWants(item.notify, mentioned) || push.permission.value !== "granted") return;
    if (document.visibilityState === "visible" && document.hasFocus()) return;
    try {
      const title = `${mentioned ? "@ " : ""}${roomTitle(item, me.value)}`;
      const shown = new Notification(title, { body: body.slice(0, 200), tag: item.room.id });
      shown.onclick = () => {
        window.focus();
        go(at ?? { panel: { kind: "room", roomId: item.room.id }, seq: null });
        shown.close();
      };
    } catch {
      // Some browsers only allow notifications from a service worker.
    }
  }

  function onRoomMember(roomId: string, frame: MemberFrame): void {
    const meId = me.value?.id ?? "";
    const role = frame.role;
    if (frame.userId === meId && frame.change === "role" && role) {
      list.update(roomId, (item) => ({ ...item, role }));
    }
    details.onMember(roomId, frame, meId);
  }

  /** The room's name, topic, archived state or retention changed while it is open. */
  function onRoomChanged(roomId: string, frame: RoomFrame): void {
    list.update(roomId, (item) => ({ ...item, room: { ...item.room, ...frame.room } }));
    details.onRoomChanged(roomId, frame);
  }

  function roomState(roomId: string): RoomState {
    let room = roomStates.get(roomId);
    if (!room) {
      const meId = me.value?.id ?? "";
      room = createRoomState(
        roomId,
        meId,
        api,
        {
          onNewMessage: onRoomMessage,
          onRead: (id, seq) => list.update(id, (item) => applyRoomRead(item, seq)),
          onRefused: (id, reason) => {
            if (reason === CLOSE_REASONS.banned) leaveBanned(id);
            session.refused(reason);
            void refreshRooms();
          },
          onTrimmed: details.onTrimmed,
          onMember: onRoomMember,
          onRoomChanged,
          onResumed: (id) => {
            if (isOpen(id)) void details.reload(id);
          },
          onThreadCounts: () => void refreshRooms(),
          // A room left (or never shown) while its messages were on their way closes once
          // they are out.
          onOutboxEmpty: (id) => {
            if (!isOpen(id)) roomStates.get(id)?.close();
          },
        },
        { saved: saved.outbox(meId, roomId) },
      );
      const item = list.item(roomId);
      if (item) room.setInitialReadSeq(item.lastReadSeq);
      roomStates.set(roomId, room);
    }
    return room;
  }

  /**
   * Shows a panel, a room at its newest messages or at message `seq`; the history gains an entry
   * (`push`, what the app's buttons do), has this one replaced, or already says it (`none`).
   */
  function go(to: Destination, entry: HistoryEntry = "push"): void {
    const { panel: next, seq } = to;
    const previous = panel.value;
    const stays = next.kind === "room" && showsRoom(previous, next.roomId);
    if (previous.kind === "room" && !showsRoom(next, previous.roomId)) {
      const room = roomStates.get(previous.roomId);
      // A room with messages still on their way stays connected until they are out.
      if (room && !room.hasUnsent()) room.close();
    }
    if (next.kind === "room") {
      const room = roomState(next.roomId);
      // Aimed before it opens, so that its first load starts at the message.
      if (seq !== null) void room.showMessage(seq);
      else if (!stays) void room.showLatest();
      room.open();
      room.showThread(next.thread ?? null);
    }
    if (address) record(address, to, entry);
    batch(() => {
      notice.value = null;
      panel.value = next;
      if (!stays) details.reset(next.kind === "room" ? { status: "loading" } : null);
    });
    if (next.kind === "room" && !stays) {
      const roomId = next.roomId;
      void details.reload(roomId).then(() => leaveIfRefused(roomId));
    }
  }

  /** What the app's buttons and lists do: a new history entry for the panel. */
  function show(next: Panel): void {
    go({ panel: next, seq: null });
  }

  /** The open room is not there for me (no such room, or no longer mine): home, saying so. */
  function leaveIfRefused(roomId: string): void {
    const open = details.openRoom.value;
    if (!isOpen(roomId) || open?.status !== "error") return;
    if (open.error.status !== 404 && open.error.status !== 403) return;
    closeRoom(roomId);
    go(HOME, "replace");
    notice.value = open.error.code === "banned" ? NOTICES.banned(null) : NOTICES.noRoom;
  }

  /** A ban closed the room's socket: the room closes at once, and home says why. */
  function leaveBanned(roomId: string): void {
    const name = list.item(roomId)?.room.name;
    closeRoom(roomId);
    if (!isOpen(roomId)) return;
    go(HOME, "replace");
    notice.value = NOTICES.banned(name ?? null);
  }

  /** After creating, joining or opening a room: the list has it, the panel shows it. */
  async function enterRoom(roomId: string): Promise<void> {
    await refreshRooms();
    show({ kind: "room", roomId });
  }

  return {
    ...session.actions,
    ...onboarding.actions,
    /** The invite or set-password page the address names, until it is done. */
    onboarding: onboarding.link,
    rooms: list.rooms,
    panel: panel as ReadonlySignal<Panel>,
    /** Why the app went home by itself, until the next move (the home panel says it). */
    notice: notice as ReadonlySignal<string | null>,
    /** Details of the room in the main panel, while a room is selected. */
    openRoom: details.openRoom,
    totalUnread: list.totalUnread,
    /** How the room list is sorted in its sections (recent activity or A–Z), on this device. */
    roomSort: roomSort.sort,
    setRoomSort: roomSort.setSort,
    /** Followed threads with unread replies, over all my rooms (the Threads badge). */
    totalThreads: list.totalThreads,
    /** Push notifications on this device (the settings' "Notifications"). */
    push,
    /** The live state of a room (made on first use, kept while signed in). */
    roomState,

    /** A composer's draft in a room (or in one of its threads), kept on this device. */
    draft: (roomId: string, threadOf: number | null = null): SavedDraft =>
      saved.draft(me.value?.id ?? "", roomId, threadOf),

    refreshRooms,
    show,

    /** Opens a room at one of its messages (a notification, a search result). */
    showMessage: (roomId: string, seq: number) => go({ panel: { kind: "room", roomId }, seq }),

    /** Opens a room with the thread of its message `rootSeq` beside it (null: closes it). */
    showThread: (roomId: string, rootSeq: number | null) =>
      go({
        panel:
          rootSeq === null ? { kind: "room", roomId } : { kind: "room", roomId, thread: rootSeq },
        seq: null,
      }),

    /**
     * Marks every room read (the room list's "Mark all read"): one request reads up to 200 rooms,
     * each room moving my mark itself; open rooms hear it as their `read` frame.
     */
    async markAllRead(): Promise<void> {
      for (let calls = 0; calls < 10; calls++) {
        const { more } = await call(api.markAllRead);
        if (!more) break;
      }
      await refreshRooms();
    },

    /** The devices signed in as me, the most recently seen first (the Account page). */
    mySessions: async () => (await call(api.mySessions)).sessions,

    /** Signs out one of my other devices: its requests and sockets end at once. */
    endSession: async (sessionId: string) => {
      await call(() => api.endSession(sessionId));
    },

    /** The threads I follow, those with unread replies first (the Threads view). */
    myThreads: async () => (await call(api.myThreads)).threads,

    /**
     * Signs out: this device's push subscription ends first (while the session can still tell
     * the server), and the address goes back to the home.
     */
    async signOut(): Promise<void> {
      await push.signingOut();
      try {
        await session.actions.signOut();
      } finally {
        // Unsent messages and drafts stay on a device only while someone is signed in on it
        // (cleared after the rooms closed, so that none of them saves its outbox again).
        saved.clear();
      }
      if (address) record(address, HOME, "replace");
    },

    async createRoom(input: CreateRoomInput): Promise<void> {
      const workspaceId = workspaces.currentId();
      const { room } = await call(() => api.createRoom({ ...input, workspaceId }));
      await enterRoom(room.id);
    },

    async joinRoom(roomId: string): Promise<void> {
      await call(() => api.joinRoom(roomId));
      await enterRoom(roomId);
    },

    async openDm(people: string | readonly string[]): Promise<void> {
      const { room } = await call(() => api.openDm(people, workspaces.currentId()));
      await enterRoom(room.id);
    },

    /** How a room notifies me: every message, mentions only, or nothing ("none" is muted). */
    async setNotifyLevel(roomId: string, level: NotifyLevel): Promise<void> {
      const { notify, muted } = await call(() => api.setNotifyLevel(roomId, level));
      list.update(roomId, (item) => ({ ...item, notify, muted }));
      details.setMuted(roomId, muted);
    },

    /** The people I blocked; blocking folds their messages in rooms we share. */
    blocked: blocks.people,
    blockedIds: blocks.ids,
    block: blocks.block,
    unblock: blocks.unblock,

    /** Hides a DM from my list until its next message; the app goes home if it was open. */
    async hideRoom(roomId: string): Promise<void> {
      await call(() => api.setHidden(roomId, true));
      hiddenAt.set(roomId, list.item(roomId)?.lastSeq ?? 0);
      list.remove(roomId);
      if (isOpen(roomId)) {
        closeRoom(roomId);
        go(HOME, "replace");
      }
    },

    async leaveRoom(roomId: string): Promise<void> {
      await call(() => api.leaveRoom(roomId));
      closeRoom(roomId);
      go(HOME, "replace");
      await refreshRooms();
    },

    /** Deletes my room for good (its owners): gone from the list, the home panel shows. */
    async deleteRoom(roomId: string): Promise<void> {
      await call(() => api.deleteRoom(roomId));
      closeRoom(roomId);
      go(HOME, "replace");
      await refreshRooms();
    },

    async updateRoom(roomId: string, input: UpdateRoomInput): Promise<void> {
      await call(() => api.updateRoom(roomId, input));
      await Promise.all([refreshRooms(), details.reload(roomId)]);
    },

    /** Reloads the open room's details (members, roles) after a change. */
    reloadRoom: details.reload,

    api,

    discoverChannels: async (q: string) =>
      (await call(() => api.discoverChannels(q, workspaces.currentId()))).rooms,
    /** People of the current workspace (new DMs, adding members, mentions). */
    findPeople: async (q: string) =>
      (await call(() => api.findPeople(q, workspaces.currentId()))).users,
    /** An invite link to the current workspace (or to the workspace of the rooms it names). */
    createInvite: (input: CreateInviteInput, workspaceId = workspaces.currentId()) =>
      call(() => api.invites.create(input, workspaceId)),

    /** My workspaces (an instance admin: all); the switcher shows them. */
    workspaces: workspaces.list,
    /** The workspace the room list shows and new things go to; null until one is known. */
    currentWorkspace: workspaces.current,
    /** The current workspace's rooms: what the room list shows. */
    workspaceRooms: workspaceRooms as ReadonlySignal<typeof workspaceRooms.value>,
    /** Unread and mentions of my rooms per workspace id: the switcher's badges, kept live. */
    workspaceCounts: workspaceCounts as ReadonlySignal<typeof workspaceCounts.value>,
    /** Whether I may create a workspace: an instance admin, or anyone where creation is open. */
    canCreateWorkspace: computed(
      () => me.value?.role === "admin" || workspaces.creation.value === "open",
    ) as ReadonlySignal<boolean>,
    /** Whether I may manage the current workspace (its owners and admins, instance admins). */
    canManageWorkspace: computed(() =>
      canManage(workspaces.current.value, me.value?.role === "admin"),
    ) as ReadonlySignal<boolean>,
    reloadWorkspaces: workspaces.reload,

    /** Shows another workspace's rooms; a room of another workspace open closes (home). */
    switchWorkspace(workspaceId: string): void {
      const open = panel.value;
      const openItem = open.kind === "room" ? list.item(open.roomId) : undefined;
      if (open.kind === "room" && openItem?.room.workspaceId !== workspaceId)
        show({ kind: "home" });
      else if (open.kind === "workspace-settings") show({ kind: "home" });
      workspaces.select(workspaceId);
    },

    /**
     * Leaves a workspace (and every room of it: the inbox's membership frames take them off the
     * list); the switcher moves to another one once the list no longer has it.
     */
    async leaveWorkspace(workspaceId: string): Promise<void> {
      const myId = me.value?.id;
      if (!myId) return;
      await call(() => api.workspaces.leave(workspaceId, myId));
      if (panel.value.kind === "room" || panel.value.kind === "workspace-settings") {
        show({ kind: "home" });
      }
      await workspaces.reload();
      await list.refresh();
    },

    /** Creates a workspace and makes it current. */
    async createWorkspace(input: CreateWorkspaceInput): Promise<void> {
      const { workspace } = await call(() => api.workspaces.create(input));
      workspaces.put(workspace);
      workspaces.select(workspace.id);
      show({ kind: "home" });
      void refreshRooms();
    },

    /** A workspace renamed or otherwise changed here (its settings): the switcher has it. */
    workspaceChanged: workspaces.put,
  };
}

export type AppState = ReturnType<typeof createAppState>;
