import type { Registry } from 'prom-client';

/** One function's FaaS counters in this process, summed over versions and trigger kinds, since the process started. */
export interface FunctionMetricsSummary {
  function: string;
  invocations: number;
  errors: number;
  timeouts: number;
  coldStarts: number;
  /** Cumulative histogram of the handler's duration: `le` in seconds (null is +Inf, last), count of attempts at or under it. */
  durationBuckets: Array<{ le: number | null; count: number }>;
  durationSumSeconds: number;
}

export interface ConsoleMetrics {
  /** When read: the console takes differences between two reads to draw rates and percentiles. */
  at: string;
  enabled: boolean;
  functions: FunctionMetricsSummary[];
}

interface MetricValue {
  value: number;
  labels: Record<string, string | number>;
  metricName?: string;
}

/**
 * The FaaS part of this process's prom-client registry as small JSON for the console's
 * charts: only the few counters and the duration histogram, folded per function, instead of
 * the whole exposition (Node's own metrics and every label set), which the browser would
 * otherwise have to parse.
 */
export async function consoleMetrics(registry: Registry | undefined): Promise<ConsoleMetrics> {
  const at = new Date().toISOString();
  if (!registry) return { at, enabled: false, functions: [] };
  const metrics = (await registry.getMetricsAsJSON()) as unknown as Array<{ name: string; values: MetricValue[] }>;
  const byName = new Map(metrics.map((m) => [m.name, m.values]));
  const summaries = new Map<string, FunctionMetricsSummary>();
  const summary = (fn: string) => {
    let found = summaries.get(fn);
    if (!found) summaries.set(fn, (found = { function: fn, invocations: 0, errors: 0, timeouts: 0, coldStarts: 0, durationBuckets: [], durationSumSeconds: 0 }));
    return found;
  };
  const add = (metric: string, field: 'invocations' | 'errors' | 'timeouts' | 'coldStarts') => {
    for (const v of byName.get(metric) ?? []) summary(String(v.labels.function))[field] += v.value;
  };
  add('pyfaas_faas_invocations_total', 'invocations');
  add('pyfaas_faas_errors_total', 'errors');
  add('pyfaas_faas_timeouts_total', 'timeouts');
  add('pyfaas_faas_coldstarts_total', 'coldStarts');
  const buckets = new Map<string, Map<number, number>>();
  for (const v of byName.get('pyfaas_faas_invoke_duration_seconds') ?? []) {
    const fn = String(v.labels.function);
    if (v.metricName?.endsWith('_sum')) summary(fn).durationSumSeconds += v.value;
    if (!v.metricName?.endsWith('_bucket')) continue;
    const le = v.labels.le === '+Inf' ? Infinity : Number(v.labels.le);
    let perFn = buckets.get(fn);
    if (!perFn) buckets.set(fn, (perFn = new Map()));
    perFn.set(le, (perFn.get(le) ?? 0) + v.value);
  }
  for (const [fn, perFn] of buckets) {
    summary(fn).durationBuckets = [...perFn].sort((a, b) => a[0] - b[0]).map(([le, count]) => ({ le: Number.isFinite(le) ? le : null, count }));
  }
  return { at, enabled: true, functions: [...summaries.values()].sort((a, b) => a.function.localeCompare(b.function)) };
}
