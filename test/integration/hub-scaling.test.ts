import path from 'node:path';
import { loadModulePackage } from '../../modules/package';
import { functionName, startTestPyFaaS, type TestPyFaaS } from '../support/pyfaas';

const PACKAGE_DIR = path.join(__dirname, '../../hub-modules/scaling-rate');
const QUICK = { inline: 'def handler(event, context):\n    return "ok"\n' };
/** Short windows so the test sees the rate rise, the scale-down delay hold and the drop within seconds. */
const RATE = { module: 'rate', params: { targetRatePerInstance: 2, windowSeconds: 6, scaleDownDelaySeconds: 4, maxInstances: 4 } };

/** The rate scaling module, installed into a running PyFaaS's registry (no restart), deciding a real function's instances. */
describe('hub scaling module rate', () => {
  let pyfaas: TestPyFaaS;

  const warmInstances = (name: string) => pyfaas.running.pool!.stats().instances.filter((i) => i.functionName === name).length;
  const scaling = async (name: string) => (await pyfaas.request('GET', `/v1/functions/${name}/scaling`)).body;
  const until = async (check: () => boolean | Promise<boolean>, timeoutMs: number, what: () => string | Promise<string>) => {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${await what()}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  };

  beforeAll(async () => {
    pyfaas = await startTestPyFaaS({ database: 'sqlite' });
  });
  afterAll(() => pyfaas.close());

  it('is refused until installed, then checks its params', async () => {
    const name = functionName('rate-bad');
    expect((await pyfaas.request('POST', '/v1/functions', { name, runtime: 'python3', handler: 'main.handler', code: QUICK })).status).toBe(201);
    const before = await pyfaas.request('PATCH', `/v1/functions/${name}`, { scaling: RATE });
    expect(before.status).toBe(400);
    expect(before.body.error.code).toBe('UNKNOWN_SCALING_MODULE');

    const module = await loadModulePackage(PACKAGE_DIR);
    pyfaas.running.platform.registry.install(module, { type: 'hub', package: module.packageName, integrity: 'test' });
    const bad = await pyfaas.request('PATCH', `/v1/functions/${name}`, { scaling: { module: 'rate', params: { targetRatePerInstance: 0, windowSeconds: 2 } } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/params.targetRatePerInstance.*params.windowSeconds/);
  });

  it('scales a function switched to it with the invocation rate, holds for the delay, then drops to zero', async () => {
    const name = functionName('rate');
    expect((await pyfaas.request('POST', '/v1/functions', { name, runtime: 'python3', handler: 'main.handler', code: QUICK, maxConcurrency: 20 })).status).toBe(201);
    const switched = await pyfaas.request('PATCH', `/v1/functions/${name}`, { scaling: RATE });
    expect(switched.status).toBe(200);
    expect(await scaling(name)).toMatchObject({ function: name, policy: { module: 'rate', params: RATE.params } });

    // About 10 invocations a second for 8 s: at 2/s per instance it wants 5, capped at 4.
    const end = Date.now() + 8000;
    let sent = 0;
    await Promise.all(Array.from({ length: 4 }, async () => {
      while (Date.now() < end) {
        const answer = await pyfaas.request('POST', `/v1/functions/${name}/invoke`, {});
        expect(answer.body.status).toBe('succeeded');
        sent += 1;
        await new Promise((r) => setTimeout(r, 300));
      }
    }));
    expect(sent).toBeGreaterThan(40);
    const loaded = await scaling(name);
    const peak = loaded.decisions.filter((d: any) => /\/s over the last/.test(d.reason)).sort((a: any, b: any) => b.desired - a.desired)[0];
    expect(peak).toBeDefined();
    expect(peak.desired).toBeGreaterThanOrEqual(3);
    expect(peak.mode).toBe('stable');
    expect(peak.reason).toMatch(/at 2\/s each/);
    await until(() => warmInstances(name) >= 3, 10_000, () => JSON.stringify(pyfaas.running.pool!.stats()));

    // Quiet: the rate falls; the count is held for the scale-down delay, then drops to zero.
    await until(() => warmInstances(name) === 0, 40_000, async () => JSON.stringify((await scaling(name)).decisions.slice(-5)));
    const after = (await scaling(name)).decisions;
    const held = after.find((d: any) => /keeping \d+ until the rate stays lower for 4 s/.test(d.reason));
    expect(held).toBeDefined();
    expect(held.desired).toBeGreaterThanOrEqual(3);
    const drop = after.find((d: any) => Date.parse(d.at) > Date.parse(held.at) && d.desired < held.desired);
    expect(drop).toBeDefined();
    // The drop came no sooner than the delay after the rate first wanted fewer.
    const firstLower = after.find((d: any) => /keeping \d+ until/.test(d.reason));
    expect(Date.parse(drop.at) - Date.parse(firstLower.at)).toBeGreaterThanOrEqual(4000);
    expect(after.at(-1)).toMatchObject({ desired: 0, mode: 'idle' });
  });
});
