// The OpenAPI document is generated from the same zod schemas that validate requests.
import { describe, expect, it } from "vitest";
import { ClientFrame, InboxFrame, ServerFrame } from "../src/shared/protocol";
import { call } from "./helpers";

const EXPECTED: Array<[method: string, path: string]> = [
  ["post", "/api/auth/register"],
  ["post", "/api/auth/login"],
  ["post", "/api/auth/logout"],
  ["get", "/api/me"],
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
  ["post", "/api/rooms/{id}/members"],
  ["patch", "/api/rooms/{id}/members/{userId}"],
  ["delete", "/api/rooms/{id}/members/{userId}"],
  ["get", "/api/rooms/{id}/messages"],
  ["post", "/api/rooms/{id}/messages"],
  ["patch", "/api/rooms/{id}/messages/{seq}"],
  ["delete", "/api/rooms/{id}/messages/{seq}"],
  ["put", "/api/rooms/{id}/messages/{seq}/reactions/{emoji}"],
  ["delete", "/api/rooms/{id}/messages/{seq}/reactions/{emoji}"],
  ["post", "/api/rooms/{id}/read"],
  ["get", "/api/rooms/{id}/search"],
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
];

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
