import path from 'node:path';
import { InputError, UnavailableError } from '../../common/errors';
import { silentLogger } from '../../common/logger';
import { freePort } from '../../infra/ports';
import { generateToken } from '../../modules/auth/tokens';
import { loadModulePackage } from '../../modules/package';
import { ModuleRegistry } from '../../modules/registry';
import type { WorkerAdapter } from '../../modules/worker/adapter';
import type { FunctionVersionSpec } from '../../modules/worker/contract';
import { REPO_DATA_DIR, REPO_ROOT } from '../support/services';
import { functionName, startTestPyFaaS, type TestPyFaaS } from '../support/pyfaas';

const HANDLER = {
  inline: [
    'import time',
    '',
    'def handler(event, context):',
    '    print("remote says", event.get("kind"))',
    '    if event.get("kind") == "raise":',
    '        raise ZeroDivisionError("remote division")',
    '    if event.get("kind") == "sleep":',
    '        time.sleep(5)',
    '    return {"echo": event}',
    '',
  ].join('\n'),
};

function spec(timeoutMs = 10_000): FunctionVersionSpec {
  return { functionName: 'local-name', version: 1, codeDir: '/nonexistent', runtime: 'python3', handler: 'main.handler', env: {}, memoryMb: 128, timeoutMs, maxConcurrency: 1, allowNetwork: false };
}

describe('hub module worker-pyfaas-remote, against a second real PyFaaS', () => {
  let remote: TestPyFaaS;
  let adapter: WorkerAdapter;
  let invokerToken: string;
  const fn = functionName('remote');

  beforeAll(async () => {
    const module = await loadModulePackage(path.join(REPO_ROOT, 'hub-modules/worker-pyfaas-remote'));
    expect(module).toMatchObject({ packageName: 'pyfaas-worker-pyfaas-remote', manifest: { kind: 'worker', id: 'pyfaas-remote' } });
    adapter = new ModuleRegistry({ logger: silentLogger(), dataDir: REPO_DATA_DIR }).build<WorkerAdapter>(module);
    remote = await startTestPyFaaS({ database: 'sqlite' });
    const created = await remote.request('POST', '/v1/functions', { name: fn, runtime: 'python3', handler: 'main.handler', code: HANDLER, timeoutMs: 1000 });
    expect(created.status).toBe(201);
    const token = await remote.request('POST', '/v1/tokens', { name: 'federation', role: 'invoker' });
    expect(token.status).toBe(201);
    invokerToken = token.body.token;
  });
  afterAll(() => remote?.close());

  const options = (extra: Record<string, unknown> = {}) => adapter.parseOptions({ url: remote.url, token: invokerToken, functionName: fn, ...extra });
  const run = (event: unknown, extra: Record<string, unknown> = {}, invocationId = `inv-${Math.random()}`) =>
    adapter.run(spec(), { invocationId, event, attempt: 1 }, options(extra));

  it('runs the attempt there and returns its result and logs', async () => {
    const outcome = await run({ kind: 'ok', n: 2 });
    expect(outcome.status).toBe('succeeded');
    expect(outcome.result).toEqual({ echo: { kind: 'ok', n: 2 } });
    expect(outcome.logs.stdout).toContain('remote says ok');
    expect(outcome.instanceId).toContain(fn);
  });

  it("maps the remote function's exception to a failed outcome with its type", async () => {
    const outcome = await run({ kind: 'raise' });
    expect(outcome.status).toBe('failed');
    expect(outcome.error).toMatchObject({ type: 'ZeroDivisionError', message: 'remote division' });
    expect(outcome.logs.stdout).toContain('remote says raise');
  });

  it("maps the remote's timeout to timed_out", async () => {
    expect((await run({ kind: 'sleep' })).status).toBe('timed_out');
  });

  it('runs an attempt there once: a retry of the same attempt gets the first invocation', async () => {
    const first = await run({ kind: 'ok', at: 1 }, {}, 'same-invocation');
    const again = await run({ kind: 'ok', at: 2 }, {}, 'same-invocation');
    expect(again.result).toEqual(first.result);
  });

  it('invokes a pinned version there', async () => {
    expect((await run({ kind: 'ok' }, { version: 1 })).status).toBe('succeeded');
    const missing = await run({ kind: 'ok' }, { version: 99 });
    expect(missing).toMatchObject({ status: 'failed', error: { type: 'PyFaaSRemote.VERSION_NOT_FOUND' } });
  });

  it('fails with the remote error code on 401, 403 and 404 (not retried)', async () => {
    const unknown = generateToken();
    const wrongToken = await run({}, { token: unknown });
    expect(wrongToken.status).toBe('failed');
    expect(wrongToken.error?.type).toMatch(/^PyFaaSRemote\.[A-Z_]+$/);
    expect(wrongToken.error?.message).toContain('HTTP 401');
    expect(wrongToken.error?.message).not.toContain(unknown);
    expect((await run({}, { token: 'pyf_not-a-valid-token-at-all' })).error?.type).toBe('PyFaaSRemote.TOKEN_MALFORMED');
    const scoped = await remote.request('POST', '/v1/tokens', { name: 'other-scope', role: 'invoker', functions: { names: ['someone-else'] } });
    const forbidden = await run({}, { token: scoped.body.token });
    expect(forbidden.status).toBe('failed');
    expect(forbidden.error?.type).toMatch(/^PyFaaSRemote\.[A-Z_]+$/);
    expect(forbidden.error?.message).toContain('HTTP 403');
    const missing = await run({}, { functionName: 'no-such-function' });
    expect(missing).toMatchObject({ status: 'failed', error: { type: 'PyFaaSRemote.FUNCTION_NOT_FOUND' } });
  });

  it('throws UnavailableError when the remote does not answer', async () => {
    const port = await freePort();
    await expect(adapter.run(spec(), { invocationId: 'x', event: {}, attempt: 1 }, adapter.parseOptions({ url: `http://127.0.0.1:${port}`, token: invokerToken, functionName: fn }))).rejects.toBeInstanceOf(UnavailableError);
  });

  it('refuses bad options naming each field, without echoing the token', () => {
    let error: unknown;
    try {
      adapter.parseOptions({ url: 'ftp://x', token: 'short', functionName: 'Bad_Name', alias: 'a', version: 1, more: true });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(InputError);
    const message = (error as Error).message;
    for (const field of ['options.url', 'options.token', 'options.functionName', 'options.alias', 'options.more']) expect(message).toContain(field);
    expect(message).not.toContain('short');
  });
});
