import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { archiveBase64 } from '../support/archives';
import { functionName, startTestPyFaaS, type TestPyFaaS } from '../support/pyfaas';

const IDENTITY_PY = 'def handler(event, context):\n    return {"echo": event, "version": context.function_version}\n';

describe.each(['sqlite', 'postgres'] as const)('functions over the HTTP API (meta store: %s)', (database) => {
  let pyfaas: TestPyFaaS;
  beforeAll(async () => {
    pyfaas = await startTestPyFaaS({ database });
  });
  afterAll(() => pyfaas.close());

  it('creates a Python function from inline code, deploys it, and invokes it warm', async () => {
    const name = functionName('py');
    const created = await pyfaas.request('POST', '/v1/functions', {
      name, runtime: 'python3', handler: 'main.handler', code: { inline: IDENTITY_PY }, labels: { team: 'a' }, env: { GREETING: 'hi' },
    });
    expect(created.status).toBe(201);
    expect(created.body.function).toMatchObject({ name, runtime: 'python3', activeVersion: 1, memoryMb: 128, labels: { team: 'a' } });
    expect(created.body.deployment).toMatchObject({ deploymentId: `deploy-${name}-v1`, status: 'succeeded' });
    expect(created.body.deployment.steps.map((s: any) => s.status)).toEqual(['done', 'done', 'done', 'done', 'done']);

    const invoked = await pyfaas.request('POST', `/v1/functions/${name}/invoke`, { a: 1 });
    expect(invoked.status).toBe(200);
    expect(invoked.body).toMatchObject({ status: 'succeeded', result: { echo: { a: 1 }, version: 1 }, version: 1, coldStart: false, attempts: 1 });
    expect(invoked.body.invocationId).toMatch(new RegExp(`^${name}-`));
    expect(invoked.body.durationMs).toEqual(expect.any(Number));
  });

  it('creates a Node.js function from a zip archive and reads it back', async () => {
    const name = functionName('node');
    const zipBase64 = archiveBase64('zip', {
      'index.js': "const { shout } = require('./lib/util');\nexports.handler = async (event) => ({ loud: shout(event.word) });\n",
      'lib/util.js': 'exports.shout = (w) => String(w).toUpperCase();\n',
    });
    const created = await pyfaas.request('POST', '/v1/functions', { name, runtime: 'nodejs20', handler: 'index.handler', code: { zipBase64 } });
    expect(created.status).toBe(201);
    const invoked = await pyfaas.request('POST', `/v1/functions/${name}/invoke`, { word: 'hey' });
    expect(invoked.body).toMatchObject({ status: 'succeeded', result: { loud: 'HEY' } });

    const got = await pyfaas.request('GET', `/v1/functions/${name}`);
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({ name, handler: 'index.handler', activeVersion: 1 });
  });

  it('makes a new immutable version on update, keeps the old one invocable by number', async () => {
    const name = functionName('ver');
    await pyfaas.request('POST', '/v1/functions', { name, runtime: 'python3', handler: 'main.handler', code: { inline: 'def handler(e, c):\n    return "one"\n' } });
    const updated = await pyfaas.request('PATCH', `/v1/functions/${name}`, { code: { inline: 'def handler(e, c):\n    return "two"\n' } });
    expect(updated.status).toBe(200);
    expect(updated.body.function.activeVersion).toBe(2);
    expect((await pyfaas.request('POST', `/v1/functions/${name}/invoke`, {})).body.result).toBe('two');
    expect((await pyfaas.request('POST', `/v1/functions/${name}/invoke?version=1`, {})).body.result).toBe('one');

    // Config alone makes a version too; labels do not.
    const memory = await pyfaas.request('PATCH', `/v1/functions/${name}`, { memoryMb: 256 });
    expect(memory.body.function).toMatchObject({ activeVersion: 3, memoryMb: 256 });
    const labels = await pyfaas.request('PATCH', `/v1/functions/${name}`, { labels: { tier: 'gold' } });
    expect(labels.body.function.activeVersion).toBe(3);
    expect(labels.body.deployment).toBeUndefined();

    const versions = await pyfaas.request('GET', `/v1/functions/${name}/versions`);
    expect(versions.body.items.map((v: any) => [v.number, v.status])).toEqual([[1, 'ready'], [2, 'ready'], [3, 'ready']]);
    expect(versions.body.items[0].codeHash).not.toBe(versions.body.items[1].codeHash);
    expect(versions.body.items[2].codeHash).toBe(versions.body.items[1].codeHash);
    expect(versions.body.items[2].config.memoryMb).toBe(256);
  });

  it('keeps the previous version active when a new one fails to deploy', async () => {
    const name = functionName('saga');
    await pyfaas.request('POST', '/v1/functions', { name, runtime: 'python3', handler: 'main.handler', code: { inline: 'def handler(e, c):\n    return "good"\n' } });
    const broken = await pyfaas.request('PATCH', `/v1/functions/${name}`, { code: { inline: 'def handler(e, c):\n    return (\n' } });
    expect(broken.status).toBe(400);
    expect(broken.body.error.code).toBe('SYNTAX_ERROR');
    expect(broken.body.error.message).toMatch(/main\.py:2/);
    const missingExport = await pyfaas.request('PATCH', `/v1/functions/${name}`, { code: { inline: 'def other(e, c):\n    return 1\n' } });
    expect(missingExport.status).toBe(400);
    expect(missingExport.body.error.code).toBe('HANDLER_LOAD_FAILED');

    const fn = await pyfaas.request('GET', `/v1/functions/${name}`);
    expect(fn.body.activeVersion).toBe(1);
    expect((await pyfaas.request('POST', `/v1/functions/${name}/invoke`, {})).body.result).toBe('good');
    const versions = await pyfaas.request('GET', `/v1/functions/${name}/versions`);
    expect(versions.body.items.map((v: any) => v.status)).toEqual(['ready', 'failed', 'failed']);
  });

  it('answers 202 with a deployment id whose progress can be read, with ?wait=false', async () => {
    const name = functionName('nowait');
    const created = await pyfaas.request('POST', '/v1/functions?wait=false', { name, runtime: 'python3', handler: 'main.handler', code: { inline: IDENTITY_PY } });
    expect(created.status).toBe(202);
    const id = created.body.deployment.deploymentId;
    let progress;
    for (let i = 0; i < 100; i++) {
      progress = await pyfaas.request('GET', `/v1/deployments/${id}`);
      if (progress.body.status !== 'running') break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(progress!.body).toMatchObject({ deploymentId: id, functionName: name, version: 1, status: 'succeeded' });
    expect((await pyfaas.request('GET', '/v1/deployments/deploy-nothing-v9')).status).toBe(404);
  });

  it('lists functions by label, a page at a time', async () => {
    const label = functionName('l');
    const names = [functionName('lista'), functionName('listb'), functionName('listc')].sort();
    for (const name of names) {
      await pyfaas.request('POST', '/v1/functions', { name, runtime: 'python3', handler: 'main.handler', code: { inline: IDENTITY_PY }, labels: { group: label } });
    }
    const first = await pyfaas.request('GET', `/v1/functions?label=group=${label}&limit=2`);
    expect(first.body.items.map((f: any) => f.name)).toEqual(names.slice(0, 2));
    const second = await pyfaas.request('GET', `/v1/functions?label=group=${label}&limit=2&after=${first.body.next}`);
    expect(second.body.items.map((f: any) => f.name)).toEqual(names.slice(2));
    expect(second.body.next).toBeUndefined();
  });

  it('deletes a function: gone from the API, its instances and its code', async () => {
    const name = functionName('del');
    const created = await pyfaas.request('POST', '/v1/functions', { name, runtime: 'python3', handler: 'main.handler', code: { inline: 'def handler(e, c):\n    return "unique-' + name + '"\n' } });
    expect(created.status).toBe(201);
    const artifacts = path.join(pyfaas.dataDir, 'artifacts');
    const before = readdirSync(artifacts).filter((f) => !f.startsWith('.'));
    const deleted = await pyfaas.request('DELETE', `/v1/functions/${name}`);
    expect(deleted.status).toBe(204);
    expect((await pyfaas.request('GET', `/v1/functions/${name}`)).status).toBe(404);
    const invoke = await pyfaas.request('POST', `/v1/functions/${name}/invoke`, {});
    expect(invoke.status).toBe(404);
    expect(invoke.body.error.code).toBe('FUNCTION_NOT_FOUND');
    const after = readdirSync(artifacts).filter((f) => !f.startsWith('.'));
    expect(after.length).toBe(before.length - 1);
    expect(after.every((hash) => existsSync(path.join(artifacts, hash)))).toBe(true);
  });

  it('drains a running invocation before deleting, and refuses new ones meanwhile', async () => {
    const name = functionName('drain');
    await pyfaas.request('POST', '/v1/functions', { name, runtime: 'python3', handler: 'main.handler', code: { inline: 'import time\n\ndef handler(e, c):\n    time.sleep(2)\n    return "finished"\n' } });
    const running = await pyfaas.request('POST', `/v1/functions/${name}/invoke?async=true`, {});
    for (let i = 0; i < 50 && (await pyfaas.request('GET', `/v1/invocations/${running.body.invocationId}`)).body.status !== 'running'; i++) await new Promise((r) => setTimeout(r, 100));
    const deleting = pyfaas.request('DELETE', `/v1/functions/${name}`);
    await new Promise((r) => setTimeout(r, 300));
    expect((await pyfaas.request('POST', `/v1/functions/${name}/invoke`, {})).status).toBe(404);
    expect((await deleting).status).toBe(204);
    const drained = await pyfaas.request('GET', `/v1/invocations/${running.body.invocationId}`);
    expect(drained.body).toMatchObject({ status: 'succeeded', result: 'finished' });
  });

  it('installs dependencies from requirements.txt', async () => {
    const name = functionName('deps');
    const tarGzBase64 = archiveBase64('tar.gz', {
      'requirements.txt': 'six==1.16.0\n',
      'app.py': 'import six\n\ndef handler(event, context):\n    return six.__version__\n',
    });
    const created = await pyfaas.request('POST', '/v1/functions', { name, runtime: 'python3', handler: 'app.handler', code: { tarGzBase64 } });
    expect(created.status).toBe(201);
    expect((await pyfaas.request('POST', `/v1/functions/${name}/invoke`, {})).body).toMatchObject({ status: 'succeeded', result: '1.16.0' });
  });
});
