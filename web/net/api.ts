// The HTTP API as typed functions over hono's client: paths, inputs and answers are the routes'
// own types (AppType, a type-only import: no Worker code reaches the bundle); same-origin JSON
// requests, errors thrown as ApiError.
import type { ClientResponse } from "hono/client";
import { hc } from "hono/client";
import type { SuccessStatusCode } from "hono/utils/http-status";
import type { z } from "zod";
import type {
  AddMemberBody,
  AdminCreateUserBody,
  BanBody,
  ChangePasswordBody,
  CloseReportBody,
  CreateInviteBody,
  CreateRoomBody,
  LoginBody,
  MemberRole,
  NotifyLevel,
  PurgeRange as PurgeRangeSchema,
  RegisterBody,
  ReportBody,
  ReportStatus as ReportStatusSchema,
  Retention,
  RetentionPolicy,
  RetentionSaved as RetentionSavedSchema,
  UpdateRoomBody,
  Workspace,
  WorkspaceRole,
} from "../../src/shared/api";
import type { Message } from "../../src/shared/protocol";
import type { AppType } from "../../src/worker/app";

export type RegisterInput = z.input<typeof RegisterBody>;
export type LoginInput = z.input<typeof LoginBody>;
export type ChangePasswordInput = z.input<typeof ChangePasswordBody>;
export type CreateRoomInput = z.input<typeof CreateRoomBody>;
export type UpdateRoomInput = z.input<typeof UpdateRoomBody>;
export type AddMemberInput = z.input<typeof AddMemberBody>;
export type ReportInput = z.input<typeof ReportBody>;
export type CloseReportInput = z.input<typeof CloseReportBody>;
export type ReportStatus = z.infer<typeof ReportStatusSchema>;
export type BanInput = z.input<typeof BanBody>;
export type CreateInviteInput = z.input<typeof CreateInviteBody>;
export type AdminCreateUserInput = z.input<typeof AdminCreateUserBody>;
/** A room's own policy (null fields: the instance default) and the policy in force. */
export type RoomRetention = z.infer<typeof Retention>;
/** What retention deleted, or would delete now: a count, bytes and a seq range. */
export type PurgeRange = z.infer<typeof PurgeRangeSchema>;
/** A saved policy, and what applying it deleted at once. */
export type RetentionSaved = z.infer<typeof RetentionSavedSchema>;

/** A new workspace: its name, its slug and where its rooms keep their data (null: anywhere). */
export interface CreateWorkspaceInput {
  name: string;
  slug: string;
  dataLocation?: Workspace["dataLocation"];
}
/** A workspace's new name and defaults (joinPolicy, retention: null takes the instance's). */
export interface UpdateWorkspaceInput {
  name?: string;
  defaults?: {
    retention?: RetentionPolicy | null;
    joinPolicy?: Workspace["defaults"]["joinPolicy"];
  };
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

/** An error answer's ApiError (also for requests made without this client: uploads). */
export function errorFromBody(status: number, body: unknown): ApiError {
  const error = (
    body as { error?: { code?: unknown; message?: unknown; details?: unknown } } | null
  )?.error;
  if (error && typeof error.code === "string" && typeof error.message === "string") {
    return new ApiError(status, error.code, error.message, error.details);
  }
  return new ApiError(status, "http_error", `The server answered ${status}`);
}

type AnyResponse = ClientResponse<unknown, number, string>;
/** What a route answers on success: the body its handler returns with a 2xx (204: no body). */
export type Answer<R extends AnyResponse> =
  R extends ClientResponse<infer T, infer S, string>
    ? S extends 204
      ? null
      : S extends SuccessStatusCode
        ? T
        : never
    : never;

/** A browser's push subscription as the server takes it: `PushSubscription.toJSON()`. */
export interface PushSubscriptionInput {
  endpoint: string;
  keys: { p256dh: string; auth: string };
}

/**
 * A page of history (`before`, `after`), of the changes feed (`sinceRev`, which adds rev,
 * complete and firstSeq, where the room begins after retention) or centred on a message
 * (`around`, which says whether there is more on each side). The timeline's input: the route's
 * answer (`Api["history"]`) is checked to fit it where the two meet.
 */
export interface MessagePage {
  messages: Message[];
  hasMore: boolean;
  rev?: number;
  complete?: boolean;
  firstSeq?: number;
  hasMoreBefore?: boolean;
  hasMoreAfter?: boolean;
}

/** A query value, or none: empty strings are left out of the URL as before. */
const given = (value: string | number | null | undefined) =>
  value == null || value === "" ? undefined : String(value);
const id = (value: string) => encodeURIComponent(value);

export function createApi(fetchImpl: typeof fetch = (input, init) => fetch(input, init)) {
  /** hono's client builds the URL and body; the headers and credentials stay what they were. */
  const client = hc<AppType>("/", {
    fetch: ((input: string, init: RequestInit) => {
      const headers: Record<string, string> = { accept: "application/json" };
      new Headers(init.headers).forEach((value, key) => {
        headers[key] = value;
      });
      return fetchImpl(input, {
        method: init.method ?? "GET",
        headers,
        credentials: "same-origin",
        body: init.body ?? null,
      });
    }) as typeof fetch,
  }).api;

  /**
   * The answer of a request, or an ApiError: status 0 when there was no answer. The one place
   * where parsed JSON meets its type, which is the route's (ClientResponse), not a caller's guess.
   */
  async function answer<R extends AnyResponse>(pending: Promise<R>): Promise<Answer<R>> {
    let response: R;
    try {
      response = await pending;
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
    return parsed as Answer<R>;
  }

  const rooms = client.rooms;
  const room = (roomId: string) => ({ param: { id: id(roomId) } });
  const message = (roomId: string, seq: number) => ({
    param: { id: id(roomId), seq: String(seq) },
  });
  const adminRoom = (roomId: string) => ({ param: { id: id(roomId) } });

  return {
    me: () => answer(client.me.$get()),
    register: (input: RegisterInput) => answer(client.auth.register.$post({ json: input })),
    login: (input: LoginInput) => answer(client.auth.login.$post({ json: input })),
    logout: () => answer(client.auth.logout.$post()),
    updateMe: (displayName: string) => answer(client.me.$patch({ json: { displayName } })),
    changePassword: (input: ChangePasswordInput) =>
      answer(client.me.password.$put({ json: input })),
    mySessions: () => answer(client.me.sessions.$get()),
    endSession: (sessionId: string) =>
      answer(client.me.sessions[":id"].$delete({ param: { id: id(sessionId) } })),

    /** People of the workspace (none given: the default one) by handle or name. */
    findPeople: (q: string, workspaceId?: string) =>
      answer(client.users.$get({ query: { q: given(q), workspaceId } })),

    myRooms: () => answer(rooms.$get()),
    /** Channels of the workspace (none given: the default one) I can join. */
    discoverChannels: (q: string, workspaceId?: string) =>
      answer(rooms.discover.$get({ query: { q: given(q), workspaceId } })),
    createRoom: (input: CreateRoomInput) => answer(rooms.$post({ json: input })),
    /** The DM with one person, or the group DM with several (the same room for the same set). */
    openDm: (people: string | readonly string[], workspaceId?: string) =>
      answer(
        client.dms.$post({
          json:
            typeof people === "string"
              ? { userId: people, workspaceId }
              : { userIds: [...people], workspaceId },
        }),
      ),

    /** The typed client and its answers, for requests made elsewhere (web/net/workspace-admin.ts). */
    client,
    answer,
    /** Workspaces: mine (an instance admin: all); managing one: web/net/workspace-admin.ts. */
    workspaces: {
      list: () => answer(client.workspaces.$get()),
      get: (workspaceId: string) =>
        answer(client.workspaces[":id"].$get({ param: { id: id(workspaceId) } })),
      create: (input: CreateWorkspaceInput) => answer(client.workspaces.$post({ json: input })),
      /** Someone of the instance, by handle (admins know people by it) or id. */
      addMember: (
        workspaceId: string,
        who: { handle: string } | { userId: string },
        role?: WorkspaceRole,
      ) =>
        answer(
          client.workspaces[":id"].members.$post({
            param: { id: id(workspaceId) },
            json: { ...who, role },
          }),
        ),
      /** Leaves the workspace, and with it every room of it. */
      leave: (workspaceId: string, myId: string) =>
        answer(
          client.workspaces[":id"].members[":userId"].$delete({
            param: { id: id(workspaceId), userId: id(myId) },
          }),
        ),
    },
    /** The room and a page of its members (the first page without `cursor`). */
    roomDetails: (roomId: string, page: { cursor?: string; limit?: number } = {}) =>
      answer(
        rooms[":id"].$get({
          ...room(roomId),
          query: { cursor: given(page.cursor), limit: given(page.limit) },
        }),
      ),
    joinRoom: (roomId: string) => answer(rooms[":id"].join.$post(room(roomId))),
    leaveRoom: (roomId: string) => answer(rooms[":id"].leave.$post(room(roomId))),
    /** My push level in a room ("none" is muting): the room list's `notify`. */
    setNotifyLevel: (roomId: string, level: NotifyLevel) =>
      answer(rooms[":id"].notifications.$put({ ...room(roomId), json: { level } })),
    /** Hides a DM from my list until its next message (or shows it again). */
    setHidden: (roomId: string, hidden: boolean) =>
      answer(rooms[":id"].hidden.$put({ ...room(roomId), json: { hidden } })),
    /** The people I blocked, and blocking or unblocking one (204 each). */
    blocks: () => answer(client.me.blocks.$get()),
    setBlocked: (userId: string, blocked: boolean) => {
      const target = client.me.blocks[":userId"];
      const param = { param: { userId: id(userId) } };
      return answer(blocked ? target.$put(param) : target.$delete(param));
    },
    updateRoom: (roomId: string, input: UpdateRoomInput) =>
      answer(rooms[":id"].$patch({ ...room(roomId), json: input })),
    deleteRoom: (roomId: string) => answer(rooms[":id"].$delete(room(roomId))),
    addMember: (roomId: string, input: AddMemberInput) =>
      answer(rooms[":id"].members.$post({ ...room(roomId), json: input })),
    setMemberRole: (roomId: string, userId: string, role: MemberRole) =>
      answer(
        rooms[":id"].members[":userId"].$patch({
          param: { id: id(roomId), userId: id(userId) },
          json: { role },
        }),
      ),
    removeMember: (roomId: string, userId: string) =>
      answer(
        rooms[":id"].members[":userId"].$delete({
          param: { id: id(roomId), userId: id(userId) },
        }),
      ),
    /** The room's bans (owners, moderators, admins); banning answers them too. */
    bans: (roomId: string) => answer(rooms[":id"].bans.$get(room(roomId))),
    ban: (roomId: string, input: BanInput) =>
      answer(rooms[":id"].bans.$post({ ...room(roomId), json: input })),
    unban: (roomId: string, userId: string) =>
      answer(
        rooms[":id"].bans[":userId"].$delete({ param: { id: id(roomId), userId: id(userId) } }),
      ),

    /** The newest page (no `before`) or the page just before `before`, ascending. */
    history: (roomId: string, before?: number, limit = 50) =>
      answer(
        rooms[":id"].messages.$get({
          ...room(roomId),
          query: { before: given(before), limit: String(limit) },
        }),
      ),
    /** The page just after `after`, ascending (newer history, towards the live end). */
    newer: (roomId: string, after: number, limit = 50) =>
      answer(
        rooms[":id"].messages.$get({
          ...room(roomId),
          query: { after: String(after), limit: String(limit) },
        }),
      ),
    /** About `limit` messages centred on `seq`, and whether there are more on each side. */
    around: (roomId: string, seq: number, limit = 50) =>
      answer(
        rooms[":id"].messages.$get({
          ...room(roomId),
          query: { around: String(seq), limit: String(limit) },
        }),
      ),
    /** Every message changed after `sinceRev` (new, edited, deleted, reactions). */
    changes: (roomId: string, sinceRev: number) =>
      answer(
        rooms[":id"].messages.$get({ ...room(roomId), query: { sinceRev: String(sinceRev) } }),
      ),
    send: (
      roomId: string,
      input: {
        cid: string;
        body: string;
        replyTo?: number;
        threadOf?: number;
        attachments?: string[];
      },
    ) => answer(rooms[":id"].messages.$post({ ...room(roomId), json: input })),
    edit: (roomId: string, seq: number, body: string) =>
      answer(rooms[":id"].messages[":seq"].$patch({ ...message(roomId, seq), json: { body } })),
    deleteMessage: (roomId: string, seq: number) =>
      answer(rooms[":id"].messages[":seq"].$delete(message(roomId, seq))),
    react: (roomId: string, seq: number, emoji: string, on: boolean) => {
      const reaction = rooms[":id"].messages[":seq"].reactions[":emoji"];
      const target = { param: { ...message(roomId, seq).param, emoji: id(emoji) } };
      return answer(on ? reaction.$put(target) : reaction.$delete(target));
    },
    markRead: (roomId: string, seq: number) =>
      answer(rooms[":id"].read.$post({ ...room(roomId), json: { seq } })),
    /** Reads every room of mine with unread (up to 200 a call; `more`: call again). */
    markAllRead: () => answer(client.me["read-all"].$post()),
    /** Messages of the room that match `q`, newest first; `before` continues a page's `nextBefore`. */
    searchRoom: (roomId: string, q: string, before?: number | null) =>
      answer(rooms[":id"].search.$get({ ...room(roomId), query: { q, before: given(before) } })),
    /** Messages that match `q` in my most recently active rooms, grouped by room. */
    searchMyRooms: (q: string) => answer(client.search.$get({ query: { q } })),
    /** Everyone online in the room now (a big room's `ready` lists only some). */
    online: (roomId: string) => answer(rooms[":id"].online.$get(room(roomId))),

    /** A thread's root and its newest replies (or those just before `before`), ascending. */
    thread: (roomId: string, rootSeq: number, before?: number, limit = 50) =>
      answer(
        rooms[":id"].messages.$get({
          ...room(roomId),
          query: { threadOf: String(rootSeq), before: given(before), limit: String(limit) },
        }),
      ),
    followThread: (roomId: string, rootSeq: number, following: boolean) =>
      answer(
        rooms[":id"].threads[":seq"].follow.$put({
          ...message(roomId, rootSeq),
          json: { following },
        }),
      ),
    /** My read mark in a thread, forward only; the answer is the mark after. */
    markThreadRead: (roomId: string, rootSeq: number, seq: number) =>
      answer(
        rooms[":id"].threads[":seq"].read.$post({ ...message(roomId, rootSeq), json: { seq } }),
      ),
    /** The threads I follow, those with unread replies first. */
    myThreads: () => answer(client.me.threads.$get()),
    /** The room's pinned messages, newest pin first. */
    pins: (roomId: string) => answer(rooms[":id"].pins.$get(room(roomId))),
    pin: (roomId: string, seq: number, on: boolean) => {
      const pin = rooms[":id"].pins[":seq"];
      const target = message(roomId, seq);
      return answer(on ? pin.$put(target) : pin.$delete(target));
    },

    /** Reports a message to the room's moderators and the instance's admins (201; 409 if again). */
    report: (roomId: string, seq: number, input: ReportInput) =>
      answer(rooms[":id"].messages[":seq"].report.$post({ ...message(roomId, seq), json: input })),
    /** The room's moderation queue (owners, moderators, admins), newest first. */
    roomReports: (roomId: string, status: ReportStatus = "open", cursor?: string) =>
      answer(
        rooms[":id"].reports.$get({ ...room(roomId), query: { status, cursor: given(cursor) } }),
      ),
    closeRoomReport: (roomId: string, reportId: string, outcome: CloseReportInput) =>
      answer(
        rooms[":id"].reports[":reportId"].$patch({
          param: { id: id(roomId), reportId: id(reportId) },
          json: outcome,
        }),
      ),

    push: {
      /** The instance's VAPID public key: the `applicationServerKey` to subscribe with. */
      vapidKey: () => answer(client.push["vapid-key"].$get()),
      /** This browser's subscription (PushSubscription.toJSON()); the same endpoint keeps its id. */
      subscribe: (subscription: PushSubscriptionInput) =>
        answer(client.me["push-subscriptions"].$post({ json: subscription })),
      unsubscribe: (subscriptionId: string) =>
        answer(
          client.me["push-subscriptions"][":id"].$delete({ param: { id: id(subscriptionId) } }),
        ),
      /** A `{type: "test"}` push to that subscription now, and the push service's answer. */
      test: (subscriptionId: string) =>
        answer(
          client.me["push-subscriptions"][":id"].test.$post({
            param: { id: id(subscriptionId) },
          }),
        ),
    },

    admin: {
      rooms: (q: string, cursor?: string) =>
        answer(client.admin.rooms.$get({ query: { q: given(q), cursor: given(cursor) } })),
      setArchived: (roomId: string, archived: boolean) =>
        answer(client.admin.rooms[":id"].$patch({ ...adminRoom(roomId), json: { archived } })),
      retention: (roomId: string) =>
        answer(client.admin.rooms[":id"].retention.$get(adminRoom(roomId))),
      /**
       * Replaces the policy (null or omitted fields take the instance default); the room applies
       * it at once and the answer says what that deleted.
       */
      setRetention: (roomId: string, policy: RetentionPolicy) =>
        answer(client.admin.rooms[":id"].retention.$put({ ...adminRoom(roomId), json: policy })),
      /** What `policy` (not saved yet; null fields: defaults) would delete from the room now. */
      previewRetention: (roomId: string, policy: RetentionPolicy) =>
        answer(
          client.admin.rooms[":id"].retention.preview.$get({
            ...adminRoom(roomId),
            query: {
              proposed: "true",
              maxAgeDays: given(policy.maxAgeDays),
              maxMessages: given(policy.maxMessages),
              maxBytes: given(policy.maxBytes),
            },
          }),
        ),
      runRetention: (roomId: string) =>
        answer(client.admin.rooms[":id"].retention.run.$post(adminRoom(roomId))),
      users: (q: string, cursor?: string) =>
        answer(client.admin.users.$get({ query: { q: given(q), cursor: given(cursor) } })),
      updateUser: (userId: string, change: { role?: "admin" | "user"; disabled?: boolean }) =>
        answer(client.admin.users[":id"].$patch({ param: { id: id(userId) }, json: change })),
      /** Every room's reports, newest first. */
      reports: (status: ReportStatus = "open", cursor?: string) =>
        answer(client.admin.reports.$get({ query: { status, cursor: given(cursor) } })),
      closeReport: (reportId: string, outcome: CloseReportInput) =>
        answer(client.admin.reports[":id"].$patch({ param: { id: id(reportId) }, json: outcome })),
      audit: (before?: number) =>
        answer(client.admin.audit.$get({ query: { before: given(before) } })),
      /** A person (no password: a one-time `setPasswordUrl`) or a bot (its token, once). */
      createUser: (input: AdminCreateUserInput) =>
        answer(client.admin.users.$post({ json: input })),
      passwordResetLink: (userId: string) =>
        answer(client.admin.users[":id"]["password-reset"].$post({ param: { id: id(userId) } })),
    },

    /** The sign-up form's REGISTRATION mode (no session needed). */
    config: () => answer(client.config.$get()),
    /** Sets a password with a one-time link's token; every session of the account ends. */
    resetPassword: (token: string, password: string) =>
      answer(client.auth["password-reset"].$post({ json: { token, password } })),
    invites: {
      /** An invite to the workspace (none given: the default one) and some of its rooms. */
      create: (input: CreateInviteInput, workspaceId?: string) =>
        answer(client.invites.$post({ json: { ...input, workspaceId } })),
      list: () => answer(client.invites.$get()),
      remove: (code: string) =>
        answer(client.invites[":code"].$delete({ param: { code: id(code) } })),
      /** What the link's page shows; anyone holding it may ask. */
      preview: (code: string) =>
        answer(client.invites[":code"].$get({ param: { code: id(code) } })),
      /** Signed in: join the invite's rooms; answers them. */
      accept: (code: string) =>
        answer(client.invites[":code"].accept.$post({ param: { code: id(code) } })),
    },
  };
}

export type Api = ReturnType<typeof createApi>;
