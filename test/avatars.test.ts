// Profile pictures: one per person in R2, recognised by their bytes, served to anyone signed in
// at a URL that changes with each new picture, and listed as `avatarUrl` wherever people are.
import { env, SELF } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { addMember, BASE, call, createRoom, expectError, register, type TestUser } from "./helpers";

const png = (w: number, h: number) => {
  const out = new Uint8Array(64);
  out.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13], 0);
  out.set([0x49, 0x48, 0x44, 0x52], 12);
  new DataView(out.buffer).setUint32(16, w);
  new DataView(out.buffer).setUint32(20, h);
  return out;
};

const put = (user: TestUser, body: Uint8Array<ArrayBuffer>, type = "image/png") =>
  SELF.fetch(`${BASE}/api/me/avatar`, {
    method: "PUT",
    headers: { authorization: `Bearer ${user.token}`, "content-type": type },
    body,
  });

let ana: TestUser;
let bo: TestUser;

beforeAll(async () => {
  await register(); // the instance's admin
  ana = await register();
  bo = await register();
});

describe("PUT /api/me/avatar", () => {
  it("stores my picture; others see it as avatarUrl and fetch it; a new one is a new URL", async () => {
    const res = await put(ana, png(64, 64));
    expect(res.status).toBe(200);
    const first = ((await res.json()) as { user: { avatarUrl: string } }).user.avatarUrl;
    expect(first).toBe(`/api/users/${ana.id}/avatar?v=1`);

    const room = await createRoom(ana, "private", "faces");
    await addMember(ana, room.id, bo.id);
    const members = await call("GET", `/api/rooms/${room.id}`, undefined, {
      token: bo.token,
    });
    const listed = members.body.members.find((m: { user: { id: string } }) => m.user.id === ana.id);
    expect(listed.user.avatarUrl).toBe(first);
    const people = await call("GET", `/api/users?q=${ana.handle}`, undefined, { token: bo.token });
    expect(people.body.users[0].avatarUrl).toBe(first);

    const image = await SELF.fetch(`${BASE}${first}`, {
      headers: { authorization: `Bearer ${bo.token}` },
    });
    expect(image.status).toBe(200);
    expect(image.headers.get("content-type")).toBe("image/png");
    expect(image.headers.get("x-content-type-options")).toBe("nosniff");
    expect(image.headers.get("cache-control")).toMatch(/immutable/);
    expect(new Uint8Array(await image.arrayBuffer())).toEqual(png(64, 64));

    const again = await put(ana, png(32, 32));
    const second = ((await again.json()) as { user: { avatarUrl: string } }).user.avatarUrl;
    expect(second).toBe(`/api/users/${ana.id}/avatar?v=2`);
    const stale = await SELF.fetch(`${BASE}${first}`, {
      headers: { authorization: `Bearer ${bo.token}` },
    });
    expect(stale.headers.get("cache-control")).toBe("private, no-cache");
    expect(new Uint8Array(await stale.arrayBuffer())).toEqual(png(32, 32));
  });

  it("refuses what is not an image by its bytes, whatever its type says", async () => {
    const html = Uint8Array.from("<html><script>x</script></html>", (c) => c.charCodeAt(0));
    const res = await put(bo, html, "image/png");
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("invalid");
  });

  it("refuses a picture over AVATAR_MAX_BYTES with 413", async () => {
    const big = new Uint8Array(Number(env.AVATAR_MAX_BYTES) + 1);
    big.set(png(10, 10));
    const res = await put(bo, big);
    expect(res.status).toBe(413);
  });

  it("DELETE removes it: avatarUrl null, the URL 404, R2 empty", async () => {
    await put(bo, png(8, 8));
    const res = await call("DELETE", "/api/me/avatar", undefined, { token: bo.token });
    expect(res.status).toBe(200);
    expect(res.body.user.avatarUrl).toBeNull();
    expectError(
      await call("GET", `/api/users/${bo.id}/avatar`, undefined, { token: ana.token }),
      404,
      "not_found",
    );
    expect(await env.FILES.head(`avatars/${bo.id}`)).toBeNull();
  });

  it("pictures are for people signed in", async () => {
    expectError(await call("GET", `/api/users/${ana.id}/avatar?v=2`), 401, "unauthorized");
  });
});
