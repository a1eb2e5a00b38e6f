// The HTTP API's shapes: request bodies, queries and responses, validated with zod.
// Shared by the Worker (validation + OpenAPI), the web client, tests and benchmarks.
import { z } from "zod";
import { Message, orNull } from "./protocol/room-frames.ts";
import { nameProblem } from "./text.ts";

export const LIMITS = {
  handle: { min: 3, max: 32 },
  displayName: { max: 64 },
  password: { min: 8, max: 256 },
  roomName: { max: 80 },
  workspaceName: { max: 80 },
  /** A workspace's short name in URLs: lowercase letters, digits and inner hyphens. */
  workspaceSlug: { min: 2, max: 40 },
  topic: { max: 250 },
  tokenName: { max: 64 },
  /** A report's note to the moderators, and how much of the reported message it keeps. */
  reportNote: { max: 500 },
  reportExcerpt: { max: 2_000 },
  externalRef: { max: 200 },
  /** A room's `metadata`: its JSON, in UTF-8 bytes. */
  roomMetadata: { maxBytes: 4_096 },
  pageSize: { default: 50, max: 100 },
  /** Message search: the text asked for, a room's page of results, and across my rooms. */
  search: {
    textMax: 200,
    roomPage: { default: 20, max: 50 },
    perRoom: { default: 5, max: 20 },
    /** The most rooms one search across my rooms asks, the most recently active first. */
    rooms: 20,
  },
} as const;

export const Handle = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9_]+$/, "Use letters, digits and _ only")
  .min(LIMITS.handle.min, `At least ${LIMITS.handle.min} characters`)
  .max(LIMITS.handle.max, `At most ${LIMITS.handle.max} characters`);
/**
 * Text people name things with: trimmed, NFC (so "é" typed either way is one name), then the
 * character rules of text.ts. `tab`: topics may hold tabs.
 */
const NameText = (opts: { tab?: boolean } = {}) =>
  z
    .string()
    .trim()
    .normalize("NFC")
    .superRefine((text, ctx) => {
      const problem = nameProblem(text, opts);
      if (problem) ctx.addIssue({ code: "custom", message: problem });
    });

export const DisplayName = NameText()
  .min(1, "Required")
  .max(LIMITS.displayName.max, `At most ${LIMITS.displayName.max} characters`);
export const Password = z
  .string()
  .min(LIMITS.password.min, `At least ${LIMITS.password.min} characters`)
  .max(LIMITS.password.max, `At most ${LIMITS.password.max} characters`);
export const Id = z.string().min(1).max(64);
export const RoomName = NameText().min(1, "Required").max(LIMITS.roomName.max);
export const Topic = NameText({ tab: true }).max(LIMITS.topic.max);
export const MemberRole = z.enum(["owner", "moderator", "member"]).meta({ id: "MemberRole" });
export const UserRole = z.enum(["admin", "user"]).meta({ id: "UserRole" });
export const TokenScope = z.enum(["admin", "bot"]).meta({ id: "TokenScope" });
export const RoomKind = z.enum(["channel", "private", "dm"]).meta({ id: "RoomKind" });
const Timestamp = z.string().describe("ISO 8601");

// ---- request bodies -------------------------------------------------------------------------

/** An invite link's code (`/invite/<code>`): 144 random bits, base64url. */
export const InviteCode = z.string().trim().min(1).max(64);

export const RegisterBody = z
  .object({
    handle: Handle,
    displayName: DisplayName,
    password: Password,
    /** An invite's code: needed when REGISTRATION is `invite` or `closed`; its rooms are joined. */
    invite: InviteCode.optional(),
    /** ADMIN_BOOTSTRAP_TOKEN, when it is set: the instance's first account must present it. */
    bootstrap: z.string().max(256).optional(),
  })
  .meta({ id: "RegisterBody" });
export const LoginBody = z
  .object({
    handle: z.string().trim().toLowerCase().min(1).max(LIMITS.handle.max),
    password: z.string().min(1).max(LIMITS.password.max),
  })
  .meta({ id: "LoginBody" });
export const UpdateMeBody = z.object({ displayName: DisplayName }).meta({ id: "UpdateMeBody" });
export const ChangePasswordBody = z
  .object({
    current: z.string().min(1).max(LIMITS.password.max),
    password: Password,
  })
  .meta({ id: "ChangePasswordBody" });
/** Which workspace a request is about; absent: the instance's default workspace. */
const InWorkspace = { workspaceId: Id.optional() };

export const CreateRoomBody = z
  .object({
    ...InWorkspace,
    kind: z.enum(["channel", "private"]),
    name: RoomName,
    topic: Topic.optional(),
  })
  .meta({ id: "CreateRoomBody" });
export const UpdateRoomBody = z
  .object({
    name: RoomName.optional(),
    topic: Topic.optional(),
    /** Owners (and admins) archive (read-only) or unarchive their room. */
    archived: z.boolean().optional(),
  })
  .refine(
    (b) => b.name !== undefined || b.topic !== undefined || b.archived !== undefined,
    "Give a name, a topic or archived",
  )
  .meta({ id: "UpdateRoomBody" });
export const OpenDmBody = z
  .union([
    z.object({ ...InWorkspace, userId: Id }),
    z.object({ ...InWorkspace, userIds: z.array(Id).min(1).max(50) }),
  ])
  .meta({ id: "OpenDmBody" });
export const AddMemberBody = z
  .object({ userId: Id, role: MemberRole.optional() })
  .meta({ id: "AddMemberBody" });
export const UpdateMemberBody = z.object({ role: MemberRole }).meta({ id: "UpdateMemberBody" });
/** A ban's reason, as its moderator wrote it (shown to moderators, never to the banned person). */
export const BAN_REASON_MAX = 500;
export const BanBody = z
  .object({
    userId: Id,
    reason: NameText({ tab: true }).max(BAN_REASON_MAX).nullable().optional(),
    /** When the ban ends by itself; absent or null: until lifted. */
    until: z.iso
      .datetime({ offset: true })
      .nullable()
      .optional()
      .describe("ISO 8601, in the future; absent or null: until lifted"),
  })
  .meta({ id: "BanBody" });
export const MuteBody = z.object({ muted: z.boolean() }).meta({ id: "MuteBody" });

export const RetentionPolicy = z
  .object({
    maxAgeDays: z.number().positive().max(36_500).nullable().optional(),
    maxMessages: z.number().int().positive().nullable().optional(),
    maxBytes: z.number().int().positive().nullable().optional(),
  })
  .meta({ id: "RetentionPolicy" });
export type RetentionPolicy = z.infer<typeof RetentionPolicy>;

/** What another system keeps with a room it created (a committee code, a task id): a JSON object. */
export const RoomMetadata = z
  .record(z.string(), z.unknown())
  .refine(
    (value) =>
      new TextEncoder().encode(JSON.stringify(value)).length <= LIMITS.roomMetadata.maxBytes,
    `At most ${LIMITS.roomMetadata.maxBytes} bytes of JSON`,
  )
  .meta({ id: "RoomMetadata" });

export const AdminCreateRoomBody = z
  .object({
    ...InWorkspace,
    kind: z.enum(["channel", "private"]),
    name: RoomName,
    topic: Topic.optional(),
    externalRef: z.string().trim().min(1).max(LIMITS.externalRef.max).optional(),
    metadata: RoomMetadata.optional(),
    ephemeral: z.boolean().optional(),
    retention: RetentionPolicy.optional(),
    members: z
      .array(z.object({ userId: Id, role: MemberRole.optional() }))
      .max(1000)
      .optional(),
  })
  .meta({ id: "AdminCreateRoomBody" });
export const AdminUpdateRoomBody = z
  .object({
    name: RoomName.optional(),
    topic: Topic.optional(),
    archived: z.boolean().optional(),
    /** Replaces the room's metadata; null removes it. */
    metadata: RoomMetadata.nullable().optional(),
  })
  .refine((b) => Object.values(b).some((v) => v !== undefined), "Nothing to change")
  .meta({ id: "AdminUpdateRoomBody" });
export const AdminCreateUserBody = z
  .object({
    handle: Handle,
    displayName: DisplayName,
    /** Without one, the answer carries a one-time `setPasswordUrl` (24 h). */
    password: Password.optional(),
    /** A bot: the answer carries its API token (scope `bot`), shown once. */
    bot: z.boolean().optional(),
  })
  .meta({ id: "AdminCreateUserBody" });
export const PasswordResetBody = z
  .object({ token: z.string().min(1).max(200), password: Password })
  .meta({ id: "PasswordResetBody" });
export const CreateInviteBody = z
  .object({
    /** How many sign-ups (and accepts) it allows; unset: no limit. */
    maxUses: z.number().int().min(1).max(10_000).optional(),
    /** How long it works; unset: until deleted. At most a year. */
    expiresInHours: z.number().positive().max(8_760).optional(),
    /** Rooms joined on use (channels and private rooms, not DMs); owners must name ≥ 1 of theirs. */
    roomIds: z.array(Id).max(20).optional(),
    /** The workspace it joins (its rooms must be in it); unset: the rooms', else the default. */
    workspaceId: Id.optional(),
  })
  .meta({ id: "CreateInviteBody" });
export const AdminUpdateUserBody = z
  .object({ role: UserRole.optional(), disabled: z.boolean().optional() })
  .refine((b) => b.role !== undefined || b.disabled !== undefined, "Nothing to change")
  .meta({ id: "AdminUpdateUserBody" });
export const CreateTokenBody = z
  .object({
    name: z.string().trim().min(1).max(LIMITS.tokenName.max),
    scopes: z.array(TokenScope).min(1).max(2),
    userId: Id.optional(),
  })
  .meta({ id: "CreateTokenBody" });

/** Why a message is reported. */
export const ReportReason = z.enum(["spam", "abuse", "other"]);
export const ReportStatus = z.enum(["open", "resolved", "dismissed"]);
/** What resolving a report does besides closing it. */
export const ReportAction = z.enum(["delete_message", "ban_from_room", "disable_user"]);
export const ReportBody = z
  .object({
    reason: ReportReason,
    note: z.string().trim().max(LIMITS.reportNote.max).optional(),
  })
  .meta({ id: "ReportBody" });
export const CloseReportBody = z
  .object({
    status: z.enum(["resolved", "dismissed"]),
    action: ReportAction.optional(),
  })
  .refine((b) => b.action === undefined || b.status === "resolved", {
    message: "Only a resolved report takes an action",
    path: ["action"],
  })
  .meta({ id: "CloseReportBody" });

// ---- queries ----------------------------------------------------------------------------------

const Limit = z.coerce.number().int().min(1).max(LIMITS.pageSize.max).optional();
export const SearchQuery = z.object({ q: z.string().trim().max(64).optional(), limit: Limit });
export const PageQuery = z.object({
  q: z.string().trim().max(64).optional(),
  cursor: z.string().max(200).optional(),
  limit: Limit,
});
/** A query about one workspace; absent: the instance's default workspace. */
export const WorkspaceQuery = z.object({ workspaceId: Id.optional() });
/** A filter to one workspace of mine; absent: every workspace of mine. */
export const WorkspaceFilter = z.object({
  workspaceId: Id.optional().describe("Only this workspace of mine (404 if I am not in it)"),
});
/** What a message search looks for (in a room, or across my rooms): every word must match. */
export const SearchText = z.string().trim().min(1).max(LIMITS.search.textMax);
export const ReportsQuery = z.object({
  status: ReportStatus.default("open"),
  cursor: z.string().max(200).optional(),
  limit: Limit,
});
export const AuditQuery = z.object({
  roomId: Id.optional(),
  actorId: Id.optional(),
  before: z.coerce.number().int().positive().optional(),
  limit: Limit,
});

// ---- responses --------------------------------------------------------------------------------

export const PublicUser = z
  .object({
    id: z.string(),
    handle: z.string(),
    displayName: z.string(),
    /** Their profile picture (`GET /api/users/:id/avatar?v=…`), or null: show initials. */
    avatarUrl: z.string().nullable(),
    /** An account a program speaks for (admin-made, with an API token): clients mark it. */
    bot: z.boolean(),
  })
  .meta({ id: "PublicUser" });
export const SelfUser = PublicUser.extend({ role: UserRole, createdAt: Timestamp }).meta({
  id: "SelfUser",
});
export const AdminUser = SelfUser.extend({
  disabled: z.boolean(),
  disabledAt: Timestamp.nullable(),
}).meta({ id: "AdminUser" });

/** An invite link, as whoever may manage it sees it. */
export const Invite = z
  .object({
    code: z.string(),
    /** The absolute link to share: `<origin>/invite/<code>`. */
    url: z.string(),
    uses: z.number().int(),
    maxUses: z.number().int().nullable(),
    expiresAt: Timestamp.nullable(),
    roomIds: z.array(z.string()),
    /** The workspace it joins. */
    workspaceId: z.string(),
  })
  .meta({ id: "Invite" });
/** What anyone holding the link may learn before signing up. */
export const InvitePreview = z
  .object({
    /** False once expired or used up. */
    valid: z.boolean(),
    inviter: z.object({ name: z.string() }),
    /** How many rooms it joins. */
    rooms: z.number().int(),
    /** The workspace it joins (an extension: older servers leave it out). */
    workspace: z.object({ name: z.string() }),
  })
  .meta({ id: "InvitePreview" });
/** What the sign-up form needs to know before anyone signs in. */
export const InstanceConfig = z
  .object({
    registration: z.enum(["open", "invite", "closed"]),
    /** No account yet: the next sign-up becomes the instance's admin, whatever the mode. */
    firstAccount: z.boolean(),
    /** ADMIN_BOOTSTRAP_TOKEN is set: that first sign-up must present it (`bootstrap`). */
    bootstrap: z.boolean(),
    /** Who may create workspaces: instance admins only, or anyone signed in. */
    workspaceCreation: z.enum(["admins", "open"]),
  })
  .meta({ id: "InstanceConfig" });

/** A signed-in device of mine, named by its public id (never by its secret's hash). */
export const Session = z
  .object({
    id: z.string(),
    createdAt: Timestamp,
    lastSeenAt: Timestamp.describe("ISO 8601; refreshed at most every 10 minutes"),
    userAgent: z.string().nullable(),
    /** The session this request came with (always false for an API token). */
    current: z.boolean(),
  })
  .meta({ id: "Session" });
export type Session = z.infer<typeof Session>;

export const Room = z
  .object({
    id: z.string(),
    /** The workspace the room is in (docs/api.md, "Workspaces"). */
    workspaceId: z.string(),
    kind: RoomKind,
    /**
     * A group DM (a DM opened for three people or more, or whose people changed since): its
     * people add others, leave and name it. A 1:1 DM (`kind` dm, `group` false) stays fixed.
     */
    group: z.boolean(),
    name: z.string().nullable(),
    topic: z.string(),
    createdBy: z.string().nullable(),
    createdAt: Timestamp,
    archived: z.boolean(),
    archivedAt: Timestamp.nullable(),
    ephemeral: z.boolean(),
    externalRef: z.string().nullable(),
    /** Set by the admin API for the system that created the room; null when none. */
    metadata: z.record(z.string(), z.unknown()).nullable(),
    lastSeq: z.number().int(),
    lastMessageAt: Timestamp.nullable(),
    lastPreview: z.string().nullable(),
  })
  .meta({ id: "Room" });

// ---- workspaces (docs/api.md, "Workspaces") ---------------------------------------------------

export const WorkspaceRole = z.enum(["owner", "admin", "member"]).meta({ id: "WorkspaceRole" });
export type WorkspaceRole = z.infer<typeof WorkspaceRole>;
/** Where a workspace's rooms keep their data: a Durable Object and R2 jurisdiction, or anywhere. */
export const DataLocation = z.enum(["eu", "fedramp"]).meta({ id: "DataLocation" });
export type DataLocation = z.infer<typeof DataLocation>;
/** "open": every new person of the instance joins at sign-up; "invite": invites and admins only. */
export const WorkspaceJoinPolicy = z.enum(["open", "invite"]).meta({ id: "WorkspaceJoinPolicy" });

export const WorkspaceName = NameText().min(1, "Required").max(LIMITS.workspaceName.max);
export const WorkspaceSlug = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/, "Use letters, digits and inner hyphens only")
  .min(LIMITS.workspaceSlug.min, `At least ${LIMITS.workspaceSlug.min} characters`)
  .max(LIMITS.workspaceSlug.max, `At most ${LIMITS.workspaceSlug.max} characters`);

export const WorkspaceDefaults = z
  .object({
    /** The retention policy new rooms of the workspace start with; null: the instance's. */
    retention: RetentionPolicy.nullable(),
    joinPolicy: WorkspaceJoinPolicy,
  })
  .meta({ id: "WorkspaceDefaults" });

export const Workspace = z
  .object({
    id: z.string(),
    name: z.string(),
    slug: z.string(),
    dataLocation: DataLocation.nullable(),
    defaults: WorkspaceDefaults,
    /** The caller's role; null for an instance admin who is not a member. */
    role: WorkspaceRole.nullable(),
    /** The instance's default workspace: where requests without `workspaceId` go. */
    isDefault: z.boolean(),
    memberCount: z.number().int(),
    createdAt: Timestamp,
  })
  .meta({ id: "Workspace" });
export type Workspace = z.infer<typeof Workspace>;

export const CreateWorkspaceBody = z
  .object({
    name: WorkspaceName,
    slug: WorkspaceSlug,
    dataLocation: DataLocation.nullable().optional(),
  })
  .meta({ id: "CreateWorkspaceBody" });
export type CreateWorkspaceBody = z.infer<typeof CreateWorkspaceBody>;
export const UpdateWorkspaceBody = z
  .object({
    name: WorkspaceName.optional(),
    defaults: z
      .object({
        retention: RetentionPolicy.nullable().optional(),
        joinPolicy: WorkspaceJoinPolicy.optional(),
      })
      .optional(),
  })
  .refine((b) => b.name !== undefined || b.defaults !== undefined, "Give a name or defaults")
  .meta({ id: "UpdateWorkspaceBody" });
export type UpdateWorkspaceBody = z.infer<typeof UpdateWorkspaceBody>;

export const WorkspaceMember = z
  .object({ user: PublicUser, role: WorkspaceRole, joinedAt: Timestamp })
  .meta({ id: "WorkspaceMember" });
export type WorkspaceMember = z.infer<typeof WorkspaceMember>;
/** Someone of the instance, by id or by handle (admins know people by their handle). */
export const AddWorkspaceMemberBody = z
  .object({ userId: Id.optional(), handle: Handle.optional(), role: WorkspaceRole.optional() })
  .refine((b) => (b.userId === undefined) !== (b.handle === undefined), "Give userId or handle")
  .meta({ id: "AddWorkspaceMemberBody" });
export const UpdateWorkspaceMemberBody = z
  .object({ role: WorkspaceRole })
  .meta({ id: "UpdateWorkspaceMemberBody" });

export const Member = z
  .object({ user: PublicUser, role: MemberRole, joinedAt: Timestamp })
  .meta({ id: "Member" });

/** Someone banned from a room (docs/api.md, "Bans"). */
export const RoomBan = z
  .object({
    user: PublicUser,
    reason: z.string().nullable(),
    /** When it ends by itself; null: until lifted. */
    until: Timestamp.nullable(),
    createdAt: Timestamp,
    /** Who banned them (null: that account is gone). */
    bannedBy: orNull(PublicUser),
  })
  .meta({ id: "RoomBan" });

/** Which new messages of a room reach me as pushes while I am away. */
export const NotifyLevel = z.enum(["all", "mentions", "none"]).meta({ id: "NotifyLevel" });
export type NotifyLevel = z.infer<typeof NotifyLevel>;

export const RoomListItem = z
  .object({
    room: Room,
    role: MemberRole,
    unread: z.number().int(),
    mentions: z.number().int(),
    /** Threads I follow here with replies I have not read (thread replies are not in `unread`). */
    threads: z.number().int(),
    lastSeq: z.number().int(),
    lastReadSeq: z.number().int(),
    lastMessageAt: Timestamp.nullable(),
    lastPreview: z.string().nullable(),
    /** Who wrote the preview's message: a client says "You: …" for its own. */
    lastSenderId: z.string().nullable(),
    muted: z.boolean(),
    /** My push level here, defaults applied (DMs `all`, other rooms `mentions`; muted `none`). */
    notify: NotifyLevel,
    /** For DMs: the other people in it, so a client can name the room. */
    peers: z.array(PublicUser),
  })
  .meta({ id: "RoomListItem" });

const PolicyFields = {
  maxAgeDays: z.number().nullable(),
  maxMessages: z.number().int().nullable(),
  maxBytes: z.number().int().nullable(),
};
/** `policy`: the room's own fields (null: instance default); `effective`: what is enforced. */
export const Retention = z
  .object({
    policy: z.object(PolicyFields),
    effective: z.object({ ...PolicyFields, maxAgeDays: z.number() }),
  })
  .meta({ id: "Retention" });
/** What a purge deleted, or what a preview says it would: oldest first, a seq range. */
export const PurgeRange = z
  .object({
    messages: z.number().int(),
    bytes: z.number().int(),
    fromSeq: z.number().int().nullable(),
    toSeq: z.number().int().nullable(),
  })
  .meta({ id: "PurgeRange" });

/** A policy saved: the policy, the policy in force, and what applying it deleted at once. */
export const RetentionSaved = Retention.extend({ deleted: PurgeRange }).meta({
  id: "RetentionSaved",
});

export const RoomDetails = z
  .object({
    room: Room,
    me: z
      .object({ role: MemberRole, muted: z.boolean(), lastReadSeq: z.number().int() })
      .nullable(),
    members: z.array(Member),
    memberCount: z.number().int(),
    nextMembersCursor: z.string().nullable(),
    /** The retention in force, so every member can see how long messages are kept. */
    retention: Retention.shape.effective,
    /** Open reports of the room's messages, for those who work its queue; null for others. */
    openReports: z.number().int().nullable(),
  })
  .meta({ id: "RoomDetails" });

export const ApiTokenInfo = z
  .object({
    id: z.string(),
    name: z.string(),
    userId: z.string(),
    scopes: z.array(TokenScope),
    createdAt: Timestamp,
    lastUsedAt: Timestamp.nullable(),
    revokedAt: Timestamp.nullable(),
  })
  .meta({ id: "ApiTokenInfo" });

/**
 * A room as the admin list shows it: who is in a DM (`participants`, [] for other rooms) and how
 * many messages it stores now (tombstones of deleted ones included, as retention counts them;
 * `deletedMessages` of them are tombstones), from D1 as of the room's last sync.
 */
export const AdminRoom = Room.extend({
  participants: z.array(PublicUser),
  storedMessages: z.number().int(),
  deletedMessages: z.number().int(),
}).meta({ id: "AdminRoom" });

/** The room an audit entry concerns; `gone` once the room was deleted (kind and name from then on may be null). */
export const AuditRoomRef = z
  .object({
    id: z.string(),
    kind: orNull(RoomKind),
    name: z.string().nullable(),
    /** The people of a DM, so it can be named. */
    participants: z.array(PublicUser),
    gone: z.boolean(),
  })
  .meta({ id: "AuditRoomRef" });
/** Whom or what an audit entry acted on: a person (`handle` set) or an API token (its name). */
export const AuditTargetRef = z
  .object({
    id: z.string(),
    kind: z.enum(["user", "token"]),
    name: z.string(),
    handle: z.string().nullable(),
  })
  .meta({ id: "AuditTargetRef" });

/** A reported message and what became of the report (docs/api.md, "Reports"). */
export const Report = z
  .object({
    id: z.string(),
    room: z.object({ id: z.string(), kind: RoomKind, name: z.string().nullable() }),
    seq: z.number().int(),
    reason: ReportReason,
    note: z.string(),
    /** The message's text as it was reported (the sender may have changed it since). */
    excerpt: z.string(),
    reporter: orNull(PublicUser),
    /** Who wrote the message (null: the account is gone). */
    author: orNull(PublicUser),
    createdAt: Timestamp,
    status: ReportStatus,
    action: orNull(ReportAction),
    closedBy: orNull(PublicUser),
    closedAt: Timestamp.nullable(),
  })
  .meta({ id: "Report" });
export type Report = z.infer<typeof Report>;

export const AuditEntry = z
  .object({
    id: z.number().int(),
    at: Timestamp,
    actorId: z.string().nullable(),
    action: z.string(),
    roomId: z.string().nullable(),
    targetId: z.string().nullable(),
    detail: z.unknown().nullable(),
    /** The ids above, named (null: no id, or nothing by that id any more). */
    actor: orNull(PublicUser),
    room: orNull(AuditRoomRef),
    target: orNull(AuditTargetRef),
  })
  .meta({ id: "AuditEntry" });

/** A room's D1 sync, for operators: is its outbox draining, and what did it cost D1? */
export const RoomSync = z
  .object({
    pending: z.number().int(),
    attempts: z.number().int(),
    nextAttemptAt: Timestamp.nullable(),
    lastError: z.string().nullable(),
    flushes: z.number().int(),
    rowsWritten: z.number().int(),
    lastFlushAt: Timestamp.nullable(),
    subscribers: z.number().int(),
    notified: z.number().int(),
  })
  .meta({ id: "RoomSync" });

/** One message found by a search, with its snippet. */
export const SearchHit = z
  .object({
    message: Message,
    snippet: z
      .string()
      .describe(
        "HTML: the text around the hits, escaped, each hit in <mark>…</mark>; no other tags",
      ),
  })
  .meta({ id: "SearchHit" });
/** A page of one room's results, newest first; `nextBefore` continues with `before=` (or null). */
export const RoomSearchPage = z
  .object({ results: z.array(SearchHit), nextBefore: z.number().int().nullable() })
  .meta({ id: "RoomSearchPage" });
/** A search across my rooms: the rooms with results, how many rooms were asked, whether more were not. */
export const MyRoomsSearch = z
  .object({
    rooms: z.array(
      RoomSearchPage.extend({
        room: z.object({ id: z.string(), kind: RoomKind, name: z.string().nullable() }),
      }),
    ),
    searchedRooms: z.number().int(),
    moreRooms: z.boolean(),
  })
  .meta({ id: "MyRoomsSearch" });

export const ErrorResponse = z
  .object({
    error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }),
  })
  .meta({ id: "Error" });

export type PublicUser = z.infer<typeof PublicUser>;
export type SelfUser = z.infer<typeof SelfUser>;
export type AdminUser = z.infer<typeof AdminUser>;
export type Room = z.infer<typeof Room>;
export type Invite = z.infer<typeof Invite>;
export type InvitePreview = z.infer<typeof InvitePreview>;
export type InstanceConfig = z.infer<typeof InstanceConfig>;
export type Member = z.infer<typeof Member>;
export type RoomBan = z.infer<typeof RoomBan>;
export type RoomListItem = z.infer<typeof RoomListItem>;
export type RoomDetails = z.infer<typeof RoomDetails>;
export type MemberRole = z.infer<typeof MemberRole>;
export type TokenScope = z.infer<typeof TokenScope>;
export type AuditEntry = z.infer<typeof AuditEntry>;
export type AdminRoom = z.infer<typeof AdminRoom>;
export type ApiTokenInfo = z.infer<typeof ApiTokenInfo>;
export type SearchHit = z.infer<typeof SearchHit>;
export type RoomSearchPage = z.infer<typeof RoomSearchPage>;
export type MyRoomsSearch = z.infer<typeof MyRoomsSearch>;
