// Beside the room (over it on a phone): the thread the address names, else the room's search,
// the pinned messages or the members (with the room's settings for owners and moderators),
// whichever the header opened. Each of them but the members loads its code when first shown.
import { useState } from "preact/hooks";
import type { MemberRole, PublicUser, Room, RoomDetails, SelfUser } from "../../../src/shared/api";
import { asApiError } from "../../net/api";
import type { RoomState } from "../../state/room";
import { useAppState } from "../../state/use-app-state";
import { lazyPanel } from "../lazy-panel";
import { MemberList } from "../member-list";
import type { MessageContext } from "../message";
import * as styles from "./room-view.module.css";

const RoomSettings = lazyPanel(() => import("../room-settings").then((m) => m.RoomSettings));
const GroupDmSettings = lazyPanel(() =>
  import("../room-settings/group-dm").then((m) => m.GroupDmSettings),
);
const BanForm = lazyPanel(() => import("../room-bans").then((m) => m.BanForm));
const ThreadPanel = lazyPanel(() => import("../thread-panel").then((m) => m.ThreadPanel));
const PinnedList = lazyPanel(() => import("../pinned-list").then((m) => m.PinnedList));
/** The room's search: a lazy chunk too (shared with the search across rooms). */
const MessageSearch = lazyPanel(() => import("../message-search").then((m) => m.MessageSearch));

/** On a phone the aside covers the room: a result opened must close it to be seen. */
const asideCoversRoom = () => window.matchMedia("(max-width: 720px)").matches;

/** What the side panel shows besides a thread (which the address names). */
export type Aside = "search" | "members" | "pins" | null;

interface RoomSideProps {
  room: RoomState;
  aside: Aside;
  /** The room's message context (the thread's rows start from it). */
  view: Omit<MessageContext, "activeSeq">;
  me: SelfUser;
  /** The room's details, once loaded. */
  details: RoomDetails | null;
  title: string;
  kind: Room["kind"];
  /** A group DM (`Room.group`): its people name it and add people. */
  groupDm: boolean;
  archived: boolean;
  /** How long the room keeps messages, in words. */
  kept: string | null;
  myRole: MemberRole | null;
  mayPin: boolean;
  /** The thread was opened to reply: its composer takes the keyboard. */
  focusThreadComposer: boolean;
  onCloseAside(): void;
  /** Closes the room's search, focus going back where it was. */
  onCloseSearch(): void;
  onError(message: string): void;
}

export function RoomSide(props: RoomSideProps) {
  const { room, aside, view, me, details, title, myRole } = props;
  const state = useAppState();
  /** Whom the ban form (under the member list) is about. */
  const [banning, setBanning] = useState<PublicUser | null>(null);
  const thread = room.thread.value;
  const members = details?.members ?? [];
  if (thread) {
    return (
      <aside class={`${styles.roomAside} ${styles.roomThread}`} aria-label="Thread">
        <ThreadPanel
          key={thread.rootSeq}
          room={room}
          thread={thread}
          view={view}
          me={me}
          members={members}
          roomTitle={title}
          archived={props.archived}
          focusComposer={props.focusThreadComposer}
          onClose={() => {
            state.showThread(room.roomId, null);
            // Back to where the thread was opened from, if it is still drawn.
            requestAnimationFrame(() =>
              document
                .querySelector<HTMLElement>(`.msg[data-seq="${thread.rootSeq}"]`)
                ?.focus({ preventScroll: true }),
            );
          }}
        />
      </aside>
    );
  }
  if (aside === "search") {
    return (
      <aside class={styles.roomAside} id="room-search" aria-label="Search in this room">
        <MessageSearch
          scope={{ kind: "room", roomId: room.roomId }}
          onOpen={(roomId, seq) => {
            if (asideCoversRoom()) props.onCloseSearch();
            state.showMessage(roomId, seq);
          }}
          onClose={props.onCloseSearch}
        />
      </aside>
    );
  }
  if (aside === "pins") {
    return (
      <aside class={styles.roomAside} aria-label="Pinned messages">
        <PinnedList
          room={room}
          names={view.names}
          meId={me.id}
          canPin={props.mayPin}
          onClose={props.onCloseAside}
        />
      </aside>
    );
  }
  if (aside !== "members" || !details) return null;
  const fail = (e: unknown) => props.onError(asApiError(e).message);
  return (
    <aside class={styles.roomAside} aria-label="Room details">
      <MemberList
        members={members}
        memberCount={details.memberCount}
        online={room.online.value}
        meId={me.id}
        myRole={myRole}
        onRole={(userId, role) =>
          void state
            .call(() => state.api.setMemberRole(room.roomId, userId, role))
            .then(() => state.reloadRoom(room.roomId))
            .catch(fail)
        }
        onRemove={(userId) =>
          void state
            .call(() => state.api.removeMember(room.roomId, userId))
            .then(() => state.reloadRoom(room.roomId))
            .catch(fail)
        }
        isAdmin={me.role === "admin"}
        onBan={view.canModerate && props.kind !== "dm" ? setBanning : undefined}
        blocked={state.blockedIds.value}
        onBlock={(user, blocked) =>
          void (blocked ? state.block(user) : state.unblock(user.id)).catch(fail)
        }
      />
      {banning && (
        <BanForm
          key={banning.id}
          roomId={room.roomId}
          user={banning}
          onDone={() => setBanning(null)}
          onCancel={() => setBanning(null)}
        />
      )}
      <p class={styles.roomKept}>{props.kept}</p>
      {view.canModerate && props.kind !== "dm" && <RoomSettings details={details} />}
      {props.groupDm && details.me && <GroupDmSettings details={details} />}
    </aside>
  );
}
