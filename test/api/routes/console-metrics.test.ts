import { consoleMetrics } from '../../../api/routes/console-metrics';
import { ProcessMetrics } from '../../../modules/observability';

describe('consoleMetrics', () => {
  it("folds a process's FaaS series per function: counts over versions and triggers, and the duration histogram", async () => {
    const metrics = new ProcessMetrics({ enabled: true, maxSeries: 10 });
    const attempt = (fn: string, version: number, trigger: string, status: 'succeeded' | 'failed' | 'timed_out', ms: number, coldStart = false) => {
      metrics.faas.start(fn, version);
      metrics.faas.finish(fn, version, trigger, { status, durationMs: ms, coldStart }, coldStart ? 30 : undefined);
    };
    attempt('echo', 1, 'api', 'succeeded', 2, true);
    attempt('echo', 2, 'http:route', 'failed', 40);
    attempt('echo', 2, 'api', 'timed_out', 2000);
    attempt('other', 1, 'api', 'succeeded', 1);
    const read = await consoleMetrics(metrics.registry);
    expect(read.enabled).toBe(true);
    expect(read.functions.map((f) => f.function)).toEqual(['echo', 'other']);
    const echo = read.functions[0];
    expect(echo).toMatchObject({ invocations: 3, errors: 1, timeouts: 1, coldStarts: 1 });
    expect(echo.durationSumSeconds).toBeCloseTo(2.042);
    expect(echo.durationBuckets.at(-1)).toEqual({ le: null, count: 3 });
    expect(echo.durationBuckets.find((b) => b.le === 0.0025)?.count).toBe(1);
    expect(echo.durationBuckets.find((b) => b.le === 0.05)?.count).toBe(2);
    expect(JSON.parse(JSON.stringify(read))).toEqual(read);
  });

  it('says metrics are off when the process records none', async () => {
    expect(await consoleMetrics(undefined)).toMatchObject({ enabled: false, functions: [] });
  });
});
