// History pages in a room of a million messages (seeded by seed.ts), timed through the API.
import type { Confab } from "./confab.ts";
import { sendThroughSocket } from "./seed.ts";
import { sleep } from "./server.ts";
import { median, type Summary, summarize } from "./stats.ts";

export interface HistoryFigure {
  messages: number;
  /** Of which sent through the API; the rest cloned into the room's SQLite while stopped. */
  sentThroughApi: number;
  seedSeconds: number;
  pageSize: number;
  requests: number;
  /** End-to-end request times (ms), each kind measured in turn, interleaved. */
  timings: Record<HistoryRequest, Summary | null>;
  /** p50(page) − p50(empty room, limit=1): the part of a page that grows with the room. */
  insideEstimateMs: Record<"newest" | "deep" | "middle" | "smallRoom", number>;
  lastSeq: number;
}

export type HistoryRequest = "newest" | "deep" | "middle" | "smallRoom" | "emptyRoom";

/** The rooms the history figure reads: `big` is seeded to `messages` by the caller. */
export interface HistoryRooms {
  big: string;
  small: string;
  empty: string;
}

const PAGE_SIZE = 50;

/** Creates the history rooms; the small one gets its two pages of messages now. */
export async function historyRooms(api: Confab): Promise<HistoryRooms> {
  const admin = api.admin;
  const rooms = {
    big: await api.createRoom("history", [admin]),
    small: await api.createRoom("history small", [admin]),
    empty: await api.createRoom("history empty", [admin]),
  };
  await sendThroughSocket(api, rooms.small, admin, PAGE_SIZE * 2, "small");
  return rooms;
}

export async function historyFigure(input: {
  api: Confab;
  rooms: HistoryRooms;
  messages: number;
  sentThroughApi: number;
  seedSeconds: number;
  requests: number;
}): Promise<HistoryFigure> {
  const { api } = input;
  const admin = api.admin;
  const pageSize = PAGE_SIZE;
  const { big, small, empty } = input.rooms;

  const page = async (roomId: string, query: string) => {
    const response = await api.request<{ messages: Array<{ seq: number }>; hasMore: boolean }>(
      "GET",
      `/api/rooms/${roomId}/messages?${query}`,
      { token: admin.token },
    );
    if (response.status !== 200) throw new Error(`history page → ${response.status}`);
    return response;
  };
  const newest = await page(big, `limit=${pageSize}`);
  const lastSeq = newest.body.messages.at(-1)?.seq ?? 0;
  if (lastSeq !== input.messages || newest.body.messages.length !== pageSize) {
    throw new Error(`history room answers lastSeq ${lastSeq}, expected ${input.messages}`);
  }
  const deepBefore = Math.min(1_000, input.messages);
  const kinds: Record<HistoryRequest, string> = {
    newest: `limit=${pageSize}`,
    deep: `before=${deepBefore}&limit=${pageSize}`,
    middle: `before=${Math.floor(input.messages / 2)}&limit=${pageSize}`,
    smallRoom: `limit=${pageSize}`,
    emptyRoom: "limit=1",
  };
  const roomOf: Record<HistoryRequest, string> = {
    newest: big,
    deep: big,
    middle: big,
    smallRoom: small,
    emptyRoom: empty,
  };
  const order = Object.keys(kinds) as HistoryRequest[];
  const times: Record<HistoryRequest, number[]> = {
    newest: [],
    deep: [],
    middle: [],
    smallRoom: [],
    emptyRoom: [],
  };
  // Warm every path (wakes the rooms, runs their migrations check, fills caches).
  for (let i = 0; i < 5; i++) for (const kind of order) await page(roomOf[kind], kinds[kind]);
  await sleep(200);
  for (let i = 0; i < input.requests; i++) {
    for (const kind of order) times[kind].push((await page(roomOf[kind], kinds[kind])).ms);
  }
  const base = median(times.emptyRoom);
  const inside = (kind: HistoryRequest) => median(times[kind]) - base;
  return {
    messages: input.messages,
    sentThroughApi: input.sentThroughApi,
    seedSeconds: input.seedSeconds,
    pageSize,
    requests: input.requests,
    timings: {
      newest: summarize(times.newest),
      deep: summarize(times.deep),
      middle: summarize(times.middle),
      smallRoom: summarize(times.smallRoom),
      emptyRoom: summarize(times.emptyRoom),
    },
    insideEstimateMs: {
      newest: inside("newest"),
      deep: inside("deep"),
      middle: inside("middle"),
      smallRoom: inside("smallRoom"),
    },
    lastSeq,
  };
}
