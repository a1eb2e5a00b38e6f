// Overload: Confab restarted with its room-wide admission cap sized to half of what this machine
// served within bounds in the sweep, then driven at 2× and 4× that, next to the SQLite baseline
// (which has no cap) at the same rates. Shows whether admission control keeps a room out of collapse;
// with the default cap the sweep shows what happens when the cap is above the machine's limit.
import {
  describePoint,
  type FanoutPoint,
  type FanoutSettings,
  type Log,
  measurePoint,
  restartServer,
  type Targets,
  withinBounds,
} from "./fanout.ts";

export interface OverloadFigure {
  /** ROOM_DELIVERIES_PER_SEC Confab ran with for this figure. */
  capDeliveriesPerSec: number;
  /** The same as messages a second in a room of N sockets. */
  capMessagesPerSec: number;
  /** The highest rate served within bounds that the cap was sized from. */
  calibratedFromRate: number;
  points: FanoutPoint[];
}

/** The highest Confab rate served within bounds so far (sweep and search). */
export function servedWithinBounds(points: FanoutPoint[], searched: number | null): number | null {
  let best = searched;
  for (const p of points) {
    if (p.target === "confab" && withinBounds(p.result)) best = Math.max(best ?? 0, p.rate);
  }
  return best;
}

export async function overloadFigure(
  targets: Targets,
  settings: FanoutSettings,
  calibratedFromRate: number,
  log: Log,
): Promise<OverloadFigure> {
  // Half of what it served within bounds: the other processes on a shared machine come and go.
  const capMessagesPerSec = Math.max(1, Math.floor(calibratedFromRate / 2));
  const capDeliveriesPerSec = capMessagesPerSec * settings.clients;
  log(
    `overload: Confab restarted with ROOM_DELIVERIES_PER_SEC=${capDeliveriesPerSec} (${capMessagesPerSec} msg/s at N=${settings.clients})`,
  );
  await restartServer(targets, "confab", { ROOM_DELIVERIES_PER_SEC: String(capDeliveriesPerSec) });
  const points: FanoutPoint[] = [];
  for (const factor of [2, 4]) {
    const rate = capMessagesPerSec * factor;
    for (const target of ["confab", "sqlite"] as const) {
      const point = await measurePoint(targets, target, rate, settings);
      log(`overload ${describePoint(point)}`);
      points.push(point);
    }
  }
  return { capDeliveriesPerSec, capMessagesPerSec, calibratedFromRate, points };
}
