// Ack latency of live sends while the room's alarm purges 100,000 expired messages (docs/api.md, Limits:
// retention deletes in bounded batches so a room never stalls). The room is seeded by seed.ts
// with messages two hours old; a policy of one hour then expires all of them at once.
import { performance } from "node:perf_hooks";
import { type Account, type Confab, confabProtocol } from "./confab.ts";
import { closeAll, connectAll, type Decoded } from "./load.ts";
import { sleep } from "./server.ts";
import { type Summary, summarize } from "./stats.ts";

export interface Unavailable {
  available: false;
  reason: string;
}

export interface RetentionMeasured {
  available: true;
  sockets: number;
  /** Messages the policy expired (the preview when it was set). */
  purged: number;
  purgeSeconds: number;
  /** Live sends a second, from one member, throughout. */
  liveRate: number;
  /** Intended send time → ack, before the policy was set and while the purge ran. */
  before: Summary | null;
  during: Summary | null;
  /** `trimmed` frames one socket received. */
  trimmedFrames: number;
  unanswered: number;
}

export type RetentionFigure = RetentionMeasured | Unavailable;

/** Seeded messages are this much older than the real ones; the policy keeps one hour. */
export const SEEDED_AGE_MS = 2 * 3_600_000;
const POLICY_DAYS = 1 / 24;
const LIVE_RATE = 20;
const BEFORE_SECONDS = 3;
const MAX_PURGE_SECONDS = 120;
export const RETENTION_SOCKETS = 10;
/** Expired messages the purge deletes. */
export const RETENTION_PURGE = 100_000;

/** The room, made before seeding: a channel of `RETENTION_SOCKETS` members. */
export async function retentionRoom(api: Confab): Promise<string | Unavailable> {
  const members = api.accounts.slice(0, RETENTION_SOCKETS);
  const roomId = await api.createRoom("retention", members);
  const probe = await api.request("GET", `/api/admin/rooms/${roomId}/retention/preview`, {
    token: api.admin.token,
  });
  if (probe.status === 404) return { available: false, reason: "retention not built" };
  return roomId;
}

interface Preview {
  messages: number;
}

/** The oldest message still stored (seqs are contiguous, so purged = difference). */
async function firstStoredSeq(api: Confab, roomId: string): Promise<number> {
  const page = await api.request<{ messages: Array<{ seq: number }> }>(
    "GET",
    `/api/rooms/${roomId}/messages?after=0&limit=1`,
    { token: api.admin.token },
  );
  return page.body.messages[0]?.seq ?? 0;
}

export async function retentionFigure(api: Confab, roomId: string): Promise<RetentionFigure> {
  const admin = api.admin;
  const members: Account[] = api.accounts.slice(0, RETENTION_SOCKETS);
  const protocol = confabProtocol();
  const { clients } = await connectAll(
    members.map((m) => api.endpoint(roomId, m)),
    protocol,
    RETENTION_SOCKETS,
  );
  const sender = clients[0];
  if (!sender) throw new Error("no sender");
  const intended = new Map<string, number>();
  const acks: Array<{ at: number; latency: number }> = [];
  let trimmedFrames = 0;
  sender.onFrame = (text, at) => {
    for (const frame of protocol.decode(text)) onDecoded(frame, at);
    if (text.includes('"type":"trimmed"')) trimmedFrames++;
  };
  const onDecoded = (frame: Decoded, at: number) => {
    if (frame.kind === "ack") {
      const sentAt = intended.get(frame.cid);
      if (sentAt !== undefined) {
        intended.delete(frame.cid);
        acks.push({ at: sentAt, latency: at - sentAt });
      }
    }
  };

  // Live sends, open loop, until told to stop.
  const t0 = performance.now();
  let k = 0;
  let sending = true;
  const loop = (async () => {
    while (sending) {
      const due = t0 + (k * 1000) / LIVE_RATE;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      const cid = `live-${k}`;
      intended.set(cid, due);
      sender.ws.send(JSON.stringify({ type: "send", cid, body: `live message ${k}` }));
      k++;
    }
  })();

  await sleep(BEFORE_SECONDS * 1000);
  const preview = async () =>
    (
      await api.request<Preview>("GET", `/api/admin/rooms/${roomId}/retention/preview`, {
        token: admin.token,
      })
    ).body;
  const firstBefore = await firstStoredSeq(api, roomId);
  const policySet = performance.now();
  const set = await api.request("PUT", `/api/admin/rooms/${roomId}/retention`, {
    token: admin.token,
    body: { maxAgeDays: POLICY_DAYS },
  });
  if (set.status !== 200) throw new Error(`retention policy → ${set.status}`);
  let purgeEnd = policySet;
  while (performance.now() - policySet < MAX_PURGE_SECONDS * 1000) {
    await sleep(250);
    purgeEnd = performance.now();
    if ((await preview()).messages === 0) break;
  }
  const purged = (await firstStoredSeq(api, roomId)) - firstBefore;
  await sleep(1000);
  sending = false;
  await loop;
  await sleep(2000);
  await closeAll(clients);

  const window = (from: number, to: number) => {
    const values = acks.filter((a) => a.at >= from && a.at < to).map((a) => a.latency);
    return summarize(values);
  };
  return {
    available: true,
    sockets: RETENTION_SOCKETS,
    purged,
    purgeSeconds: (purgeEnd - policySet) / 1000,
    liveRate: LIVE_RATE,
    before: window(t0 + 500, policySet),
    during: window(policySet, purgeEnd),
    trimmedFrames,
    unanswered: intended.size,
  };
}
