import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { instanceGroupDirs, limitMode } from '../../../modules/worker/limits';
import { processTree } from '../../../modules/worker/process-tree';
import { removeFunctionDirs, request, runningPids, startedInstance, stopInstances } from './fixtures';

const PYTHON_HOGS = `
import os

def memory_hog(event, context):
    # Ten times the limit, touched so the pages are really resident.
    chunks = []
    for _ in range(10 * context.memory_limit_in_mb // 16):
        chunks.append(b"x" * (16 * 1024 * 1024))
    return len(chunks)

def fork_bomb(event, context):
    while True:
        try:
            os.fork()
        except OSError:
            pass

def small(event, context):
    return len(b"x" * (8 * 1024 * 1024))
`;

const NODE_HOG = `
exports.heap_hog = () => {
  const kept = [];
  for (;;) kept.push({ text: 'x'.repeat(64) + Math.random(), more: [1, 2, 3] });
};

exports.heap_limits = () => new Promise((resolve, reject) => {
  const worker = new (require('node:worker_threads').Worker)(
    "const { parentPort } = require('node:worker_threads'); parentPort.postMessage(require('node:v8').getHeapStatistics().heap_size_limit)",
    { eval: true },
  );
  worker.once('message', (inWorker) => resolve({ main: require('node:v8').getHeapStatistics().heap_size_limit, worker: inWorker }));
  worker.once('error', reject);
});
`;

describe('instance limits', () => {
  afterEach(stopInstances);
  afterAll(removeFunctionDirs);

  const mode = limitMode();

  it('kills a Python function using ten times its memory and reports OutOfMemory', async () => {
    const instance = await startedInstance({ 'main.py': PYTHON_HOGS }, { handler: 'main.memory_hog', memoryMb: 64, timeoutMs: 30_000 });
    const outcome = await instance.invoke(request(), 30_000);
    if (mode === 'rlimit') {
      // Without cgroups the address-space cap makes the allocation fail inside Python instead.
      expect(outcome).toMatchObject({ status: 'failed', error: { type: 'MemoryError' } });
    } else {
      expect(outcome).toMatchObject({ status: 'crashed', error: { type: 'OutOfMemory' } });
      expect(outcome.error?.message).toContain('64 MB');
      expect(instance.state).toBe('dead');
    }
  });

  it('falls back to an address-space cap for Python where cgroups are not used', async () => {
    const instance = await startedInstance({ 'main.py': PYTHON_HOGS }, { handler: 'main.memory_hog', memoryMb: 64 }, { limits: 'rlimit' });
    expect(instance.state).toBe('idle');
    expect(instanceGroupDirs(instance.id).filter((dir) => existsSync(dir))).toEqual([]);
    const outcome = await instance.invoke(request(), 30_000);
    expect(outcome).toMatchObject({ status: 'failed', error: { type: 'MemoryError' } });
    expect(instance.state).toBe('idle');
  });

  it('starts Node without an address-space cap where cgroups are not used', async () => {
    const instance = await startedInstance({ 'index.js': NODE_HOG }, { runtime: 'node20', handler: 'index.heap_hog', memoryMb: 64 }, { limits: 'rlimit' });
    expect((await instance.invoke(request(), 30_000)).error?.type).toBe('OutOfMemory');
  });

  it('lets a function use memory within its limit', async () => {
    const instance = await startedInstance({ 'main.py': PYTHON_HOGS }, { handler: 'main.small', memoryMb: 64 });
    expect(await instance.invoke(request(), 5000)).toMatchObject({ status: 'succeeded', result: 8 * 1024 * 1024 });
  });

  it("stops a Node function at its heap limit and reports OutOfMemory", async () => {
    const instance = await startedInstance({ 'index.js': NODE_HOG }, { runtime: 'node20', handler: 'index.heap_hog', memoryMb: 64, timeoutMs: 30_000 });
    const outcome = await instance.invoke(request(), 30_000);
    expect(outcome).toMatchObject({ status: 'crashed', error: { type: 'OutOfMemory' } });
  });

  it("caps Node's heap, and a Worker's, by the flag the launcher passes (the shim sets it back before the handler loads)", async () => {
    const instance = await startedInstance({ 'index.js': NODE_HOG }, { runtime: 'node20', handler: 'index.heap_limits', memoryMb: 128 });
    const outcome = await instance.invoke(request(), 5000);
    expect(outcome.status).toBe('succeeded');
    const { main, worker } = outcome.result as { main: number; worker: number };
    // 96 MB of old space plus the young generation; unflagged, V8 would take GBs on this host.
    expect(main).toBeLessThan(256 * 2 ** 20);
    expect(worker).toBeLessThan(256 * 2 ** 20);
    expect(instance.logTail()).not.toMatch(/Deprecation|DEP0111/);
  });

  it('ends a fork bomb and leaves no process behind', async () => {
    const instance = await startedInstance({ 'main.py': PYTHON_HOGS }, { handler: 'main.fork_bomb', timeoutMs: 2000 });
    const invoked = instance.invoke(request(), 2000);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const pids = processTree(instance.pid!);
    if (mode !== 'rlimit') expect(pids.length).toBeLessThanOrEqual(64 + 3); // pids.max inside, plus bwrap twice
    const outcome = await invoked;
    expect(['timed_out', 'crashed']).toContain(outcome.status);
    await instance.closed;
    expect(runningPids(pids)).toEqual([]);
  });

  it('gives each instance its own groups with its limits, removed when it ends', async () => {
    const instance = await startedInstance({ 'main.py': PYTHON_HOGS }, { handler: 'main.small', memoryMb: 80 });
    const groups = instanceGroupDirs(instance.id);
    if (mode === 'rlimit') {
      expect(groups).toEqual([]);
    } else {
      const memoryFile = mode === 'cgroup-v1' ? 'memory.limit_in_bytes' : 'memory.max';
      expect(readFileSync(path.join(groups[0], memoryFile), 'utf8').trim()).toBe(String(80 * 1024 * 1024));
      const pidsGroup = mode === 'cgroup-v1' ? groups[1] : groups[0];
      expect(readFileSync(path.join(pidsGroup, 'pids.max'), 'utf8').trim()).toBe('64');
      // Every process of the sandbox is in every group (the launcher joins on v1 through `tasks`, one thread: check it took the process).
      for (const group of groups) {
        const members = readFileSync(path.join(group, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number);
        expect(members).toEqual(expect.arrayContaining(processTree(instance.pid!)));
      }
    }
    await instance.kill();
    expect(groups.filter((dir) => existsSync(dir))).toEqual([]);
  });
});
