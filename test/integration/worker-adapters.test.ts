import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { silentLogger } from '../../common/logger';
import { startLambdaEmulator, type LambdaEmulator } from '../../infra/provision';
import { loadModulePackage } from '../../modules/package';
import { REPO_DATA_DIR, REPO_ROOT } from '../support/services';
import { functionName, startTestPyFaaS, type TestPyFaaS } from '../support/pyfaas';

const LAMBDA_HANDLER = `
def handler(event, context):
    if event.get("kind") == "raise":
        raise PermissionError("denied in lambda")
    return {"ranIn": "lambda", "event": event}
`;
/** The function's own code: what would run in the local pool, which must not run at all. */
const LOCAL_CODE = { inline: 'def handler(event, context):\n    return {"ranIn": "local"}\n' };

describe('worker adapters: functions whose attempts run elsewhere', () => {
  let pyfaas: TestPyFaaS;
  let emulator: LambdaEmulator;
  let handlerDir: string;

  const install = async () => {
    const module = await loadModulePackage(path.join(REPO_ROOT, 'hub-modules/worker-aws-lambda'));
    pyfaas.running.platform.registry.install(module, { type: 'hub', package: module.packageName, integrity: 'test' });
  };

  beforeAll(async () => {
    handlerDir = mkdtempSync(path.join(os.tmpdir(), 'lambda-handler-'));
    writeFileSync(path.join(handlerDir, 'app.py'), LAMBDA_HANDLER);
    emulator = await startLambdaEmulator({ dataDir: REPO_DATA_DIR, handlerDir, handler: 'app.handler', timeoutSeconds: 5, logger: silentLogger() });
    pyfaas = await startTestPyFaaS({ database: 'sqlite' });
    await install();
  }, 600_000);

  afterAll(async () => {
    await pyfaas?.close();
    await emulator?.close();
    rmSync(handlerDir, { recursive: true, force: true });
  });

  const create = (name: string, executor: unknown) =>
    pyfaas.request('POST', '/v1/functions', { name, runtime: 'python3', handler: 'main.handler', code: LOCAL_CODE, executor });

  it("runs a sync invocation on the Lambda endpoint and returns the Lambda's result", async () => {
    const name = functionName('lambda');
    const created = await create(name, { module: 'aws-lambda', options: { endpoint: emulator.url } });
    expect(created.status).toBe(201);
    expect(created.body.function.executor).toEqual({ module: 'aws-lambda', options: { endpoint: emulator.url } });
    const invoked = await pyfaas.request('POST', `/v1/functions/${name}/invoke`, { kind: 'ok', n: 7 });
    expect(invoked.status).toBe(200);
    expect(invoked.body).toMatchObject({ status: 'succeeded', result: { ranIn: 'lambda', event: { kind: 'ok', n: 7 } } });
    const versions = await pyfaas.request('GET', `/v1/functions/${name}/versions`);
    expect(versions.body.items[0].config.executor).toEqual({ module: 'aws-lambda', options: { endpoint: emulator.url } });
    // The local pool keeps no instance of it.
    expect(pyfaas.running.pool!.stats().instances.filter((i) => i.functionName === name)).toEqual([]);
  });

  it('shows a function error as a failed invocation with its type', async () => {
    const name = functionName('lambda-err');
    expect((await create(name, { module: 'aws-lambda', options: { endpoint: emulator.url } })).status).toBe(201);
    const invoked = await pyfaas.request('POST', `/v1/functions/${name}/invoke`, { kind: 'raise' });
    expect(invoked.status).toBe(200);
    expect(invoked.body).toMatchObject({ status: 'failed', error: { type: 'PermissionError', message: 'denied in lambda' } });
    expect(invoked.headers.get('x-pyfaas-function-error')).toBe('PermissionError');
  });

  it('refuses an unknown adapter (400 UNKNOWN_WORKER_ADAPTER) and bad options (400, naming the option)', async () => {
    const unknown = await create(functionName('nope'), { module: 'no-such-adapter', options: {} });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.code).toBe('UNKNOWN_WORKER_ADAPTER');
    expect(unknown.body.error.message).toContain('aws-lambda');
    const notAnAdapter = await create(functionName('nope'), { module: 'local-pool', options: {} });
    expect(notAnAdapter.body.error.code).toBe('UNKNOWN_WORKER_ADAPTER');
    const badOptions = await create(functionName('nope'), { module: 'aws-lambda', options: { endpoint: 'gopher://x' } });
    expect(badOptions.status).toBe(400);
    expect(badOptions.body.error.message).toContain('options.endpoint');
  });

  it('moves a function onto an adapter and back to the local pool with an update (a new version each time)', async () => {
    const name = functionName('moves');
    expect((await pyfaas.request('POST', '/v1/functions', { name, runtime: 'python3', handler: 'main.handler', code: LOCAL_CODE })).status).toBe(201);
    expect((await pyfaas.request('POST', `/v1/functions/${name}/invoke`, {})).body.result).toEqual({ ranIn: 'local' });
    const moved = await pyfaas.request('PATCH', `/v1/functions/${name}`, { executor: { module: 'aws-lambda', options: { endpoint: emulator.url } } });
    expect(moved.status).toBe(200);
    expect(moved.body.deployment.version).toBe(2);
    expect((await pyfaas.request('POST', `/v1/functions/${name}/invoke`, {})).body.result).toMatchObject({ ranIn: 'lambda' });
    const back = await pyfaas.request('PATCH', `/v1/functions/${name}`, { executor: null });
    expect(back.body.deployment.version).toBe(3);
    expect((await pyfaas.request('POST', `/v1/functions/${name}/invoke`, {})).body.result).toEqual({ ranIn: 'local' });
  });

  it('hides secrets of the options in what the API shows', async () => {
    const name = functionName('secret');
    const executor = { module: 'aws-lambda', options: { endpoint: emulator.url, credentials: { accessKeyId: 'AKIDEXAMPLE00000', secretAccessKey: 'very-secret-key-value' } } };
    expect((await create(name, executor)).status).toBe(201);
    const shown = await pyfaas.request('GET', `/v1/functions/${name}`);
    expect(shown.body.executor.options.credentials).toEqual({ accessKeyId: 'AKIDEXAMPLE00000', secretAccessKey: '***' });
    expect(JSON.stringify((await pyfaas.request('GET', `/v1/functions/${name}/versions`)).body)).not.toContain('very-secret-key-value');
  });

  it('keeps adapters to the endpoints the function policy lists, at create and on every attempt', async () => {
    const name = functionName('fenced');
    expect((await create(name, { module: 'aws-lambda', options: { endpoint: emulator.url } })).status).toBe(201);
    const fenced = await pyfaas.request('PUT', '/v1/policies/function', { limits: { executorEndpoints: ['https://lambda.eu-west-1.amazonaws.com/'] } });
    expect(fenced.body.value.limits.executorEndpoints).toEqual(['https://lambda.eu-west-1.amazonaws.com']);
    try {
      const refused = await create(functionName('aimed'), { module: 'aws-lambda', options: { endpoint: 'http://127.0.0.1:7233' } });
      expect(refused.status).toBe(400);
      expect(refused.body.error).toMatchObject({ code: 'POLICY_VIOLATION', details: { field: 'executor.options', value: expect.stringMatching(/^http:\/\/127\.0\.0\.1:7233\/?$/) } });
      // The function made before the list: its attempts are refused too, not run.
      const invoked = await pyfaas.request('POST', `/v1/functions/${name}/invoke`, {});
      expect(invoked.status).toBe(403);
      expect(invoked.body.error.code).toBe('POLICY_VIOLATION');
      expect((await pyfaas.request('PUT', '/v1/policies/function', { limits: { executorEndpoints: [emulator.url] } })).status).toBe(200);
      expect((await pyfaas.request('POST', `/v1/functions/${name}/invoke`, { n: 3 })).body).toMatchObject({ status: 'succeeded', result: { ranIn: 'lambda' } });
    } finally {
      await pyfaas.request('PUT', '/v1/policies/function', {});
    }
  });

  it('fails invocations at once (WORKER_ADAPTER_MISSING, not retried) once the adapter is uninstalled, and serves again when it is back', async () => {
    const name = functionName('orphan');
    expect((await create(name, { module: 'aws-lambda', options: { endpoint: emulator.url } })).status).toBe(201);
    pyfaas.running.platform.registry.uninstall('worker', 'aws-lambda');
    try {
      const invoked = await pyfaas.request('POST', `/v1/functions/${name}/invoke`, {});
      // The attempt fails at once, not retried; the invoke workflow reports it as a platform failure.
      expect(invoked.status).toBe(503);
      expect(invoked.body.error.code).toBe('WORKER_ADAPTER_MISSING');
      expect(invoked.body.error.message).toContain('worker adapter "aws-lambda", which is not installed');
    } finally {
      await install();
    }
    expect((await pyfaas.request('POST', `/v1/functions/${name}/invoke`, {})).body.status).toBe('succeeded');
  });
});
