import http from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { InputError, UnavailableError } from '../../common/errors';
import { silentLogger } from '../../common/logger';
import { startLambdaEmulator, type LambdaEmulator } from '../../infra/provision';
import { loadModulePackage } from '../../modules/package';
import { ModuleRegistry } from '../../modules/registry';
import type { WorkerAdapter } from '../../modules/worker/adapter';
import type { FunctionVersionSpec } from '../../modules/worker/contract';
import { REPO_DATA_DIR, REPO_ROOT } from '../support/services';

// The package's own signer, loaded as the module loads it (plain CommonJS).
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { signRequest } = require('../../hub-modules/worker-aws-lambda/sigv4.js');

const HANDLER = `
import os, sys, time

def handler(event, context):
    kind = event.get("kind")
    print("lambda says", kind)
    if kind == "raise":
        raise KeyError("no such thing")
    if kind == "sleep":
        time.sleep(30)
    if kind == "exit":
        sys.stdout.flush()
        os._exit(7)
    return {"echo": event, "function": context.function_name}
`;

function spec(timeoutMs = 10_000): FunctionVersionSpec {
  return { functionName: 'remote', version: 1, codeDir: '/nonexistent', runtime: 'python3', handler: 'app.handler', env: {}, memoryMb: 128, timeoutMs, maxConcurrency: 1, allowNetwork: false };
}

async function loadAdapter(): Promise<WorkerAdapter> {
  const module = await loadModulePackage(path.join(REPO_ROOT, 'hub-modules/worker-aws-lambda'));
  expect(module.packageName).toBe('pyfaas-worker-aws-lambda');
  expect(module.manifest).toMatchObject({ kind: 'worker', id: 'aws-lambda' });
  return new ModuleRegistry({ logger: silentLogger(), dataDir: REPO_DATA_DIR }).build<WorkerAdapter>(module);
}

describe('hub module worker-aws-lambda', () => {
  describe('SigV4 signer', () => {
    const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
    const date = new Date('2015-08-30T12:36:00Z');
    const sign = (method: string) => signRequest({ method, url: new URL('https://example.amazonaws.com/'), credentials, region: 'us-east-1', service: 'service', date });

    it("matches AWS's published get-vanilla vector", () => {
      const signed = sign('GET');
      expect(signed.canonicalRequest).toBe('GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
      expect(signed.stringToSign).toBe('AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\nbb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63');
      expect(signed.headers.authorization).toBe(
        'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31',
      );
    });

    it("matches AWS's published post-vanilla vector", () => {
      expect(sign('POST').headers.authorization).toContain('Signature=5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b');
    });

    it('signs a session token and the body', () => {
      const withToken = signRequest({ method: 'POST', url: new URL('https://example.amazonaws.com/'), credentials: { ...credentials, sessionToken: 'tok' }, region: 'us-east-1', service: 'service', date, body: '{}' });
      expect(withToken.headers['x-amz-security-token']).toBe('tok');
      expect(withToken.headers.authorization).toContain('SignedHeaders=host;x-amz-date;x-amz-security-token');
      expect(withToken.headers.authorization).not.toBe(signRequest({ method: 'POST', url: new URL('https://example.amazonaws.com/'), credentials: { ...credentials, sessionToken: 'tok' }, region: 'us-east-1', service: 'service', date, body: '{"a":1}' }).headers.authorization);
    });
  });

  describe('options', () => {
    let adapter: WorkerAdapter;
    beforeAll(async () => {
      adapter = await loadAdapter();
    });

    it('applies defaults and takes the region from an AWS endpoint', () => {
      expect(adapter.parseOptions({ endpoint: 'https://lambda.eu-west-1.amazonaws.com' })).toMatchObject({ functionName: 'function', logType: 'Tail', region: 'eu-west-1' });
    });

    it('refuses bad options with InputError naming each field', () => {
      let error: unknown;
      try {
        adapter.parseOptions({ endpoint: 'file:///etc/passwd', functionName: '../x', logType: 'All', extra: 1, credentials: { accessKeyId: 'x' } });
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(InputError);
      const message = (error as Error).message;
      for (const field of ['options.endpoint', 'options.functionName', 'options.logType', 'options.extra', 'options.credentials.accessKeyId', 'options.credentials.secretAccessKey']) {
        expect(message).toContain(field);
      }
      expect(() => adapter.parseOptions({ endpoint: 'http://user:pw@host' })).toThrow('must not carry credentials');
      expect(() => adapter.parseOptions(undefined)).toThrow(InputError);
    });
  });

  describe('against the real Lambda Runtime Interface Emulator (awslambdaric, Python)', () => {
    let adapter: WorkerAdapter;
    let emulator: LambdaEmulator;
    let handlerDir: string;

    beforeAll(async () => {
      adapter = await loadAdapter();
      handlerDir = mkdtempSync(path.join(os.tmpdir(), 'lambda-handler-'));
      writeFileSync(path.join(handlerDir, 'app.py'), HANDLER);
      emulator = await startLambdaEmulator({ dataDir: REPO_DATA_DIR, handlerDir, handler: 'app.handler', timeoutSeconds: 2, logger: silentLogger() });
    }, 600_000);

    afterAll(async () => {
      await emulator?.close();
      rmSync(handlerDir, { recursive: true, force: true });
    });

    const run = (event: unknown, timeoutMs?: number) => adapter.run(spec(timeoutMs), { invocationId: 'inv-1', event, attempt: 1 }, adapter.parseOptions({ endpoint: emulator.url }));

    it('returns the handler result', async () => {
      const outcome = await run({ kind: 'ok', n: 1 });
      expect(outcome.status).toBe('succeeded');
      expect(outcome.result).toEqual({ echo: { kind: 'ok', n: 1 }, function: 'test_function' });
      expect(emulator.output()).toContain('lambda says ok');
    });

    it('maps a raised exception to a failed outcome with its type, message and stack', async () => {
      const outcome = await run({ kind: 'raise' });
      expect(outcome.status).toBe('failed');
      expect(outcome.error).toMatchObject({ type: 'KeyError', message: "'no such thing'" });
      expect(outcome.error?.stack).toContain('app.py');
    });

    it("maps Lambda's own timeout to timed_out, and the emulator serves again after", async () => {
      const outcome = await run({ kind: 'sleep' });
      expect(outcome.status).toBe('timed_out');
      expect(outcome.error?.message).toMatch(/Task timed out after 2\.00 seconds/);
      expect((await run({ kind: 'ok' })).status).toBe('succeeded');
    });

    it("enforces the spec's timeout on our side too", async () => {
      const started = Date.now();
      const outcome = await run({ kind: 'sleep' }, 200);
      expect(outcome.status).toBe('timed_out');
      expect(outcome.error?.type).toBe('TimeoutError');
      expect(Date.now() - started).toBeLessThan(1900);
      await new Promise((r) => setTimeout(r, 2500)); // let the emulator end that invocation
    });

    it('maps the runtime exiting (os._exit) to crashed', async () => {
      const outcome = await run({ kind: 'exit' });
      expect(outcome.status).toBe('crashed');
      expect(outcome.error?.type).toBe('Runtime.ExitError');
      expect(outcome.error?.message).toContain('exit status 7');
      expect((await run({ kind: 'ok' })).status).toBe('succeeded');
    });

    it('sends the event as JSON, any JSON value', async () => {
      const outcome = await adapter.run(spec(), { invocationId: 'x', event: { kind: 'ok', list: [1, 'two', null] }, attempt: 1 }, adapter.parseOptions({ endpoint: `${emulator.url}/` }));
      expect(outcome.result).toMatchObject({ echo: { list: [1, 'two', null] } });
    });

    it('throws UnavailableError when the endpoint does not answer', async () => {
      const closed = await new Promise<number>((resolve) => {
        const server = http.createServer().listen(0, '127.0.0.1', () => {
          const { port } = server.address() as AddressInfo;
          server.close(() => resolve(port));
        });
      });
      await expect(adapter.run(spec(), { invocationId: 'x', event: {}, attempt: 1 }, adapter.parseOptions({ endpoint: `http://127.0.0.1:${closed}` }))).rejects.toBeInstanceOf(UnavailableError);
    });
  });

  /**
   * What the RIE does not do but AWS Lambda does (documented Invoke API answers: the tail log
   * header, X-Amz-Function-Error, service error types), served by a plain HTTP server here.
   */
  describe('Lambda service answers the emulator does not give', () => {
    let adapter: WorkerAdapter;
    let server: http.Server;
    let base: string;
    const seen: http.IncomingHttpHeaders[] = [];
    let answer: (res: http.ServerResponse) => void = (res) => res.end('{}');

    beforeAll(async () => {
      adapter = await loadAdapter();
      server = http.createServer((req, res) => {
        seen.push(req.headers);
        req.resume();
        req.on('end', () => answer(res));
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });

    afterAll(async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    });

    const run = (options: Record<string, unknown> = {}) => adapter.run(spec(), { invocationId: 'x', event: { a: 1 }, attempt: 1 }, adapter.parseOptions({ endpoint: base, ...options }));

    it('puts the decoded X-Amz-Log-Result tail in logs.stdout', async () => {
      answer = (res) => {
        res.setHeader('x-amz-log-result', Buffer.from('START RequestId: 1\nhello\nEND RequestId: 1\n').toString('base64'));
        res.end('{"ok":true}');
      };
      const outcome = await run();
      expect(outcome).toMatchObject({ status: 'succeeded', result: { ok: true } });
      expect(outcome.logs.stdout).toContain('hello');
      expect(seen.at(-1)).toMatchObject({ 'x-amz-invocation-type': 'RequestResponse', 'x-amz-log-type': 'Tail' });
    });

    it("maps X-Amz-Function-Error and Lambda's timeout and runtime errors", async () => {
      answer = (res) => {
        res.setHeader('x-amz-function-error', 'Unhandled');
        res.end(JSON.stringify({ errorType: 'ValueError', errorMessage: 'nope', stackTrace: ['  File "x"\n'] }));
      };
      expect(await run()).toMatchObject({ status: 'failed', error: { type: 'ValueError', message: 'nope' } });
      answer = (res) => {
        res.setHeader('x-amz-function-error', 'Unhandled');
        res.end(JSON.stringify({ errorMessage: '2026-01-01T00:00:00.000Z abc Task timed out after 3.00 seconds' }));
      };
      expect((await run()).status).toBe('timed_out');
      answer = (res) => {
        res.setHeader('x-amz-function-error', 'Unhandled');
        res.end(JSON.stringify({ errorType: 'Runtime.OutOfMemory', errorMessage: 'Runtime exited with error: signal: killed' }));
      };
      expect(await run()).toMatchObject({ status: 'crashed', error: { type: 'Runtime.OutOfMemory' } });
    });

    it('signs requests when credentials are given (and never sends the secret)', async () => {
      answer = (res) => res.end('null');
      await run({ credentials: { accessKeyId: 'AKIDEXAMPLE00000', secretAccessKey: 'secret-secret-secret' }, region: 'eu-west-1' });
      const headers = seen.at(-1)!;
      expect(headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE00000\/\d{8}\/eu-west-1\/lambda\/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-invocation-type;x-amz-log-type, Signature=[0-9a-f]{64}$/);
      expect(JSON.stringify(headers)).not.toContain('secret-secret-secret');
    });

    it('never follows a redirect', async () => {
      let followed = false;
      const target = http.createServer((_req, res) => {
        followed = true;
        res.end('{"stolen":true}');
      });
      await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
      answer = (res) => {
        res.statusCode = 307;
        res.setHeader('location', `http://127.0.0.1:${(target.address() as AddressInfo).port}/`);
        res.end();
      };
      const outcome = await run();
      await new Promise((r) => target.close(r));
      expect(outcome).toMatchObject({ status: 'failed', error: { type: 'Lambda.RedirectRefused' } });
      expect(followed).toBe(false);
    });

    it('caps the size of the answer', async () => {
      answer = (res) => {
        const chunk = Buffer.alloc(1024 * 1024, 'a');
        for (let i = 0; i < 7; i += 1) res.write(chunk);
        res.end();
      };
      expect(await run()).toMatchObject({ status: 'failed', error: { type: 'Lambda.ResponseTooLarge' } });
    });

    it('retries throttling and service failures (UnavailableError), fails on the rest', async () => {
      answer = (res) => {
        res.statusCode = 429;
        res.setHeader('x-amzn-errortype', 'TooManyRequestsException');
        res.end('{"message":"Rate exceeded"}');
      };
      await expect(run()).rejects.toBeInstanceOf(UnavailableError);
      answer = (res) => {
        res.statusCode = 500;
        res.end('{"Type":"Service","message":"internal"}');
      };
      await expect(run()).rejects.toBeInstanceOf(UnavailableError);
      answer = (res) => {
        res.statusCode = 404;
        res.setHeader('x-amzn-errortype', 'ResourceNotFoundException:http://internal.amazon.com/coral/');
        res.end('{"Type":"User","message":"Function not found: arn:aws:lambda:eu-west-1:1:function:f"}');
      };
      expect(await run()).toMatchObject({ status: 'failed', error: { type: 'Lambda.ResourceNotFoundException', message: expect.stringContaining('Function not found') } });
    });
  });
});
