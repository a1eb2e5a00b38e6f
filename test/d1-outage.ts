// A room whose D1 fails: the room's own D1 binding is swapped (inside its Durable Object) for one
// that throws, at the one boundary the room talks to D1 through. The Worker's D1 is untouched.
import { env, runInDurableObject } from "cloudflare:test";
import type { Env } from "../src/config/env";
import type { RoomDO } from "../src/room/room-do";
import { roomStub } from "./helpers";

type Stub = ReturnType<typeof roomStub>;

/** `down`: every call fails; `answer-lost`: D1 commits the batch, then the answer is lost. */
export async function breakD1(stub: Stub, how: "down" | "answer-lost" = "down"): Promise<void> {
  await runInDurableObject<RoomDO, void>(stub, (room) => {
    const instance = room as unknown as { env: Env };
    const real: D1Database = env.DB;
    const down = async () => {
      throw new Error("D1_ERROR: injected outage");
    };
    const statement: Record<string, unknown> = {};
    Object.assign(statement, {
      bind: () => statement,
      all: down,
      first: down,
      run: down,
      raw: down,
    });
    const broken =
      how === "down"
        ? { prepare: () => statement, batch: down }
        : {
            prepare: (sql: string) => real.prepare(sql),
            // D1 commits, then the answer never arrives: the room must retry without harm.
            batch: async (statements: D1PreparedStatement[]) => {
              await real.batch(statements);
              throw new Error("D1_ERROR: connection reset after commit (injected)");
            },
          };
    instance.env = new Proxy(env, {
      get: (target, key) => (key === "DB" ? broken : Reflect.get(target, key)),
    });
  });
}

export async function repairD1(stub: Stub): Promise<void> {
  await runInDurableObject<RoomDO, void>(stub, (room) => {
    (room as unknown as { env: Env }).env = env;
  });
}

export const breakRoomD1 = (roomId: string) => breakD1(roomStub(roomId));
export const repairRoomD1 = (roomId: string) => repairD1(roomStub(roomId));
