import type { MetricsSample } from '../../../contracts/scaling';

export const T0 = Date.UTC(2025, 0, 1);

/** One sample at `at` with `inFlight` running (and optionally more fields); arrivals follow demand. */
export function sample(at: number, inFlight: number, more: Partial<MetricsSample> = {}): MetricsSample {
  return { at, inFlight, queued: 0, arrivals: inFlight, coldStarts: 0, instances: {}, ...more };
}

/** Samples every `stepMs` from `from` up to and including `to`, each with `demand(at)` in flight. */
export function series(from: number, to: number, demand: (at: number) => number, stepMs = 2_000): MetricsSample[] {
  const samples: MetricsSample[] = [];
  for (let at = from; at <= to; at += stepMs) samples.push(sample(at, demand(at)));
  return samples;
}
