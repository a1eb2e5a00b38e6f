// The OpenAPI and AsyncAPI documents are generated from the same zod schemas that validate
// requests and frames. `npm run lint:api` lints them with real tools; this checks what we promise.
import { describe, expect, it } from "vitest";
import { ClientFrame, InboxFrame, ServerFrame } from "../src/shared/protocol";
import { call } from "./helpers";

const EXPECTED: Array<[method: string, path: string]> = [
  ["post", "/api/auth/register"],
  ["post", "/api/auth/login"],
  ["post", "/api/auth/logout"],
  ["get", "/api/me"],
  ["patch", "/api/me"],
  ["put", "/api/me/password"],
  ["get", "/api/me/sessions"],
  ["delete", "/api/me/sessions/{id}"],
  ["get", "/api/users"],
  ["get", "/api/rooms"],
  ["post", "/api/rooms"],
  ["get", "/api/rooms/discover"],
  ["post", "/api/dms"],
  ["get", "/api/rooms/{id}"],
  ["patch", "/api/rooms/{id}"],
  ["post", "/api/rooms/{id}/join"],
  ["post", "/api/rooms/{id}/leave"],
  ["put", "/api/rooms/{id}/mute"],
  ["put", "/api/rooms/{id}/hidden"],
  ["get", "/api/me/blocks"],
  ["put", "/api/me/blocks/{userId}"],
  ["delete", "/api/me/blocks/{userId}"],
  ["post", "/api/rooms/{id}/members"],
  ["patch", "/api/rooms/{id}/members/{userId}"],
  ["delete", "/api/rooms/{id}/members/{userId}"],
  ["get", "/api/rooms/{id}/bans"],
  ["post", "/api/rooms/{id}/bans"],
  ["delete", "/api/rooms/{id}/bans/{userId}"],
  ["get", "/api/rooms/{id}/messages"],
  ["post", "/api/rooms/{id}/messages"],
  ["patch", "/api/rooms/{id}/messages/{seq}"],
  ["delete", "/api/rooms/{id}/messages/{seq}"],
  ["put", "/api/rooms/{id}/messages/{seq}/reactions/{emoji}"],
  ["delete", "/api/rooms/{id}/messages/{seq}/reactions/{emoji}"],
  ["post", "/api/rooms/{id}/read"],
  ["get", "/api/rooms/{id}/search"],
  ["get", "/api/search"],
  ["post", "/api/rooms/{id}/ws-ticket"],
  ["get", "/api/rooms/{id}/ws"],
  ["delete", "/api/admin/rooms/{id}"],
  ["get", "/api/admin/rooms"],
  ["post", "/api/admin/rooms"],
  ["get", "/api/admin/rooms/by-ref/{externalRef}"],
  ["patch", "/api/admin/rooms/{id}"],
  ["post", "/api/admin/rooms/{id}/members"],
  ["patch", "/api/admin/rooms/{id}/members/{userId}"],
  ["delete", "/api/admin/rooms/{id}/members/{userId}"],
  ["get", "/api/admin/users"],
  ["patch", "/api/admin/users/{id}"],
  ["get", "/api/admin/audit"],
  ["post", "/api/admin/tokens"],
  ["get", "/api/admin/tokens"],
  ["delete", "/api/admin/tokens/{id}"],
  ["get", "/api/rooms/{id}/export"],
  ["post", "/api/rooms/{id}/messages/{seq}/report"],
  ["get", "/api/rooms/{id}/reports"],
  ["patch", "/api/rooms/{id}/reports/{reportId}"],
  ["get", "/api/admin/reports"],
  ["patch", "/api/admin/reports/{id}"],
  ["get", "/api/me/ws"],
  ["get", "/api/config"],
  ["post", "/api/auth/password-reset"],
  ["post", "/api/invites"],
  ["get", "/api/invites"],
  ["get", "/api/invites/{code}"],
  ["delete", "/api/invites/{code}"],
  ["post", "/api/invites/{code}/accept"],
  ["post", "/api/admin/users"],
  ["post", "/api/admin/users/{id}/password-reset"],
  ["get", "/api/openapi.json"],
  ["get", "/api/asyncapi.json"],
  ["get", "/api/workspaces"],
  ["post", "/api/workspaces"],
  ["get", "/api/workspaces/{id}"],
  ["patch", "/api/workspaces/{id}"],
  ["get", "/api/workspaces/{id}/members"],
  ["post", "/api/workspaces/{id}/members"],
  ["patch", "/api/workspaces/{id}/members/{userId}"],
  ["delete", "/api/workspaces/{id}/members/{userId}"],
  ["get", "/api/workspaces/{id}/admin/rooms"],
  ["get", "/api/workspaces/{id}/admin/audit"],
  ["get", "/api/workspaces/{id}/admin/reports"],
];

/** Callable without credentials: their `security` is an explicit `[]`. */
const PUBLIC = new Set([
  "register",
  "login",
  "getInstanceConfig",
  "resetPassword",
  "getInvite",
  "getOpenApiDocument",
  "getAsyncApiDocument",
  "getVapidKey",
]);

/** Where a limit of docs/api.md "Limits" can answer 429 (and only there). */
const RATE_LIMITED = new Set([
  "register",
  "login",
  "changePassword", // a wrong current password is a failed sign-in
  "createRoom",
  "openDm",
  "createSocketTicket",
  "connectRoomSocket",
  "listMessages", // replays (`sinceRev`)
  "sendMessage",
  "editMessage",
  "deleteMessage",
  "addReaction",
  "removeReaction",
  "pinMessage", // pins spend the send bucket, as edits do
  "unpinMessage",
  "uploadAttachment",
  "setAvatar",
]);

const MUTATIONS = new Set(["post", "put", "patch", "delete"]);

type Operation = {
  operationId?: string;
  security?: Array<Record<string, string[]>>;
  responses: Record<string, { headers?: Record<string, unknown> }>;
};

/** The schema with every `$ref` to a component replaced by the component (no cycles here). */
function inline(doc: any, schema: unknown): any {
  if (Array.isArray(schema)) return schema.map((item) => inline(doc, item));
  if (typeof schema !== "object" || schema === null) return schema;
  const ref = (schema as { $ref?: unknown }).$ref;
  if (typeof ref === "string")
    return inline(doc, doc.components.schemas[ref.slice(ref.lastIndexOf("/") + 1)]);
  return Object.fromEntries(
    Object.entries(schema).map(([key, value]) => [key, inline(doc, value)]),
  );
}

async function operations(): Promise<Array<{ method: string; path: string; op: Operation }>> {
  const doc = (await call("GET", "/api/openapi.json")).body;
  return Object.entries(doc.paths as Record<string, Record<string, Operation>>).flatMap(
    ([path, item]) => Object.entries(item).map(([method, op]) => ({ method, path, op })),
  );
}

describe("GET /api/openapi.json", () => {
  it("documents every route with its request schema and responses", async () => {
    const res = await call("GET", "/api/openapi.json");
    expect(res.status).toBe(200);
    const doc = res.body;
    expect(doc.openapi).toBe("3.1.0");
    for (const [method, path] of EXPECTED) {
      const op = doc.paths?.[path]?.[method];
      expect(op, `${method.toUpperCase()} ${path}`).toBeDefined();
      expect(Object.keys(op.responses).length).toBeGreaterThan(0);
    }
    const register = doc.paths["/api/auth/register"].post;
    const schema = inline(doc, register.requestBody.content["application/json"].schema);
    expect(schema.required).toEqual(expect.arrayContaining(["handle", "displayName", "password"]));
    expect(schema.properties.handle.maxLength).toBe(32);
    expect(doc.components.securitySchemes.bearer.scheme).toBe("bearer");
  });

  it("documents the admin page's additions: names, counts, what saving a policy deleted", async () => {
    const doc = (await call("GET", "/api/openapi.json")).body;
    const answer = (path: string, method: string) =>
      inline(doc, doc.paths[path][method].responses["200"].content["application/json"].schema);
    const rooms = JSON.stringify(answer("/api/admin/rooms", "get"));
    for (const field of ["participants", "storedMessages", "deletedMessages"]) {
      expect(rooms).toContain(field);
    }
    const audit = JSON.stringify(answer("/api/admin/audit", "get"));
    for (const field of ["actor", "room", "target", "participants"]) expect(audit).toContain(field);
    expect(JSON.stringify(answer("/api/admin/rooms/{id}/retention", "put"))).toContain("deleted");
  });

  it("names every operation once, in camelCase", async () => {
    const ops = await operations();
    const ids = ops.map(({ op }) => op.operationId);
    for (const { method, path, op } of ops) {
      expect(op.operationId, `${method} ${path}`).toMatch(/^[a-z][a-zA-Z]+$/);
      // The admin API's operations say so in their names.
      expect(op.operationId?.startsWith("admin"), op.operationId).toBe(
        path.startsWith("/api/admin/"),
      );
    }
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(expect.arrayContaining(["listRooms", "sendMessage", "connectRoomSocket"]));
  });

  it("says who may call each operation", async () => {
    const doc = (await call("GET", "/api/openapi.json")).body;
    expect(Object.keys(doc.components.securitySchemes)).toEqual(
      expect.arrayContaining(["bearer", "cookie"]),
    );
    for (const { method, path, op } of await operations()) {
      const where = `${method} ${path} (${op.operationId})`;
      if (PUBLIC.has(op.operationId ?? "")) {
        expect(op.security, where).toEqual([]);
        continue;
      }
      const schemes = (op.security ?? []).flatMap((requirement) => Object.keys(requirement));
      expect(schemes, where).toEqual(expect.arrayContaining(["bearer", "cookie"]));
      // No credentials; a disabled account or a foreign Origin.
      expect(op.responses["401"], where).toBeDefined();
      expect(op.responses["403"], where).toBeDefined();
    }
    const roomSocket = doc.paths["/api/rooms/{id}/ws"].get;
    expect(roomSocket.security).toContainEqual({ ticket: [] });
  });

  it("promises 413 on every mutation and 429 exactly where a limit applies", async () => {
    const ops = await operations();
    for (const { method, path, op } of ops) {
      const where = `${method} ${path} (${op.operationId})`;
      expect(Boolean(op.responses["413"]), where).toBe(MUTATIONS.has(method));
      const limited = op.responses["429"];
      expect(Boolean(limited), where).toBe(RATE_LIMITED.has(op.operationId ?? ""));
      if (limited) expect(limited.headers?.["Retry-After"], where).toBeDefined();
    }
    expect(ops.filter(({ op }) => op.responses["429"])).toHaveLength(RATE_LIMITED.size);
  });

  it("refers to the shared shapes by name instead of copying them", async () => {
    const doc = (await call("GET", "/api/openapi.json")).body;
    const schemas = doc.components.schemas as Record<string, unknown>;
    for (const name of [
      "Room",
      "RoomListItem",
      "RoomDetails",
      "Member",
      "Message",
      "PublicUser",
      "SelfUser",
      "AdminUser",
      "Error",
      "RetentionPolicy",
      "Retention",
      "AuditEntry",
      "ApiTokenInfo",
      "Workspace",
      "WorkspaceMember",
      "UpdateWorkspaceBody",
    ]) {
      expect(schemas[name], name).toBeDefined();
    }
    const paths = JSON.stringify(doc.paths);
    for (const [name, schema] of Object.entries(schemas)) {
      const copy = JSON.stringify(schema);
      if (copy.length > 80) expect(paths.includes(copy), `${name} inlined`).toBe(false);
    }
    // A named shape that may be null is "that or null", not a nullable copy of it.
    expect(schemas.AuditEntry).toMatchObject({
      properties: {
        actor: { anyOf: [{ $ref: "#/components/schemas/PublicUser" }, { type: "null" }] },
      },
    });
    expect(doc.servers).toEqual([expect.objectContaining({ url: "/" })]);
  });

  it("answers unknown API paths with the JSON error shape", async () => {
    const res = await call("GET", "/api/nothing-here");
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe("not_found");
  });
});

describe("GET /api/asyncapi.json", () => {
  const typesOf = (union: { options: ReadonlyArray<{ shape: { type: { value: unknown } } }> }) =>
    union.options.map((frame) => String(frame.shape.type.value));

  it("describes both sockets, one operation per frame type and direction", async () => {
    const res = await call("GET", "/api/asyncapi.json");
    expect(res.status).toBe(200);
    const doc = res.body;
    expect(doc.asyncapi).toBe("3.0.0");
    expect(doc.channels.room.address).toBe("/api/rooms/{id}/ws");
    expect(doc.channels.inbox.address).toBe("/api/me/ws");
    const listed = (channel: string, action: string) =>
      Object.values(doc.operations as Record<string, any>)
        .filter((op) => op.channel.$ref === `#/channels/${channel}` && op.action === action)
        .map((op) => {
          const id = op.messages[0].$ref.split("/").at(-1);
          return doc.components.messages[id].name as string;
        })
        .sort();
    // The server receives what clients send and sends the rest.
    expect(listed("room", "receive")).toEqual(typesOf(ClientFrame).sort());
    expect(listed("room", "send")).toEqual(typesOf(ServerFrame).sort());
    expect(listed("inbox", "send")).toEqual(typesOf(InboxFrame).sort());
    expect(listed("inbox", "receive")).toEqual([]);
  });

  it("gives each frame its zod schema as payload, shared shapes by name", async () => {
    const doc = (await call("GET", "/api/asyncapi.json")).body;
    const schemas = doc.components.schemas as Record<string, any>;
    for (const message of Object.values(doc.components.messages as Record<string, any>)) {
      const schema = schemas[message.payload.$ref.split("/").at(-1)];
      expect(schema?.properties?.type?.const, message.name).toBe(message.name);
    }
    expect(schemas.ServerMessageFrame.properties.message).toEqual({
      $ref: "#/components/schemas/Message",
    });
    expect(schemas.SendFrame.required).toEqual(["type", "cid", "body"]);
    expect(JSON.stringify(doc)).not.toContain("#/definitions/");
  });
});
