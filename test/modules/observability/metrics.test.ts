import { ProcessMetrics, OTHER, triggerKind } from '../../../modules/observability';

const outcome = { status: 'succeeded' as const, durationMs: 2, coldStart: false };

async function series(metrics: ProcessMetrics, name: string) {
  const metric = metrics.registry.getSingleMetric(name);
  return metric ? (await metric.get()).values : [];
}

describe('ProcessMetrics', () => {
  it('gives the first maxSeries function@version pairs their own series and counts the rest as _other', async () => {
    const metrics = new ProcessMetrics({ enabled: true, maxSeries: 2 });
    for (const [fn, version] of [['a', 1], ['b', 1], ['c', 1], ['a', 2], ['a', 1]] as const) {
      metrics.faas.start(fn, version);
      metrics.faas.finish(fn, version, 'api', outcome);
    }
    const values = await series(metrics, 'pyfaas_faas_invocations_total');
    const counted = Object.fromEntries(values.filter((v) => v.value > 0).map((v) => [`${v.labels.function}@${v.labels.version}`, v.value]));
    expect(counted).toEqual({ 'a@1': 2, 'b@1': 1, [`${OTHER}@${OTHER}`]: 2 });
    const running = await series(metrics, 'pyfaas_faas_running_invocations');
    expect(running.every((v) => v.value === 0)).toBe(true);
  });

  it('keeps trigger kinds to a fixed set, never a trigger id', () => {
    expect(triggerKind('api')).toBe('api');
    expect(triggerKind('kafka:orders-42')).toBe('kafka');
    expect(triggerKind('schedule:nightly')).toBe('schedule');
    expect(triggerKind('anything:else')).toBe(OTHER);
    expect(triggerKind(undefined)).toBe('unknown');
  });

  it('counts errors and timeouts apart, and a cold start with its init time', async () => {
    const metrics = new ProcessMetrics({ enabled: true, maxSeries: 10 });
    metrics.faas.finish('f', 1, 'http:t1', { status: 'failed', durationMs: 1, coldStart: true }, 120);
    metrics.faas.finish('f', 1, 'http:t1', { status: 'crashed', durationMs: 1, coldStart: false });
    metrics.faas.finish('f', 1, 'http:t1', { status: 'timed_out', durationMs: 1000, coldStart: false });
    const total = async (name: string) => (await series(metrics, name)).reduce((sum, v) => sum + v.value, 0);
    expect(await total('pyfaas_faas_errors_total')).toBe(2);
    expect(await total('pyfaas_faas_timeouts_total')).toBe(1);
    expect(await total('pyfaas_faas_coldstarts_total')).toBe(1);
    const init = (await series(metrics, 'pyfaas_faas_init_duration_seconds')).find((v) => (v as { metricName?: string }).metricName === 'pyfaas_faas_init_duration_seconds_sum');
    expect(init?.value).toBeCloseTo(0.12);
    expect((await series(metrics, 'pyfaas_faas_errors_total'))[0].labels).toMatchObject({ function: 'f', version: '1', trigger: 'http' });
  });

  it('records nothing and renders an empty document when off', async () => {
    const metrics = new ProcessMetrics({ enabled: false, maxSeries: 10 });
    metrics.faas.start('f', 1);
    metrics.faas.finish('f', 1, 'api', outcome);
    expect(metrics.http).toBeUndefined();
    expect((await metrics.render()).body.trim()).toBe('');
  });
});
