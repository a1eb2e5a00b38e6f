// The signed-in layout: header, room list, and the main panel, and the search across my rooms
// over them. On narrow screens only one of list and panel shows at a time.
import { useEffect, useRef, useState } from "preact/hooks";
import type { SelfUser } from "../../../src/shared/api";
import { useReturnFocus } from "../../hooks/use-return-focus";
import { searchAllKey, slashKey, switcherKey, useShortcut } from "../../hooks/use-shortcut";
import type { Panel } from "../../state/app-state";
import { useAppState } from "../../state/use-app-state";
import { AppHeader } from "../app-header";
import { HomePanel } from "../home-panel";
import { lazyPanel } from "../lazy-panel";
import { RoomList } from "../room-list";
import { RoomView } from "../room-view";
import { SearchDialog } from "../search-dialog";
import * as styles from "./workspace.module.css";

export function Workspace({ user }: { user: SelfUser }) {
  const state = useAppState();
  const panel = state.panel.value;
  const [searching, setSearching] = useState(false);
  const [switching, setSwitching] = useState(false);
  const returnFocus = useReturnFocus();
  /** Where focus goes once the search is closed: back where it was, or the room a result opened. */
  const focusAfter = useRef<"opener" | "room" | null>(null);

  function openSearch() {
    if (searching) {
      document.querySelector<HTMLInputElement>("dialog input[type=search]")?.focus();
      return;
    }
    returnFocus.remember();
    setSearching(true);
  }
  function closeSearch(then: "opener" | "room") {
    focusAfter.current = then;
    setSearching(false);
  }
  // Once the dialog is gone (nothing outside a modal dialog can take focus while it is open).
  useEffect(() => {
    const then = focusAfter.current;
    if (searching || !then) return;
    focusAfter.current = null;
    const heading = () => document.querySelector<HTMLElement>("#room-title, h2");
    if (then === "opener") returnFocus.restore(heading);
    else heading()?.focus();
  }, [searching]);
  // Ctrl+K (⌘K) anywhere: the quick switcher, once (a second press gives its box focus again).
  // Ctrl+Shift+F (⌘⇧F) anywhere, or "/" outside a room (whose own search has it): the search.
  useShortcut((event) => {
    if (switcherKey(event)) {
      if (searching) return true;
      if (!switching) returnFocus.remember();
      setSwitching(true);
      document.querySelector<HTMLInputElement>("dialog [role=combobox]")?.focus();
      return true;
    }
    if (switching) return false;
    if (!searchAllKey(event) && !(slashKey(event) && panel.kind !== "room")) return false;
    openSearch();
    return true;
  });

  return (
    <div
      class={styles.workspace}
      data-pane={panel.kind === "home" ? "list" : "main"}
      data-panel={panel.kind}
    >
      <AppHeader user={user} searching={searching} onSearch={openSearch} />
      <div class={styles.workspaceBody}>
        <RoomList />
        <main class={styles.workspaceMain}>
          <MainPanel panel={panel} />
        </main>
      </div>
      {searching && (
        <SearchDialog
          onOpen={(roomId, seq) => {
            closeSearch("room");
            state.showMessage(roomId, seq);
          }}
          onClose={() => closeSearch("opener")}
        />
      )}
      {switching && (
        <QuickSwitcher
          onClose={(opened) => {
            setSwitching(false);
            // Focus goes to the room (or DM) it opened, else back where it was.
            const heading = () => document.querySelector<HTMLElement>("#room-title, h2");
            requestAnimationFrame(() =>
              opened ? heading()?.focus() : returnFocus.restore(heading),
            );
          }}
        />
      )}
    </div>
  );
}

function MainPanel({ panel }: { panel: Panel }) {
  // Searches start again in another workspace.
  const workspaceId = useAppState().currentWorkspace.value?.id;
  switch (panel.kind) {
    case "home":
      return <HomePanel />;
    case "room":
      return <RoomView key={panel.roomId} roomId={panel.roomId} />;
    case "new-room":
      return <LazyNewRoomForm />;
    case "browse":
      return <LazyBrowseChannels key={workspaceId} />;
    case "new-dm":
      return <LazyNewDm key={workspaceId} />;
    case "admin":
      return <LazyAdminPanel />;
    case "notifications":
      return <LazyNotificationSettings />;
    case "threads":
      return <LazyThreadsView />;
    case "account":
      return <LazyAccountSettings />;
    case "workspace-settings":
      return <LazyWorkspaceSettings />;
    case "new-workspace":
      return <LazyNewWorkspace />;
  }
}

// Panels few visits open load their code when first opened (lazy-panel).
const LazyAdminPanel = lazyPanel(() => import("../admin-panel").then((m) => m.AdminPanel));
const LazyNewRoomForm = lazyPanel(() => import("../new-room-form").then((m) => m.NewRoomForm));
const LazyBrowseChannels = lazyPanel(() =>
  import("../browse-channels").then((m) => m.BrowseChannels),
);
const LazyNewDm = lazyPanel(() => import("../new-dm").then((m) => m.NewDm));
const LazyNotificationSettings = lazyPanel(() =>
  import("../notification-settings").then((m) => m.NotificationSettings),
);
const LazyAccountSettings = lazyPanel(() =>
  import("../account-settings").then((m) => m.AccountSettings),
);
const LazyWorkspaceSettings = lazyPanel(() =>
  import("../workspace-settings").then((m) => m.WorkspaceSettings),
);
const LazyNewWorkspace = lazyPanel(() =>
  import("../workspace-settings/new-workspace").then((m) => m.NewWorkspace),
);
// The quick switcher (Ctrl+K) loads when first opened.
const QuickSwitcher = lazyPanel(() => import("../quick-switcher").then((m) => m.QuickSwitcher));
const LazyThreadsView = lazyPanel(() => import("../threads-view").then((m) => m.ThreadsView));
