import { eventually } from '../support/http';
import { functionName, startTestPyFaaS, type TestPyFaaS } from '../support/pyfaas';

const CODE = (body: string) => ({ inline: `def handler(event, context):\n    ${body}\n` });

/** Invokes the function by alias from `concurrency` loops until stopped; tallies versions and statuses. */
function loadGenerator(pyfaas: TestPyFaaS, name: string, alias: string, concurrency = 4) {
  let running = true;
  const tally: Record<string, number> = {};
  const loops = Array.from({ length: concurrency }, async () => {
    while (running) {
      const response = await pyfaas.request('POST', `/v1/functions/${name}/invoke?alias=${alias}`, {});
      const key = `v${response.body.version}:${response.body.status}`;
      tally[key] = (tally[key] ?? 0) + 1;
    }
  });
  return {
    tally,
    async stop() {
      running = false;
      await Promise.all(loops);
    },
  };
}

async function waitForRollout(pyfaas: TestPyFaaS, location: string, timeoutMs = 90_000): Promise<{ first: any; last: any }> {
  const deadline = Date.now() + timeoutMs;
  let first: any;
  for (;;) {
    const { status, body } = await pyfaas.request('GET', location);
    expect(status).toBe(200);
    first ??= body;
    if (body.status !== 'running') return { first, last: body };
    if (Date.now() > deadline) throw new Error(`rollout still running after ${timeoutMs} ms: ${JSON.stringify(body)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('rollouts over the HTTP API', () => {
  let pyfaas: TestPyFaaS;
  /** Version 1 returns "one"; version 2 runs `v2`. The alias `live` sends everything to version 1. */
  const withAlias = async (prefix: string, v2: string) => {
    const name = functionName(prefix);
    const created = await pyfaas.request('POST', '/v1/functions', { name, runtime: 'python3', handler: 'main.handler', code: CODE('return "one"'), maxConcurrency: 20 });
    expect(created.status).toBe(201);
    // Built and ready, not active: only the rollout sends traffic to it.
    expect((await pyfaas.request('PATCH', `/v1/functions/${name}?activate=false`, { code: CODE(v2) })).status).toBe(200);
    expect((await pyfaas.request('GET', `/v1/functions/${name}`)).body.activeVersion).toBe(1);
    expect((await pyfaas.request('GET', `/v1/functions/${name}/versions/2`)).body.status).toBe('ready');
    expect((await pyfaas.request('POST', `/v1/functions/${name}/invoke`, {})).body).toMatchObject({ version: 1, result: 'one' });
    expect((await pyfaas.request('PUT', `/v1/functions/${name}/aliases/live`, { versions: [{ version: 1, weight: 100 }] })).status).toBe(200);
    return name;
  };
  const aliasRoutes = async (name: string) => (await pyfaas.request('GET', `/v1/functions/${name}/aliases/live`)).body.versions;

  beforeAll(async () => {
    pyfaas = await startTestPyFaaS({ database: 'sqlite' });
  });
  afterAll(() => pyfaas.close());

  it('completes a rollout to a healthy version: the alias ends at 100% new, every step checked', async () => {
    const name = await withAlias('healthy', 'return "two"');
    const load = loadGenerator(pyfaas, name, 'live');
    try {
      const started = await pyfaas.request('POST', `/v1/functions/${name}/rollouts`, {
        alias: 'live', version: 2, steps: [50, 100], stepPauseMs: 2500, maxErrorRate: 0.2, minInvocations: 3,
      });
      expect(started.status).toBe(202);
      expect(started.body).toMatchObject({ rolloutId: `rollout:${name}:live`, status: 'running', steps: [50, 100] });
      expect(started.headers.get('location')).toBe(`/v1/rollouts/rollout:${name}:live`);

      // One rollout per alias at a time.
      const second = await pyfaas.request('POST', `/v1/functions/${name}/rollouts`, { alias: 'live', version: 2 });
      expect(second.status).toBe(409);
      expect(second.body.error.code).toBe('ROLLOUT_IN_PROGRESS');

      const { first, last } = await waitForRollout(pyfaas, started.headers.get('location')!);
      expect(first).toMatchObject({ status: 'running', functionName: name, alias: 'live', toVersion: 2 });
      expect(first.steps.map((s: any) => s.weight)).toEqual([50, 100]);
      expect(last).toMatchObject({ status: 'succeeded', fromVersion: 1, toVersion: 2, originalRoutes: [{ version: 1, weight: 100 }] });
      expect(last.steps.map((s: any) => s.status)).toEqual(['passed', 'passed']);
      expect(last.steps[1]).toMatchObject({ failed: 0, errorRate: 0, note: expect.stringMatching(/within the maximum 20.0%/) });
      expect(last.steps[1].invocations).toBeGreaterThanOrEqual(3);
      expect(last.reason).toBeUndefined();
    } finally {
      await load.stop();
    }
    expect(await aliasRoutes(name)).toEqual([{ version: 2, weight: 100 }]);
    expect(load.tally['v2:succeeded']).toBeGreaterThan(0);
    expect(Object.keys(load.tally).every((key) => key.endsWith(':succeeded'))).toBe(true);
    // Finished: another rollout of the alias may start (here refused: it already is at version 2).
    const again = await pyfaas.request('POST', `/v1/functions/${name}/rollouts`, { alias: 'live', version: 2 });
    expect(again.status).toBe(409);
    expect(again.body.error.message).toMatch(/nothing to roll out/);
  }, 120_000);

  it('rolls back by itself when the new version fails every call', async () => {
    const name = await withAlias('failing', 'raise RuntimeError("broken release")');
    const load = loadGenerator(pyfaas, name, 'live');
    let last: any;
    try {
      const started = await pyfaas.request('POST', `/v1/functions/${name}/rollouts`, {
        alias: 'live', version: 2, steps: [50, 100], stepPauseMs: 3000, maxErrorRate: 0.1, minInvocations: 3,
      });
      expect(started.status).toBe(202);
      ({ last } = await waitForRollout(pyfaas, started.headers.get('location')!));
    } finally {
      await load.stop();
    }
    // After the roll back, the alias serves version 1 only again.
    for (let i = 0; i < 20; i++) {
      expect((await pyfaas.request('POST', `/v1/functions/${name}/invoke?alias=live`, {})).body).toMatchObject({ status: 'succeeded', version: 1 });
    }
    expect(last).toMatchObject({ status: 'rolled_back', fromVersion: 1, toVersion: 2 });
    expect(last.reason).toMatch(/^Error rate 100\.0% \(\d+ of \d+ invocations of version 2 failed\) exceeded the maximum 10\.0% at the (50|100)% step\.$/);
    const failedStep = last.steps.find((s: any) => s.status === 'failed');
    expect(failedStep).toMatchObject({ errorRate: 1, note: expect.stringMatching(/above the maximum/) });
    expect(failedStep.failed).toBe(failedStep.invocations);
    expect(last.steps.map((s: any) => s.status)).toEqual(failedStep.weight === 50 ? ['failed', 'skipped'] : ['passed', 'failed']);
    expect(await aliasRoutes(name)).toEqual([{ version: 1, weight: 100 }]);
    expect(load.tally['v2:failed']).toBeGreaterThan(0);
    expect(load.tally['v1:succeeded']).toBeGreaterThan(0);
  }, 120_000);

  it('stops without touching the alias when someone changes it during the rollout', async () => {
    const name = await withAlias('changed', 'return "two"');
    const started = await pyfaas.request('POST', `/v1/functions/${name}/rollouts`, { alias: 'live', version: 2, steps: [50, 100], stepPauseMs: 4000, minInvocations: 0 });
    expect(started.status).toBe(202);
    expect(await eventually(async () => (await aliasRoutes(name)).length === 2, 20_000)).toBe(true);
    await pyfaas.request('PUT', `/v1/functions/${name}/aliases/live`, { versions: [{ version: 1, weight: 90 }, { version: 2, weight: 10 }] });
    const { last } = await waitForRollout(pyfaas, started.headers.get('location')!);
    expect(last).toMatchObject({ status: 'failed', reason: expect.stringMatching(/was changed meanwhile.*left the alias as it is/) });
    expect(last.steps.map((s: any) => s.status)).toEqual(['passed', 'failed']);
    expect(await aliasRoutes(name)).toEqual([{ version: 1, weight: 90 }, { version: 2, weight: 10 }]);
  }, 60_000);

  it('restores the alias when the rollout is cancelled', async () => {
    const name = await withAlias('cancel', 'return "two"');
    const started = await pyfaas.request('POST', `/v1/functions/${name}/rollouts`, { alias: 'live', version: 2, steps: [30, 100], stepPauseMs: 60_000 });
    expect(await eventually(async () => (await aliasRoutes(name)).length === 2, 20_000)).toBe(true);
    await pyfaas.running.client.workflow.getHandle(started.body.rolloutId).cancel();
    expect(await eventually(async () => (await aliasRoutes(name)).length === 1, 20_000)).toBe(true);
    expect(await aliasRoutes(name)).toEqual([{ version: 1, weight: 100 }]);
    const { last } = await waitForRollout(pyfaas, started.headers.get('location')!);
    expect(last).toMatchObject({ status: 'rolled_back', reason: 'The rollout was cancelled.' });
  }, 60_000);

  it('answers bad rollout requests with 400, 404 and 409', async () => {
    const name = await withAlias('rbad', 'return "two"');
    const post = (body: unknown) => pyfaas.request('POST', `/v1/functions/${name}/rollouts`, body);
    const steps = await post({ alias: 'live', version: 2, steps: [50, 20] });
    expect(steps.status).toBe(400);
    expect(steps.body.error.details.issues.map((i: any) => i.message)).toEqual(['must be ascending', 'must end at 100']);
    const rate = await post({ alias: 'live', version: 2, maxErrorRate: 2, extra: 1 });
    expect(rate.status).toBe(400);
    expect(rate.body.error.details.issues.map((i: any) => i.path).sort()).toEqual(['', 'maxErrorRate']);
    expect((await post({ version: 2 })).status).toBe(400);
    const alias = await post({ alias: 'nope', version: 2 });
    expect(alias.status).toBe(404);
    expect(alias.body.error.code).toBe('ALIAS_NOT_FOUND');
    const version = await post({ alias: 'live', version: 7 });
    expect(version.status).toBe(409);
    expect(version.body.error.code).toBe('VERSION_NOT_READY');
    expect((await pyfaas.request('POST', '/v1/functions/no-such-fn/rollouts', { alias: 'live', version: 2 })).status).toBe(404);
    const unknown = await pyfaas.request('GET', `/v1/rollouts/rollout:${name}:canary`);
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('ROLLOUT_NOT_FOUND');
    expect((await pyfaas.request('GET', '/v1/rollouts/not-a-rollout')).status).toBe(404);
    expect(await aliasRoutes(name)).toEqual([{ version: 1, weight: 100 }]);
  });
});
