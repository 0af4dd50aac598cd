import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { writeFromTemplate } from '../../cli/module-commands';
import { loadModulePackage } from '../../modules/package';
import { eventually } from '../support/http';
import { functionName, startTestPyFaaS, type TestPyFaaS } from '../support/pyfaas';

const ECHO = { inline: 'def handler(event, context):\n    return {"got": event}\n' };

/**
 * Meta and task modules made from the authoring kit's templates, installed into a running
 * PyFaaS's registry and named by the function policy: creates, updates and invocations are
 * refused with the modules' own codes, and nothing is written or started when they are.
 */
describe('meta and task modules named by the function policy', () => {
  let pyfaas: TestPyFaaS;
  let root: string;
  const put = (body: unknown) => pyfaas.request('PUT', '/v1/policies/function', body);

  async function install(kind: 'meta' | 'task', id: string): Promise<void> {
    const dir = path.join(root, id);
    await writeFromTemplate(kind, { id, name: `pyfaas-${kind}-${id}`, dir });
    const module = await loadModulePackage(dir);
    pyfaas.running.platform.registry.install(module, { type: 'hub', package: module.packageName, integrity: 'test' });
  }

  beforeAll(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'pyfaas-policy-modules-'));
    pyfaas = await startTestPyFaaS({ database: 'sqlite' });
    await install('meta', 'labels');
    await install('task', 'guard');
  });
  afterAll(async () => {
    await pyfaas.close();
    await fs.rm(root, { recursive: true, force: true });
  });

  it('refuses a policy naming a module that is not installed, or a config its module refuses', async () => {
    const missing = await put({ metaChecks: [{ module: 'nope' }] });
    expect(missing.status).toBe(400);
    expect(missing.body.error.details.issues).toEqual([expect.objectContaining({ path: 'metaChecks.0.module', message: expect.stringContaining('no meta module "nope" is installed (installed: labels)') })]);
    const badConfig = await put({ taskChecks: [{ module: 'guard', config: { modes: ['sometimes'] } }] });
    expect(badConfig.status).toBe(400);
    expect(badConfig.body.error.details.issues[0].path).toMatch(/^taskChecks\.0\.config\.modes/);
    const wrongKind = await put({ taskChecks: [{ module: 'labels' }] });
    expect(wrongKind.status).toBe(400);
    expect((await pyfaas.request('GET', '/v1/policies/function')).body.value.metaChecks).toEqual([]);
  });

  it('refuses a create that breaks the meta module\'s rules, writing nothing; an update is held to them when it changes labels', async () => {
    expect((await put({ metaChecks: [{ module: 'labels', config: { requiredLabels: ['team'], allowedValues: { tier: ['prod', 'dev'] } } }] })).status).toBe(200);
    const name = functionName('meta');
    const refused = await pyfaas.request('POST', '/v1/functions', { name, runtime: 'python3', handler: 'main.handler', code: ECHO, labels: { tier: 'qa' } });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatchObject({ code: 'FUNCTION_METADATA_REFUSED', details: { module: 'meta/labels', issues: [{ path: 'labels.team', message: 'is required' }, { path: 'labels.tier', message: 'must be one of prod, dev' }] } });
    expect((await pyfaas.request('GET', `/v1/functions/${name}`)).status).toBe(404);

    const created = await pyfaas.request('POST', '/v1/functions', { name, runtime: 'python3', handler: 'main.handler', code: ECHO, labels: { team: 'shop', tier: 'dev' } });
    expect(created.status).toBe(201);
    const relabel = await pyfaas.request('PATCH', `/v1/functions/${name}`, { labels: { team: 'shop', tier: 'qa' } });
    expect(relabel.status).toBe(400);
    expect(relabel.body.error.code).toBe('FUNCTION_METADATA_REFUSED');
    expect((await pyfaas.request('GET', `/v1/functions/${name}`)).body.labels).toEqual({ team: 'shop', tier: 'dev' });
    expect((await pyfaas.request('PATCH', `/v1/functions/${name}`, { memoryMb: 256 })).status).toBe(200);
    expect((await put({})).status).toBe(200);
  });

  it('refuses invocations the task module does not admit, starting no workflow; admits the rest', async () => {
    const name = functionName('task');
    expect((await pyfaas.request('POST', '/v1/functions', { name, runtime: 'python3', handler: 'main.handler', code: ECHO })).status).toBe(201);
    expect((await put({ taskChecks: [{ module: 'guard', config: { maxEventBytes: 64, modes: ['sync'] } }] })).status).toBe(200);

    const large = await pyfaas.request('POST', `/v1/functions/${name}/invoke`, { text: 'x'.repeat(100) });
    expect(large.status).toBe(413);
    expect(large.body.error).toMatchObject({ code: 'TASK_EVENT_TOO_LARGE', details: { module: 'task/guard', limit: 64, size: 111 } });
    const async = await pyfaas.request('POST', `/v1/functions/${name}/invoke?async=true`, { n: 1 });
    expect(async.status).toBe(403);
    expect(async.body.error.code).toBe('TASK_REFUSED');
    const admitted = await pyfaas.request('POST', `/v1/functions/${name}/invoke`, { n: 2 });
    expect(admitted.status).toBe(200);
    expect(admitted.body).toMatchObject({ status: 'succeeded', result: { got: { n: 2 } } });
    const ids = async () => (await pyfaas.request('GET', `/v1/invocations?function=${name}`)).body.items.map((invocation: { invocationId: string }) => invocation.invocationId);
    expect(await eventually(async () => (await ids()).includes(admitted.body.invocationId), 10_000)).toBe(true);
    expect(await ids()).toEqual([admitted.body.invocationId]);

    const callers = await put({ taskChecks: [{ module: 'guard', config: { callers: ['token:somebody-else'] } }] });
    expect(callers.status).toBe(200);
    const stranger = await pyfaas.request('POST', `/v1/functions/${name}/invoke`, {});
    expect(stranger.status).toBe(403);
    expect(stranger.body.error.message).toMatch(/may not invoke .* \(guard admits listed callers only\)/);
  });

  it('refuses to uninstall a module the function policy names, naming the policy', async () => {
    expect((await put({ taskChecks: [{ module: 'guard' }] })).status).toBe(200);
    const refused = await pyfaas.request('DELETE', '/v1/modules/task/guard');
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ code: 'MODULE_IN_USE', details: { users: ['policy:function'] } });
    const listed = await pyfaas.request('GET', '/v1/modules');
    expect(listed.body.items.find((m: { kind: string; id: string }) => m.kind === 'task' && m.id === 'guard')).toMatchObject({ usedBy: ['policy:function'] });
    expect((await put({})).status).toBe(200);
  });
});
