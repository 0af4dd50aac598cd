import { randomBytes } from 'node:crypto';
import { archiveBase64 } from '../support/archives';
import { functionName, startTestPyFaaS, type TestPyFaaS } from '../support/pyfaas';

/** Every bad input gets a stable code and status, and the platform keeps serving. */
describe('bad input over the HTTP API', () => {
  let pyfaas: TestPyFaaS;
  const create = (body: object) => pyfaas.request('POST', '/v1/functions', { runtime: 'python3', handler: 'main.handler', ...body });
  const deployPy = async (name: string, body: string, extra: object = {}) => {
    const response = await create({ name, code: { inline: body }, ...extra });
    expect(response.status).toBe(201);
  };

  beforeAll(async () => {
    pyfaas = await startTestPyFaaS({ database: 'sqlite', env: { PYFAAS_API_BODY_LIMIT_BYTES: String(2 * 1024 * 1024) } });
  });
  afterAll(() => pyfaas.close());
  afterEach(async () => {
    expect((await pyfaas.request('GET', '/healthz')).status).toBe(200);
  });

  it('rejects an unknown runtime, an invalid name, and a duplicate name', async () => {
    const unknown = await create({ name: functionName('rt'), runtime: 'ruby', code: { inline: 'x' } });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error).toMatchObject({ code: 'UNKNOWN_RUNTIME', message: expect.stringContaining('python3, nodejs20') });
    const invalid = await create({ name: 'Bad_Name!', code: { inline: 'def handler(e, c): pass\n' } });
    expect(invalid.status).toBe(400);
    expect(invalid.body.error.code).toBe('INVALID_INPUT');
    expect(invalid.body.error.message).toMatch(/name: must be a DNS label/);
    const name = functionName('dup');
    await deployPy(name, 'def handler(e, c):\n    return 1\n');
    const duplicate = await create({ name, code: { inline: 'def handler(e, c):\n    return 2\n' } });
    expect(duplicate.status).toBe(409);
    expect(duplicate.body.error.code).toBe('CONFLICT');
    expect((await pyfaas.request('POST', `/v1/functions/${name}/invoke`, {})).body.result).toBe(1);
  });

  it('rejects code with a syntax error, naming file and line, and creates nothing', async () => {
    const name = functionName('syntax');
    const response = await create({ name, code: { inline: 'def handler(e, c):\n    return 1\n\ndef broken(:\n' } });
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('SYNTAX_ERROR');
    expect(response.body.error.details.issues[0]).toMatchObject({ file: 'main.py', line: 4 });
    expect((await pyfaas.request('GET', `/v1/functions/${name}`)).status).toBe(404);
    const node = await create({ name, runtime: 'nodejs20', handler: 'index.handler', code: { inline: 'exports.handler = () => 1 +;\n' } });
    expect(node.status).toBe(400);
    expect(node.body.error.details.issues[0]).toMatchObject({ file: 'index.js', line: 1 });
  });

  it('rejects a handler that is not in the code', async () => {
    const missingFile = await create({ name: functionName('nofile'), handler: 'app.handler', code: { zipBase64: archiveBase64('zip', { 'main.py': 'x = 1\n' }) } });
    expect(missingFile.status).toBe(400);
    expect(missingFile.body.error.code).toBe('HANDLER_LOAD_FAILED');
    const missingExport = await create({ name: functionName('noexport'), code: { inline: 'def other(e, c):\n    return 1\n' } });
    expect(missingExport.status).toBe(400);
    expect(missingExport.body.error).toMatchObject({ code: 'HANDLER_LOAD_FAILED', message: expect.stringContaining('handler') });
    const malformed = await create({ name: functionName('badhandler'), handler: 'no-dots', code: { inline: 'x' } });
    expect(malformed.status).toBe(400);
  });

  it('rejects archives that are too large or escape their root', async () => {
    const escaping = await create({ name: functionName('escape'), code: { tarGzBase64: archiveBase64('tar.gz', { 'main.py': 'def handler(e, c): pass\n', '../evil.py': 'x' }) } });
    expect(escaping.status).toBe(400);
    expect(escaping.body.error.message).toContain('../evil.py');
    const big = randomBytes(3 * 1024 * 1024).toString('base64');
    const tooLarge = await create({ name: functionName('large'), code: { zipBase64: big } });
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.body.error.code).toBe('LIMIT_EXCEEDED');
  });

  it('rejects an invoke body that is not JSON or over the limit, and unknown functions or versions', async () => {
    const name = functionName('inv');
    await deployPy(name, 'def handler(e, c):\n    return e\n');
    const notJson = await pyfaas.request('POST', `/v1/functions/${name}/invoke`, '{"a":');
    expect(notJson.status).toBe(400);
    expect(notJson.body.error.code).toBe('INVALID_JSON');
    const huge = await pyfaas.request('POST', `/v1/functions/${name}/invoke`, JSON.stringify({ blob: 'y'.repeat(3 * 1024 * 1024) }));
    expect(huge.status).toBe(413);
    expect(huge.body.error.code).toBe('LIMIT_EXCEEDED');
    const unknown = await pyfaas.request('POST', `/v1/functions/${functionName('ghost')}/invoke`, {});
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('FUNCTION_NOT_FOUND');
    const version = await pyfaas.request('POST', `/v1/functions/${name}/invoke?version=7`, {});
    expect(version.status).toBe(404);
    expect(version.body.error.code).toBe('VERSION_NOT_FOUND');
    expect((await pyfaas.request('GET', '/v1/invocations/nope-123')).status).toBe(404);
    expect((await pyfaas.request('POST', `/v1/functions/${name}/invoke`, { fine: true })).body.result).toEqual({ fine: true });
  });

  it('reports a result that is not serializable as a failed invocation', async () => {
    const name = functionName('unser');
    await deployPy(name, 'def handler(e, c):\n    return {1, 2}\n');
    const response = await pyfaas.request('POST', `/v1/functions/${name}/invoke`, {});
    expect(response.body).toMatchObject({ status: 'failed', error: { type: 'ResultNotSerializable' } });
  });

  it('survives a function that prints 100 MB: logs truncated, result kept', async () => {
    const name = functionName('loud');
    await deployPy(name, 'import sys\ndef handler(e, c):\n    chunk = "z" * 1048576\n    for _ in range(100):\n        sys.stdout.write(chunk)\n    return "done"\n', { timeoutMs: 60_000 });
    const response = await pyfaas.request('POST', `/v1/functions/${name}/invoke`, {});
    expect(response.body).toMatchObject({ status: 'succeeded', result: 'done', logs: { truncated: true } });
    expect(response.body.logs.stdout.length).toBeLessThanOrEqual(256 * 1024);
  });

  it('times out a function that never returns, and one that forks endlessly', async () => {
    const forever = functionName('forever');
    await deployPy(forever, 'import time\ndef handler(e, c):\n    while True:\n        time.sleep(1)\n', { timeoutMs: 1500 });
    const started = Date.now();
    const hung = await pyfaas.request('POST', `/v1/functions/${forever}/invoke`, {});
    expect(hung.body).toMatchObject({ status: 'timed_out', error: { type: 'TimeoutError' } });
    expect(Date.now() - started).toBeLessThan(10_000);

    const bomb = functionName('forkbomb');
    await deployPy(bomb, 'import os\ndef handler(e, c):\n    while True:\n        try:\n            os.fork()\n        except OSError:\n            pass\n', { timeoutMs: 2000 });
    const forked = await pyfaas.request('POST', `/v1/functions/${bomb}/invoke`, {});
    expect(['timed_out', 'failed']).toContain(forked.body.status);
    // The next invocation of a healthy function is unaffected.
    const name = functionName('after');
    await deployPy(name, 'def handler(e, c):\n    return "ok"\n');
    expect((await pyfaas.request('POST', `/v1/functions/${name}/invoke`, {})).body.result).toBe('ok');
  });

  it('reports a function that exceeds its memory as crashed out of memory', async () => {
    const name = functionName('hog');
    await deployPy(name, 'def handler(e, c):\n    hog = []\n    while True:\n        hog.append(bytearray(10 * 1024 * 1024))\n', { memoryMb: 64, timeoutMs: 20_000 });
    const response = await pyfaas.request('POST', `/v1/functions/${name}/invoke`, {});
    expect(response.body).toMatchObject({ status: 'failed', error: { type: 'OutOfMemory' } });
  });
});
