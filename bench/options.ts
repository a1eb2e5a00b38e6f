// Command-line options of `npm run bench`: which figures to measure and how hard to push.
import { existsSync } from "node:fs";
import { parseArgs } from "node:util";

export const FIGURES = [
  "fanout",
  "search",
  "connect",
  "idle",
  "d1",
  "retention",
  "history",
  "overload",
  "files",
  "push",
] as const;
export type Figure = (typeof FIGURES)[number];

export interface Options {
  figures: Set<Figure>;
  /** N: clients in the fan-out room. */
  clients: number;
  /** S: how many of them send. */
  senders: number;
  /** R: offered messages per second (all senders together), one point per rate. */
  rates: number[];
  /** T: seconds of sending per point. */
  seconds: number;
  warmupSeconds: number;
  maxDrainSeconds: number;
  bodyChars: number;
  /** The rate of the p99 target, measured `repeats` times (Confab and the faster baseline in turn). */
  repeatRate: number;
  repeats: number;
  searchMax: number;
  searchProbes: number;
  connectClients: number;
  idleClients: number;
  d1Members: number;
  d1Messages: number;
  historyMessages: number;
  /** M: members away (no socket, one push subscription, level `all`) in the push figure. */
  pushAway: number;
  /** ROOM_DELIVERIES_PER_SEC for Confab; null keeps wrangler.toml's value. */
  deliveriesCap: number | null;
  /** Where PERFORMANCE.md and the chart go; null writes nothing but the JSON. */
  docsDir: string | null;
  jsonPath: string | null;
  /** Parent of the run's temporary directory (tmpfs when there is one). */
  tmpRoot: string;
  /** The checkout whose Confab is served (default: this repo), e.g. to compare a branch. */
  appDir: string | null;
  /** Connect through wrangler's local proxy instead of to the Worker's workerd. */
  viaProxy: boolean;
  /** Only output options were given: this is the default measurement. */
  defaultRun: boolean;
  /** Measure nothing: render the docs from a JSON file an earlier run wrote. */
  fromJson: string | null;
  /** Write CPU profiles (connect, push) and heap snapshots (idle) of the Workers' isolates here. */
  profileDir: string | null;
}

const OUTPUT_OPTIONS = new Set(["docs", "no-docs", "json", "tmp"]);

const HELP = `npm run bench -- [options]

Starts Confab and the baseline Worker under wrangler dev (workerd) on 127.0.0.1 with fresh
state, drives them over real WebSockets and writes docs/PERFORMANCE.md and docs/perf-fanout.svg.

  --only LIST            figures to run (default: all): ${FIGURES.join(",")}
  --skip LIST            figures to leave out
  --clients N            clients in the fan-out room (default 100)
  --senders S            how many of them send (default 10)
  --rates R1,R2,...      offered messages/s, all senders together (default 100,200,300,400,500,650,900)
  --seconds T            seconds of sending per point (default 5)
  --warmup S             leading seconds left out of the figures (default 1)
  --drain S              longest wait for late deliveries after a point (default 6)
  --body-chars C         characters per message body (default 64)
  --repeat-rate R        the rate measured again for the p99 comparison (default 100)
  --repeats K            how many Confab/baseline pairs at that rate, the sweep's included (default 3)
  --search-max R         highest rate the search tries (default 2000)
  --search-probes P      runs per target in the search (default 3)
  --connect-clients N    sockets for the connect-to-ready figure (default 500)
  --idle-clients N       idle hibernated sockets for the memory figure (default 1000)
  --d1-members N         members of the large room of the D1 figure (default 1000)
  --d1-messages M        messages sent per room in the D1 figure (default 100)
  --history-messages M   messages in the history room (default 1000000)
  --push-away M          members away, each with a push subscription, in the push figure (default 500)
  --cap D                ROOM_DELIVERIES_PER_SEC for Confab (default: wrangler.toml's)
  --docs DIR             where PERFORMANCE.md and the chart go (default docs)
  --no-docs              write nothing but the JSON results
  --json FILE            also write the raw results as JSON
  --tmp DIR              parent of the run's temporary state (default /dev/shm, else the OS tmp)
  --app DIR              serve Confab from another checkout (default: this repo)
  --from-json FILE       measure nothing: rewrite the docs from an earlier run's --json
  --profile DIR          write DevTools CPU profiles of the connect figure and heap snapshots
                         of the idle one (both Workers' isolates, rooms included) into DIR, and
                         CPU profiles of Confab's isolate while each run of the push figure sends
  --via-proxy            connect through wrangler's local proxy (default: straight to the
                         Worker's workerd, as production has no such relay on the room's machine)
  --help
`;

function list(value: string | undefined): string[] {
  return (value ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
}

function positiveNumber(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} takes a positive number`);
  return n;
}

function figureList(name: string, value: string | undefined): Figure[] {
  const items = list(value);
  for (const item of items) {
    if (!(FIGURES as readonly string[]).includes(item)) {
      throw new Error(`--${name}: unknown figure "${item}" (known: ${FIGURES.join(", ")})`);
    }
  }
  return items as Figure[];
}

export function parseOptions(argv: string[]): Options | null {
  const { values } = parseArgs({
    args: argv,
    options: {
      only: { type: "string" },
      skip: { type: "string" },
      clients: { type: "string" },
      senders: { type: "string" },
      rates: { type: "string" },
      seconds: { type: "string" },
      warmup: { type: "string" },
      drain: { type: "string" },
      "body-chars": { type: "string" },
      "repeat-rate": { type: "string" },
      repeats: { type: "string" },
      "search-max": { type: "string" },
      "search-probes": { type: "string" },
      "connect-clients": { type: "string" },
      "idle-clients": { type: "string" },
      "d1-members": { type: "string" },
      "d1-messages": { type: "string" },
      "history-messages": { type: "string" },
      "push-away": { type: "string" },
      cap: { type: "string" },
      docs: { type: "string" },
      "no-docs": { type: "boolean" },
      json: { type: "string" },
      tmp: { type: "string" },
      app: { type: "string" },
      "from-json": { type: "string" },
      "via-proxy": { type: "boolean" },
      profile: { type: "string" },
      help: { type: "boolean" },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(HELP);
    return null;
  }
  const only = figureList("only", values.only);
  const skip = new Set(figureList("skip", values.skip));
  const figures = new Set((only.length > 0 ? only : [...FIGURES]).filter((f) => !skip.has(f)));
  const rates = list(values.rates).map((r) => positiveNumber("rates", r, 1));
  const seconds = positiveNumber("seconds", values.seconds, 5);
  const warmupSeconds = values.warmup === undefined ? 1 : Number(values.warmup);
  if (!(warmupSeconds >= 0 && warmupSeconds < seconds)) {
    throw new Error("--warmup must be at least 0 and less than --seconds");
  }
  return {
    figures,
    clients: Math.floor(positiveNumber("clients", values.clients, 100)),
    senders: Math.floor(positiveNumber("senders", values.senders, 10)),
    rates: rates.length > 0 ? rates : [100, 200, 300, 400, 500, 650, 900],
    seconds,
    warmupSeconds,
    maxDrainSeconds: positiveNumber("drain", values.drain, 6),
    bodyChars: Math.floor(positiveNumber("body-chars", values["body-chars"], 64)),
    repeatRate: positiveNumber("repeat-rate", values["repeat-rate"], 100),
    repeats: Math.floor(positiveNumber("repeats", values.repeats, 3)),
    searchMax: positiveNumber("search-max", values["search-max"], 2000),
    searchProbes: Math.floor(positiveNumber("search-probes", values["search-probes"], 3)),
    connectClients: Math.floor(positiveNumber("connect-clients", values["connect-clients"], 500)),
    idleClients: Math.floor(positiveNumber("idle-clients", values["idle-clients"], 1000)),
    d1Members: Math.floor(positiveNumber("d1-members", values["d1-members"], 1000)),
    d1Messages: Math.floor(positiveNumber("d1-messages", values["d1-messages"], 100)),
    historyMessages: Math.floor(
      positiveNumber("history-messages", values["history-messages"], 1_000_000),
    ),
    pushAway: Math.floor(positiveNumber("push-away", values["push-away"], 500)),
    deliveriesCap: values.cap === undefined ? null : positiveNumber("cap", values.cap, 1),
    docsDir: values["no-docs"] ? null : (values.docs ?? "docs"),
    jsonPath: values.json ?? null,
    tmpRoot: values.tmp ?? (existsSync("/dev/shm") ? "/dev/shm" : (process.env.TMPDIR ?? "/tmp")),
    appDir: values.app ?? null,
    viaProxy: values["via-proxy"] ?? false,
    defaultRun: Object.keys(values).every((key) => OUTPUT_OPTIONS.has(key)),
    fromJson: values["from-json"] ?? null,
    profileDir: values.profile ?? null,
  };
}
