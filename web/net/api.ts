// The HTTP API as typed functions: same-origin JSON requests, errors thrown as ApiError.
import type { z } from "zod";
import type {
  AddMemberBody,
  AdminRoom,
  AdminUser,
  AuditEntry,
  CreateRoomBody,
  LoginBody,
  MemberRole,
  PublicUser,
  PurgeRange as PurgeRangeSchema,
  RegisterBody,
  Retention,
  RetentionPolicy,
  RetentionSaved as RetentionSavedSchema,
  Room,
  RoomDetails,
  RoomListItem,
  SelfUser,
  UpdateRoomBody,
} from "../../src/shared/api";
import type { Message } from "../../src/shared/protocol";

export type RegisterInput = z.input<typeof RegisterBody>;
export type LoginInput = z.input<typeof LoginBody>;
export type CreateRoomInput = z.input<typeof CreateRoomBody>;
export type UpdateRoomInput = z.input<typeof UpdateRoomBody>;
export type AddMemberInput = z.input<typeof AddMemberBody>;
/** A room's own policy (null fields: the instance default) and the policy in force. */
export type RoomRetention = z.infer<typeof Retention>;
/** What retention deleted, or would delete now: a count, bytes and a seq range. */
export type PurgeRange = z.infer<typeof PurgeRangeSchema>;
/** A saved policy, and what applying it deleted at once. */
export type RetentionSaved = z.infer<typeof RetentionSavedSchema>;

/**
 * A page of history (`before`) or of the changes feed (`sinceRev`, which adds rev, complete and
 * firstSeq, where the room begins after retention).
 */
export interface MessagePage {
  messages: Message[];
  hasMore: boolean;
  rev?: number;
  complete?: boolean;
  firstSeq?: number;
}

/** An error answer of the API ({error: {code, message, details?}}), or a failed request. */
export class ApiError extends Error {
  override readonly name = "ApiError";

  constructor(
    /** HTTP status; 0 when the request never got an answer. */
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

/** One entry of a 400 `invalid` answer's details: which input, which field, what is wrong. */
export interface FieldIssue {
  in: string;
  path: string;
  message: string;
}

/** The per-field problems of a validation error (an empty list for any other error). */
export function fieldIssues(error: unknown): FieldIssue[] {
  if (!(error instanceof ApiError) || !Array.isArray(error.details)) return [];
  return error.details.filter(
    (d): d is FieldIssue =>
      typeof d === "object" &&
      d !== null &&
      typeof d.path === "string" &&
      typeof d.message === "string" &&
      typeof d.in === "string",
  );
}

/** The first problem per body field of a validation error, keyed by field path. */
export function fieldErrors(error: unknown): Record<string, string> {
  const byField: Record<string, string> = {};
  for (const issue of fieldIssues(error)) {
    if (issue.in === "json" && !(issue.path in byField)) byField[issue.path] = issue.message;
  }
  return byField;
}

/** Anything thrown, as an ApiError, so callers handle one kind of failure. */
export function asApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  return new ApiError(0, "network", "Could not reach the server. Check your connection and retry.");
}

type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

function errorFromBody(status: number, body: unknown): ApiError {
  const error = (
    body as { error?: { code?: unknown; message?: unknown; details?: unknown } } | null
  )?.error;
  if (error && typeof error.code === "string" && typeof error.message === "string") {
    return new ApiError(status, error.code, error.message, error.details);
  }
  return new ApiError(status, "http_error", `The server answered ${status}`);
}

export function createApi(fetchImpl: typeof fetch = (input, init) => fetch(input, init)) {
  async function request<T>(method: Method, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { accept: "application/json" };
    if (body !== undefined) headers["content-type"] = "application/json";
    let response: Response;
    try {
      response = await fetchImpl(`/api${path}`, {
        method,
        headers,
        credentials: "same-origin",
        body: body === undefined ? null : JSON.stringify(body),
      });
    } catch (error) {
      throw asApiError(error);
    }
    const text = await response.text();
    let parsed: unknown = null;
    if (text) {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = null;
      }
    }
    if (!response.ok) throw errorFromBody(response.status, parsed);
    return parsed as T;
  }

  const roomPath = (id: string) => `/rooms/${encodeURIComponent(id)}`;
  const query = (params: Record<string, string | undefined>) => {
    const search = new URLSearchParams();
    for (const [key, value] of Object.entries(params)) if (value) search.set(key, value);
    const text = search.toString();
    return text ? `?${text}` : "";
  };

  return {
    me: () => request<{ user: SelfUser }>("GET", "/me"),
    register: (input: RegisterInput) =>
      request<{ user: SelfUser; token: string }>("POST", "/auth/register", input),
    login: (input: LoginInput) =>
      request<{ user: SelfUser; token: string }>("POST", "/auth/login", input),
    logout: () => request<void>("POST", "/auth/logout"),

    findPeople: (q: string) =>
      request<{ users: PublicUser[]; nextCursor: string | null }>("GET", `/users${query({ q })}`),

    myRooms: () => request<{ rooms: RoomListItem[] }>("GET", "/rooms"),
    discoverChannels: (q: string) =>
      request<{ rooms: Room[]; nextCursor: string | null }>(
        "GET",
        `/rooms/discover${query({ q })}`,
      ),
    createRoom: (input: CreateRoomInput) => request<{ room: Room }>("POST", "/rooms", input),
    openDm: (userId: string) => request<{ room: Room }>("POST", "/dms", { userId }),
    /** The room and a page of its members (the first page without `cursor`). */
    roomDetails: (id: string, page: { cursor?: string; limit?: number } = {}) =>
      request<RoomDetails>(
        "GET",
        `${roomPath(id)}${query({ cursor: page.cursor, limit: page.limit?.toString() })}`,
      ),
    joinRoom: (id: string) =>
      request<{ room: Room; role: MemberRole }>("POST", `${roomPath(id)}/join`),
    leaveRoom: (id: string) => request<void>("POST", `${roomPath(id)}/leave`),
    setMuted: (id: string, muted: boolean) =>
      request<{ muted: boolean }>("PUT", `${roomPath(id)}/mute`, { muted }),
    updateRoom: (id: string, input: UpdateRoomInput) =>
      request<{ room: Room }>("PATCH", roomPath(id), input),
    addMember: (id: string, input: AddMemberInput) =>
      request<unknown>("POST", `${roomPath(id)}/members`, input),
    setMemberRole: (id: string, userId: string, role: MemberRole) =>
      request<unknown>("PATCH", `${roomPath(id)}/members/${encodeURIComponent(userId)}`, { role }),
    removeMember: (id: string, userId: string) =>
      request<void>("DELETE", `${roomPath(id)}/members/${encodeURIComponent(userId)}`),

    /** The newest page (no `before`) or the page just before `before`, ascending. */
    history: (id: string, before?: number, limit = 50) =>
      request<MessagePage>(
        "GET",
        `${roomPath(id)}/messages${query({ before: before?.toString(), limit: String(limit) })}`,
      ),
    /** Every message changed after `sinceRev` (new, edited, deleted, reactions). */
    changes: (id: string, sinceRev: number) =>
      request<MessagePage>("GET", `${roomPath(id)}/messages?sinceRev=${sinceRev}`),
    send: (id: string, input: { cid: string; body: string; replyTo?: number }) =>
      request<{ message: Message }>("POST", `${roomPath(id)}/messages`, input),
    edit: (id: string, seq: number, body: string) =>
      request<{ message: Message }>("PATCH", `${roomPath(id)}/messages/${seq}`, { body }),
    deleteMessage: (id: string, seq: number) =>
      request<{ message: Message }>("DELETE", `${roomPath(id)}/messages/${seq}`),
    react: (id: string, seq: number, emoji: string, on: boolean) =>
      request<{ message: Message }>(
        on ? "PUT" : "DELETE",
        `${roomPath(id)}/messages/${seq}/reactions/${encodeURIComponent(emoji)}`,
      ),
    markRead: (id: string, seq: number) =>
      request<{ seq: number }>("POST", `${roomPath(id)}/read`, { seq }),

    admin: {
      rooms: (q: string, cursor?: string) =>
        request<{ rooms: AdminRoom[]; nextCursor: string | null }>(
          "GET",
          `/admin/rooms${query({ q, cursor })}`,
        ),
      setArchived: (id: string, archived: boolean) =>
        request<{ room: Room }>("PATCH", `/admin/rooms/${encodeURIComponent(id)}`, { archived }),
      retention: (id: string) =>
        request<RoomRetention>("GET", `/admin/rooms/${encodeURIComponent(id)}/retention`),
      /**
       * Replaces the policy (null or omitted fields take the instance default); the room applies
       * it at once and the answer says what that deleted.
       */
      setRetention: (id: string, policy: RetentionPolicy) =>
        request<RetentionSaved>("PUT", `/admin/rooms/${encodeURIComponent(id)}/retention`, policy),
      /** What `policy` (not saved yet; null fields: defaults) would delete from the room now. */
      previewRetention: (id: string, policy: RetentionPolicy) =>
        request<PurgeRange>(
          "GET",
          `/admin/rooms/${encodeURIComponent(id)}/retention/preview${query({
            proposed: "true",
            maxAgeDays: policy.maxAgeDays?.toString(),
            maxMessages: policy.maxMessages?.toString(),
            maxBytes: policy.maxBytes?.toString(),
          })}`,
        ),
      runRetention: (id: string) =>
        request<{ deleted: PurgeRange }>(
          "POST",
          `/admin/rooms/${encodeURIComponent(id)}/retention/run`,
        ),
      users: (q: string, cursor?: string) =>
        request<{ users: AdminUser[]; nextCursor: string | null }>(
          "GET",
          `/admin/users${query({ q, cursor })}`,
        ),
      updateUser: (id: string, change: { role?: "admin" | "user"; disabled?: boolean }) =>
        request<{ user: AdminUser }>("PATCH", `/admin/users/${encodeURIComponent(id)}`, change),
      audit: (before?: number) =>
        request<{ entries: AuditEntry[]; nextBefore: number | null }>(
          "GET",
          `/admin/audit${query({ before: before?.toString() })}`,
        ),
    },
  };
}

export type Api = ReturnType<typeof createApi>;
