// The two WebSocket protocols, one import for the Worker, the Durable Objects, tests and bench.
// The web client imports ./rules directly and loads the schemas lazily (web/net/frames.ts).
export * from "./inbox-frames.ts";
export type * from "./push.ts";
export * from "./room-frames.ts";
export * from "./rules.ts";
