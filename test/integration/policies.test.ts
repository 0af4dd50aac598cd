import { freePort } from '../../infra/ports';
import { startCli, type CliProcess } from '../support/cli';
import { functionName, startTestPyFaaS, type TestPyFaaS } from '../support/pyfaas';

const PY = 'def handler(event, context):\n    return {"ok": True}\n';
const NODE = 'exports.handler = async () => ({ ok: true });\n';

/**
 * The platform policies on a real PyFaaS (PostgreSQL meta store) and a second process of the
 * same platform (role api, the built CLI): each kind refuses bad documents naming the field,
 * takes effect on the next request here without a restart, and on the other process within a second.
 */
describe('platform policies', () => {
  let pyfaas: TestPyFaaS;
  let second: CliProcess;
  let secondUrl: string;
  let fn: string;

  const put = (kind: string, body: unknown) => pyfaas.request('PUT', `/v1/policies/${kind}`, body);
  const onSecond = async (method: string, pathname: string, body?: unknown) => {
    const response = await fetch(`${secondUrl}${pathname}`, {
      method, headers: { authorization: `Bearer ${pyfaas.adminToken}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  };
  /** Retries `attempt` until `done` holds; fails after `ms` (the policy had not reached that process). */
  const within = async <T>(ms: number, attempt: () => Promise<T>, done: (value: T) => boolean): Promise<T> => {
    const deadline = Date.now() + ms;
    for (;;) {
      const value = await attempt();
      if (done(value)) return value;
      if (Date.now() > deadline) return value;
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const newFunction = (extra: Record<string, unknown> = {}) => ({ name: functionName('pol'), runtime: 'python3', handler: 'main.handler', code: { inline: PY }, ...extra });

  beforeAll(async () => {
    pyfaas = await startTestPyFaaS({ database: 'postgres' });
    const port = await freePort();
    secondUrl = `http://127.0.0.1:${port}`;
    second = startCli(['serve'], { ...pyfaas.env, PYFAAS_ROLE: 'api', PYFAAS_API_PORT: String(port), PYFAAS_NODE_ID: 'api-b', PYFAAS_LOG_LEVEL: 'warn' });
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (await fetch(`${secondUrl}/healthz`).then((r) => r.ok, () => false)) break;
      if (Date.now() > deadline) throw new Error(`the second process did not start:\n${second.output()}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    fn = functionName('target');
    expect((await pyfaas.request('POST', '/v1/functions', newFunction({ name: fn }))).status).toBe(201);
  });

  afterAll(async () => {
    second?.child.kill('SIGKILL');
    await pyfaas?.close();
  });

  afterEach(async () => {
    for (const kind of ['function', 'scaling', 'runtime', 'trigger', 'observability']) expect((await put(kind, {})).status).toBe(200);
  });

  it('lists all the kinds with their defaults', async () => {
    const listed = await pyfaas.request('GET', '/v1/policies');
    expect(listed.status).toBe(200);
    const kinds = listed.body.items.map((p: any) => p.kind);
    expect(kinds).toEqual(expect.arrayContaining(['auth', 'module', 'function', 'scaling', 'runtime', 'trigger', 'observability']));
    const byKind = Object.fromEntries(listed.body.items.map((p: any) => [p.kind, p.value]));
    expect(byKind.function).toEqual({
      defaults: { memoryMb: 128, timeoutMs: 10_000, maxConcurrency: 10, allowNetwork: false, retry: { maxAttempts: 3, nonRetryableErrors: [] } },
      limits: { maxMemoryMb: 4096, maxTimeoutMs: 900_000, maxConcurrency: 1000, allowNetwork: true, executorEndpoints: null },
      metaChecks: [],
      taskChecks: [],
    });
    expect(byKind.scaling).toEqual({ default: { module: 'kpa', params: {} } });
    expect(byKind.runtime).toEqual({});
    expect(byKind.trigger).toEqual({});
    expect(byKind.observability).toEqual({ functionLogs: { capture: 'all', retentionHours: 72 }, metrics: { enabled: true }, functions: {} });
  });

  it.each([
    ['function', { defaults: { memoryMb: 'big' } }, 'defaults.memoryMb'],
    ['function', { defaults: { memoryMb: 1024 }, limits: { maxMemoryMb: 512 } }, 'defaults.memoryMb'],
    ['function', { limits: { allowNetwork: false }, defaults: { allowNetwork: true } }, 'defaults.allowNetwork'],
    ['function', { limits: { maxMemoryMb: 10 } }, 'limits.maxMemoryMb'],
    ['function', { quota: 1 }, 'quota'],
    ['scaling', { default: { module: 'nope' } }, 'default.module'],
    ['scaling', { default: { module: 'fixed', params: { instances: -1 } } }, 'default.params.instances'],
    ['scaling', { allowedModules: ['fixed'] }, 'default.module'],
    ['runtime', { enabled: ['cobol'] }, 'enabled'],
    ['runtime', { enabled: 'python3' }, 'enabled'],
    ['trigger', { maxTriggersPerFunction: -1 }, 'maxTriggersPerFunction'],
    ['trigger', { allowedKinds: ['Not A Kind'] }, 'allowedKinds.0'],
    ['observability', { logLevel: 'loud' }, 'logLevel'],
  ])('refuses a bad %s policy %j naming %s, and keeps the one in force', async (kind, body, field) => {
    const before = (await pyfaas.request('GET', `/v1/policies/${kind}`)).body;
    const refused = await put(kind, body);
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe('INVALID_INPUT');
    // A bad value is named by its path; an unknown field by its name in the message.
    const named = refused.body.error.details.issues.some((i: any) => i.path === field || (i.path === '' && i.message.includes(`'${field}'`)));
    expect({ named, message: refused.body.error.message }).toEqual({ named: true, message: expect.stringContaining(field) });
    expect((await pyfaas.request('GET', `/v1/policies/${kind}`)).body).toEqual(before);
  });

  it('function: left-out fields take the defaults, requests over a limit get POLICY_VIOLATION, here and on the other process', async () => {
    const stored = await put('function', { defaults: { memoryMb: 256, timeoutMs: 5000, retry: { maxAttempts: 5 } }, limits: { maxMemoryMb: 512, maxTimeoutMs: 60_000, allowNetwork: false } });
    expect(stored.status).toBe(200);
    expect(stored.body).toMatchObject({ kind: 'function', revision: expect.any(Number), updatedBy: expect.any(String) });

    const created = await pyfaas.request('POST', '/v1/functions?wait=false', newFunction({ retry: { nonRetryableErrors: ['ValueError'] } }));
    expect(created.status).toBe(202);
    expect(created.body.function).toMatchObject({ memoryMb: 256, timeoutMs: 5000, allowNetwork: false, retry: { maxAttempts: 5, nonRetryableErrors: ['ValueError'] } });

    const over = await pyfaas.request('POST', '/v1/functions', newFunction({ memoryMb: 1024 }));
    expect(over.status).toBe(400);
    expect(over.body.error).toMatchObject({ code: 'POLICY_VIOLATION', details: { field: 'memoryMb', policy: 'function.limits.maxMemoryMb', limit: 512, value: 1024 } });
    const network = await pyfaas.request('POST', '/v1/functions', newFunction({ allowNetwork: true }));
    expect(network.body.error).toMatchObject({ code: 'POLICY_VIOLATION', details: { field: 'allowNetwork', limit: false } });
    const patched = await pyfaas.request('PATCH', `/v1/functions/${fn}`, { timeoutMs: 120_000 });
    expect(patched.status).toBe(400);
    expect(patched.body.error).toMatchObject({ code: 'POLICY_VIOLATION', details: { field: 'timeoutMs', limit: 60_000 } });

    // The other process: within a second of the PUT.
    await put('function', { limits: { maxMemoryMb: 256 } });
    const elsewhere = await within(1000, () => onSecond('POST', '/v1/functions', newFunction({ memoryMb: 512 })), (r) => r.status === 400);
    expect(elsewhere.body.error).toMatchObject({ code: 'POLICY_VIOLATION', details: { field: 'memoryMb', limit: 256 } });
  });

  it('scaling: a function without scaling gets the default; another module than the allowed ones is refused, on both processes', async () => {
    expect((await put('scaling', { default: { module: 'fixed', params: { instances: 0 } }, allowedModules: ['fixed'] })).status).toBe(200);
    const created = await pyfaas.request('POST', '/v1/functions?wait=false', newFunction());
    expect(created.status).toBe(202);
    expect(created.body.function.scaling).toEqual({ module: 'fixed', params: { instances: 0 } });
    const kpa = await pyfaas.request('POST', '/v1/functions', newFunction({ scaling: { module: 'kpa', params: {} } }));
    expect(kpa.status).toBe(400);
    expect(kpa.body.error).toMatchObject({ code: 'POLICY_VIOLATION', details: { field: 'scaling.module', policy: 'scaling.allowedModules', limit: ['fixed'] } });
    const patched = await pyfaas.request('PATCH', `/v1/functions/${fn}`, { scaling: { module: 'kpa', params: {} } });
    expect(patched.body.error.code).toBe('POLICY_VIOLATION');
    const elsewhere = await within(1000, () => onSecond('POST', '/v1/functions', newFunction({ scaling: { module: 'kpa', params: {} } })), (r) => r.status === 400);
    expect(elsewhere.body.error.code).toBe('POLICY_VIOLATION');
  });

  it('runtime: a disabled runtime is refused with RUNTIME_DISABLED; a function already on it keeps running', async () => {
    const node = functionName('node');
    expect((await pyfaas.request('POST', '/v1/functions', { name: node, runtime: 'nodejs20', handler: 'index.handler', code: { inline: NODE } })).status).toBe(201);
    expect((await put('runtime', { enabled: ['python3'] })).status).toBe(200);
    const refused = await pyfaas.request('POST', '/v1/functions', { name: functionName('node'), runtime: 'nodejs20', handler: 'index.handler', code: { inline: NODE } });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatchObject({ code: 'RUNTIME_DISABLED', message: expect.stringContaining('nodejs20') });
    const invoked = await pyfaas.request('POST', `/v1/functions/${node}/invoke`, {});
    expect(invoked.body).toMatchObject({ status: 'succeeded', result: { ok: true } });
    const elsewhere = await within(1000, () => onSecond('POST', '/v1/functions', { name: functionName('node'), runtime: 'nodejs20', handler: 'index.handler', code: { inline: NODE } }), (r) => r.status === 400);
    expect(elsewhere.body.error.code).toBe('RUNTIME_DISABLED');
  });

  it('trigger: a kind not allowed gets 400, one trigger past the limit gets 409, both POLICY_VIOLATION, on both processes', async () => {
    expect((await put('trigger', { allowedKinds: ['http'], maxTriggersPerFunction: 1 })).status).toBe(200);
    const http = (path: string) => ({ name: functionName('trg'), kind: 'http', function: fn, config: { method: 'get', path, auth: 'public' } });
    const schedule = { name: functionName('trg'), kind: 'schedule', function: fn, config: { cron: '0 0 * * *' } };
    const kindRefused = await pyfaas.request('POST', '/v1/triggers', schedule);
    expect(kindRefused.status).toBe(400);
    expect(kindRefused.body.error).toMatchObject({ code: 'POLICY_VIOLATION', details: { field: 'kind', policy: 'trigger.allowedKinds', limit: ['http'] } });
    expect((await pyfaas.request('POST', '/v1/triggers', http(`/${functionName('a')}`))).status).toBe(201);
    const full = await pyfaas.request('POST', '/v1/triggers', http(`/${functionName('b')}`));
    expect(full.status).toBe(409);
    expect(full.body.error).toMatchObject({ code: 'POLICY_VIOLATION', details: { field: 'function', policy: 'trigger.maxTriggersPerFunction', limit: 1, value: 1 } });

    await put('trigger', { maxTriggersPerFunction: 0 });
    const elsewhere = await within(1000, () => onSecond('POST', '/v1/triggers', http(`/${functionName('c')}`)), (r) => r.status === 409);
    expect(elsewhere.body.error.details).toMatchObject({ limit: 0 });
    await put('trigger', {});
    const allowedAgain = await within(1000, () => onSecond('POST', '/v1/triggers', http(`/${functionName('d')}`)), (r) => r.status === 201);
    expect(allowedAgain.status).toBe(201);
  });

  it('observability: the log level changes on the other process within a second, without a restart', async () => {
    /** Sends a request naming `tag` in its path, then says whether the second process logged it. */
    const probe = async (tag: string) => {
      await onSecond('GET', `/v1/functions/${tag}`);
      await new Promise((r) => setTimeout(r, 100));
      return second.output().includes(`/v1/functions/${tag}`);
    };
    // Started at warn: its request lines (debug) are not written.
    expect(await probe(functionName('quiet'))).toBe(false);
    expect((await put('observability', { logLevel: 'debug' })).status).toBe(200);
    const tag = functionName('loud');
    const loud = await within(1000, () => probe(tag), (seen) => seen);
    expect(loud).toBe(true);
    expect((await put('observability', { logLevel: 'error' })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 1000));
    expect(await probe(functionName('quiet-again'))).toBe(false);
  });
});
