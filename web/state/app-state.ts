// The client's state: who I am, my rooms, what the main panel shows. Read-only signals out,
// changes only through actions, so it can be driven and tested without a DOM. Each part has its
// module; this one wires them together and owns the live sockets (the inbox, the rooms).
import { batch, type ReadonlySignal, signal } from "@preact/signals";
import type { NotifyLevel, RoomListItem, SelfUser } from "../../src/shared/api";
import type { InboxRoomFrame, MembershipChange, Message } from "../../src/shared/protocol";
import type { Api, CreateRoomInput, UpdateRoomInput } from "../net/api";
import { browserPush } from "../net/push";
import { createInbox, type Inbox } from "./inbox";
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
import { createSession, type SignedOutNotice } from "./session";

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

export function createAppState(api: Api) {
  const session = createSession(api, signedIn, signedOut);
  const { me, call } = session.actions;
  const list = createRoomList(
    () => call(api.myRooms),
    (roomId) => roomStates.get(roomId)?.readSeq() ?? 0,
  );
  const panel = signal<Panel>({ kind: "home" });
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
  const roomStates = new Map<string, RoomState>();
  let inbox: Inbox | null = null;
  const refreshRooms = list.refresh;

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
    push.signedOut();
    switchSession(null, notice);
  }

  function signedIn(user: SelfUser) {
    switchSession(user);
    void refreshRooms();
    startLive();
    void push.start(user.id);
  }

  function closeRoom(roomId: string): void {
    roomStates.get(roomId)?.close();
    roomStates.delete(roomId);
  }

  function onMembershipChange(roomId: string, change: MembershipChange): void {
    void refreshRooms();
    if (!isOpen(roomId)) return;
    if (change === "removed") {
      closeRoom(roomId);
      show({ kind: "home" });
    } else void details.reload(roomId);
  }

  function onInboxRoom(frame: InboxRoomFrame): void {
    const before = list.item(frame.roomId);
    if (!before) {
      void refreshRooms();
      return;
    }
    const seenHere = isOpen(frame.roomId) && document.visibilityState === "visible";
    list.update(frame.roomId, (item) => applyInboxFrame(item, frame, seenHere));
    if (!isOpen(frame.roomId) && frame.unread > before.unread) {
      notify(before, frame.lastPreview ?? "New message", frame.mentions > before.mentions);
    }
  }

  /** A message arrived on the open room's socket (or its polling). */
  function onRoomMessage(roomId: string, message: Message): void {
    const mine = message.sender.id === me.value?.id;
    const hidden = document.visibilityState !== "visible" || !document.hasFocus();
    list.update(roomId, (item) => applyRoomMessage(item, message, !mine && hidden));
    const item = list.item(roomId);
    if (!mine && hidden && item) {
      const mentioned = message.mentions.includes(me.value?.id ?? "");
      notify(item, `${message.sender.name}: ${message.body}`, mentioned);
    }
  }

  /** While the page is in the background (push covers a closed one: web/sw/). */
  function notify(item: RoomListItem, body: string, mentioned: boolean): void {
    if (!levelWants(item.notify, mentioned) || push.permission.value !== "granted") return;
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
      room = createRoomState(roomId, me.value?.id ?? "", api, {
        onNewMessage: onRoomMessage,
        onRead: (id, seq) => list.update(id, (item) => applyRoomRead(item, seq)),
        onRefused: (_, reason) => {
          session.refused(reason);
          void refreshRooms();
        },
        onTrimmed: details.onTrimmed,
        onMember: onRoomMember,
        onRoomChanged,
        onResumed: (id) => {
          if (isOpen(id)) void details.reload(id);
        },
      });
      const item = list.item(roomId);
      if (item) room.setInitialReadSeq(item.lastReadSeq);
      roomStates.set(roomId, room);
    }
    return room;
  }

  function show(next: Panel): void {
    const previous = panel.value;
    if (previous.kind === "room" && !showsRoom(next, previous.roomId)) {
      const room = roomStates.get(previous.roomId);
      // A room with messages still on their way stays connected until they are out.
      if (room && !room.hasUnsent()) room.close();
    }
    if (next.kind === "room") roomState(next.roomId).open();
    batch(() => {
      panel.value = next;
      details.reset(next.kind === "room" ? { status: "loading" } : null);
    });
    if (next.kind === "room") void details.reload(next.roomId);
  }

  /** After creating, joining or opening a room: the list has it, the panel shows it. */
  async function enterRoom(roomId: string): Promise<void> {
    await refreshRooms();
    show({ kind: "room", roomId });
  }

  return {
    ...session.actions,
    /** Ends this device's push subscription while the session can still tell the server. */
    async signOut(): Promise<void> {
      await push.signingOut();
      await session.actions.signOut();
    },
    rooms: list.rooms,
    panel: panel as ReadonlySignal<Panel>,
    /** Details of the room in the main panel, while a room is selected. */
    openRoom: details.openRoom,
    totalUnread: list.totalUnread,
    /** Push notifications on this device (the settings' "Notifications"). */
    push,
    /** The live state of a room (made on first use, kept while signed in). */
    roomState,

    refreshRooms,
    show,

    async createRoom(input: CreateRoomInput): Promise<void> {
      const { room } = await call(() => api.createRoom(input));
      await enterRoom(room.id);
    },

    async joinRoom(roomId: string): Promise<void> {
      await call(() => api.joinRoom(roomId));
      await enterRoom(roomId);
    },

    async openDm(userId: string): Promise<void> {
      const { room } = await call(() => api.openDm(userId));
      await enterRoom(room.id);
    },

    /** How a room notifies me: every message, mentions only, or nothing ("none" is muted). */
    async setNotifyLevel(roomId: string, level: NotifyLevel): Promise<void> {
      const { notify, muted } = await call(() => api.setNotifyLevel(roomId, level));
      list.update(roomId, (item) => ({ ...item, notify, muted }));
      details.setMuted(roomId, muted);
    },

    async leaveRoom(roomId: string): Promise<void> {
      await call(() => api.leaveRoom(roomId));
      closeRoom(roomId);
      show({ kind: "home" });
      await refreshRooms();
    },

    async updateRoom(roomId: string, input: UpdateRoomInput): Promise<void> {
      await call(() => api.updateRoom(roomId, input));
      await Promise.all([refreshRooms(), details.reload(roomId)]);
    },

    /** Reloads the open room's details (members, roles) after a change. */
    reloadRoom: details.reload,

    api,

    discoverChannels: async (q: string) => (await call(() => api.discoverChannels(q))).rooms,
    findPeople: async (q: string) => (await call(() => api.findPeople(q))).users,
  };
}

export type AppState = ReturnType<typeof createAppState>;
