// A room's whole history as one download.
import type { Context } from "hono";
import type { Page as HistoryPage } from "../../room/handlers";
import type { AppEnv } from "../context";
import { forbidden } from "../errors";
import { access } from "../room-calls";

/** Messages per room call while exporting. */
const EXPORT_PAGE = 1_000;

/**
 * `GET /api/rooms/:id/export`: the room's history as NDJSON in seq order, tombstones included,
 * page by page through the room so a room of any size streams in constant memory.
 */
export async function roomExport(c: Context<AppEnv>): Promise<Response> {
  const { stub, info, room } = await access(c, "member");
  if (!room.membership && !room.actor.isAdmin) {
    throw forbidden("Only members and admins can export a room");
  }
  let after = 0;
  const encoder = new TextEncoder();
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const page = (await stub.history(info, {
        after,
        limit: EXPORT_PAGE,
      })) as unknown as HistoryPage;
      const last = page.messages.at(-1);
      if (last) {
        const lines = page.messages.map((m) => JSON.stringify(m)).join("\n");
        controller.enqueue(encoder.encode(`${lines}\n`));
        after = last.seq;
      }
      if (!last || !page.hasMore) controller.close();
    },
  });
  return new Response(stream, {
    headers: {
      "content-type": "application/x-ndjson; charset=utf-8",
      "content-disposition": `attachment; filename="confab-${info.id}.ndjson"`,
      "cache-control": "no-store",
    },
  });
}
