// The authorization matrix: every endpoint of the API × every kind of caller → the expected
// status (and error code). One `it` per cell; cells never depend on each other's order: a cell
// that needs a room gets a fresh one ({private} / {channel} in the path), a fresh user, a fresh
// token or a fresh session, so destructive actions (leave, remove, role changes) stay local.
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { call, type Reply, register, type TestUser, uniqueHandle } from "./helpers";

const PASSWORD = "correct horse battery";

// ---- the callers ------------------------------------------------------------------------------

const ROLES = [
  "anonymous", //     no credentials at all
  "disabled", //      a disabled user's old session token (revoked by disabling)
  "disabledToken", // an API token (scope bot) that belongs to that disabled user
  "nonMember", //     a signed-in user who is in none of the rooms
  "member", //        a plain member of the room
  "moderator", //     a moderator of the room
  "owner", //         an owner of the room
  "admin", //         the instance admin's session; NOT a member of the room
  "adminToken", //    an API token with scope admin, for the admin user
  "botToken", //      an API token with scope bot, for a bot user who is a plain member
] as const;
type Role = (typeof ROLES)[number];

// ---- the outcomes -----------------------------------------------------------------------------

const OK = "200";
const CREATED = "201";
const DONE = "204";
const INVALID = "400 invalid";
const UNAUTH = "401 unauthorized";
const DISABLED = "403 disabled";
const FORBID = "403 forbidden";
const NOTFOUND = "404 not_found";
type Outcome =
  | typeof OK
  | typeof CREATED
  | typeof DONE
  | typeof INVALID
  | typeof UNAUTH
  | typeof DISABLED
  | typeof FORBID
  | typeof NOTFOUND;
type Outcomes = [
  Outcome,
  Outcome,
  Outcome,
  Outcome,
  Outcome,
  Outcome,
  Outcome,
  Outcome,
  Outcome,
  Outcome,
];

interface Row {
  method: string;
  /** Path with placeholders, resolved per cell: see PLACEHOLDERS below. */
  path: string;
  outcomes: Outcomes;
  /** JSON body; placeholders inside strings are resolved too. */
  body?: unknown;
  /** Call with a brand-new session (for session roles), e.g. because the call ends it. */
  freshSession?: boolean;
}

function row(
  endpoint: string,
  outcomes: Outcomes,
  body?: unknown,
  opts: { freshSession?: boolean } = {},
): Row {
  const [method = "", path = ""] = endpoint.trim().split(/\s+/);
  return { method, path, outcomes, body, ...opts };
}

// ---- the matrix -------------------------------------------------------------------------------
//
// Placeholders: {private} / {channel} = a fresh room of that kind for this cell, created by the
// admin (who is not in it) with: owner, moderator, member, the bot user and the disabled user,
// plus the targets {peer} (member), {peerMod} (moderator) and {peerOwner} (a second owner).
// {dm} = the DM between owner and member (shared: every call on it is idempotent or refused).
// {groupDm} = a fresh group DM of owner, member, {peer} and the fresh user who opened it.
// {privateBanned} / {channelBanned} = such a room from which the admin banned {invitee}.
// {invite} = a fresh invite the admin made (to no room);
// {invitee} = a user in no room; {self} = the caller's own user id; {newUser} / {newToken} = a
// user / API token made for this cell; {ref} = the externalRef of an admin-made room.
// {withMessage} = a fresh private room where {peer} wrote seq 1; {reportedRoom} = one whose seq 1
// the member reported, {itsReport} being that report; {report} = such a report on its own.
// {ws} = a fresh workspace (see the workspaces rows); {slug} = a workspace slug nobody has taken.

// biome-ignore format: the aligned columns are the point of this table
const MATRIX: Row[] = [
  //   endpoint                                          anonymous disabled  dis.token  nonMember  member    moderator  owner     admin     adminToken botToken
  // -- public and account endpoints
  row("GET    /api/openapi.json",                       [OK,       OK,       OK,        OK,        OK,       OK,        OK,       OK,       OK,        OK]),
  row("POST   /api/auth/register",                      [CREATED,  CREATED,  CREATED,   CREATED,   CREATED,  CREATED,   CREATED,  CREATED,  CREATED,   CREATED],
      { handle: "{unique}", displayName: "New Person", password: PASSWORD }),
  // Each caller signs in as itself (anonymous as {peer}); a disabled account cannot sign in.
  row("POST   /api/auth/login",                         [OK,       DISABLED, DISABLED,  OK,        OK,       OK,        OK,       OK,       OK,        OK],
      { handle: "{selfHandle}", password: PASSWORD }),
  // Logout ends sessions; an API token is revoked through the admin API instead (400).
  row("POST   /api/auth/logout",                        [UNAUTH,   UNAUTH,   DISABLED,  DONE,      DONE,     DONE,      DONE,     DONE,     INVALID,   INVALID],
      undefined, { freshSession: true }),
  row("GET    /api/me",                                 [UNAUTH,   UNAUTH,   DISABLED,  OK,        OK,       OK,        OK,       OK,       OK,        OK]),
  // My account. Changing my password is not a cell: a 204 would end the sessions other cells
  // use, and a wrong `current` counts as a failed sign-in (test/account.test.ts has both).
  row("PATCH  /api/me",                                 [UNAUTH,   UNAUTH,   DISABLED,  OK,        OK,       OK,        OK,       OK,       OK,        OK],
      { displayName: "Matrix Person" }),
  row("PUT    /api/me/password",                        [UNAUTH,   UNAUTH,   DISABLED,  INVALID,   INVALID,  INVALID,   INVALID,  INVALID,  INVALID,   INVALID],
      { current: PASSWORD, password: "short" }),
  row("GET    /api/me/sessions",                        [UNAUTH,   UNAUTH,   DISABLED,  OK,        OK,       OK,        OK,       OK,       OK,        OK]),
  // {mySession}: a fresh session of the caller's account; {theirSession}: one of someone else's.
  row("DELETE /api/me/sessions/{mySession}",            [UNAUTH,   UNAUTH,   DISABLED,  DONE,      DONE,     DONE,      DONE,     DONE,     DONE,      DONE]),
  row("DELETE /api/me/sessions/{theirSession}",         [UNAUTH,   UNAUTH,   DISABLED,  NOTFOUND,  NOTFOUND, NOTFOUND,  NOTFOUND, NOTFOUND, NOTFOUND,  NOTFOUND]),
  row("GET    /api/users?q=a",                          [UNAUTH,   UNAUTH,   DISABLED,  OK,        OK,       OK,        OK,       OK,       OK,        OK]),
  row("GET    /api/rooms",                              [UNAUTH,   UNAUTH,   DISABLED,  OK,        OK,       OK,        OK,       OK,       OK,        OK]),
  row("GET    /api/rooms/discover",                     [UNAUTH,   UNAUTH,   DISABLED,  OK,        OK,       OK,        OK,       OK,       OK,        OK]),
  row("POST   /api/rooms",                              [UNAUTH,   UNAUTH,   DISABLED,  CREATED,   CREATED,  CREATED,   CREATED,  CREATED,  CREATED,   CREATED],
      { kind: "private", name: "my room" }),
  row("POST   /api/dms",                                [UNAUTH,   UNAUTH,   DISABLED,  CREATED,   CREATED,  CREATED,   CREATED,  CREATED,  CREATED,   CREATED],
      { userId: "{newUser}" }),
  // blocking is anyone's own business: never themselves (400), any other person (204)
  row("GET    /api/me/blocks",                          [UNAUTH,   UNAUTH,   DISABLED,  OK,        OK,       OK,        OK,       OK,       OK,        OK]),
  row("PUT    /api/me/blocks/{newUser}",                [UNAUTH,   UNAUTH,   DISABLED,  DONE,      DONE,     DONE,      DONE,     DONE,     DONE,      DONE]),
  row("DELETE /api/me/blocks/{newUser}",                [UNAUTH,   UNAUTH,   DISABLED,  DONE,      DONE,     DONE,      DONE,     DONE,     DONE,      DONE]),
  row("PUT    /api/me/blocks/{self}",                   [UNAUTH,   UNAUTH,   DISABLED,  INVALID,   INVALID,  INVALID,   INVALID,  INVALID,  INVALID,   INVALID]),

  // -- onboarding: the public sign-up config, password links, invite links
  row("GET    /api/config",                             [OK,       OK,       OK,        OK,        OK,       OK,        OK,       OK,       OK,        OK]),
  // a too-short password is refused before the token is looked at, whoever asks
  row("POST   /api/auth/password-reset",                [INVALID,  INVALID,  INVALID,   INVALID,   INVALID,  INVALID,   INVALID,  INVALID,  INVALID,   INVALID],
      { token: "cp_nothing", password: "short" }),
  // to the instance alone: admins only; to a room: its owners (and admins), 404 to those who cannot see it
  row("POST   /api/invites",                            [UNAUTH,   UNAUTH,   DISABLED,  FORBID,    FORBID,   FORBID,    FORBID,   CREATED,  CREATED,   FORBID],
      {}),
  row("POST   /api/invites",                            [UNAUTH,   UNAUTH,   DISABLED,  NOTFOUND,  FORBID,   FORBID,    CREATED,  CREATED,  CREATED,   FORBID],
      { roomIds: ["{private}"] }),
  row("POST   /api/invites",                            [UNAUTH,   UNAUTH,   DISABLED,  FORBID,    FORBID,   FORBID,    CREATED,  CREATED,  CREATED,   FORBID],
      { roomIds: ["{channel}"] }),
  row("GET    /api/invites",                            [UNAUTH,   UNAUTH,   DISABLED,  OK,        OK,       OK,        OK,       OK,       OK,        OK]),
  // {invite}: a fresh admin's invite (no rooms); anyone may look at it, only admins delete it
  row("GET    /api/invites/{invite}",                   [OK,       OK,       OK,        OK,        OK,       OK,        OK,       OK,       OK,        OK]),
  row("DELETE /api/invites/{invite}",                   [UNAUTH,   UNAUTH,   DISABLED,  NOTFOUND,  NOTFOUND, NOTFOUND,  NOTFOUND, DONE,     DONE,      NOTFOUND]),
  row("POST   /api/invites/{invite}/accept",            [UNAUTH,   UNAUTH,   DISABLED,  OK,        OK,       OK,        OK,       OK,       OK,        OK]),

  // -- a DM between owner and member: everyone else gets 404; nobody renames, invites or leaves
  row("GET    /api/rooms/{dm}",                         [UNAUTH,   UNAUTH,   DISABLED,  NOTFOUND,  OK,       NOTFOUND,  OK,       OK,       OK,        NOTFOUND]),
  row("PATCH  /api/rooms/{dm}",                         [UNAUTH,   UNAUTH,   DISABLED,  NOTFOUND,  FORBID,   NOTFOUND,  FORBID,   FORBID,   FORBID,    NOTFOUND],
      { topic: "new topic" }),
  row("DELETE /api/rooms/{dm}",                         [UNAUTH,   UNAUTH,   DISABLED,  NOTFOUND,  FORBID,   NOTFOUND,  FORBID,   FORBID,   FORBID,    NOTFOUND]),
  row("POST   /api/rooms/{dm}/join",                    [UNAUTH,   UNAUTH,   DISABLED,  NOTFOUND,  OK,       NOTFOUND,  OK,       FORBID,   FORBID,    NOTFOUND]),
  row("POST   /api/rooms/{dm}/leave",                   [UNAUTH,   UNAUTH,   DISABLED,  NOTFOUND,  FORBID,   NOTFOUND,  FORBID,   NOTFOUND, NOTFOUND,  NOTFOUND]),
  row("PUT    /api/rooms/{dm}/mute",                    [UNAUTH,   UNAUTH,   DISABLED,  NOTFOUND,  OK,       NOTFOUND,  OK,       FORBID,   FORBID,    NOTFOUND],
      { muted: true }),
  row("POST   /api/rooms/{dm}/members",                 [UNAUTH,   UNAUTH,   DISABLED,  NOTFOUND,  FORBID,   NOTFOUND,  FORBID,   FORBID,   FORBID,    NOTFOUND],
      { userId: "{invitee}" }),
  row("PUT    /api/rooms/{dm}/hidden",                  [UNAUTH,   UNAUTH,   DISABLED,  NOTFOUND,  OK,       NOTFOUND,  OK,       FORBID,   FORBID,    NOTFOUND],
      { hidden: true }),

  // -- a group DM of owner, member and {peer}: its members add people, name it and leave it (no
  // roles, no removing others, no archiving); admins who are not in it change nothing
  row("PATCH  /api/rooms/{groupDm}",                    [UNAUTH,   UNAUTH,   DISABLED,  NOTFOUND,  OK,       NOTFOUND,  OK,       FORBID,   FORBID,    NOTFOUND],
      { name: "our group" }),
  row("PATCH  /api/rooms/{groupDm}",                    [UNAUTH,   UNAUTH,   DISABLED,  NOTFOUND,  FORBID,   NOTFOUND,  FORBID,   FORBID,   FORBID,    NOTFOUND],
      { archived: true }),
  row("POST   /api/rooms/{groupDm}/members",            [UNAUTH,   UNAUTH,   DISABLED,  NOTFOUND,  CREATED,  NOTFOUND,  CREATED,  FORBID,   FORBID,    NOTFOUND],
      { userId: "{invitee}" }),
  row("POST   /api/rooms/{groupDm}/members",            [UNAUTH,   UNAUTH,   DISABLED,  NOTFOUND,  FORBID,   NOTFOUND,  FORBID,   FORBID,   FORBID,    NOTFOUND],
      { userId: "{invitee}", role: "moderator" }),
  row("DELETE /api/rooms/{groupDm}/members/{peer}",     [UNAUTH,   UNAUTH,   DISABLED,  NOTFOUND,  FORBID,   NOTFOUND,  FORBID,   FORBID,   FORBID,    NOTFOUND]),
  row("DELETE /api/rooms/{groupDm}/members/{self}",     [UNAUTH,   UNAUTH,   DISABLED,  NOTFOUND,  DONE,     NOTFOUND,  DONE,     NOTFOUND, NOTFOUND,  NOTFOUND]),
  row("POST   /api/rooms/{groupDm}/leave",              [UNAUTH,   UNAUTH,   DISABLED,  NOTFOUND,  DONE,     NOTFOUND,  DONE,     NOTFOUND, NOTFOUND,  NOTFOUND]),
  row("DELETE /api/rooms/{groupDm}",                    [UNAUTH,   UNAUTH,   DISABLED,  NOTFOUND,  FORBID,   NOTFOUND,  FORBID,   FORBID,   FORBID,    NOTFOUND]),

  // -- a private room: invisible (404) to non-members; admins see and manage it without joining
  row("GET    /api/rooms/{private}",                    [UNAUTH,   UNAUTH,   DISABLED,  NOTFOUND,  OK,       OK,        OK,       OK,       OK,        OK]),
  row("PATCH  /api/rooms/{private}",                    [UNAUTH,   UNAUTH,   DISABLED,  NOTFOUND,  FORBID,   OK,        OK,       OK,       OK,        FORBID],
      { topic: "new topic" }),
  // archiving and deleting a room is its owners' (and admins'), never a moderator's
  row("PATCH  /api/rooms/{private}",                    [UNAUTH,   UNAUTH,   DISABLED,  NOTFOUND,  FORBID,   FORBID,    OK,       OK,       OK,        FORBID],
      { archived: true }),
  row("DELETE /api/rooms/{private}",                    [UNAUTH,   UNAUTH,   DISABLED,  NOTFOUND,  FORBID,   FORBID,    DONE,     DONE,     DONE,      FORBID]),
  // join: members get their role back; a private room cannot be joined, not even by an admin
  row("POST   /api/rooms/{private}/join",               [UNAUTH,   UNAUTH,   DISABLED,  NOTFOUND,  OK,       OK,        OK,       FORBID,   FORBID,    OK]),
  row("POST   /api/rooms/{private}/leave",              [UNAUTH,   UNAUTH,   DISABLED,  NOTFOUND,  DONE,     DONE,      DONE,     NOTFOUND, NOTFOUND,  DONE]),
  row("PUT    /api/rooms/{private}/mute",               [UNAUTH,   UNAUTH,   DISABLED,  NOTFOUND,  OK,       OK,        OK,       FORBID,   FORBID,    OK],
      { muted: true }),
  // hiding is for DMs only: members of other rooms get 400
  row("PUT    /api/rooms/{private}/hidden",             [UNAUTH,   UNAUTH,   DISABLED,  NOTFOUND,  INVALID,  INVALID,   INVALID,  FORBID,   FORBID,    INVALID],
      { hidden: true }),
  row("POST   /api/rooms/{private}/members",            [UNAUTH,   UNAUTH,   DISABLED,  NOTFOUND,  FORBID,   CREATED,   CREATED,  CREATED,  CREATED,   FORBID],
      { userId: "{invitee}" }),
  row("POST   /api/rooms/{private}/members",            [UNAUTH,   UNAUTH,   DISABLED,  NOTFOUND,  FORBID,   CREATED,   CREATED,  CREATED,  CREATED,   FORBID],
      { userId: "{invitee}", role: "member" }),
  row("POST   /api/rooms/{private}/members",            [UNAUTH,   UNAUTH,   DISABLED,  NOTFOUND,  FORBID,   FORBID,    CREATED,  CREATED,  CREATED,   FORBID],
      { userId: "{invitee}", role: "moderator" }),
  row("POST   /api/rooms/{private}/members",            [UNAUTH,   UNAUTH,   DISABLED,  NOTFOUND,  FORBID,   FORBID,    CREATED,  CREATED,  CREATED,   FORBID],
      { userId: "{invitee}", role: "owner" }),
  row("PATCH  /api/rooms/{private}/members/{peer}",     [UNAUTH,   UNAUTH,   DISABLED,  NOTFOUND,  FORBID,   FORBID,    OK,       OK,       OK,        FORBID],
      { role: "moderator" }),
  row("PATCH  /api/rooms/{private}/members/{peerOwner}",[UNAUTH,   UNAUTH,   DISABLED,  NOTFOUND,  FORBID,   FORBID,    OK,       OK,       OK,        FORBID],
      { role: "member" }),
  row("DELETE /api/rooms/{private}/members/{peer}",     [UNAUTH,   UNAUTH,   DISABLED,  NOTFOUND,  FORBID,   DONE,      DONE,     DONE,     DONE,      FORBID]),
  row("DELETE /api/rooms/{private}/members/{peerMod}",  [UNAUTH,   UNAUTH,   DISABLED,  NOTFOUND,  FORBID,   FORBID,    DONE,     DONE,     DONE,      FORBID]),
  row("DELETE /api/rooms/{private}/members/{peerOwner}",[UNAUTH,   UNAUTH,   DISABLED,  NOTFOUND,  FORBID,   FORBID,    DONE,     DONE,     DONE,      FORBID]),
  // removing yourself is leaving; an admin who is not in the room has no membership to remove
  row("DELETE /api/rooms/{private}/members/{self}",     [UNAUTH,   UNAUTH,   DISABLED,  NOTFOUND,  DONE,     DONE,      DONE,     NOTFOUND, NOTFOUND,  DONE]),

  // -- a public channel: non-members may see and join it; acting in it needs membership (403)
  row("GET    /api/rooms/{channel}",                    [UNAUTH,   UNAUTH,   DISABLED,  OK,        OK,       OK,        OK,       OK,       OK,        OK]),
  row("PATCH  /api/rooms/{channel}",                    [UNAUTH,   UNAUTH,   DISABLED,  FORBID,    FORBID,   OK,        OK,       OK,       OK,        FORBID],
      { topic: "new topic" }),
  row("POST   /api/rooms/{channel}/join",               [UNAUTH,   UNAUTH,   DISABLED,  OK,        OK,       OK,        OK,       OK,       OK,        OK]),
  // leaving a channel you are not in: there is no membership to end (404)
  row("POST   /api/rooms/{channel}/leave",              [UNAUTH,   UNAUTH,   DISABLED,  NOTFOUND,  DONE,     DONE,      DONE,     NOTFOUND, NOTFOUND,  DONE]),
  row("PUT    /api/rooms/{channel}/mute",               [UNAUTH,   UNAUTH,   DISABLED,  FORBID,    OK,       OK,        OK,       FORBID,   FORBID,    OK],
      { muted: true }),
  row("PUT    /api/rooms/{channel}/hidden",             [UNAUTH,   UNAUTH,   DISABLED,  FORBID,    INVALID,  INVALID,   INVALID,  FORBID,   FORBID,    INVALID],
      { hidden: true }),
  row("POST   /api/rooms/{channel}/members",            [UNAUTH,   UNAUTH,   DISABLED,  FORBID,    FORBID,   CREATED,   CREATED,  CREATED,  CREATED,   FORBID],
      { userId: "{invitee}" }),
  row("POST   /api/rooms/{channel}/members",            [UNAUTH,   UNAUTH,   DISABLED,  FORBID,    FORBID,   FORBID,    CREATED,  CREATED,  CREATED,   FORBID],
      { userId: "{invitee}", role: "moderator" }),
  row("POST   /api/rooms/{channel}/members",            [UNAUTH,   UNAUTH,   DISABLED,  FORBID,    FORBID,   FORBID,    CREATED,  CREATED,  CREATED,   FORBID],
      { userId: "{invitee}", role: "owner" }),
  row("PATCH  /api/rooms/{channel}/members/{peer}",     [UNAUTH,   UNAUTH,   DISABLED,  FORBID,    FORBID,   FORBID,    OK,       OK,       OK,        FORBID],
      { role: "moderator" }),
  row("PATCH  /api/rooms/{channel}/members/{peerOwner}",[UNAUTH,   UNAUTH,   DISABLED,  FORBID,    FORBID,   FORBID,    OK,       OK,       OK,        FORBID],
      { role: "member" }),
  row("DELETE /api/rooms/{channel}/members/{peer}",     [UNAUTH,   UNAUTH,   DISABLED,  FORBID,    FORBID,   DONE,      DONE,     DONE,     DONE,      FORBID]),
  row("DELETE /api/rooms/{channel}/members/{peerMod}",  [UNAUTH,   UNAUTH,   DISABLED,  FORBID,    FORBID,   FORBID,    DONE,     DONE,     DONE,      FORBID]),
  row("DELETE /api/rooms/{channel}/members/{peerOwner}",[UNAUTH,   UNAUTH,   DISABLED,  FORBID,    FORBID,   FORBID,    DONE,     DONE,     DONE,      FORBID]),
  row("DELETE /api/rooms/{channel}/members/{self}",     [UNAUTH,   UNAUTH,   DISABLED,  FORBID,    DONE,     DONE,      DONE,     NOTFOUND, NOTFOUND,  DONE]),

  // -- bans: the room's owners, moderators and admins; moderators ban plain members only,
  // nobody bans themselves (400), a DM has none (400 to its members), 404 for a ban not there
  row("GET    /api/rooms/{private}/bans",               [UNAUTH,   UNAUTH,   DISABLED,  NOTFOUND,  FORBID,   OK,        OK,       OK,       OK,        FORBID]),
  row("POST   /api/rooms/{private}/bans",               [UNAUTH,   UNAUTH,   DISABLED,  NOTFOUND,  FORBID,   CREATED,   CREATED,  CREATED,  CREATED,   FORBID],
      { userId: "{peer}", reason: "matrix" }),
  row("POST   /api/rooms/{private}/bans",               [UNAUTH,   UNAUTH,   DISABLED,  NOTFOUND,  FORBID,   CREATED,   CREATED,  CREATED,  CREATED,   FORBID],
      { userId: "{invitee}", until: "2099-01-01T00:00:00Z" }),
  row("POST   /api/rooms/{private}/bans",               [UNAUTH,   UNAUTH,   DISABLED,  NOTFOUND,  FORBID,   FORBID,    CREATED,  CREATED,  CREATED,   FORBID],
      { userId: "{peerMod}" }),
  row("POST   /api/rooms/{private}/bans",               [UNAUTH,   UNAUTH,   DISABLED,  NOTFOUND,  FORBID,   FORBID,    CREATED,  CREATED,  CREATED,   FORBID],
      { userId: "{peerOwner}" }),
  row("POST   /api/rooms/{private}/bans",               [UNAUTH,   UNAUTH,   DISABLED,  NOTFOUND,  FORBID,   INVALID,   INVALID,  INVALID,  INVALID,   FORBID],
      { userId: "{self}" }),
  row("POST   /api/rooms/{private}/bans",               [UNAUTH,   UNAUTH,   DISABLED,  NOTFOUND,  FORBID,   INVALID,   INVALID,  INVALID,  INVALID,   FORBID],
      { userId: "{peer}", until: "2000-01-01T00:00:00Z" }),
  row("DELETE /api/rooms/{privateBanned}/bans/{invitee}",[UNAUTH,  UNAUTH,   DISABLED,  NOTFOUND,  FORBID,   DONE,      DONE,     DONE,     DONE,      FORBID]),
  row("DELETE /api/rooms/{private}/bans/{peer}",        [UNAUTH,   UNAUTH,   DISABLED,  NOTFOUND,  FORBID,   NOTFOUND,  NOTFOUND, NOTFOUND, NOTFOUND,  FORBID]),
  row("GET    /api/rooms/{channel}/bans",               [UNAUTH,   UNAUTH,   DISABLED,  FORBID,    FORBID,   OK,        OK,       OK,       OK,        FORBID]),
  row("POST   /api/rooms/{channel}/bans",               [UNAUTH,   UNAUTH,   DISABLED,  FORBID,    FORBID,   CREATED,   CREATED,  CREATED,  CREATED,   FORBID],
      { userId: "{peer}" }),
  row("DELETE /api/rooms/{channelBanned}/bans/{invitee}",[UNAUTH,  UNAUTH,   DISABLED,  FORBID,    FORBID,   DONE,      DONE,     DONE,     DONE,      FORBID]),
  row("GET    /api/rooms/{dm}/bans",                    [UNAUTH,   UNAUTH,   DISABLED,  NOTFOUND,  INVALID,  NOTFOUND,  INVALID,  INVALID,  INVALID,   NOTFOUND]),
  row("POST   /api/rooms/{dm}/bans",                    [UNAUTH,   UNAUTH,   DISABLED,  NOTFOUND,  INVALID,  NOTFOUND,  INVALID,  INVALID,  INVALID,   NOTFOUND],
      { userId: "{invitee}" }),

  // -- reading a room's whole history and its retention policy
  row("GET    /api/rooms/{private}/export",             [UNAUTH,   UNAUTH,   DISABLED,  NOTFOUND,  OK,       OK,        OK,       OK,       OK,        OK]),
  row("GET    /api/rooms/{channel}/export",             [UNAUTH,   UNAUTH,   DISABLED,  FORBID,    OK,       OK,        OK,       OK,       OK,        OK]),
  row("GET    /api/rooms/{private}/retention",          [UNAUTH,   UNAUTH,   DISABLED,  NOTFOUND,  FORBID,   FORBID,    OK,       OK,       OK,        FORBID]),
  row("GET    /api/rooms/{channel}/retention",          [UNAUTH,   UNAUTH,   DISABLED,  FORBID,    FORBID,   FORBID,    OK,       OK,       OK,        FORBID]),

  // -- reports: anyone who can read the room reports; the queue is its owners', moderators' and admins'
  row("POST   /api/rooms/{withMessage}/messages/1/report", [UNAUTH, UNAUTH,   DISABLED,  NOTFOUND,  CREATED,  CREATED,   CREATED,  CREATED,  CREATED,   CREATED],
      { reason: "spam" }),
  row("GET    /api/rooms/{reportedRoom}/reports",       [UNAUTH,   UNAUTH,   DISABLED,  NOTFOUND,  FORBID,   OK,        OK,       OK,       OK,        FORBID]),
  row("PATCH  /api/rooms/{reportedRoom}/reports/{itsReport}", [UNAUTH, UNAUTH, DISABLED, NOTFOUND, FORBID,   OK,        OK,       OK,       OK,        FORBID],
      { status: "dismissed" }),
  row("GET    /api/admin/reports",                      [UNAUTH,   UNAUTH,   DISABLED,  FORBID,    FORBID,   FORBID,    FORBID,   OK,       OK,        FORBID]),
  row("PATCH  /api/admin/reports/{report}",             [UNAUTH,   UNAUTH,   DISABLED,  FORBID,    FORBID,   FORBID,    FORBID,   OK,       OK,        FORBID],
      { status: "dismissed" }),

  // -- the admin API: instance admins and admin tokens only (room owners and bots included: 403)
  row("GET    /api/admin/rooms",                        [UNAUTH,   UNAUTH,   DISABLED,  FORBID,    FORBID,   FORBID,    FORBID,   OK,       OK,        FORBID]),
  row("POST   /api/admin/rooms",                        [UNAUTH,   UNAUTH,   DISABLED,  FORBID,    FORBID,   FORBID,    FORBID,   CREATED,  CREATED,   FORBID],
      { kind: "private", name: "for another system", externalRef: "{unique}", members: [{ userId: "{invitee}", role: "owner" }] }),
  row("GET    /api/admin/rooms/by-ref/{ref}",           [UNAUTH,   UNAUTH,   DISABLED,  FORBID,    FORBID,   FORBID,    FORBID,   OK,       OK,        FORBID]),
  row("PATCH  /api/admin/rooms/{private}",              [UNAUTH,   UNAUTH,   DISABLED,  FORBID,    FORBID,   FORBID,    FORBID,   OK,       OK,        FORBID],
      { archived: true }),
  row("GET    /api/admin/rooms/{private}/retention",    [UNAUTH,   UNAUTH,   DISABLED,  FORBID,    FORBID,   FORBID,    FORBID,   OK,       OK,        FORBID]),
  row("PUT    /api/admin/rooms/{private}/retention",    [UNAUTH,   UNAUTH,   DISABLED,  FORBID,    FORBID,   FORBID,    FORBID,   OK,       OK,        FORBID],
      { maxAgeDays: 30 }),
  row("GET    /api/admin/rooms/{private}/retention/preview", [UNAUTH, UNAUTH, DISABLED, FORBID,   FORBID,   FORBID,    FORBID,   OK,       OK,        FORBID]),
  row("POST   /api/admin/rooms/{private}/retention/run", [UNAUTH,  UNAUTH,   DISABLED,  FORBID,    FORBID,   FORBID,    FORBID,   OK,       OK,        FORBID]),
  row("GET    /api/admin/rooms/{private}/sync",         [UNAUTH,   UNAUTH,   DISABLED,  FORBID,    FORBID,   FORBID,    FORBID,   OK,       OK,        FORBID]),
  row("POST   /api/admin/rooms/{private}/sync",         [UNAUTH,   UNAUTH,   DISABLED,  FORBID,    FORBID,   FORBID,    FORBID,   OK,       OK,        FORBID]),
  row("POST   /api/admin/rooms/{private}/members",      [UNAUTH,   UNAUTH,   DISABLED,  FORBID,    FORBID,   FORBID,    FORBID,   CREATED,  CREATED,   FORBID],
      { userId: "{invitee}", role: "moderator" }),
  row("PATCH  /api/admin/rooms/{private}/members/{peer}", [UNAUTH, UNAUTH,   DISABLED,  FORBID,    FORBID,   FORBID,    FORBID,   OK,       OK,        FORBID],
      { role: "owner" }),
  row("DELETE /api/admin/rooms/{private}/members/{peerOwner}", [UNAUTH, UNAUTH, DISABLED, FORBID,  FORBID,   FORBID,    FORBID,   DONE,     DONE,      FORBID]),
  row("GET    /api/admin/users",                        [UNAUTH,   UNAUTH,   DISABLED,  FORBID,    FORBID,   FORBID,    FORBID,   OK,       OK,        FORBID]),
  row("PATCH  /api/admin/users/{newUser}",              [UNAUTH,   UNAUTH,   DISABLED,  FORBID,    FORBID,   FORBID,    FORBID,   OK,       OK,        FORBID],
      { disabled: true }),
  row("POST   /api/admin/users",                        [UNAUTH,   UNAUTH,   DISABLED,  FORBID,    FORBID,   FORBID,    FORBID,   CREATED,  CREATED,   FORBID],
      { handle: "{unique}", displayName: "Made By Admin" }),
  row("POST   /api/admin/users/{newUser}/password-reset", [UNAUTH, UNAUTH,   DISABLED,  FORBID,    FORBID,   FORBID,    FORBID,   OK,       OK,        FORBID]),
  row("GET    /api/admin/audit",                        [UNAUTH,   UNAUTH,   DISABLED,  FORBID,    FORBID,   FORBID,    FORBID,   OK,       OK,        FORBID]),
  row("POST   /api/admin/tokens",                       [UNAUTH,   UNAUTH,   DISABLED,  FORBID,    FORBID,   FORBID,    FORBID,   CREATED,  CREATED,   FORBID],
      { name: "matrix bot", scopes: ["bot"], userId: "{invitee}" }),
  row("GET    /api/admin/tokens",                       [UNAUTH,   UNAUTH,   DISABLED,  FORBID,    FORBID,   FORBID,    FORBID,   OK,       OK,        FORBID]),
  row("DELETE /api/admin/tokens/{newToken}",            [UNAUTH,   UNAUTH,   DISABLED,  FORBID,    FORBID,   FORBID,    FORBID,   DONE,     DONE,      FORBID]),

  // -- workspaces: {ws} = a fresh workspace where owner and {peerOwner} are owners, the moderator
  // is its admin, member, bot, the disabled user and {peer} are members; the instance admin made
  // it and left, so it sees it as instance admins see every workspace. Outside it: 404.
  row("GET    /api/workspaces",                         [UNAUTH,   UNAUTH,   DISABLED,  OK,        OK,       OK,        OK,       OK,       OK,        OK]),
  // WORKSPACE_CREATION=admins (the default): instance admins only
  row("POST   /api/workspaces",                         [UNAUTH,   UNAUTH,   DISABLED,  FORBID,    FORBID,   FORBID,    FORBID,   CREATED,  CREATED,   FORBID],
      { name: "Matrix Co", slug: "{slug}" }),
  row("GET    /api/workspaces/{ws}",                    [UNAUTH,   UNAUTH,   DISABLED,  NOTFOUND,  OK,       OK,        OK,       OK,       OK,        OK]),
  row("PATCH  /api/workspaces/{ws}",                    [UNAUTH,   UNAUTH,   DISABLED,  NOTFOUND,  FORBID,   OK,        OK,       OK,       OK,        FORBID],
      { name: "Renamed Co", defaults: { joinPolicy: "open" } }),
  row("GET    /api/workspaces/{ws}/members",            [UNAUTH,   UNAUTH,   DISABLED,  NOTFOUND,  OK,       OK,        OK,       OK,       OK,        OK]),
  row("POST   /api/workspaces/{ws}/members",            [UNAUTH,   UNAUTH,   DISABLED,  NOTFOUND,  FORBID,   CREATED,   CREATED,  CREATED,  CREATED,   FORBID],
      { userId: "{invitee}" }),
  // only owners (and instance admins) make or unmake owners
  row("POST   /api/workspaces/{ws}/members",            [UNAUTH,   UNAUTH,   DISABLED,  NOTFOUND,  FORBID,   FORBID,    CREATED,  CREATED,  CREATED,   FORBID],
      { userId: "{invitee}", role: "owner" }),
  row("PATCH  /api/workspaces/{ws}/members/{peer}",     [UNAUTH,   UNAUTH,   DISABLED,  NOTFOUND,  FORBID,   OK,        OK,       OK,       OK,        FORBID],
      { role: "admin" }),
  row("PATCH  /api/workspaces/{ws}/members/{peer}",     [UNAUTH,   UNAUTH,   DISABLED,  NOTFOUND,  FORBID,   FORBID,    OK,       OK,       OK,        FORBID],
      { role: "owner" }),
  row("PATCH  /api/workspaces/{ws}/members/{peerOwner}", [UNAUTH,  UNAUTH,   DISABLED,  NOTFOUND,  FORBID,   FORBID,    OK,       OK,       OK,        FORBID],
      { role: "member" }),
  row("DELETE /api/workspaces/{ws}/members/{peer}",     [UNAUTH,   UNAUTH,   DISABLED,  NOTFOUND,  FORBID,   DONE,      DONE,     DONE,     DONE,      FORBID]),
  row("DELETE /api/workspaces/{ws}/members/{peerOwner}", [UNAUTH,  UNAUTH,   DISABLED,  NOTFOUND,  FORBID,   FORBID,    DONE,     DONE,     DONE,      FORBID]),
  // leaving: anyone in it (an owner, one of two); the instance admin is not in it (404)
  row("DELETE /api/workspaces/{ws}/members/{self}",     [UNAUTH,   UNAUTH,   DISABLED,  NOTFOUND,  DONE,     DONE,      DONE,     NOTFOUND, NOTFOUND,  DONE]),
  // its admin views: its owners and admins, and instance admins
  row("GET    /api/workspaces/{ws}/admin/rooms",        [UNAUTH,   UNAUTH,   DISABLED,  NOTFOUND,  FORBID,   OK,        OK,       OK,       OK,        FORBID]),
  row("GET    /api/workspaces/{ws}/admin/audit",        [UNAUTH,   UNAUTH,   DISABLED,  NOTFOUND,  FORBID,   OK,        OK,       OK,       OK,        FORBID]),
  row("GET    /api/workspaces/{ws}/admin/reports",      [UNAUTH,   UNAUTH,   DISABLED,  NOTFOUND,  FORBID,   OK,        OK,       OK,       OK,        FORBID]),
];

// ---- fixtures ---------------------------------------------------------------------------------

type Person =
  | "admin"
  | "owner"
  | "moderator"
  | "member"
  | "nonMember"
  | "bot"
  | "disabled"
  | "peer"
  | "peerMod"
  | "peerOwner"
  | "invitee";

const people = {} as Record<Person, TestUser>;
/** The credential each role presents (undefined: none). */
const credentials = {} as Record<Role, string | undefined>;
/** The account behind each role (null: anonymous). */
const accountOf: Record<Role, Person | null> = {
  anonymous: null,
  disabled: "disabled",
  disabledToken: "disabled",
  nonMember: "nonMember",
  member: "member",
  moderator: "moderator",
  owner: "owner",
  admin: "admin",
  adminToken: "admin",
  botToken: "bot",
};
const SESSION_ROLES: ReadonlySet<Role> = new Set([
  "nonMember",
  "member",
  "moderator",
  "owner",
  "admin",
]);
let dmId = "";
let externalRef = "";

async function asAdmin(method: string, path: string, body?: unknown): Promise<Reply> {
  const res = await call(method, path, body, { token: people.admin.token });
  if (res.status >= 300)
    throw new Error(`fixture ${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
  return res;
}

async function newToken(userId: string, scopes: Array<"admin" | "bot">) {
  const res = await asAdmin("POST", "/api/admin/tokens", {
    name: `matrix ${scopes.join("+")}`,
    scopes,
    userId,
  });
  return res.body as { token: { id: string }; secret: string };
}

/**
 * A fresh room of the standard shape; the admin creates it and is not in it. `banned`: the
 * admin has banned {invitee} from it.
 */
async function freshRoom(kind: "private" | "channel", banned = false): Promise<string> {
  const res = await asAdmin("POST", "/api/admin/rooms", {
    kind,
    name: `matrix ${kind}`,
    members: [
      { userId: people.owner.id, role: "owner" },
      { userId: people.moderator.id, role: "moderator" },
      { userId: people.member.id, role: "member" },
      { userId: people.bot.id, role: "member" },
      { userId: people.disabled.id, role: "member" },
      { userId: people.peer.id, role: "member" },
      { userId: people.peerMod.id, role: "moderator" },
      { userId: people.peerOwner.id, role: "owner" },
    ],
  });
  const roomId: string = res.body.room.id;
  if (banned) {
    const ban = await asAdmin("POST", `/api/rooms/${roomId}/bans`, { userId: people.invitee.id });
    if (ban.status !== 201) throw new Error(`ban: ${ban.status} ${JSON.stringify(ban.body)}`);
  }
  return roomId;
}

async function freshGroupDm(): Promise<string> {
  const opener = await register();
  const res = await call(
    "POST",
    "/api/dms",
    { userIds: [people.owner.id, people.member.id, people.peer.id] },
    { token: opener.token },
  );
  if (res.status !== 201) throw new Error(`group DM: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.room.id;
}

async function login(handle: string): Promise<string> {
  const res = await call("POST", "/api/auth/login", { handle, password: PASSWORD });
  if (res.status !== 200)
    throw new Error(`login ${handle}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.token;
}

/** Signs in as `handle` and answers that session's public id. */
async function freshSessionId(handle: string): Promise<string> {
  const token = await login(handle);
  const res = await call("GET", "/api/me/sessions", undefined, { token });
  const current = (res.body.sessions as Array<{ id: string; current: boolean }>).find(
    (s) => s.current,
  );
  if (!current) throw new Error(`no current session for ${handle}`);
  return current.id;
}

/** A fresh private room whose first message (seq 1) is {peer}'s. */
async function roomWithMessage(): Promise<string> {
  const roomId = await freshRoom("private");
  const res = await call(
    "POST",
    `/api/rooms/${roomId}/messages`,
    { cid: "matrix", body: "reported words" },
    { token: people.peer.token },
  );
  if (res.status !== 201) throw new Error(`fixture send: ${res.status}`);
  return roomId;
}

/**
 * A fresh workspace of the shape {ws} describes (the matrix comment). The instance admin makes
 * it, adds everyone and leaves, so its column is an instance admin outside the workspace.
 */
async function freshWorkspace(): Promise<string> {
  const made = await asAdmin("POST", "/api/workspaces", {
    name: "Matrix workspace",
    slug: slug(),
  });
  const id: string = made.body.workspace.id;
  const roles: Array<[Person, "owner" | "admin" | "member"]> = [
    ["owner", "owner"],
    ["peerOwner", "owner"],
    ["moderator", "admin"],
    ["member", "member"],
    ["bot", "member"],
    ["disabled", "member"],
    ["peer", "member"],
  ];
  for (const [who, role] of roles) {
    await asAdmin("POST", `/api/workspaces/${id}/members`, { userId: people[who].id, role });
  }
  await asAdmin("DELETE", `/api/workspaces/${id}/members/${people.admin.id}`);
  return id;
}

/** A workspace slug nobody has taken: lowercase letters, digits and hyphens. */
const slug = () => uniqueHandle("w").replace(/_/g, "-");

/** The report {reportedRoom} made, for {itsReport} in the same cell (cells run one at a time). */
let lastReportId = "";

async function reportedRoom(): Promise<string> {
  const roomId = await roomWithMessage();
  const res = await call(
    "POST",
    `/api/rooms/${roomId}/messages/1/report`,
    { reason: "abuse" },
    { token: people.member.token },
  );
  if (res.status !== 201) throw new Error(`fixture report: ${res.status}`);
  lastReportId = res.body.report.id;
  return roomId;
}

const PLACEHOLDERS: Record<string, (role: Role) => string | Promise<string>> = {
  private: () => freshRoom("private"),
  channel: () => freshRoom("channel"),
  privateBanned: () => freshRoom("private", true),
  channelBanned: () => freshRoom("channel", true),
  dm: () => dmId,
  groupDm: () => freshGroupDm(),
  ref: () => externalRef,
  peer: () => people.peer.id,
  peerMod: () => people.peerMod.id,
  peerOwner: () => people.peerOwner.id,
  invitee: () => people.invitee.id,
  self: (role) => {
    const who = accountOf[role];
    return who ? people[who].id : "usr_nobody";
  },
  selfHandle: (role) => people[accountOf[role] ?? "peer"].handle,
  mySession: (role) => {
    const who = accountOf[role];
    // A disabled account cannot sign in: its cells are refused before the id matters.
    return who && who !== "disabled" ? freshSessionId(people[who].handle) : "ses_nothing";
  },
  theirSession: () => freshSessionId(people.invitee.handle),
  withMessage: () => roomWithMessage(),
  reportedRoom: () => reportedRoom(),
  itsReport: () => lastReportId,
  report: async () => {
    await reportedRoom();
    return lastReportId;
  },
  newUser: async () => (await register()).id,
  newToken: async () => (await newToken(people.invitee.id, ["bot"])).token.id,
  unique: () => uniqueHandle("x"),
  invite: async () => (await asAdmin("POST", "/api/invites", {})).body.invite.code,
  ws: () => freshWorkspace(),
  slug: () => slug(),
};

/** Replaces every {placeholder} in `text`; one value per name within a cell. */
async function fill(text: string, role: Role, values: Map<string, string>): Promise<string> {
  for (const [, name = ""] of text.matchAll(/\{(\w+)\}/g)) {
    if (values.has(name)) continue;
    const resolve = PLACEHOLDERS[name];
    if (!resolve) throw new Error(`unknown placeholder {${name}}`);
    values.set(name, await resolve(role));
  }
  return text.replace(/\{(\w+)\}/g, (_, name: string) => values.get(name) ?? "");
}

function assertOutcome(res: Reply, expected: Outcome, cell: string) {
  const [status, code] = expected.split(" ");
  const got = `${res.status}${res.status >= 400 ? ` ${res.body?.error?.code}` : ""}`;
  const wanted = code ? `${status} ${code}` : status;
  expect(got, `${cell}: expected ${wanted}, got ${res.status} ${JSON.stringify(res.body)}`).toBe(
    wanted,
  );
}

beforeAll(async () => {
  // The first account of the file's fresh instance is its admin.
  people.admin = await register(uniqueHandle("admin"));
  if (people.admin.role !== "admin") throw new Error("the first account should be the admin");
  const others: Person[] = [
    "owner",
    "moderator",
    "member",
    "nonMember",
    "bot",
    "disabled",
    "peer",
    "peerMod",
    "peerOwner",
    "invitee",
  ];
  for (const who of others)
    people[who] = await register(uniqueHandle(who.toLowerCase().slice(0, 8)));

  const adminToken = await newToken(people.admin.id, ["admin"]);
  const botToken = await newToken(people.bot.id, ["bot"]);
  const disabledToken = await newToken(people.disabled.id, ["bot"]);
  // Disabling revokes the disabled user's sessions; the API token stays but must not work.
  await asAdmin("PATCH", `/api/admin/users/${people.disabled.id}`, { disabled: true });

  Object.assign(credentials, {
    anonymous: undefined,
    disabled: people.disabled.token,
    disabledToken: disabledToken.secret,
    nonMember: people.nonMember.token,
    member: people.member.token,
    moderator: people.moderator.token,
    owner: people.owner.token,
    admin: people.admin.token,
    adminToken: adminToken.secret,
    botToken: botToken.secret,
  } satisfies Record<Role, string | undefined>);

  const dm = await call(
    "POST",
    "/api/dms",
    { userId: people.member.id },
    { token: people.owner.token },
  );
  if (dm.status !== 201) throw new Error(`open DM: ${dm.status} ${JSON.stringify(dm.body)}`);
  dmId = dm.body.room.id;

  externalRef = uniqueHandle("ref");
  await asAdmin("POST", "/api/admin/rooms", { kind: "private", name: "by ref", externalRef });
});

// ---- the walk: one test per cell ----------------------------------------------------------------

describe("authorization matrix", () => {
  it("has a full row for every endpoint, with unique rows", () => {
    const labels = MATRIX.map((r) => `${r.method} ${r.path} ${JSON.stringify(r.body ?? null)}`);
    expect(new Set(labels).size).toBe(labels.length);
    for (const r of MATRIX) expect(r.outcomes).toHaveLength(ROLES.length);
  });

  for (const r of MATRIX) {
    const label = `${r.method} ${r.path}${r.body === undefined ? "" : ` ${JSON.stringify(r.body)}`}`;
    describe(label, () => {
      ROLES.forEach((role, column) => {
        const expected = r.outcomes[column] as Outcome;
        it(`${role} → ${expected}`, async () => {
          const values = new Map<string, string>();
          const path = await fill(r.path, role, values);
          const body =
            r.body === undefined
              ? undefined
              : JSON.parse(await fill(JSON.stringify(r.body), role, values));
          const who = accountOf[role];
          const token =
            r.freshSession && who && SESSION_ROLES.has(role)
              ? await login(people[who].handle)
              : credentials[role];
          const res = await call(r.method, path, body, { token });
          assertOutcome(res, expected, `${role} ${r.method} ${path}`);
        });
      });
    });
  }
});

// ---- a few cells whose effect matters as much as their status -----------------------------------

describe("matrix side effects", () => {
  it("a disabled user's old session is gone and the token is refused even for public reads", async () => {
    expect((await call("GET", "/api/me", undefined, { token: credentials.disabled })).status).toBe(
      401,
    );
    const me = await call("GET", "/api/me", undefined, { token: credentials.disabledToken });
    expect(me.status).toBe(403);
    expect(me.body.error.code).toBe("disabled");
  });

  it("the bot token acts as its own (member) user", async () => {
    const me = await call("GET", "/api/me", undefined, { token: credentials.botToken });
    expect(me.status).toBe(200);
    expect(me.body.user).toMatchObject({ id: people.bot.id, role: "user" });
    const roomId = await freshRoom("private");
    const details = await call("GET", `/api/rooms/${roomId}`, undefined, {
      token: credentials.botToken,
    });
    expect(details.body.me).toMatchObject({ role: "member" });
  });

  it("an admin sees a private room without being in it", async () => {
    const roomId = await freshRoom("private");
    for (const token of [credentials.admin, credentials.adminToken]) {
      const details = await call("GET", `/api/rooms/${roomId}`, undefined, { token });
      expect(details.status).toBe(200);
      expect(details.body.me).toBeNull();
      expect(details.body.memberCount).toBe(8);
    }
  });

  it("a moderator's removal really removes a member, and a refused one changes nothing", async () => {
    const roomId = await freshRoom("private");
    const members = async () =>
      (
        await call("GET", `/api/rooms/${roomId}?limit=100`, undefined, {
          token: people.owner.token,
        })
      ).body.members.map((m: { user: { id: string }; role: string }) => `${m.user.id}:${m.role}`);
    expect(
      (
        await call("DELETE", `/api/rooms/${roomId}/members/${people.peerOwner.id}`, undefined, {
          token: people.moderator.token,
        })
      ).status,
    ).toBe(403);
    expect(
      (
        await call(
          "PATCH",
          `/api/rooms/${roomId}/members/${people.peer.id}`,
          { role: "owner" },
          { token: people.moderator.token },
        )
      ).status,
    ).toBe(403);
    const before = await members();
    expect(before).toContain(`${people.peerOwner.id}:owner`);
    expect(before).toContain(`${people.peer.id}:member`);
    expect(
      (
        await call("DELETE", `/api/rooms/${roomId}/members/${people.peer.id}`, undefined, {
          token: people.moderator.token,
        })
      ).status,
    ).toBe(204);
    const after = await members();
    expect(after).not.toContain(`${people.peer.id}:member`);
    expect(after).toHaveLength(before.length - 1);
  });

  it("a non-member still gets 404 for a private room that an admin can see (no existence leak)", async () => {
    const roomId = await freshRoom("private");
    const missing = await call("GET", "/api/rooms/room_doesnotexist", undefined, {
      token: people.nonMember.token,
    });
    const hidden = await call("GET", `/api/rooms/${roomId}`, undefined, {
      token: people.nonMember.token,
    });
    expect(hidden.status).toBe(missing.status);
    expect(hidden.body).toEqual(missing.body);
  });
});

// ---- a second workspace: nothing crosses its edge ------------------------------------------------
//
// Workspace B, made by the admin: {bOwner} owns its public channel, which {onlyB} (in B and in no
// other workspace) is in. The caller is `nonMember`, who is in the default workspace only. For
// them B's rooms, people and invites do not exist: 404, never 403, exactly as for a missing one.

const outsider = () => people.nonMember;
let workspaceB = "";
let bChannel = "";
let bInvite = "";
const bPeople = {} as Record<"bOwner" | "onlyB", TestUser>;

/** Every placeholder that names a room in the matrix: swept with B's channel in its place. */
const ROOM_PLACEHOLDERS = [
  "private",
  "channel",
  "privateBanned",
  "channelBanned",
  "dm",
  "groupDm",
  "withMessage",
  "reportedRoom",
];

/** The matrix's rows about one room (not the instance admin API, which stays instance-wide). */
const roomRows = MATRIX.filter((r) =>
  ROOM_PLACEHOLDERS.some((p) => r.path.startsWith(`/api/rooms/{${p}}`)),
);

// Routes of a room the matrix has no row for (they are the room's own, through room-calls.ts).
// biome-ignore format: one route a line
const EXTRA_ROOM_ROWS: Array<[method: string, path: string, body?: unknown]> = [
  ["GET",  "/api/rooms/{b}/messages"],
  ["POST", "/api/rooms/{b}/messages", { cid: "sweep", body: "hello B?" }],
  ["GET",  "/api/rooms/{b}/search?q=hello"],
  ["GET",  "/api/rooms/{b}/pins"],
  ["GET",  "/api/rooms/{b}/online"],
  ["POST", "/api/rooms/{b}/read", { seq: 1 }],
  ["POST", "/api/rooms/{b}/attachments?name=x.txt"],
];

// People: {onlyB} is in B alone, so nothing outside B reveals them.
// biome-ignore format: one route a line
const PEOPLE_ROWS: Array<[method: string, path: string, body?: unknown]> = [
  ["GET",  "/api/users/{onlyB}/avatar"],
  ["PUT",  "/api/me/blocks/{onlyB}"],
  ["POST", "/api/dms", { userId: "{onlyB}" }],
  ["POST", "/api/dms", { userIds: ["{onlyB}", "{member}"] }],
  ["POST", "/api/dms", { userId: "{onlyB}", workspaceId: "{wsB}" }],
  ["GET",  "/api/users?q=a&workspaceId={wsB}"],
];

// The workspace itself and the lists of it; and its invites, where only managers may act (the
// preview GET /api/invites/:code and accepting stay open to whoever holds the link: a bearer link).
// biome-ignore format: one route a line
const WORKSPACE_ROWS: Array<[method: string, path: string, body?: unknown]> = [
  ["GET",    "/api/workspaces/{wsB}"],
  ["POST",   "/api/workspaces/{wsB}/members", { userId: "{self}" }],
  ["GET",    "/api/rooms?workspaceId={wsB}"],
  ["GET",    "/api/rooms/discover?workspaceId={wsB}"],
  ["GET",    "/api/search?q=hello&workspaceId={wsB}"],
  ["GET",    "/api/me/threads?workspaceId={wsB}"],
  ["POST",   "/api/rooms", { kind: "channel", name: "in B?", workspaceId: "{wsB}" }],
  ["POST",   "/api/invites", { workspaceId: "{wsB}" }],
  ["POST",   "/api/invites", { roomIds: ["{b}"] }],
  ["DELETE", "/api/invites/{bInvite}"],
];

describe("workspace boundary", () => {
  beforeAll(async () => {
    bPeople.bOwner = await register(uniqueHandle("bowner"));
    bPeople.onlyB = await register(uniqueHandle("onlyb"));
    const ws = await asAdmin("POST", "/api/workspaces", { name: "Workspace B", slug: "matrix-b" });
    workspaceB = ws.body.workspace.id;
    for (const who of [bPeople.bOwner, bPeople.onlyB])
      await asAdmin("POST", `/api/workspaces/${workspaceB}/members`, { userId: who.id });
    // Out of the default workspace (everyone joins it at sign-up; taking someone out of a
    // workspace is not this branch's API, so straight in D1).
    await env.DB.prepare(
      "DELETE FROM workspace_members WHERE workspace_id = 'ws_default' AND user_id = ?",
    )
      .bind(bPeople.onlyB.id)
      .run();
    const room = await call(
      "POST",
      "/api/rooms",
      { kind: "channel", name: "b channel", workspaceId: workspaceB },
      { token: bPeople.bOwner.token },
    );
    bChannel = room.body.room.id;
    await asAdmin("POST", `/api/rooms/${bChannel}/members`, { userId: bPeople.onlyB.id });
    bInvite = (await asAdmin("POST", "/api/invites", { workspaceId: workspaceB })).body.invite.code;
  });

  /** The sweep's own values first (B's room for every room), then the matrix's placeholders. */
  async function fillB(text: string): Promise<string> {
    const values = new Map<string, string>([
      ...ROOM_PLACEHOLDERS.map((p) => [p, bChannel] as [string, string]),
      ["b", bChannel],
      ["wsB", workspaceB],
      ["bInvite", bInvite],
      ["onlyB", bPeople.onlyB.id],
      ["member", people.member.id],
      ["itsReport", "rep_nothing"],
    ]);
    return fill(text, "nonMember", values);
  }

  async function expectNotFound(method: string, path: string, body?: unknown) {
    const filled = await fillB(path);
    const json = body === undefined ? undefined : JSON.parse(await fillB(JSON.stringify(body)));
    const res = await call(method, filled, json, { token: outsider().token });
    assertOutcome(res, NOTFOUND, `outsider ${method} ${filled}`);
  }

  it("sweeps every room row of the matrix", () => {
    expect(roomRows.length).toBeGreaterThan(50);
  });

  for (const r of roomRows) {
    const label = `${r.method} ${r.path}${r.body === undefined ? "" : ` ${JSON.stringify(r.body)}`}`;
    it(`B's channel, for someone not in B: ${label} → 404`, () =>
      expectNotFound(r.method, r.path, r.body));
  }
  for (const [method, path, body] of [...EXTRA_ROOM_ROWS, ...PEOPLE_ROWS, ...WORKSPACE_ROWS]) {
    const label = `${method} ${path}${body === undefined ? "" : ` ${JSON.stringify(body)}`}`;
    it(`someone not in B: ${label} → 404`, () => expectNotFound(method, path, body));
  }

  it("a room owner adding someone only in B gets 404 No such user", async () => {
    const roomId = await freshRoom("private");
    const res = await call(
      "POST",
      `/api/rooms/${roomId}/members`,
      { userId: bPeople.onlyB.id },
      { token: people.owner.token },
    );
    assertOutcome(res, NOTFOUND, "owner adds someone of B");
    expect(res.body.error.message).toBe("No such user");
  });

  it("people search and lists leave B out", async () => {
    const token = outsider().token;
    const found = await call("GET", `/api/users?q=${bPeople.onlyB.handle}`, undefined, { token });
    expect(found.status).toBe(200);
    expect(found.body.users).toEqual([]);
    const invites = await call("GET", "/api/invites", undefined, { token });
    expect(invites.body.invites.map((i: { code: string }) => i.code)).not.toContain(bInvite);
    const discover = await call("GET", "/api/rooms/discover?limit=100", undefined, { token });
    expect(discover.body.rooms.map((r: { id: string }) => r.id)).not.toContain(bChannel);
  });

  it("the same routes work for someone in B (the 404s are the edge, not broken rows)", async () => {
    const token = bPeople.onlyB.token;
    expect((await call("GET", `/api/rooms/${bChannel}`, undefined, { token })).status).toBe(200);
    expect(
      (await call("GET", `/api/rooms?workspaceId=${workspaceB}`, undefined, { token })).status,
    ).toBe(200);
    expect(
      (await call("GET", `/api/users/${bPeople.bOwner.id}/avatar`, undefined, { token })).status,
    ).toBe(404); // no picture set: the same 404, so the next line tells the two apart
    expect(
      (await call("PUT", `/api/me/blocks/${bPeople.bOwner.id}`, undefined, { token })).status,
    ).toBe(204);
    await call("DELETE", `/api/me/blocks/${bPeople.bOwner.id}`, undefined, { token });
    expect(
      (
        await call(
          "POST",
          "/api/dms",
          { userId: bPeople.bOwner.id, workspaceId: workspaceB },
          { token },
        )
      ).status,
    ).toBe(201);
  });
});
