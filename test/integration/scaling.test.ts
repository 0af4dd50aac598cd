import { functionName, startTestPyFaaS, type TestPyFaaS } from '../support/pyfaas';

const SLOW = { inline: 'import time\n\ndef handler(event, context):\n    time.sleep(event.get("sleep", 0.5))\n    return "ok"\n' };
/** Short windows so the test sees panic, stable and idle within seconds. */
const FAST_KPA = { module: 'kpa', params: { targetConcurrency: 1, stableWindowMs: 8000, panicWindowMs: 2000, scaleToZeroAfterMs: 5000, maxInstances: 8 } };

/** The scaler workflow per function, on the real Temporal server. */
describe('scaling', () => {
  let pyfaas: TestPyFaaS;

  const warmInstances = (name: string) => pyfaas.running.pool!.stats().instances.filter((i) => i.functionName === name).length;
  const scaling = async (name: string) => (await pyfaas.request('GET', `/v1/functions/${name}/scaling`)).body;
  const until = async (check: () => boolean | Promise<boolean>, timeoutMs: number, what: () => string) => {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${what()}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  };

  beforeAll(async () => {
    pyfaas = await startTestPyFaaS({ database: 'sqlite' });
  });
  afterAll(() => pyfaas.close());

  it('scales up in the panic window under a burst, to zero when idle, and cold-starts the next call', async () => {
    const name = functionName('burst');
    expect((await pyfaas.request('POST', '/v1/functions', { name, runtime: 'python3', handler: 'main.handler', code: SLOW, maxConcurrency: 20, scaling: FAST_KPA })).status).toBe(201);
    expect(await scaling(name)).toMatchObject({ function: name, policy: FAST_KPA });

    // A burst: 8 callers, each calling again as soon as it has its answer, for 5 s.
    const burstStart = Date.now();
    const burstEnd = burstStart + 5000;
    await Promise.all(Array.from({ length: 8 }, async () => {
      while (Date.now() < burstEnd) await pyfaas.request('POST', `/v1/functions/${name}/invoke`, { sleep: 1 });
    }));
    const afterBurst = await scaling(name);
    // The panic decisions climb as the burst's demand shows in the window: check the highest made while it was on.
    const panic = afterBurst.decisions
      .filter((d: any) => d.mode === 'panic' && Date.parse(d.at) < burstEnd)
      .sort((a: any, b: any) => b.desired - a.desired)[0];
    expect(panic).toBeDefined();
    expect(panic.desired).toBeGreaterThanOrEqual(4);
    expect(panic.reason).toMatch(/panic/);
    expect(Date.parse(panic.at)).toBeLessThan(burstEnd); // while the burst was on

    // Idle: the scaler brings the function to zero once scaleToZeroAfterMs has passed without demand.
    await until(async () => warmInstances(name) === 0, 40_000, () => JSON.stringify(pyfaas.running.pool!.stats()));
    const idle = (await scaling(name)).decisions.at(-1);
    expect(idle).toMatchObject({ desired: 0, mode: 'idle' });

    const next = await pyfaas.request('POST', `/v1/functions/${name}/invoke`, { sleep: 0 });
    expect(next.body).toMatchObject({ status: 'succeeded', coldStart: true });
  });

  it('follows a policy change to the fixed module', async () => {
    const name = functionName('fixed');
    await pyfaas.request('POST', '/v1/functions', { name, runtime: 'python3', handler: 'main.handler', code: SLOW });
    expect(warmInstances(name)).toBeLessThanOrEqual(1);
    const patched = await pyfaas.request('PATCH', `/v1/functions/${name}`, { scaling: { module: 'fixed', params: { instances: 3 } } });
    expect(patched.status).toBe(200);
    await until(() => warmInstances(name) === 3, 30_000, () => JSON.stringify(pyfaas.running.pool!.stats()));
    expect((await scaling(name)).decisions.at(-1)).toMatchObject({ desired: 3, mode: 'fixed', reason: 'fixed at 3' });
  });

  it('continues as new to bound its history, carrying its decisions over', async () => {
    const name = functionName('carry');
    await pyfaas.request('POST', '/v1/functions', { name, runtime: 'python3', handler: 'main.handler', code: SLOW, scaling: { module: 'fixed', params: { instances: 1 } } });
    const client = pyfaas.running.client;
    const id = `scaler-test:${name}`;
    const handle = await client.workflow.start('scaleFunctions', {
      taskQueue: pyfaas.env.PYFAAS_TASK_QUEUE, workflowId: id,
      args: [{ shard: 'test', tickMs: 200, ticksPerRun: 3, carried: { [name]: { policy: { module: 'fixed', params: { instances: 2 } }, samples: [], decisions: [] } } }],
    });
    await until(async () => (await client.workflow.getHandle(id).describe()).runId !== handle.firstExecutionRunId, 30_000, () => 'a second run');
    const run = await client.workflow.getHandle(id).describe();
    const decisions = async () => (await client.workflow.getHandle(id).query<{ decisions: Array<{ at: string; reason: string }> }, [string]>('scalerStatus', name)).decisions;
    // The decisions were stored, not carried: the run's first sample brings them back.
    await until(async () => (await decisions()).length > 0, 10_000, () => 'decisions in the new run');
    const carried = await decisions();
    expect(Date.parse(carried[0].at)).toBeLessThan(run.startTime.getTime());
    expect(carried.at(-1)!.reason).toBe('fixed at 2');
    // Forgotten, it holds nothing awake: the run ends.
    await client.workflow.getHandle(id).signal('forgetFunction', name);
    expect(await client.workflow.getHandle(id).result()).toMatchObject({ reason: 'nothing is awake' });
  });

  it("ends an older version's per-function scaleFunction workflows, whose type is gone", async () => {
    const client = pyfaas.running.client;
    const legacy = await client.workflow.start('scaleFunction', { taskQueue: pyfaas.env.PYFAAS_TASK_QUEUE, workflowId: `scaler:${functionName('legacy')}`, args: [{}] });
    const scalers = pyfaas.running.platform.createScalers(client, pyfaas.env.PYFAAS_TASK_QUEUE);
    // Visibility lists the new workflow a moment after its start.
    await until(async () => (await scalers.retireLegacyScalers()) > 0 || (await legacy.describe()).status.name !== 'RUNNING', 10_000, () => 'the legacy scaler to be listed');
    expect((await legacy.describe()).status.name).toBe('TERMINATED');
  });

  it('refuses an unknown scaling module or bad parameters', async () => {
    const post = (scaling: object) => pyfaas.request('POST', '/v1/functions', { name: functionName('bad-scale'), runtime: 'python3', handler: 'main.handler', code: SLOW, scaling });
    expect((await post({ module: 'magic' })).body.error.code).toBe('UNKNOWN_SCALING_MODULE');
    const bad = await post({ module: 'kpa', params: { maxInstances: -1 } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/maxInstances/);
  });
});
