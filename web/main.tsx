// Entry point: builds the app state on the real API, renders, then asks who is signed in.
// The tokens and the global rules first: components' modules come after them in the cascade.
import "./styles/tokens.css";
import "./styles/global.css";
import { effect } from "@preact/signals";
import { render } from "preact";
import { App } from "./components/app";
import { createApi } from "./net/api";
import { createAppState } from "./state/app-state";
import { applyTheme, theme } from "./state/theme";

applyTheme(theme.value);
const state = createAppState(createApi());
const root = document.getElementById("app");
if (!root) throw new Error("index.html has no #app element");
render(<App state={state} />, root);
void state.start();

// The tab says how much is waiting: "(3) Confab".
effect(() => {
  const unread = state.totalUnread.value;
  document.title = unread > 0 ? `(${unread}) Confab` : "Confab";
});
