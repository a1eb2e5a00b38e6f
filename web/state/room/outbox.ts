// My messages not yet acknowledged: in the order I wrote them, one on the wire at a time, each
// with its cid so a retry after a reconnect is the same message. Pure: the driver sends what
// `take` hands out and schedules the retries these functions ask for.
import type { PendingMessage } from "../timeline";

export type { PendingMessage };

export interface Outbox {
  items: readonly PendingMessage[];
  /** The cid on the wire (sent over the socket or HTTP, not answered yet). */
  inFlight: string | null;
}

/** How the next message may go out now: over the socket, over HTTP (polling), or not yet. */
export type Route = "socket" | "http" | null;

/** A refusal that the outbox waits out before sending again. */
export interface Retry {
  retryInMs: number;
}

export const emptyOutbox: Outbox = { items: [], inFlight: null };

/** Waits this long after a 429 over HTTP (or a `rate_limited` frame without retryAfterMs). */
export const RATE_LIMIT_WAIT_MS = 1_000;
/** Waits this long after an HTTP send that got no answer (or a 5xx). */
export const HTTP_RETRY_MS = 3_000;

export function newCid(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(9));
  return `c${Date.now().toString(36)}${Array.from(bytes, (b) => b.toString(36).padStart(2, "0")).join("")}`.slice(
    0,
    64,
  );
}

function update(items: readonly PendingMessage[], cid: string, change: Partial<PendingMessage>) {
  return items.map((p) => (p.cid === cid ? { ...p, ...change } : p));
}

/** An outbox of messages kept from before a reload: none is on the wire yet. */
export function restore(items: readonly PendingMessage[]): Outbox {
  return { items, inFlight: null };
}

export function enqueue(o: Outbox, item: PendingMessage): Outbox {
  return { ...o, items: [...o.items, item] };
}

/**
 * The next queued message, now on the wire — if none is, there is a way to send it, and it is
 * `ready` (its files uploaded). One that is not ready holds back those after it: order is kept.
 */
export function take(
  o: Outbox,
  route: Route,
  ready: (item: PendingMessage) => boolean = () => true,
): { outbox: Outbox; next: PendingMessage | null } {
  if (o.inFlight || route === null) return { outbox: o, next: null };
  const next = o.items.find((p) => p.status === "queued");
  if (!next || !ready(next)) return { outbox: o, next: null };
  return {
    outbox: { items: update(o.items, next.cid, { status: "sending" }), inFlight: next.cid },
    next,
  };
}

/** Acknowledged: the message itself comes (or came) as a `message` frame or HTTP answer. */
export function settle(o: Outbox, cid: string): Outbox {
  return {
    items: o.items.filter((p) => p.cid !== cid),
    inFlight: o.inFlight === cid ? null : o.inFlight,
  };
}

/** The wire is gone (socket down, room closed): what was on it is queued again. */
export function requeue(o: Outbox): Outbox {
  const items = o.items.some((p) => p.status === "sending")
    ? o.items.map((p) => (p.status === "sending" ? { ...p, status: "queued" as const } : p))
    : o.items;
  return { items, inFlight: null };
}

/** An `error` frame answering one of mine: `rate_limited` waits and resends, others fail it. */
export function refused(
  o: Outbox,
  cid: string,
  code: string,
  message: string,
  retryAfterMs?: number,
): { outbox: Outbox; retry: Retry | null } {
  if (code === "rate_limited") {
    return { outbox: requeue(o), retry: { retryInMs: retryAfterMs ?? RATE_LIMIT_WAIT_MS } };
  }
  return {
    outbox: { items: update(o.items, cid, { status: "failed", error: message }), inFlight: null },
    retry: null,
  };
}

/** An HTTP send failed: no answer, 429 or 5xx are tried again later; other refusals fail it. */
export function httpFailed(
  o: Outbox,
  cid: string,
  status: number,
  message: string,
): { outbox: Outbox; retry: Retry | null } {
  if (status === 0 || status === 429 || status >= 500) {
    return {
      outbox: { items: update(o.items, cid, { status: "queued" }), inFlight: null },
      retry: { retryInMs: status === 429 ? RATE_LIMIT_WAIT_MS : HTTP_RETRY_MS },
    };
  }
  return {
    outbox: { items: update(o.items, cid, { status: "failed", error: message }), inFlight: null },
    retry: null,
  };
}

/** A file of a waiting message failed to upload: the message waits for Retry (or Discard). */
export function uploadFailed(o: Outbox, cid: string, message: string): Outbox {
  if (o.inFlight === cid) return o;
  return { ...o, items: update(o.items, cid, { status: "failed", error: message }) };
}

/**
 * One file of a waiting message was cancelled: it goes without it, and a message left with
 * neither text nor files is dropped.
 */
export function dropFile(o: Outbox, cid: string, key: string): Outbox {
  const item = o.items.find((p) => p.cid === cid);
  if (!item?.files || o.inFlight === cid) return o;
  const files = item.files.filter((k) => k !== key);
  if (files.length === 0 && item.body === "") return discard(o, cid);
  return { ...o, items: update(o.items, cid, { files }) };
}

export function retry(o: Outbox, cid: string): Outbox {
  return { ...o, items: update(o.items, cid, { status: "queued", error: undefined }) };
}

/** Forgets a message not on the wire (one being sent may already be stored). */
export function discard(o: Outbox, cid: string): Outbox {
  return { ...o, items: o.items.filter((p) => p.cid !== cid || p.status === "sending") };
}

export const hasUnsent = (o: Outbox) => o.items.some((p) => p.status !== "failed");
