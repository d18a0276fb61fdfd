/** The statistics every benchmark (and `npm run load`) reports: one definition of each. */

/** The value at fraction `p` (0 to 1) of `values` in ascending order: the nearest rank, never interpolated. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
}

export const median = (values: readonly number[]) => percentile(values, 0.5);

export interface Stats {
  n: number;
  perSecond: number;
  p50: number;
  p99: number;
  max: number;
}

export function stats(latencies: number[], seconds: number): Stats {
  const round = (value: number) => Number(value.toFixed(3));
  return {
    n: latencies.length,
    perSecond: Math.round(latencies.length / seconds),
    p50: round(percentile(latencies, 0.5)),
    p99: round(percentile(latencies, 0.99)),
    max: round(percentile(latencies, 1)),
  };
}
