import { existsSync } from 'node:fs';
import { AtCapacityError, FunctionLoadError, ModuleError, UnavailableError } from '../../../common/errors';
import { silentLogger } from '../../../common/logger';
import type { FunctionVersionSpec } from '../../../modules/worker/contract';
import { processTree } from '../../../modules/worker/process-tree';
import { instanceGroupDirs } from '../../../modules/worker/limits';
import { LocalPool, type LocalPoolOptions } from '../../../modules/worker/local-pool';
import { eventually } from '../../support/http';
import { functionSpec, NODE_IDENTITY, PY_IDENTITY, removeFunctionDirs, request, RUNTIMES, runningPids, writeFunction } from './fixtures';

const PY_SLOW = {
  'main.py': 'import time\n\ndef handler(event, context):\n    time.sleep(event.get("sleep", 0))\n    return "slept"\n\ndef forever(event, context):\n    while True:\n        pass\n',
};

describe('LocalPool', () => {
  const pools: LocalPool[] = [];
  const makePool = (options: Partial<LocalPoolOptions> = {}) => {
    const pool = new LocalPool({ runtimes: (id) => RUNTIMES[id], logger: silentLogger(), ...options });
    pools.push(pool);
    return pool;
  };
  const pidsOf = (pool: LocalPool) => pool.stats().instances.flatMap((instance) => processTree(instance.pid!));

  afterEach(async () => {
    await Promise.all(pools.splice(0).map((pool) => pool.close()));
  });
  afterAll(removeFunctionDirs);

  it.each([
    ['python3', PY_IDENTITY, 'main.handler'],
    ['node20', NODE_IDENTITY, 'index.handler'],
  ])('starts a %s instance on the first invoke and reuses it warm', async (runtime, files, handler) => {
    const pool = makePool();
    const spec = functionSpec(writeFunction(files), { runtime, handler });
    const cold = await pool.invoke(spec, request({ n: 1 }));
    const warm = await pool.invoke(spec, request({ n: 2 }));
    expect(cold).toMatchObject({ status: 'succeeded', result: { n: 1 }, coldStart: true });
    expect(warm).toMatchObject({ status: 'succeeded', result: { n: 2 }, coldStart: false, instanceId: cold.instanceId });
    expect(pool.stats().instances).toEqual([
      expect.objectContaining({ functionName: spec.functionName, version: 1, instanceId: cold.instanceId, busy: false, pid: expect.any(Number), rssBytes: expect.any(Number) }),
    ]);
  });

  it('setWarm() starts and stops instances to the count, counts invocations, and the reaper keeps the count', async () => {
    const pool = makePool({ idleTimeoutMs: 200, reapIntervalMs: 50 });
    const spec = functionSpec(writeFunction(PY_IDENTITY));
    expect(await pool.setWarm(spec, 3)).toEqual({ started: 3, stopped: 0 });
    expect(pool.stats().instances).toHaveLength(3);
    expect(pool.stats().targets).toEqual({ [`${spec.functionName}@1`]: 3 });
    expect(await pool.invoke(spec, request())).toMatchObject({ coldStart: false });
    await new Promise((r) => setTimeout(r, 500)); // idle well past the timeout: the target keeps them
    expect(pool.stats().instances).toHaveLength(3);
    expect(await pool.setWarm(spec, 1)).toEqual({ started: 0, stopped: 2 });
    expect(await eventually(async () => pool.stats().instances.length === 1, 5000)).toBe(true);
    expect(await pool.setWarm(spec, 0)).toEqual({ started: 0, stopped: 1 });
    expect(await eventually(async () => pool.stats().instances.length === 0, 5000)).toBe(true);
    expect(pool.stats().targets).toEqual({});
    expect(await pool.invoke(spec, request())).toMatchObject({ coldStart: true });
    expect(pool.stats().counters).toEqual({ [`${spec.functionName}@1`]: { invocations: 2, coldStarts: 1 } });
  });

  it('warm() leaves an idle instance the next invoke uses', async () => {
    const pool = makePool();
    const spec = functionSpec(writeFunction(PY_IDENTITY));
    await pool.warm(spec);
    expect(pool.stats().instances).toHaveLength(1);
    expect(await pool.invoke(spec, request())).toMatchObject({ coldStart: false, instanceId: pool.stats().instances[0].instanceId });
  });

  it('refuses invocations past maxConcurrency at once, counting instances still starting', async () => {
    const pool = makePool();
    const spec = functionSpec(writeFunction(PY_SLOW), { maxConcurrency: 2 });
    const first = pool.invoke(spec, request({ sleep: 0.3 }));
    const second = pool.invoke(spec, request({ sleep: 0.3 }));
    await expect(pool.invoke(spec, request())).rejects.toBeInstanceOf(AtCapacityError);
    const outcomes = await Promise.all([first, second]);
    expect(outcomes.map((outcome) => outcome.coldStart)).toEqual([true, true]);
    expect(new Set(outcomes.map((outcome) => outcome.instanceId)).size).toBe(2);
    // Capacity is back once they finish; both instances are warm now.
    expect(await pool.invoke(spec, request())).toMatchObject({ status: 'succeeded', coldStart: false });
  });

  it('replaces a timed-out instance on the next invoke', async () => {
    const pool = makePool();
    const forever = functionSpec(writeFunction(PY_SLOW), { handler: 'main.forever', timeoutMs: 500 });
    const timedOut = await pool.invoke(forever, request());
    expect(timedOut.status).toBe('timed_out');
    const again = await pool.invoke(forever, request());
    expect(again).toMatchObject({ status: 'timed_out', coldStart: true });
    expect(again.instanceId).not.toBe(timedOut.instanceId);
  });

  it('throws FunctionLoadError from warm() when the handler cannot load, and leaves nothing running', async () => {
    const pool = makePool();
    const missing = functionSpec(writeFunction(PY_IDENTITY), { handler: 'nothere.handler' });
    await expect(pool.warm(missing)).rejects.toBeInstanceOf(FunctionLoadError);
    await expect(pool.invoke(missing, request())).rejects.toThrow(/nothere\.py is not in the function's code/);
    expect(pool.stats().instances).toEqual([]);
  });

  it('rejects a malformed handler string and an unknown runtime', async () => {
    const pool = makePool();
    const code = writeFunction(PY_IDENTITY);
    await expect(pool.invoke(functionSpec(code, { handler: 'main' }), request())).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(pool.invoke(functionSpec(code, { runtime: 'cobol' }), request())).rejects.toBeInstanceOf(ModuleError);
  });

  it('stops instances idle longer than idleTimeoutMs', async () => {
    const pool = makePool({ idleTimeoutMs: 300, reapIntervalMs: 50 });
    const spec = functionSpec(writeFunction(PY_IDENTITY));
    await pool.warm(spec);
    const pids = pidsOf(pool);
    expect(await eventually(async () => pool.stats().instances.length === 0, 5000, 50)).toBe(true);
    expect(await eventually(async () => runningPids(pids).length === 0, 2000, 50)).toBe(true);
    expect(await pool.invoke(spec, request())).toMatchObject({ coldStart: true });
  });

  it('evict() lets a running invocation finish, then stops every instance of the function', async () => {
    const pool = makePool();
    const code = writeFunction(PY_SLOW);
    const v1 = functionSpec(code);
    const v2: FunctionVersionSpec = { ...v1, version: 2 };
    const other = functionSpec(code);
    await Promise.all([pool.warm(v1), pool.warm(v1), pool.warm(v2), pool.warm(other)]);
    const pids = pidsOf(pool);
    const running = pool.invoke(v1, request({ sleep: 0.4 }));
    await new Promise((resolve) => setTimeout(resolve, 50));
    await pool.evict(v1.functionName, undefined, 5000);
    expect(await running).toMatchObject({ status: 'succeeded', result: 'slept' });
    expect(pool.stats().instances.map((instance) => instance.functionName)).toEqual([other.functionName]);
    const otherPids = pidsOf(pool);
    expect(runningPids(pids.filter((pid) => !otherPids.includes(pid)))).toEqual([]);
  });

  it('evict() of one version keeps the others, and stops a busy one after drainMs', async () => {
    const pool = makePool();
    const v1 = functionSpec(writeFunction(PY_SLOW), { timeoutMs: 30_000 });
    const v2: FunctionVersionSpec = { ...v1, version: 2 };
    await pool.warm(v2);
    const stuck = pool.invoke(v1, request({ sleep: 20 }));
    await new Promise((resolve) => setTimeout(resolve, 300));
    const startedAt = Date.now();
    await pool.evict(v1.functionName, 1, 200);
    expect(Date.now() - startedAt).toBeLessThan(2000);
    expect(await stuck).toMatchObject({ status: 'crashed', error: { type: 'InstanceStopped' } });
    expect(pool.stats().instances.map((instance) => instance.version)).toEqual([2]);
  });

  it('a start cut short by evict() fails as retryable, not as a load error', async () => {
    const pool = makePool();
    const slowImport = functionSpec(writeFunction({ 'main.py': 'import time\ntime.sleep(5)\n\ndef handler(event, context):\n    return 1\n' }));
    const warming = pool.warm(slowImport);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await pool.evict(slowImport.functionName, undefined, 0);
    await expect(warming).rejects.toBeInstanceOf(UnavailableError);
  });

  it('close() kills every instance, removes their cgroups and refuses further work', async () => {
    const pool = makePool();
    const python = functionSpec(writeFunction(PY_SLOW));
    const node = functionSpec(writeFunction(NODE_IDENTITY), { runtime: 'node20', handler: 'index.handler' });
    await Promise.all([pool.warm(python), pool.warm(node), pool.warm(node)]);
    const busy = pool.invoke(python, request({ sleep: 10 }));
    await new Promise((resolve) => setTimeout(resolve, 100));
    const ids = pool.stats().instances.map((instance) => instance.instanceId);
    const pids = pidsOf(pool);
    expect(pids.length).toBeGreaterThanOrEqual(3 * 3);
    await pool.close();
    expect(runningPids(pids)).toEqual([]);
    expect(ids.flatMap(instanceGroupDirs).filter((dir) => existsSync(dir))).toEqual([]);
    expect(await busy).toMatchObject({ status: 'crashed', error: { type: 'InstanceStopped' } });
    await expect(pool.invoke(python, request())).rejects.toBeInstanceOf(UnavailableError);
  });
});
