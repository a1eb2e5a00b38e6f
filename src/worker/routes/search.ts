// Search across my rooms: the room search of each of my most recently active rooms, asked in
// parallel, answered grouped by room.
import { createRoute, z } from "@hono/zod-openapi";
import { LIMITS, MyRoomsSearch, SearchText, WorkspaceFilter } from "../../../src/shared/api";
import { roomStub } from "../../realtime/stubs";
import { currentPrincipal, requireUser } from "../auth/principal";
import { roomsToSearch } from "../directory/search-scope";
import { workspaceFilter } from "../directory/workspace-scope";
import { roomInfo } from "../room-calls";
import { failures, ok, router, security } from "./openapi";

const { perRoom, rooms: ROOMS_PER_SEARCH } = LIMITS.search;

export const searchRoutes = router([["/search", requireUser()]]).openapi(
  createRoute({
    method: "get",
    path: "/search",
    operationId: "searchMyRooms",
    tags: ["messages"],
    summary: `Full-text search in the ${ROOMS_PER_SEARCH} rooms I am a member of with the latest activity, grouped by room`,
    security,
    request: {
      query: z.object({
        q: SearchText,
        limit: z.coerce
          .number()
          .int()
          .min(1)
          .max(perRoom.max)
          .optional()
          .describe("Results per room"),
        ...WorkspaceFilter.shape,
      }),
    },
    responses: { 200: ok(MyRoomsSearch), ...failures(400, 401, 403, 404) },
  }),
  async (c) => {
    const { q, limit = perRoom.default, workspaceId } = c.req.valid("query");
    const principal = currentPrincipal(c);
    const db = c.get("db");
    const only = await workspaceFilter(db, principal, workspaceId);
    const scope = await roomsToSearch(db, principal.user.id, ROOMS_PER_SEARCH, only);
    const pages = await Promise.all(
      scope.rooms.map(async (room) => ({
        room,
        page: await roomStub(c.env, room.id).search(roomInfo(room), { q, limit }),
      })),
    );
    const found = pages
      .filter(({ page }) => page.results.length > 0)
      .map(({ room, page }) => ({
        room: { id: room.id, kind: room.kind, name: room.name },
        results: page.results,
        nextBefore: page.nextBefore,
      }))
      // The room of the newest hit first; each room's results are newest first already.
      .sort((a, b) => newestHit(b) - newestHit(a));
    return c.json({ rooms: found, searchedRooms: scope.rooms.length, moreRooms: scope.more }, 200);
  },
);

const newestHit = (group: { results: ReadonlyArray<{ message: { createdAt: string } }> }) =>
  Date.parse(group.results[0]?.message.createdAt ?? "") || 0;
