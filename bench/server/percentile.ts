/**
 * The nearest-rank percentile (p in 0..100): the smallest sample with at least p% of the samples
 * at or below it, so p95 of 30 samples is the 29th smallest — a sample that really happened.
 */
export function percentile(values: readonly number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile must be within 0..100 (got ${p})`);
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1];
}
