import { Registry } from 'prom-client';
import { observabilityPolicySchema, functionObservability } from '../../../modules/meta/policy-kinds/observability';
import { FunctionMetricsSwitch, ProcessMetrics, OTHER, SCALER_STALE_MS } from '../../../modules/observability';
import { ScalerMetrics } from '../../../modules/observability/scaler';
import { temporalTelemetryOptions } from '../../../modules/observability/temporal-runtime';

async function values(registry: Registry, name: string) {
  const metric = registry.getSingleMetric(name);
  return metric ? (await metric.get()).values : [];
}

const total = async (registry: Registry, name: string, labels: Record<string, string> = {}) =>
  (await values(registry, name)).filter((v) => Object.entries(labels).every(([k, want]) => v.labels[k] === want)).reduce((sum, v) => sum + v.value, 0);

describe('FunctionMetricsSwitch', () => {
  it('agrees with functionObservability for the platform default and every override', () => {
    const switched = new FunctionMetricsSwitch();
    for (const raw of [{}, { metrics: { enabled: false } }, { functions: { a: { metrics: false }, b: { metrics: true } } }, { metrics: { enabled: false }, functions: { a: { metrics: true }, b: { capture: 'none' } } }]) {
      const policy = observabilityPolicySchema.parse(raw);
      switched.apply(policy);
      for (const name of ['a', 'b', 'c']) expect({ raw, name, on: switched.enabled(name) }).toEqual({ raw, name, on: functionObservability(policy, name).metrics });
    }
  });
});

describe('ProcessMetrics per-function switch', () => {
  const ok = { status: 'succeeded' as const, durationMs: 1, coldStart: false };

  it('records nothing of a function switched off, and still counts the others', async () => {
    const metrics = new ProcessMetrics({ enabled: true, maxSeries: 10 });
    metrics.applyPolicy(observabilityPolicySchema.parse({ functions: { quiet: { metrics: false } } }));
    for (const fn of ['quiet', 'loud']) {
      metrics.faas.start(fn, 1);
      metrics.faas.queued(fn, 1, 'placed', 5);
      metrics.faas.finish(fn, 1, 'api', ok);
    }
    expect(await total(metrics.registry, 'pyfaas_faas_invocations_total', { function: 'loud' })).toBe(1);
    const named = (await values(metrics.registry, 'pyfaas_faas_invocations_total')).map((v) => v.labels.function);
    expect(named).not.toContain('quiet');
    expect((await values(metrics.registry, 'pyfaas_faas_running_invocations')).map((v) => v.labels.function)).toEqual(['loud']);
  });

  it('brings the running gauge back down when a function is switched off or on during an attempt, never below zero', async () => {
    const metrics = new ProcessMetrics({ enabled: true, maxSeries: 10 });
    metrics.faas.start('f', 1);
    metrics.applyPolicy(observabilityPolicySchema.parse({ functions: { f: { metrics: false } } }));
    metrics.faas.finish('f', 1, 'api', ok);
    expect(await total(metrics.registry, 'pyfaas_faas_running_invocations', { function: 'f' })).toBe(0);
    expect(await total(metrics.registry, 'pyfaas_faas_invocations_total', { function: 'f' })).toBe(0);
    metrics.faas.start('f', 1); // off: not raised
    metrics.applyPolicy(observabilityPolicySchema.parse({}));
    metrics.faas.finish('f', 1, 'api', ok);
    expect(await total(metrics.registry, 'pyfaas_faas_running_invocations', { function: 'f' })).toBe(0);
    expect(await total(metrics.registry, 'pyfaas_faas_invocations_total', { function: 'f' })).toBe(1);
  });

  it('observes the queue wait per path in seconds', async () => {
    const metrics = new ProcessMetrics({ enabled: true, maxSeries: 10 });
    metrics.faas.queued('f', 2, 'local', 4);
    metrics.faas.queued('f', 2, 'placed', 1500);
    metrics.faas.queued('f', 2, 'placed', -3); // clock skew: counted as no wait
    const sums = (await values(metrics.registry, 'pyfaas_faas_queue_wait_seconds')).filter((v) => (v as { metricName?: string }).metricName?.endsWith('_sum'));
    expect(Object.fromEntries(sums.map((v) => [v.labels.path, v.value]))).toEqual({ local: 0.004, placed: 1.5 });
  });
});

describe('ScalerMetrics', () => {
  it('shows each function\'s last decision, drops stale ones, and caps the series', async () => {
    let now = 1_000_000;
    const registry = new Registry();
    const scaler = new ScalerMetrics(registry, 2, () => now);
    scaler.decided('a', 3, 1);
    scaler.decided('b', 1, 1);
    scaler.decided('c', 2, 0);
    scaler.decided('a', 4, 3);
    const desired = async () => Object.fromEntries((await values(registry, 'pyfaas_scaler_desired_instances')).map((v) => [v.labels.function, v.value]));
    expect(await desired()).toEqual({ b: 1, c: 2, [OTHER]: 4 });
    expect(await total(registry, 'pyfaas_scaler_current_instances', { function: OTHER })).toBe(3);
    now += SCALER_STALE_MS + 1;
    scaler.decided('c', 0, 0);
    expect(await desired()).toEqual({ c: 0 });
  });
});

describe('temporalTelemetryOptions', () => {
  it('turns the SDK exporter on only with a port and metrics on', () => {
    expect(temporalTelemetryOptions({ nodeId: 'n', metrics: { enabled: true, host: '127.0.0.1' } })).toEqual({});
    expect(temporalTelemetryOptions({ nodeId: 'n', metrics: { enabled: false, host: '127.0.0.1', temporalPort: 9000 } })).toEqual({});
    expect(temporalTelemetryOptions({ nodeId: 'n', metrics: { enabled: true, host: '0.0.0.0', temporalPort: 9000 } }).telemetryOptions?.metrics).toMatchObject({
      prometheus: { bindAddress: '0.0.0.0:9000', countersTotalSuffix: true }, globalTags: { node: 'n' },
    });
  });
});
