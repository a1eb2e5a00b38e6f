// Entry point: builds the app state on the real API, renders, then asks who is signed in.
import { render } from "preact";
import { App } from "./components/app";
import { createApi } from "./net/api";
import { createAppState } from "./state/app-state";
import "./styles.css";

const state = createAppState(createApi());
const root = document.getElementById("app");
if (!root) throw new Error("index.html has no #app element");
render(<App state={state} />, root);
void state.start();
