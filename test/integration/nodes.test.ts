import { startCli, type CliProcess } from '../support/cli';
import { functionName, startTestPyFaaS, waitForInvocation, type TestPyFaaS } from '../support/pyfaas';

const SLOW = { inline: 'import time\n\ndef handler(event, context):\n    time.sleep(event.get("sleep", 0.2))\n    return event.get("n")\n' };

/** Several worker processes against one Temporal and one PostgreSQL meta store. */
describe('worker nodes and placement', () => {
  let pyfaas: TestPyFaaS;
  const children = new Map<string, CliProcess>();

  const liveNodes = async (): Promise<string[]> => (await pyfaas.request('GET', '/v1/nodes')).body.items.map((n: any) => n.nodeId).sort();
  const until = async (check: () => Promise<boolean>, timeoutMs: number, what: string) => {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${what}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  };
  const startNode = async (nodeId: string) => {
    const child = startCli(['serve'], { ...pyfaas.env, PYFAAS_ROLE: 'worker', PYFAAS_NODE_ID: nodeId, PYFAAS_LOG_LEVEL: 'warn' });
    children.set(nodeId, child);
    await until(async () => (await liveNodes()).includes(nodeId), 60_000, `node ${nodeId} to announce itself\n${child.output()}`);
  };
  const deploy = async (name: string) => {
    const response = await pyfaas.request('POST', '/v1/functions', { name, runtime: 'python3', handler: 'main.handler', code: SLOW, maxConcurrency: 50 });
    expect(response.status).toBe(201);
  };

  beforeAll(async () => {
    pyfaas = await startTestPyFaaS({ database: 'postgres' });
    await startNode('node-b');
  });
  afterAll(async () => {
    for (const child of children.values()) child.child.kill('SIGKILL');
    await pyfaas.close();
  });

  it('lists the live nodes with their queues and shares a burst between them', async () => {
    const nodes = (await pyfaas.request('GET', '/v1/nodes')).body.items;
    expect(nodes.map((n: any) => n.nodeId).sort()).toEqual(['node-b', 'test-node']);
    expect(nodes.find((n: any) => n.nodeId === 'node-b')).toMatchObject({ taskQueue: `${pyfaas.env.PYFAAS_TASK_QUEUE}@node-b`, capacity: 64 });
    const name = functionName('spread');
    await deploy(name);
    const ids: string[] = [];
    for (let n = 0; n < 40; n += 1) ids.push((await pyfaas.request('POST', `/v1/functions/${name}/invoke?async=true`, { n, sleep: 0.3 })).body.invocationId);
    const done = await Promise.all(ids.map((id) => waitForInvocation(pyfaas, id, 90_000)));
    expect(done.every((d) => d.status === 'succeeded')).toBe(true);
    expect(new Set(done.map((d) => d.nodeId))).toEqual(new Set(['node-b', 'test-node']));
  });

  it('survives a node killed mid-burst: async invocations complete once each, sync ones answer', async () => {
    await startNode('node-c');
    const name = functionName('killed');
    await deploy(name);
    const asyncIds: string[] = [];
    for (let n = 0; n < 30; n += 1) asyncIds.push((await pyfaas.request('POST', `/v1/functions/${name}/invoke?async=true`, { n, sleep: 1.5 })).body.invocationId);
    const syncCalls = Array.from({ length: 10 }, (_, n) => pyfaas.request('POST', `/v1/functions/${name}/invoke`, { n: 100 + n, sleep: 1.5 }));
    await new Promise((r) => setTimeout(r, 1000));
    const killedAt = Date.now();
    children.get('node-c')!.child.kill('SIGKILL');

    const done = await Promise.all(asyncIds.map((id) => waitForInvocation(pyfaas, id, 120_000)));
    expect(done.map((d) => d.status)).toEqual(Array(30).fill('succeeded'));
    expect(done.map((d) => d.result).sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, n) => n));
    // Those that finished on node-c did so before it died; the others ran again on a live node.
    expect(done.filter((d) => d.nodeId === 'node-c').every((d) => Date.parse(d.finishedAt) < killedAt + 1000)).toBe(true);
    expect(done.filter((d) => d.nodeId !== 'node-c').length).toBeGreaterThan(0);
    // Each async request is one invocation, whatever happened to its attempts.
    const listed = (await pyfaas.request('GET', `/v1/invocations?function=${name}&limit=100`)).body.items;
    expect(listed.filter((i: any) => i.mode === 'async')).toHaveLength(30);

    for (const response of await Promise.all(syncCalls)) {
      // A result, or a clear error with a stable code: never a hang (the await above would time out).
      if (response.status === 200) expect(response.body.status).toBe('succeeded');
      else expect(response.body.error.code).toMatch(/^[A-Z_]+$/);
    }
    await until(async () => !(await liveNodes()).includes('node-c'), 20_000, 'node-c to drop out of placement');
  });
});
