// The signed-in layout: header, room list, and the main panel. On narrow screens only one
// of list and panel shows at a time.
import type { SelfUser } from "../../../src/shared/api";
import type { Panel } from "../../state/app-state";
import { useAppState } from "../../state/use-app-state";
import { AppHeader } from "../app-header";
import { HomePanel } from "../home-panel";
import { lazyPanel } from "../lazy-panel";
import { RoomList } from "../room-list";
import { RoomView } from "../room-view";
import * as styles from "./workspace.module.css";

export function Workspace({ user }: { user: SelfUser }) {
  const state = useAppState();
  const panel = state.panel.value;
  return (
    <div
      class={styles.workspace}
      data-pane={panel.kind === "home" ? "list" : "main"}
      data-panel={panel.kind}
    >
      <AppHeader user={user} />
      <div class={styles.workspaceBody}>
        <RoomList />
        <main class={styles.workspaceMain}>
          <MainPanel panel={panel} />
        </main>
      </div>
    </div>
  );
}

function MainPanel({ panel }: { panel: Panel }) {
  switch (panel.kind) {
    case "home":
      return <HomePanel />;
    case "room":
      return <RoomView key={panel.roomId} roomId={panel.roomId} />;
    case "new-room":
      return <LazyNewRoomForm />;
    case "browse":
      return <LazyBrowseChannels />;
    case "new-dm":
      return <LazyNewDm />;
    case "admin":
      return <LazyAdminPanel />;
    case "notifications":
      return <LazyNotificationSettings />;
    case "threads":
      return <LazyThreadsView />;
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
const LazyThreadsView = lazyPanel(() => import("../threads-view").then((m) => m.ThreadsView));
