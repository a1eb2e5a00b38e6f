// One room past ROOM_RELAY_THRESHOLD under wrangler dev, ready to connect to: the server (with the
// per-user limits out of the way), its accounts, the room, and one endpoint per socket. Shared by
// bench/sharded.ts and bench/relay-cost.ts.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Confab } from "./confab.ts";
import type { Endpoint } from "./load.ts";
import { RAISED_LIMITS, type Server, snapshotRepo, startServer, stopAll } from "./server.ts";

/**
 * Runs a sharded bench: `work` gets a temporary directory and answers its summary, printed as
 * JSON; every server stops and the directory goes whatever happens (an error exits 1).
 */
export function runBench(name: string, work: (tmp: string) => Promise<unknown>): void {
  const run = async () => {
    const tmp = await mkdtemp(join(tmpdir(), `confab-${name}-`));
    try {
      process.stdout.write(`${JSON.stringify(await work(tmp), null, 2)}\n`);
    } finally {
      await stopAll();
      await rm(tmp, { recursive: true, force: true });
    }
  };
  run().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : error}\n`);
    process.exit(1);
  });
}

/** A positive number given as `--name N` on the command line, or `fallback`. */
export function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  const value = at >= 0 ? Number(process.argv[at + 1]) : fallback;
  if (!Number.isFinite(value) || value <= 0) throw new Error(`--${name} must be a number > 0`);
  return value;
}

export interface ShardedSpec {
  /** Name of the server (and of its snapshot and state directories under `tmp`). */
  name: string;
  tmp: string;
  clients: number;
  users: number;
  threshold: number;
  relays: number;
}

export interface ShardedRoom {
  server: Server;
  /** The snapshot wrangler dev serves (its bundle and source map are under `.wrangler/`). */
  app: string;
  roomId: string;
  /** The members' user ids. */
  userIds: string[];
  /** Socket i belongs to user i mod `users`: a user's sockets share one relay. */
  endpoints: Endpoint[];
}

export async function startShardedRoom(spec: ShardedSpec): Promise<ShardedRoom> {
  const app = join(spec.tmp, `app-${spec.name}`);
  await snapshotRepo(app);
  const server = await startServer({
    name: spec.name,
    dir: app,
    persistTo: join(spec.tmp, `state-${spec.name}`),
    migrateD1: true,
    direct: true,
    vars: {
      // Per-user and per-socket limits out of the way (configuration, not code), as for npm run bench.
      ...RAISED_LIMITS,
      ROOM_RELAY_THRESHOLD: String(spec.threshold),
      ROOM_RELAYS: String(spec.relays),
    },
  });
  const api = new Confab(server.url);
  await api.ensureAccounts(spec.users);
  const members = api.accounts.slice(0, spec.users);
  const roomId = await api.createRoom(spec.name, members);
  // Several sockets per person (a user's sockets share a relay): people spread the relays.
  const endpoints = Array.from({ length: spec.clients }, (_, i) =>
    api.endpoint(roomId, members[i % spec.users] as (typeof members)[number]),
  );
  return { server, app, roomId, userIds: members.map((m) => m.id), endpoints };
}
