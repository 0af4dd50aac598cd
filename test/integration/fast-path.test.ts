import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { workflowBundlePath } from '../../process/worker';
import { functionName, startTestPyFaaS, type TestPyFaaS } from '../support/pyfaas';

const EventType = temporal.api.enums.v1.EventType;

/**
 * The invoke fast path: with an idle warm instance on the node that takes the workflow task
 * (role `all`, eager start), the attempt runs as a local activity and the invocation is one
 * workflow task; without one it is placed as an activity, as before.
 */
describe('invoke fast path', () => {
  let pyfaas: TestPyFaaS;
  const SLEEPY = { inline: 'import time\n\ndef handler(event, context):\n    time.sleep(event.get("sleep", 0))\n    return event.get("n")\n' };

  beforeAll(async () => {
    pyfaas = await startTestPyFaaS({ database: 'sqlite' });
  });
  afterAll(() => pyfaas.close());

  const historyOf = async (invocationId: string) => {
    const history = await pyfaas.running.client.workflow.getHandle(invocationId).fetchHistory();
    const events = history.events ?? [];
    const count = (type: number) => events.filter((event) => event.eventType === type).length;
    const markers = (name: string) => events.filter((event) => event.markerRecordedEventAttributes?.markerName === name).length;
    return {
      workflowTasks: count(EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED),
      activities: count(EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED),
      localActivities: markers('core_local_activity'),
      upserts: count(EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES),
    };
  };

  it('runs a warm sync invocation in one workflow task, as a local activity, with one search-attribute upsert', async () => {
    const name = functionName('fast');
    expect((await pyfaas.request('POST', '/v1/functions', { name, runtime: 'python3', handler: 'main.handler', code: SLEEPY })).status).toBe(201);
    const response = await pyfaas.request('POST', `/v1/functions/${name}/invoke`, { n: 7 });
    expect(response.body).toMatchObject({ status: 'succeeded', result: 7, path: 'local', coldStart: false });
    expect(await historyOf(response.body.invocationId)).toEqual({ workflowTasks: 1, activities: 0, localActivities: 1, upserts: 1 });
    // The record and the Temporal UI's status read the same as on the placed path.
    const read = await pyfaas.request('GET', `/v1/invocations/${response.body.invocationId}`);
    expect(read.body).toMatchObject({ status: 'succeeded', result: 7, path: 'local', attempts: 1 });
    // A worker that takes the workflow over (this node died after the task) replays it deterministically.
    const history = await pyfaas.running.client.workflow.getHandle(response.body.invocationId).fetchHistory();
    await expect(Worker.runReplayHistory({ workflowBundle: { codePath: workflowBundlePath() } }, history)).resolves.toBeUndefined();
  });

  it('places the attempt as an activity when no warm instance is idle here, and still answers every call', async () => {
    const name = functionName('busy');
    expect((await pyfaas.request('POST', '/v1/functions', { name, runtime: 'python3', handler: 'main.handler', code: SLEEPY, maxConcurrency: 8 })).status).toBe(201);
    const answers = await Promise.all(Array.from({ length: 4 }, (_, n) => pyfaas.request('POST', `/v1/functions/${name}/invoke`, { n, sleep: 0.5 })));
    expect(answers.map((answer) => answer.body.result).sort()).toEqual([0, 1, 2, 3]);
    const paths = answers.map((answer) => answer.body.path);
    expect(paths).toContain('placed');
    const placed = answers.find((answer) => answer.body.path === 'placed')!;
    expect(await historyOf(placed.body.invocationId)).toMatchObject({ activities: 1 });
  });

  it('runs async invocations on the fast path too, and their retries placed', async () => {
    const name = functionName('fast-retry');
    const code = { inline: 'import os\n\ndef handler(event, context):\n    raise RuntimeError("always")\n' };
    expect((await pyfaas.request('POST', '/v1/functions', { name, runtime: 'python3', handler: 'main.handler', code, retry: { maxAttempts: 2 } })).status).toBe(201);
    const started = await pyfaas.request('POST', `/v1/functions/${name}/invoke?async=true`, {});
    const handle = pyfaas.running.client.workflow.getHandle(started.body.invocationId);
    expect(await handle.result()).toMatchObject({ status: 'failed', attempts: 2, path: 'placed' });
    expect(await historyOf(started.body.invocationId)).toMatchObject({ localActivities: 2, activities: 1 }); // the fast path's run, then the retry's placement
  });
});
