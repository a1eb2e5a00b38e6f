// `npm run bench`: starts Confab and the baseline Worker under wrangler dev with fresh state, runs
// the selected figures, and writes docs/PERFORMANCE.md (results section) and the fan-out chart.
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { BASELINE_DIR } from "./baseline.ts";
import { Confab } from "./confab.ts";
import {
  describePoint,
  type FanoutSettings,
  fasterBaselineOf,
  measurePoint,
  search,
  sweep,
  type TargetName,
  type Targets,
} from "./fanout.ts";
import { runEarlyFigures, runSeededFigures } from "./figures.ts";
import { machineInfo } from "./machine.ts";
import { parseOptions } from "./options.ts";
import { overloadFigure, servedWithinBounds } from "./overload.ts";
import { type BenchResults, writeReport } from "./report.ts";
import { RAISED_LIMITS, REPO, snapshotRepo, startServer, stopAll } from "./server.ts";

function log(line: string): void {
  process.stdout.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  if (!options) return;
  if (options.fromJson) {
    const saved = JSON.parse(await readFile(options.fromJson, "utf8")) as BenchResults;
    const written = await writeReport(saved, resolve(REPO, options.docsDir ?? "docs"));
    log(`wrote ${written.join(", ")} from ${options.fromJson}`);
    return;
  }
  if (options.profileDir) await mkdir(options.profileDir, { recursive: true });
  const started = performance.now();
  const tmp = await mkdtemp(join(options.tmpRoot, "confab-bench-"));
  const vars: Record<string, string> = { ...RAISED_LIMITS };
  if (options.deliveriesCap !== null) vars.ROOM_DELIVERIES_PER_SEC = String(options.deliveriesCap);
  const results: BenchResults = {
    startedAt: new Date().toISOString(),
    durationSeconds: 0,
    command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(" ")}` : ""}`,
    machine: await machineInfo(options.appDir ?? REPO),
    figures: [...options.figures],
    settings: {
      clients: options.clients,
      senders: options.senders,
      seconds: options.seconds,
      warmupSeconds: options.warmupSeconds,
      maxDrainSeconds: options.maxDrainSeconds,
      repeatRate: options.repeatRate,
      bodyChars: options.bodyChars,
      defaultRun: options.defaultRun,
      vars,
      stateDir: options.tmpRoot,
      direct: !options.viaProxy,
    },
    notes: [],
  };
  try {
    const from = options.appDir ?? REPO;
    log(`state in ${tmp}; serving a snapshot of ${from} (src, migrations, wrangler.toml)`);
    const app = join(tmp, "app");
    await snapshotRepo(app, from);
    const [confabServer, baselineServer] = await Promise.all([
      startServer({
        name: "confab",
        dir: app,
        persistTo: join(tmp, "state-confab"),
        vars,
        migrateD1: true,
        direct: !options.viaProxy,
      }),
      startServer({
        name: "baseline",
        dir: BASELINE_DIR,
        persistTo: join(tmp, "state-baseline"),
        direct: !options.viaProxy,
      }),
    ]);
    for (const server of [confabServer, baselineServer]) {
      log(
        `${server.name}: wrangler dev on ${server.proxyUrl}; clients use ${server.url}${server.direct ? " (the Worker's workerd, no proxy)" : ""}`,
      );
      if (!options.viaProxy && !server.direct) {
        results.settings.direct = false;
        results.notes.push(
          `${server.name}: the Worker's own port was not found; clients went through wrangler's proxy.`,
        );
      }
    }
    const api = new Confab(confabServer.url);
    const targets: Targets = {
      confab: { server: confabServer, api },
      baseline: { server: baselineServer },
      log,
    };
    const settings: FanoutSettings = {
      clients: options.clients,
      senders: options.senders,
      seconds: options.seconds,
      warmupSeconds: options.warmupSeconds,
      maxDrainSeconds: options.maxDrainSeconds,
      bodyChars: options.bodyChars,
    };
    const names: TargetName[] = ["confab", "sqlite", "broadcast"];
    // Every figure needs the admin; the biggest need up to 1,000 accounts (PBKDF2 each).
    const accounts = Math.max(
      options.figures.has("fanout") || options.figures.has("search") ? options.clients : 1,
      options.figures.has("connect") ? options.connectClients : 1,
      options.figures.has("idle") ? options.idleClients : 1,
      options.figures.has("d1") ? options.d1Members : 1,
      options.figures.has("push") ? options.clients + options.pushAway : 1,
      2,
    );
    log(`registering ${accounts} accounts`);
    await api.ensureAccounts(accounts);

    await runEarlyFigures({ options, api, targets, log }, results);
    if (options.figures.has("fanout")) {
      log(`fan-out: N=${options.clients} S=${options.senders} T=${options.seconds}s`);
      results.fanout = await sweep(targets, names, options.rates, settings, log);
      // The p99 target compares single runs, and single p99s are noisy here: more pairs.
      const baseline = fasterBaselineOf(results.fanout);
      const extra = options.rates.includes(options.repeatRate)
        ? options.repeats - 1
        : options.repeats;
      results.repeats = [];
      for (let i = 0; i < extra; i++) {
        const order = i % 2 === 0 ? [baseline, "confab" as const] : ["confab" as const, baseline];
        for (const target of order) {
          const point = await measurePoint(targets, target, options.repeatRate, settings);
          log(`repeat ${describePoint(point)}`);
          results.repeats.push(point);
        }
      }
    }
    if (options.figures.has("search")) {
      results.search = [];
      const baseline = fasterBaselineOf(results.fanout ?? []);
      for (const target of ["confab", baseline] as const) {
        const found = await search(targets, target, results.fanout ?? [], settings, log, {
          start: 50,
          max: options.searchMax,
          precision: 0.1,
          maxProbes: options.searchProbes,
        });
        log(`search ${target}: highest rate within bounds ${found.best ?? "none"} msg/s`);
        results.search.push(found);
      }
    }
    await runSeededFigures({ options, api, targets, log }, results);
    if (options.figures.has("overload")) {
      const searched = results.search?.find((s) => s.target === "confab")?.best ?? null;
      const served = servedWithinBounds(results.fanout ?? [], searched);
      results.overload = await overloadFigure(
        targets,
        settings,
        served ?? Math.min(...options.rates),
        log,
      );
    }
  } finally {
    await stopAll();
    results.durationSeconds = (performance.now() - started) / 1000;
    results.machine.loadAverageEnd = (await machineInfo()).loadAverageStart;
    await rm(tmp, { recursive: true, force: true });
  }
  if (options.jsonPath) await writeFile(options.jsonPath, `${JSON.stringify(results, null, 2)}\n`);
  if (options.docsDir) {
    const written = await writeReport(results, resolve(REPO, options.docsDir));
    log(`wrote ${written.join(", ")}`);
  }
  log(`done in ${results.durationSeconds.toFixed(0)} s`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : error}\n`);
  process.exit(1);
});
