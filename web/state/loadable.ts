// A value fetched from the API, as the screen shows it: loading, there, or why not.
import type { ApiError } from "../net/api";

export type Loadable<T> =
  | { status: "loading" }
  | { status: "ready"; value: T }
  | { status: "error"; error: ApiError };
