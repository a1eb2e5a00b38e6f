// A room, live: header (name, topic, who is online, notify level, leave, members, pins), the
// connection status, the message list, who is typing, and the composer; files dropped anywhere on
// the room are attached to the next message, and images open in the viewer. Beside it (over it on
// a phone): the room's search ("/"), the members, the pinned messages, or an open thread.
import type { TargetedDragEvent } from "preact";
import { useEffect, useMemo, useState } from "preact/hooks";
import type { MemberRole, RoomDetails, SelfUser } from "../../../src/shared/api";
import { messagePath } from "../../../src/shared/links";
import { canModerate, canPin } from "../../../src/shared/permissions";
import type { Message as MessageType } from "../../../src/shared/protocol";
import { messagePreview } from "../../../src/shared/protocol/rules";
import { useMarkRead } from "../../hooks/use-mark-read";
import { useReturnFocus } from "../../hooks/use-return-focus";
import { slashKey, useShortcut } from "../../hooks/use-shortcut";
import { keptText } from "../../lib/retention";
import { asApiError } from "../../net/api";
import { type Loadable, roomTitle } from "../../state/app-state";
import type { RoomState } from "../../state/room";
import { useAppState } from "../../state/use-app-state";
import { ViewerHost } from "../attachments";
import { Composer } from "../composer";
import { ConnectionStatus } from "../connection-status";
import { lazyPanel } from "../lazy-panel";
import type { MessageContext } from "../message";
import { MessageList } from "../message-list";
import { TypingIndicator } from "../typing-indicator";
import { RoomHeader } from "./room-header";
import { type Aside, RoomSide } from "./room-side";
import * as styles from "./room-view.module.css";

// Few visits report anything: the dialog's code loads when first opened.
const ReportDialog = lazyPanel(() => import("../report-dialog").then((m) => m.ReportDialog));

/** A drag that carries files (not text or a link dragged from the page). */
const composerInput = () => document.querySelector<HTMLTextAreaElement>(".composer__input");
const carriesFiles = (event: DragEvent) => Boolean(event.dataTransfer?.types.includes("Files"));

export function RoomView({ roomId }: { roomId: string }) {
  const state = useAppState();
  const me = state.me.value;
  if (!me) return null;
  return (
    <RoomPage
      room={state.roomState(roomId)}
      details={state.openRoom.value ?? { status: "loading" }}
      me={me}
    />
  );
}

interface RoomPageProps {
  room: RoomState;
  details: Loadable<RoomDetails>;
  me: SelfUser;
}

function RoomPage({ room, details, me }: RoomPageProps) {
  const state = useAppState();
  const [replyTo, setReplyTo] = useState<MessageType | null>(null);
  const [editingSeq, setEditingSeq] = useState<number | null>(null);
  const [aside, setAside] = useState<Aside>(null);
  const returnFocus = useReturnFocus();
  const reportFocus = useReturnFocus();
  /** Opened by "Reply in thread": the thread's composer takes the keyboard. */
  const [threadIntent, setThreadIntent] = useState<"read" | "reply">("read");
  const [sent, setSent] = useState(0);
  const [actionError, setActionError] = useState<string | null>(null);
  const [dropping, setDropping] = useState(false);
  const [reporting, setReporting] = useState<MessageType | null>(null);
  const messages = room.messages.value;
  const online = room.online.value;
  const summary = room.summary.value;
  const ready = details.status === "ready" ? details.value : null;
  const members = ready?.members ?? [];
  const item =
    state.rooms.value.status === "ready"
      ? state.rooms.value.value.find((r) => r.room.id === room.roomId)
      : undefined;
  const myRole: MemberRole | null = ready?.me?.role ?? item?.role ?? null;
  const mayModerate = canModerate({ isAdmin: me.role === "admin", role: myRole });
  const kind = summary?.kind ?? ready?.room.kind ?? item?.room.kind ?? "channel";
  const mayPin = canPin({ isAdmin: me.role === "admin", role: myRole }, kind);
  const thread = room.thread.value;
  const archived = summary?.archived ?? ready?.room.archived ?? false;
  // The room list has my level; while it loads, the details say at least whether I muted it.
  const notify = item?.notify ?? (ready?.me?.muted ? "none" : kind === "dm" ? "all" : "mentions");
  const peers = members.filter((m) => m.user.id !== me.id).map((m) => m.user);
  const groupDm = ready?.room.group ?? item?.room.group ?? false;
  // A 1:1 DM with someone I blocked: the room refuses my sends too (docs/api.md, "Blocking").
  const onlyPeer = kind === "dm" && !groupDm && peers.length === 1 ? (peers[0] ?? null) : null;
  const blockedPeer = onlyPeer && state.blockedIds.value.has(onlyPeer.id) ? onlyPeer : null;
  const title = ready
    ? roomTitle({ room: ready.room, peers }, me)
    : item
      ? roomTitle(item, me)
      : (summary?.name ?? "Loading…");
  const topic = summary?.topic ?? ready?.room.topic ?? "";
  const kept = ready ? keptText(ready.retention) : null;

  // Where "New messages" goes: what was unread when the room opened (marking read moves on).
  const unreadAfter = useMemo(
    () => (item && item.unread > 0 ? Math.max(item.lastReadSeq, room.readSeq()) : null),
    [room.roomId],
  );

  const draft = useMemo(() => state.draft(room.roomId), [room.roomId]);
  useMarkRead(room);
  useEffect(() => {
    if (room.pins.peek() === null) void room.loadPins();
  }, [room]);

  const names = useMemo(() => {
    const byId = new Map<string, string>();
    for (const m of messages.slice(-200)) byId.set(m.sender.id, m.sender.name);
    for (const m of members) byId.set(m.user.id, m.user.displayName);
    return byId;
  }, [messages, members]);

  const handles = useMemo(() => new Set(members.map((m) => m.user.handle)), [members]);
  const avatars = useMemo(() => {
    const byId = new Map<string, string>();
    for (const m of members) if (m.user.avatarUrl) byId.set(m.user.id, m.user.avatarUrl);
    if (me.avatarUrl) byId.set(me.id, me.avatarUrl);
    return byId;
  }, [members, me.id, me.avatarUrl]);
  const bots = useMemo(
    () => new Set(members.filter((m) => m.user.bot).map((m) => m.user.id)),
    [members],
  );
  const hasNewer = room.hasNewer.value;
  const lastMineSeq = useMemo(() => {
    // A list that stops short of the newest may not hold my newest message.
    if (hasNewer) return 0;
    for (let i = messages.length - 1; i >= 0; i--) {
      const m = messages[i] as MessageType;
      if (m.sender.id === me.id && !m.deleted) return m.seq;
    }
    return 0;
  }, [messages, me.id, hasNewer]);

  const view: Omit<MessageContext, "activeSeq"> = {
    meId: me.id,
    myHandle: me.handle,
    canModerate: mayModerate,
    isDm: kind === "dm" && peers.length <= 1,
    handles,
    blocked: state.blockedIds.value,
    avatars,
    bots,
    names,
    readMarks: room.readMarks.value,
    deliveredMarks: room.deliveredMarks.value,
    lastMineSeq,
    editingSeq,
    reply: (message) => {
      setReplyTo(message);
      composerInput()?.focus();
    },
    openThread: (seq, intent) => {
      setThreadIntent(intent);
      setAside(null);
      state.showThread(room.roomId, seq);
    },
    ...(mayPin ? { pin: (seq: number, on: boolean) => void room.pin(seq, on) } : {}),
    report: (message) => {
      reportFocus.remember();
      setReporting(message);
    },
    startEdit: (seq) => {
      setEditingSeq(seq);
      // An edit that ends gives the keyboard back to the composer (↑ there may have begun it).
      if (seq === null) {
        requestAnimationFrame(() => {
          if (document.activeElement === document.body) composerInput()?.focus();
        });
      }
    },
    saveEdit: (seq, body) => room.edit(seq, body),
    remove: async (seq) => {
      try {
        await room.remove(seq);
      } catch (error) {
        setActionError(asApiError(error).message);
      }
    },
    react: (seq, emoji, on) => void room.react(seq, emoji, on),
    retry: room.retry,
    discard: room.discard,
    uploads: room.uploads,
    cancelUpload: room.cancelUpload,
    highlightSeq: room.focus.value?.seq ?? null,
    jumpTo: (seq) => void room.showMessage(seq),
    linkTo: (seq) => messagePath(room.roomId, seq),
    notCopied: (url) => setActionError(`The link could not be copied: ${url}`),
    quoteOf: (seq) => {
      const quoted = messages.find((m) => m.seq === seq);
      if (!quoted) return null;
      const excerpt = quoted.body || `📎 ${quoted.attachments[0]?.name ?? ""}`;
      return { sender: quoted.sender.name, excerpt: excerpt.slice(0, 120) };
    },
  };

  const typingNames = [...room.typing.value.keys()].map((id) => names.get(id) ?? "Someone");
  // Presence is known only while the room's socket is live: offline, reconnecting or polling,
  // the last count would be stale (and would count me, who am not there), so none is shown.
  const live = room.connection.value === "connected";
  const onlineCount = room.onlineCount.value;
  // A big room's `ready` lists only some of who is online: the members panel asks for the rest.
  const someUnlisted = onlineCount > online.size;
  useEffect(() => {
    if (aside === "members" && someUnlisted) void room.loadOnline().catch(() => undefined);
  }, [aside, someUnlisted, room]);

  /** Search, members or pins beside the room: a thread open there gives way. */
  const toggleAside = (which: Exclude<Aside, null>) => {
    if (which === "search") {
      if (aside === "search" && !thread) closeSearch();
      else openSearch();
      return;
    }
    if (thread) {
      state.showThread(room.roomId, null);
      setAside(which);
    } else setAside((open) => (open === which ? null : which));
  };
  const sideOpen =
    thread !== null ||
    (aside !== null && (aside === "pins" || aside === "search" || ready !== null));

  function openSearch() {
    if (aside === "search" && !thread) {
      document.querySelector<HTMLInputElement>("#room-search input[type=search]")?.focus();
      return;
    }
    returnFocus.remember();
    if (thread) state.showThread(room.roomId, null);
    setAside("search");
  }
  /** Closes the search; focus goes back where it was when it opened (else to the room's name). */
  function closeSearch() {
    setAside(null);
    returnFocus.restore(() => document.getElementById("room-title"));
  }
  useShortcut((event) => {
    if (!slashKey(event)) return false;
    openSearch();
    return true;
  });
  const error = actionError ?? room.lastError.value;

  // Files dropped on the room join the composer's; an archived room takes none.
  const dropHandlers = {
    onDragEnter: (event: TargetedDragEvent<HTMLDivElement>) => {
      if (!carriesFiles(event) || archived) return;
      event.preventDefault();
      setDropping(true);
    },
    onDragOver: (event: TargetedDragEvent<HTMLDivElement>) => {
      if (!carriesFiles(event) || archived) return;
      event.preventDefault();
      if (event.dataTransfer) event.dataTransfer.dropEffect = "copy";
    },
    onDragLeave: (event: TargetedDragEvent<HTMLDivElement>) => {
      if (!event.currentTarget.contains(event.relatedTarget as Node | null)) setDropping(false);
    },
    onDrop: (event: TargetedDragEvent<HTMLDivElement>) => {
      if (!carriesFiles(event)) return;
      // Never let the browser open the file in place of the app.
      event.preventDefault();
      setDropping(false);
      if (archived) return;
      const problem = room.attach([...(event.dataTransfer?.files ?? [])]);
      if (problem) setActionError(problem);
    },
  };

  return (
    <section class={`${styles.room}${sideOpen ? " room--aside" : ""}`} aria-labelledby="room-title">
      <RoomHeader
        room={room}
        title={title}
        kind={kind}
        groupDm={groupDm}
        topic={topic}
        archived={archived}
        notify={notify}
        onlineCount={live ? onlineCount : null}
        memberCount={ready?.memberCount ?? null}
        openReports={ready?.openReports ?? null}
        isMember={Boolean(ready?.me)}
        peer={onlyPeer}
        aside={thread ? null : aside}
        pinCount={room.pins.value?.length ?? null}
        onToggleAside={toggleAside}
        onError={setActionError}
      />
      <ConnectionStatus connection={room.connection.value} />
      {error && (
        <p class={styles.roomError} role="alert">
          {error}{" "}
          <button type="button" class="link-button" onClick={() => setActionError(null)}>
            Dismiss
          </button>
        </p>
      )}
      <div class={styles.roomBody}>
        <div class={styles.roomMain} {...dropHandlers}>
          {dropping && (
            <div class={styles.roomDrop} aria-hidden="true">
              Drop files to attach them
            </div>
          )}
          {room.loadError.value ? (
            <p role="alert" class={styles.roomError}>
              {room.loadError.value}
            </p>
          ) : !room.loaded.value ? (
            <p class={`muted ${styles.timelineLoading}`} aria-busy="true">
              Loading messages…
            </p>
          ) : (
            <MessageList
              room={room}
              view={view}
              myName={me.displayName}
              bottomKey={sent}
              unreadAfter={unreadAfter}
              kept={kept}
            />
          )}
          <TypingIndicator names={typingNames} />
          <Composer
            members={members}
            meId={me.id}
            replyTo={replyTo}
            disabled={
              archived
                ? "This room is archived: it can be read, not written to."
                : blockedPeer
                  ? `You blocked ${blockedPeer.displayName}: unblock them (Unblock, above) to write here.`
                  : null
            }
            onCancelReply={() => setReplyTo(null)}
            onTyping={room.typed}
            onEditLast={() => {
              if (!lastMineSeq || archived) return false;
              setEditingSeq(lastMineSeq);
              return true;
            }}
            uploads={room.uploads}
            onAttach={room.attach}
            onCancelUpload={room.cancelUpload}
            onRetryUpload={room.retryUpload}
            draft={draft}
            onSend={(body) => {
              const problem = room.send(body, replyTo?.seq ?? null);
              if (!problem) {
                setReplyTo(null);
                // Sending from further up moves the list to the newest first (room.send).
                void room.showLatest().then(() => setSent((n) => n + 1));
              }
              return problem;
            }}
          />
          <Announcer room={room} meId={me.id} />
          <ViewerHost />
          {reporting && (
            <ReportDialog
              roomId={room.roomId}
              message={reporting}
              onClose={() => {
                setReporting(null);
                reportFocus.restore(() => document.getElementById("room-title"));
              }}
            />
          )}
        </div>
        <RoomSide
          room={room}
          aside={aside}
          view={view}
          me={me}
          details={ready}
          title={title}
          kind={kind}
          groupDm={groupDm}
          archived={archived}
          kept={kept}
          myRole={myRole}
          mayPin={mayPin}
          focusThreadComposer={threadIntent === "reply"}
          onCloseAside={() => setAside(null)}
          onCloseSearch={closeSearch}
          onError={setActionError}
        />
      </div>
    </section>
  );
}

/** Tells screen readers about messages from others as they arrive. */
function Announcer({ room, meId }: { room: RoomState; meId: string }) {
  const [text, setText] = useState("");
  const last = room.messages.value.at(-1);
  // While the list stops short of the newest, its last message is a page loaded, not news.
  const live = !room.hasNewer.value;
  useEffect(() => {
    if (live && last && last.sender.id !== meId && !last.deleted && room.loaded.value) {
      // A message of files alone is announced by its first file, as the room list shows it.
      setText(
        last.body
          ? `${last.sender.name}: ${last.body}`
          : messagePreview(last.sender.name, last.body, last.attachments),
      );
    }
  }, [last?.seq]);
  return (
    <p class="visually-hidden" aria-live="polite" aria-atomic="true">
      {text}
    </p>
  );
}
