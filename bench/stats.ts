// Percentiles and small number helpers shared by the load generator and the figures.

export interface Summary {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

/** Percentiles (nearest rank) of the first `count` values. */
export function summarize(values: ArrayLike<number>, count = values.length): Summary | null {
  if (count === 0) return null;
  const sorted = Float64Array.from({ length: count }, (_, i) => values[i] ?? 0).sort();
  const at = (q: number) => sorted[Math.min(count - 1, Math.ceil(q * count) - 1)] ?? 0;
  let sum = 0;
  for (const v of sorted) sum += v;
  return {
    count,
    p50: at(0.5),
    p90: at(0.9),
    p99: at(0.99),
    max: sorted[count - 1] ?? 0,
    mean: sum / count,
  };
}

export function median(values: number[]): number {
  return summarize(values)?.p50 ?? Number.NaN;
}

/** A ratio, or null when either side is missing or the divisor is 0. */
export function ratio(a: number | null | undefined, b: number | null | undefined): number | null {
  if (a == null || b == null || !Number.isFinite(a) || !Number.isFinite(b) || b === 0) return null;
  return a / b;
}
