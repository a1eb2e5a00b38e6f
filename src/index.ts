// Worker entry: the HTTP app (static assets are served by the platform before it).
import { app } from "./app";
import type { Env } from "./env";

export { InboxDO } from "./inbox/inbox-do";
export { RoomDO } from "./room/room-do";

export default {
  fetch: app.fetch,
} satisfies ExportedHandler<Env>;
