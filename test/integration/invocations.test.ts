import { TypedSearchAttributes } from '@temporalio/common';
import { FUNCTION_KEY, MODE_KEY, STATUS_KEY, TRIGGER_KEY, VERSION_KEY } from '../../contracts/search-attributes';
import { functionName, startTestPyFaaS, waitForInvocation, type TestPyFaaS } from '../support/pyfaas';

const PY = (body: string) => ({ inline: `import time, os\n\ndef handler(event, context):\n${body.split('\n').map((l) => `    ${l}`).join('\n')}\n` });

describe.each(['sqlite', 'postgres'] as const)('invocations (meta store: %s)', (database) => {
  let pyfaas: TestPyFaaS;
  const deploy = async (name: string, code: object, extra: object = {}) => {
    const response = await pyfaas.request('POST', '/v1/functions', { name, runtime: 'python3', handler: 'main.handler', code, ...extra });
    expect(response.status).toBe(201);
  };

  beforeAll(async () => {
    pyfaas = await startTestPyFaaS({ database });
  });
  afterAll(() => pyfaas.close());

  it('returns a function error as a failed invocation, not a platform error', async () => {
    const name = functionName('err');
    await deploy(name, PY('raise ValueError("bad event")'));
    const response = await pyfaas.request('POST', `/v1/functions/${name}/invoke`, {});
    expect(response.status).toBe(200);
    expect(response.headers.get('x-pyfaas-function-error')).toBe('ValueError');
    expect(response.body).toMatchObject({ status: 'failed', attempts: 1, error: { type: 'ValueError', message: 'bad event' } });
    expect(response.body.error.stack).toContain('main.py');
  });

  it('runs async: 202 with an id, then status, result, timings and captured output', async () => {
    const name = functionName('async');
    await deploy(name, PY('print("to stdout", event["n"])\nimport sys\nprint("to stderr", file=sys.stderr)\nreturn event["n"] * 2'));
    const started = await pyfaas.request('POST', `/v1/functions/${name}/invoke?async=true`, { n: 21 });
    expect(started.status).toBe(202);
    expect(started.headers.get('location')).toBe(`/v1/invocations/${started.body.invocationId}`);
    const done = await waitForInvocation(pyfaas, started.body.invocationId);
    expect(done).toMatchObject({ status: 'succeeded', result: 42, mode: 'async', trigger: 'api', functionName: name, version: 1, attempts: 1 });
    expect(done.logs.stdout).toBe('to stdout 21\n');
    expect(done.logs.stderr).toBe('to stderr\n');
    expect(Date.parse(done.finishedAt)).toBeGreaterThanOrEqual(Date.parse(done.startedAt));
  });

  it('honours Prefer: respond-async and Idempotency-Key', async () => {
    const name = functionName('idem');
    await deploy(name, PY('return time.time()'));
    const headers = { prefer: 'respond-async', 'idempotency-key': `key-${name}` };
    const first = await pyfaas.request('POST', `/v1/functions/${name}/invoke`, {}, headers);
    expect(first.status).toBe(202);
    await waitForInvocation(pyfaas, first.body.invocationId);
    const second = await pyfaas.request('POST', `/v1/functions/${name}/invoke`, {}, headers);
    expect(second.body.invocationId).toBe(first.body.invocationId);
    const other = await pyfaas.request('POST', `/v1/functions/${name}/invoke`, {}, { ...headers, 'idempotency-key': 'another' });
    expect(other.body.invocationId).not.toBe(first.body.invocationId);
  });

  it('gives a sync caller retrying with the same Idempotency-Key the first run\'s answer, also while it still runs, and another caller a 409', async () => {
    const name = functionName('idem-sync');
    await deploy(name, PY('started = time.time()\ntime.sleep(event.get("sleep", 0))\nreturn started'));
    const key = { 'idempotency-key': `sync-${name}` };
    // The first caller gives up (its connection drops) while the run goes on; the retry joins it.
    const dropped = fetch(`${pyfaas.url}/v1/functions/${name}/invoke`, {
      method: 'POST', body: JSON.stringify({ sleep: 1.5 }), headers: { ...key, authorization: `Bearer ${pyfaas.adminToken}` }, signal: AbortSignal.timeout(300),
    }).then(() => 'answered', (err: Error) => err.name);
    expect(await dropped).toBe('TimeoutError');
    const retriedAt = Date.now();
    const retried = await pyfaas.request('POST', `/v1/functions/${name}/invoke`, { sleep: 1.5 }, key);
    expect(retried.body).toMatchObject({ status: 'succeeded', attempts: 1, mode: 'sync' });
    expect(retried.body.result * 1000).toBeLessThan(retriedAt);
    const again = await pyfaas.request('POST', `/v1/functions/${name}/invoke`, {}, key);
    expect(again.body).toMatchObject({ invocationId: retried.body.invocationId, result: retried.body.result });
    // Another caller with the same key does not get the first caller's result.
    const other = await pyfaas.request('POST', '/v1/tokens', { name: `other-${name}`, role: 'invoker' });
    const stolen = await pyfaas.request('POST', `/v1/functions/${name}/invoke`, {}, { ...key, authorization: `Bearer ${other.body.token}` });
    expect(stolen.status).toBe(409);
    expect(stolen.body.error.code).toBe('IDEMPOTENCY_KEY_IN_USE');
    expect(JSON.stringify(stolen.body)).not.toContain(String(retried.body.result));
  });

  it('retries async function errors per the retry policy, and not the non-retryable ones', async () => {
    const name = functionName('retry');
    await deploy(name, PY('raise (KeyError if event.get("fatal") else RuntimeError)("nope")'), { retry: { maxAttempts: 2, nonRetryableErrors: ['KeyError'] } });
    const retried = await pyfaas.request('POST', `/v1/functions/${name}/invoke?async=true`, {});
    expect(await waitForInvocation(pyfaas, retried.body.invocationId)).toMatchObject({ status: 'failed', attempts: 2, error: { type: 'RuntimeError' } });
    const fatal = await pyfaas.request('POST', `/v1/functions/${name}/invoke?async=true`, { fatal: true });
    expect(await waitForInvocation(pyfaas, fatal.body.invocationId)).toMatchObject({ status: 'failed', attempts: 1, error: { type: 'KeyError' } });
    // Sync never retries.
    expect((await pyfaas.request('POST', `/v1/functions/${name}/invoke`, {})).body.attempts).toBe(1);
  });

  it('cancels a running async invocation', async () => {
    const name = functionName('cancel');
    await deploy(name, PY('time.sleep(60)\nreturn 1'), { timeoutMs: 120_000 });
    const started = await pyfaas.request('POST', `/v1/functions/${name}/invoke?async=true`, {});
    const id = started.body.invocationId;
    for (let i = 0; i < 50 && (await pyfaas.request('GET', `/v1/invocations/${id}`)).body.status !== 'running'; i++) await new Promise((r) => setTimeout(r, 100));
    const cancelled = await pyfaas.request('POST', `/v1/invocations/${id}/cancel`);
    expect(cancelled.status).toBe(202);
    expect(await waitForInvocation(pyfaas, id, 15_000)).toMatchObject({ status: 'cancelled' });
    const again = await pyfaas.request('POST', `/v1/invocations/${id}/cancel`);
    expect(again.status).toBe(409);
    // The instance was stopped with it: the function is invocable again at once.
    await pyfaas.request('PATCH', `/v1/functions/${name}`, { code: PY('return "after"') });
    expect((await pyfaas.request('POST', `/v1/functions/${name}/invoke`, {})).body.result).toBe('after');
  });

  it('lists invocations by function and status, and tags workflows for the Temporal UI', async () => {
    const name = functionName('list');
    await deploy(name, PY('if event.get("fail"):\n    raise ValueError("x")\nreturn 1'));
    const ok = await pyfaas.request('POST', `/v1/functions/${name}/invoke`, {});
    await pyfaas.request('POST', `/v1/functions/${name}/invoke`, { fail: true });
    let failed: any;
    for (let i = 0; i < 50; i++) {
      failed = await pyfaas.request('GET', `/v1/invocations?function=${name}&status=failed`);
      if (failed.body.items.length === 1) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(failed.body.items).toHaveLength(1);
    expect(failed.body.items[0]).toMatchObject({ functionName: name, status: 'failed', mode: 'sync', trigger: 'api', version: 1 });
    const all = await pyfaas.request('GET', `/v1/invocations?function=${name}`);
    expect(all.body.items.length).toBe(2);
    expect((await pyfaas.request('GET', '/v1/invocations?status=sleeping')).status).toBe(400);

    const description = await pyfaas.running.client.workflow.getHandle(ok.body.invocationId).describe();
    const attributes = description.typedSearchAttributes as TypedSearchAttributes;
    expect(attributes.get(FUNCTION_KEY)).toBe(name);
    expect(attributes.get(VERSION_KEY)).toBe('1');
    expect(attributes.get(TRIGGER_KEY)).toBe('api');
    expect(attributes.get(MODE_KEY)).toBe('sync');
    expect(attributes.get(STATUS_KEY)).toBe('succeeded');
    expect(description.type).toBe('invokeFunction');
    expect(description.memo).toMatchObject({ functionName: name, version: 1 });
  });

  it('caps concurrency per function: the excess waits in Temporal and still completes', async () => {
    const name = functionName('cap');
    await deploy(name, PY('time.sleep(0.5)\nreturn os.getpid()'), { maxConcurrency: 1 });
    const started = Date.now();
    const results = await Promise.all([1, 2, 3].map(() => pyfaas.request('POST', `/v1/functions/${name}/invoke`, {})));
    expect(results.map((r) => r.body.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    // One at a time: three half-second runs cannot overlap, and one instance served them all.
    expect(Date.now() - started).toBeGreaterThanOrEqual(1500);
    expect(new Set(results.map((r) => r.body.result)).size).toBe(1);
  });

  it('passes large events by reference and returns large results', async () => {
    const name = functionName('big');
    await deploy(name, PY('return {"size": len(event["blob"]), "back": event["blob"]}'));
    const blob = 'x'.repeat(1024 * 1024);
    const response = await pyfaas.request('POST', `/v1/functions/${name}/invoke`, { blob });
    expect(response.body).toMatchObject({ status: 'succeeded', result: { size: blob.length } });
    expect(response.body.result.back).toBe(blob);
  });
});
