// A client built from the OpenAPI document alone: openapi-fetch over the types openapi-typescript
// generated from it (test/contract/openapi.ts, `npm run lint:api`). Its calls are typed by the
// document, and their answers are assigned to the types the app itself speaks (shared/api.ts,
// shared/protocol.ts): `npm run typecheck` fails when the document's shapes drift from them.
import { SELF } from "cloudflare:test";
import createClient from "openapi-fetch";
import { describe, expect, expectTypeOf, it } from "vitest";
import type { ApiTokenInfo, Room, RoomListItem, SelfUser } from "../src/shared/api";
import type { Message } from "../src/shared/protocol";
import type { components, operations, paths } from "./contract/openapi";
import { BASE, uniqueHandle, uniqueIp } from "./helpers";

type Schemas = components["schemas"];

const client = createClient<paths>({
  baseUrl: BASE,
  fetch: (request) => SELF.fetch(request),
});

async function signUp(): Promise<{ user: SelfUser; token: string }> {
  const { data, error } = await client.POST("/api/auth/register", {
    body: { handle: uniqueHandle("typed"), displayName: "Typed Client", password: "correct horse" },
    headers: { "cf-connecting-ip": uniqueIp() },
  });
  if (error) throw new Error(`register: ${error.error.code}`);
  return data;
}

describe("a client generated from /api/openapi.json", () => {
  it("creates a room, sends a message and lists rooms, typed by the document", async () => {
    const { user, token } = await signUp();
    const auth = { headers: { authorization: `Bearer ${token}` } };

    const created = await client.POST("/api/rooms", {
      ...auth,
      body: { kind: "channel", name: "typed" },
    });
    const room: Room | undefined = created.data?.room;
    expect(created.response.status).toBe(201);
    if (!room) throw new Error("no room");

    const sent = await client.POST("/api/rooms/{id}/messages", {
      ...auth,
      params: { path: { id: room.id } },
      body: { cid: "typed-1", body: "hello from the document" },
    });
    const message: Message | undefined = sent.data?.message;
    expect(sent.response.status).toBe(201);
    expect(message).toMatchObject({ seq: 1, body: "hello from the document", replyTo: null });
    expect(message?.sender.id).toBe(user.id);

    const listed = await client.GET("/api/rooms", auth);
    const rooms: RoomListItem[] = listed.data?.rooms ?? [];
    expect(rooms.map((item) => item.room.id)).toContain(room.id);

    const history = await client.GET("/api/rooms/{id}/messages", {
      ...auth,
      params: { path: { id: room.id }, query: { after: 0 } },
    });
    const messages: Message[] = history.data?.messages ?? [];
    expect(messages.map((m) => m.seq)).toEqual([1]);
  });

  it("reads errors in the one documented shape", async () => {
    const { error, response } = await client.GET("/api/rooms/{id}", {
      params: { path: { id: "room_nope" }, query: {} },
    });
    expect(response.status).toBe(401);
    const code: string | undefined = error?.error.code;
    expect(code).toBe("unauthorized");
  });

  it("has the app's shapes under their component names (checked by tsc)", () => {
    // Answers: what the document promises is what the app's types describe, both ways.
    expectTypeOf<Schemas["Message"]>().toEqualTypeOf<Message>();
    expectTypeOf<Schemas["Room"]>().toEqualTypeOf<Room>();
    expectTypeOf<Schemas["SelfUser"]>().toEqualTypeOf<SelfUser>();
    expectTypeOf<Schemas["RoomListItem"]>().toEqualTypeOf<RoomListItem>();
    expectTypeOf<Schemas["ApiTokenInfo"]>().toEqualTypeOf<ApiTokenInfo>();
    expectTypeOf<Schemas["Error"]["error"]["code"]>().toEqualTypeOf<string>();
    // Limits: the 429s carry Retry-After, the mutations a 413.
    type SendAnswers = operations["sendMessage"]["responses"];
    expectTypeOf<SendAnswers[429]["headers"]["Retry-After"]>().toEqualTypeOf<number>();
    expectTypeOf<SendAnswers[413]["content"]["application/json"]>().toEqualTypeOf<
      Schemas["Error"]
    >();
  });
});
