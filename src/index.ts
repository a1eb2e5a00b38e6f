// Worker entry: the HTTP app (static assets are served by the platform before it), the Cron
// Trigger of wrangler.toml, which purges what has expired, and the push queue's consumer.

import { type Env, readConfig } from "./config/env";
import { app } from "./worker/app";
import { purgeExpired } from "./worker/maintenance/purge";
import { consumePushes } from "./worker/push/consumer";

export { InboxDO } from "./inbox/inbox-do";
export { RelayDO } from "./relay/relay-do";
export { RoomDO } from "./room/room-do";

export default {
  fetch: app.fetch,
  async scheduled(controller, env) {
    const report = await purgeExpired(env.DB, readConfig(env), controller.scheduledTime);
    console.log("purge", controller.cron, JSON.stringify(report));
  },
  async queue(batch, env) {
    await consumePushes(batch, env);
  },
} satisfies ExportedHandler<Env>;
