// The signed-in layout: header, room list, and the main panel. On narrow screens only one
// of list and panel shows at a time.
import type { ComponentType } from "preact";
import { useEffect, useState } from "preact/hooks";
import type { SelfUser } from "../../../src/shared/api";
import type { Panel } from "../../state/app-state";
import { useAppState } from "../../state/use-app-state";
import { AppHeader } from "../app-header";
import { BrowseChannels } from "../browse-channels";
import { HomePanel } from "../home-panel";
import { NewDm } from "../new-dm";
import { NewRoomForm } from "../new-room-form";
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
      return <NewRoomForm />;
    case "browse":
      return <BrowseChannels />;
    case "new-dm":
      return <NewDm />;
    case "admin":
      return <LazyAdminPanel />;
  }
}

/** The admin page is for few people: its code loads when it is first opened. */
function LazyAdminPanel() {
  const [Loaded, setLoaded] = useState<ComponentType | null>(null);
  useEffect(() => {
    void import("../admin-panel").then((module) => setLoaded(() => module.AdminPanel));
  }, []);
  return Loaded ? (
    <Loaded />
  ) : (
    <p class="muted" aria-busy="true">
      Loading…
    </p>
  );
}
