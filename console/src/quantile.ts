/** A cumulative histogram bucket as GET /v1/console/metrics gives it (`le` null is +Inf). */
export interface Bucket {
  le: number | null;
  count: number;
}

/**
 * The buckets of what happened between two reads of the same cumulative histogram (`before`
 * absent: since the start). A process restart makes counts fall: then `after` alone is the
 * interval.
 */
export function bucketDelta(after: Bucket[], before: Bucket[] | undefined): Bucket[] {
  if (!before) return after;
  const previous = new Map(before.map((b) => [b.le, b.count]));
  const delta = after.map((b) => ({ le: b.le, count: b.count - (previous.get(b.le) ?? 0) }));
  return delta.some((b) => b.count < 0) ? after : delta;
}

/**
 * The q-quantile (0..1) of a cumulative histogram, interpolated linearly inside its bucket as
 * Prometheus's histogram_quantile does: null when the histogram is empty; the highest finite
 * bound when the quantile falls in the +Inf bucket.
 */
export function histogramQuantile(q: number, buckets: Bucket[]): number | null {
  if (buckets.length === 0) return null;
  const total = buckets[buckets.length - 1].count;
  if (!(total > 0)) return null;
  const rank = q * total;
  let lowerBound = 0;
  let lowerCount = 0;
  for (const bucket of buckets) {
    if (bucket.count >= rank) {
      if (bucket.le === null) return lowerBound;
      const inBucket = bucket.count - lowerCount;
      if (inBucket <= 0) return bucket.le;
      return lowerBound + ((bucket.le - lowerBound) * (rank - lowerCount)) / inBucket;
    }
    if (bucket.le !== null) lowerBound = bucket.le;
    lowerCount = bucket.count;
  }
  return lowerBound;
}
