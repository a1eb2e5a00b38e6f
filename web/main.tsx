// Entry point: builds the app state on the real API, renders, then asks who is signed in.
// The tokens and the global rules first: components' modules come after them in the cascade.
import "./styles/tokens.css";
import "./styles/global.css";
import "./styles/win98.css";
import { effect } from "@preact/signals";
import { render } from "preact";
import { parseLink } from "../src/shared/links";
import { App } from "./components/app";
import { createApi } from "./net/api";
import { loadFrameSchemas } from "./net/frames";
import { handleOpenRequests, listenToServiceWorker } from "./net/push";
import { createAppState } from "./state/app-state";
import { applyTheme, theme } from "./state/theme";

applyTheme(theme.value);
const state = createAppState(createApi());
const root = document.getElementById("app");
if (!root) throw new Error("index.html has no #app element");
render(<App state={state} />, root);
// The frame schemas load while the session is asked for; sockets wait for them (net/frames.ts),
// and a failure here is retried when a socket needs them.
loadFrameSchemas().catch(() => undefined);
void state.start();
// A clicked notification asks a window to show its message (web/sw/): the app opens it in place
// (a history entry, as a click would); anything it cannot read is loaded as a page.
handleOpenRequests((url) => {
  const target = new URL(url, location.origin);
  const link = target.origin === location.origin ? parseLink(target.pathname) : null;
  if (link?.kind === "thread") {
    state.showThread(link.roomId, link.rootSeq);
    return true;
  }
  if (link?.kind !== "room") return false;
  if (link.seq === null) state.show({ kind: "room", roomId: link.roomId });
  else state.showMessage(link.roomId, link.seq);
  return true;
});
listenToServiceWorker();

// The tab says how much is waiting: "(3) Confab".
effect(() => {
  const unread = state.totalUnread.value;
  document.title = unread > 0 ? `(${unread}) Confab` : "Confab";
});
