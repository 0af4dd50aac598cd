import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { silentLogger } from '../../common/logger';
import { ensureAwsCli, type AwsCli } from '../../infra/provision';
import { generateToken } from '../../modules/auth/tokens';
import { REPO_DATA_DIR } from '../support/services';
import { functionName, startTestPyFaaS, waitForInvocation, type TestPyFaaS } from '../support/pyfaas';

const PY = (body: string) => ({ inline: `import sys\n\ndef handler(event, context):\n${body.split('\n').map((l) => `    ${l}`).join('\n')}\n` });

interface Run { code: number; stdout: string; stderr: string }

describe('Lambda-compatible invoke API (real AWS CLI and boto3)', () => {
  let pyfaas: TestPyFaaS;
  let cli: AwsCli;
  let scratch: string;
  let echo: string;
  let failing: string;

  /** The tools get a region and no AWS config or credentials of this machine's user. */
  const awsEnv = () => ({
    PATH: process.env.PATH, HOME: scratch, AWS_DEFAULT_REGION: 'us-east-1', AWS_CONFIG_FILE: path.join(scratch, 'none'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(scratch, 'none'), AWS_EC2_METADATA_DISABLED: 'true', AWS_MAX_ATTEMPTS: '1', AWS_RETRY_MODE: 'standard',
  });
  const run = (command: string, args: string[], env: Record<string, string | undefined> = {}): Promise<Run> =>
    new Promise((resolve) => {
      execFile(command, args, { env: { ...awsEnv(), ...env }, timeout: 60_000 }, (err, stdout, stderr) => {
        resolve({ code: err ? Number((err as { code?: unknown }).code ?? 1) : 0, stdout, stderr });
      });
    });
  const invoke = async (fn: string, extra: string[] = [], env?: Record<string, string>) => {
    const out = path.join(scratch, `${fn}-${Math.random().toString(36).slice(2)}.json`);
    const result = await run(cli.aws, ['lambda', 'invoke', '--endpoint-url', pyfaas.url, '--no-sign-request', '--function-name', fn, ...extra, out], env);
    let payload: string | undefined;
    try {
      payload = readFileSync(out, 'utf8');
    } catch {
      payload = undefined;
    }
    return { ...result, payload, answer: result.code === 0 ? JSON.parse(result.stdout) : undefined };
  };
  const deploy = async (name: string, code: object, extra: object = {}) => {
    const response = await pyfaas.request('POST', '/v1/functions', { name, runtime: 'python3', handler: 'main.handler', code, ...extra });
    expect(response.status).toBe(201);
  };

  beforeAll(async () => {
    cli = await ensureAwsCli(REPO_DATA_DIR, silentLogger());
    scratch = mkdtempSync(path.join(os.tmpdir(), 'pyfaas-aws-'));
    pyfaas = await startTestPyFaaS({ database: 'sqlite', env: { PYFAAS_LAMBDA_API_TOKEN: generateToken() } });
    echo = functionName('echo');
    await deploy(echo, PY('print("hello from", event.get("who"))\nprint("warn line", file=sys.stderr)\nreturn {"got": event, "version": 1}'));
    failing = functionName('fails');
    await deploy(failing, PY('raise ValueError("bad event " + str(event.get("n")))'));
  }, 15 * 60_000);
  afterAll(async () => {
    await pyfaas?.close();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it('aws lambda invoke, unsigned, returns the function result with the executed version', async () => {
    const result = await invoke(echo, ['--payload', '{"who":"aws"}']);
    expect(result.stderr).toBe('');
    expect(result.answer).toEqual({ StatusCode: 200, ExecutedVersion: '1' });
    expect(JSON.parse(result.payload!)).toEqual({ got: { who: 'aws' }, version: 1 });
  });

  it('runs --invocation-type Event in the background (202) and DryRun runs nothing (204)', async () => {
    const event = await invoke(echo, ['--invocation-type', 'Event', '--payload', '{"who":"event"}']);
    expect(event.answer).toEqual({ StatusCode: 202 });
    expect(event.payload).toBe('');
    const listed = await pyfaas.request('GET', `/v1/invocations?function=${echo}&limit=50`);
    const queued = listed.body.items.find((item: { trigger?: string; mode?: string }) => item.trigger === 'lambda-api' && item.mode === 'async');
    expect(queued).toBeDefined();
    expect(await waitForInvocation(pyfaas, queued.invocationId)).toMatchObject({ status: 'succeeded', result: { got: { who: 'event' } } });

    const before = (await pyfaas.request('GET', `/v1/invocations?function=${echo}&limit=1000`)).body.items.length;
    const dry = await invoke(echo, ['--invocation-type', 'DryRun']);
    expect(dry.answer).toMatchObject({ StatusCode: 204 });
    expect((await pyfaas.request('GET', `/v1/invocations?function=${echo}&limit=1000`)).body.items.length).toBe(before);
  });

  it('picks the version by --qualifier: a number, an alias, $LATEST', async () => {
    const name = functionName('qual');
    await deploy(name, PY('return "one"'));
    expect((await pyfaas.request('PATCH', `/v1/functions/${name}`, { code: PY('return "two"') })).body.function.activeVersion).toBe(2);
    expect((await pyfaas.request('PUT', `/v1/functions/${name}/aliases/stable`, { versions: [{ version: 1, weight: 100 }] })).status).toBe(200);
    const byNumber = await invoke(name, ['--qualifier', '1']);
    expect([byNumber.answer, JSON.parse(byNumber.payload!)]).toEqual([{ StatusCode: 200, ExecutedVersion: '1' }, 'one']);
    const byAlias = await invoke(name, ['--qualifier', 'stable']);
    expect([byAlias.answer, JSON.parse(byAlias.payload!)]).toEqual([{ StatusCode: 200, ExecutedVersion: '1' }, 'one']);
    const latest = await invoke(name, ['--qualifier', '$LATEST']);
    expect([latest.answer, JSON.parse(latest.payload!)]).toEqual([{ StatusCode: 200, ExecutedVersion: '2' }, 'two']);
    const missing = await invoke(name, ['--qualifier', '9']);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('ResourceNotFoundException');
  });

  it('--log-type Tail gives the base64 of the invocation log', async () => {
    const result = await invoke(echo, ['--log-type', 'Tail', '--payload', '{"who":"tail"}']);
    const log = Buffer.from(result.answer.LogResult, 'base64').toString('utf8');
    expect(log).toMatch(/^START RequestId: \S+ Version: 1\n/);
    expect(log).toContain('hello from tail\n');
    expect(log).toContain('warn line\n');
    expect(log).toMatch(/END RequestId: \S+\nREPORT RequestId: \S+\tDuration: [\d.]+ ms\n$/);
  });

  it('keeps the last 4 KB of a long log, cut at a character boundary', async () => {
    const name = functionName('chatty');
    await deploy(name, PY('for i in range(200):\n    print(f"line {i:03d} ü€ " + "x" * 60)\nreturn "ok"'));
    const result = await invoke(name, ['--log-type', 'Tail']);
    const bytes = Buffer.from(result.answer.LogResult, 'base64');
    expect(bytes.length).toBeLessThanOrEqual(4096);
    expect(bytes.length).toBeGreaterThan(4090);
    const log = bytes.toString('utf8');
    expect(log).not.toContain('\uFFFD');
    expect(log).toContain('line 199 ü€ ');
    expect(log).not.toContain('line 100 ');
    expect(log).toMatch(/REPORT RequestId: \S+\tDuration: [\d.]+ ms\n$/);
  });

  it('reports a timeout as FunctionError Unhandled of type Sandbox.Timedout', async () => {
    const name = functionName('slow');
    await deploy(name, PY('import time\ntime.sleep(5)\nreturn "late"'), { timeoutMs: 1000 });
    const result = await invoke(name);
    expect(result.answer).toMatchObject({ StatusCode: 200, FunctionError: 'Unhandled' });
    expect(JSON.parse(result.payload!)).toMatchObject({ errorType: 'Sandbox.Timedout', errorMessage: expect.stringContaining('1000 ms') });
  });

  it('reports a function error as FunctionError Unhandled with Lambda\'s error object', async () => {
    const result = await invoke(failing, ['--payload', '{"n":7}']);
    expect(result.answer).toEqual({ StatusCode: 200, FunctionError: 'Unhandled', ExecutedVersion: '1' });
    const error = JSON.parse(result.payload!);
    expect(error).toMatchObject({ errorMessage: 'bad event 7', errorType: 'ValueError' });
    expect(error.stackTrace.join('\n')).toContain('main.py');
  });

  it('reports an unknown function as ResourceNotFoundException, and a bad payload as InvalidRequestContentException', async () => {
    const unknown = await invoke(functionName('nope'));
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toMatch(/ResourceNotFoundException/);
    const bad = await invoke(echo, ['--payload', '{not json']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/InvalidRequestContentException/);
  });

  it('boto3 invokes with the same answers (result, function error, not found)', async () => {
    const script = `
import boto3, json, sys
c = boto3.client('lambda', endpoint_url=sys.argv[1], region_name='us-east-1', aws_access_key_id='AKIDEXAMPLE', aws_secret_access_key='secret')
ok = c.invoke(FunctionName=sys.argv[2], Payload=json.dumps({"who": "boto3"}), LogType='Tail')
failed = c.invoke(FunctionName=sys.argv[3], Payload=b'{"n": 1}')
try:
    c.invoke(FunctionName='missing-fn')
    missing = None
except c.exceptions.ResourceNotFoundException as e:
    missing = e.response['Error']['Code']
print(json.dumps({
  'status': ok['StatusCode'], 'version': ok['ExecutedVersion'], 'payload': json.loads(ok['Payload'].read()), 'hasLog': 'LogResult' in ok,
  'functionError': failed.get('FunctionError'), 'error': json.loads(failed['Payload'].read())['errorType'], 'missing': missing,
}))
`;
    // boto3 signs with SigV4 (made-up keys): the signature is never read as a credential; the configured token is used.
    const result = await run(cli.python, ['-c', script, pyfaas.url, echo, failing]);
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toEqual({
      status: 200, version: '1', payload: { got: { who: 'boto3' }, version: 1 }, hasLog: true, functionError: 'Unhandled', error: 'ValueError', missing: 'ResourceNotFoundException',
    });
  });

  it('takes a bearer token as everywhere, refusing bad credentials and missing permissions in Lambda\'s form', async () => {
    const url = `${pyfaas.url}/2015-03-31/functions/${echo}/invocations`;
    const ok = await fetch(url, { method: 'POST', body: '{"who":"bearer"}', headers: { authorization: `Bearer ${pyfaas.adminToken}` } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('x-amz-executed-version')).toBe('1');
    expect(await ok.json()).toEqual({ got: { who: 'bearer' }, version: 1 });

    const bogus = await fetch(url, { method: 'POST', body: '{}', headers: { authorization: `Bearer ${generateToken()}` } });
    expect([bogus.status, bogus.headers.get('x-amzn-errortype')]).toEqual([403, 'UnrecognizedClientException']);
    expect(await bogus.json()).toMatchObject({ Type: 'User', Message: expect.any(String) });

    const developer = await pyfaas.request('POST', '/v1/tokens', { name: `dev-${echo}`, role: 'module-developer' });
    const denied = await fetch(url, { method: 'POST', body: '{}', headers: { authorization: `Bearer ${developer.body.token}` } });
    expect([denied.status, denied.headers.get('x-amzn-errortype')]).toEqual([403, 'AccessDeniedException']);

    // An invoker scoped to another function: its bearer is read (not the configured token), and refused for this one.
    const scoped = await pyfaas.request('POST', '/v1/tokens', { name: `scoped-${echo}`, role: 'invoker', functions: { names: [failing] } });
    expect(scoped.status).toBe(201);
    const outOfScope = await fetch(url, { method: 'POST', body: '{}', headers: { authorization: `Bearer ${scoped.body.token}` } });
    expect([outOfScope.status, outOfScope.headers.get('x-amzn-errortype')]).toEqual([403, 'AccessDeniedException']);
    const inScope = await fetch(`${pyfaas.url}/2015-03-31/functions/${failing}/invocations`, { method: 'POST', body: '{"n":2}', headers: { authorization: `Bearer ${scoped.body.token}` } });
    expect([inScope.status, inScope.headers.get('x-amz-function-error')]).toEqual([200, 'Unhandled']);

    const badType = await fetch(url, { method: 'POST', body: '{}', headers: { 'x-amz-invocation-type': 'Sometimes' } });
    expect([badType.status, badType.headers.get('x-amzn-errortype')]).toEqual([400, 'InvalidParameterValueException']);
    // The rest of the API keeps its own error form.
    const other = await pyfaas.request('GET', '/v1/functions/not-there-at-all');
    expect(other.body.error.code).toBeDefined();
  });
});

describe('Lambda-compatible invoke API without a configured token', () => {
  let pyfaas: TestPyFaaS;
  beforeAll(async () => {
    pyfaas = await startTestPyFaaS({ database: 'sqlite' });
  }, 120_000);
  afterAll(() => pyfaas?.close());

  it('refuses unsigned and SigV4-signed requests as UnrecognizedClientException', async () => {
    const url = `${pyfaas.url}/2015-03-31/functions/anything/invocations`;
    const variants: Record<string, string>[] = [{}, { authorization: 'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261201/us-east-1/lambda/aws4_request, SignedHeaders=host, Signature=abc' }];
    for (const headers of variants) {
      const response = await fetch(url, { method: 'POST', body: '{}', headers });
      expect([response.status, response.headers.get('x-amzn-errortype')]).toEqual([403, 'UnrecognizedClientException']);
      expect(await response.json()).toMatchObject({ Type: 'User' });
    }
  });
});
