import { env, evictDurableObject } from "cloudflare:test";
import { it } from "vitest";
import { call, createRoom, register } from "./helpers";
import { RoomClient } from "./room-client";

it("probe", async () => {
  let t = Date.now();
  const users = await Promise.all(Array.from({ length: 10 }, () => register()));
  console.log("register 10 parallel ms", Date.now() - t);
  t = Date.now();
  for (let i = 0; i < 3; i++) await register();
  console.log("register 3 seq ms", Date.now() - t);
  const owner = users[0]!;
  const room = await createRoom(owner, "channel", "probe");
  const stub = env.ROOM.get(env.ROOM.idFromName(room.id));
  const a = await RoomClient.open(room.id, owner.token, { sinceRev: 0 });
  console.log("frames", JSON.stringify(a.frames));
  // send then close immediately
  a.send({ type: "send", cid: "x1", body: "hello" });
  a.close();
  console.log("closed", await a.waitClosed());
  const b = await RoomClient.open(room.id, owner.token, { sinceRev: 0 });
  await b.next("synced");
  console.log("b frames", JSON.stringify(b.frames.map((f) => f.type)));
  t = Date.now();
  await evictDurableObject(stub, { webSockets: "close" });
  console.log("evict close ms", Date.now() - t);
  try {
    console.log("b closed", await b.waitClosed(3000));
  } catch (e) {
    console.log("b not closed", String(e), b.ws.readyState);
  }
  const c = await RoomClient.open(room.id, owner.token, { sinceRev: 0 });
  t = Date.now();
  await evictDurableObject(stub, { webSockets: "hibernate" });
  console.log("evict hib ms", Date.now() - t);
  const raw: unknown[] = [];
  c.ws.addEventListener("message", (e) => raw.push(e.data));
  // biome-ignore lint: probe
  (c as any).frames.length = 0;
  try {
    c.sendRaw("ping");
  } catch (e) {
    console.log("sendRaw", e);
  }
  await new Promise((r) => setTimeout(r, 200));
  console.log("raw", raw, c.closed);
  t = Date.now();
  for (let i = 0; i < 5; i++) {
    const res = await call(
      "POST",
      `/api/rooms/${room.id}/messages`,
      { cid: `h${i}`, body: `b${i}` },
      { token: owner.token },
    );
    if (i === 0) console.log(res.status);
  }
  console.log("5 http sends ms", Date.now() - t);
});
