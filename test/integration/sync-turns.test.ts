import { functionName, startTestPyFaaS, type TestPyFaaS } from '../support/pyfaas';

/**
 * Sync invocations take turns for the worker's workflow task slots (modules/task/sync-turns.ts):
 * here two slots and room for one waiting caller, so of four concurrent callers two run,
 * one waits its turn, one is refused at once.
 */
describe('sync invocation turns', () => {
  let pyfaas: TestPyFaaS;

  beforeAll(async () => {
    pyfaas = await startTestPyFaaS({ database: 'sqlite', env: { PYFAAS_WORKFLOW_TASK_SLOTS: '2', PYFAAS_API_SYNC_QUEUE_LIMIT: '1' } });
  });
  afterAll(() => pyfaas.close());

  it('runs callers in their turn and refuses one past the queue with 503 OVERLOADED and Retry-After', async () => {
    const name = functionName('turns');
    const code = { inline: 'import time\n\ndef handler(event, context):\n    time.sleep(1.0)\n    return event["n"]\n' };
    expect((await pyfaas.request('POST', '/v1/functions', { name, runtime: 'python3', handler: 'main.handler', code })).status).toBe(201);
    const invoke = (n: number) => pyfaas.request('POST', `/v1/functions/${name}/invoke`, { n });
    const running = [invoke(1), invoke(2)];
    await new Promise((resolve) => setTimeout(resolve, 100));
    const waiting = invoke(3);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const refused = await invoke(4);
    expect(refused.status).toBe(503);
    expect(refused.body.error.code).toBe('OVERLOADED');
    expect(refused.headers.get('retry-after')).toBe('1');
    const answers = await Promise.all([...running, waiting]);
    expect(answers.map((answer) => [answer.status, answer.body.result])).toEqual([[200, 1], [200, 2], [200, 3]]);
    // The third ran once one of the first two had answered.
    const records = await Promise.all(answers.map((answer) => pyfaas.request('GET', `/v1/invocations/${answer.body.invocationId}`)));
    const [a, b, c] = records.map((record) => Date.parse(record.body.startedAt));
    expect(c).toBeGreaterThanOrEqual(Math.min(a, b) + 1000);
  });
});
