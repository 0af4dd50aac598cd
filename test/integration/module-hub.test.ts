import { randomUUID } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCommand } from '../../infra/command';
import { freePort } from '../../infra/ports';
import { generateSigningKey, signModuleDir } from '../../modules/hub/signature';
import kpaDeclaration from '../../modules/scaling/kpa.module.json';
import httpDeclaration from '../../modules/trigger/http/http.module.json';
import { startCli, type CliProcess } from '../support/cli';
import { REPO_ROOT } from '../support/services';
import { npmAgainstHub } from '../support/hub';
import { functionName, startTestPyFaaS, type TestPyFaaS } from '../support/pyfaas';

const work = mkdtempSync(path.join(os.tmpdir(), 'module-hub-'));
const publisher = generateSigningKey();
const stranger = generateSigningKey();

const npm = (hubUrl: string, token: string, args: string[], cwd: string) => npmAgainstHub(work, hubUrl, token, args, cwd);

interface PackageSpec {
  name: string;
  version?: string;
  pyfaas?: Record<string, unknown>;
  index?: string;
}

const SCALER = (id: string) =>
  `// @ts-check\nmodule.exports = { create() { return { id: ${JSON.stringify(id)}, parseParams: (p) => p || {}, historyMs: () => 0, decide: ({ params }) => ({ desired: params.instances || 0, mode: 'fixed', reason: 'test', state: {} }) }; } };\n`;

/** A package directory: a scaling module unless told otherwise. */
function writePackage(spec: PackageSpec): string {
  const dir = path.join(work, `${spec.name}-${spec.version ?? '1.0.0'}-${randomUUID().slice(0, 4)}`);
  mkdirSync(dir, { recursive: true });
  const pkg: Record<string, unknown> = { name: spec.name, version: spec.version ?? '1.0.0', description: `test module ${spec.name}`, main: 'index.js', license: 'MIT' };
  if (spec.pyfaas !== undefined) pkg.pyfaas = spec.pyfaas;
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify(pkg, null, 2));
  writeFileSync(path.join(dir, 'index.js'), spec.index ?? SCALER(String(spec.pyfaas?.id ?? 'x')));
  return dir;
}

const manifest = (id: string, extra: Record<string, unknown> = {}) => ({ kind: 'scaling', id, platform: '^0.1.0', ...extra });

describe('the Module Hub end to end: publish with the npm CLI, install on every process without a restart', () => {
  let pyfaas: TestPyFaaS;
  let hubUrl: string;
  let developer: string;
  let second: CliProcess;
  let secondUrl: string;

  /** Signs (with `key`, unless null) and publishes the package at `dir` as the module developer. */
  const publish = async (dir: string, key: { privateKeyPem: string } | null = publisher) => {
    if (key) await signModuleDir(dir, key.privateKeyPem);
    const published = await npm(hubUrl, developer, ['publish'], dir);
    expect(published).toMatchObject({ code: 0 });
  };
  const install = (pkg: string, version = '1.0.0', token?: string) =>
    pyfaas.request('POST', '/v1/modules', { package: pkg, version }, token ? { authorization: `Bearer ${token}` } : {});
  const onSecond = async (pathname: string) => {
    const response = await fetch(`${secondUrl}${pathname}`, { headers: { authorization: `Bearer ${pyfaas.adminToken}` } });
    return { status: response.status, body: (await response.json()) as any };
  };
  const served = async (url: string, kind: string, id: string) => {
    const response = await fetch(`${url}/v1/modules`, { headers: { authorization: `Bearer ${pyfaas.adminToken}` } });
    return ((await response.json()) as any).items.find((m: any) => m.kind === kind && m.id === id);
  };

  beforeAll(async () => {
    pyfaas = await startTestPyFaaS({ database: 'postgres', hub: true });
    hubUrl = pyfaas.hub!.url;
    developer = (await pyfaas.request('POST', '/v1/tokens', { name: 'module developer', role: 'module-developer' })).body.token;
    // A second process of the same platform (role api, its own port): it must load every install too.
    const port = await freePort();
    secondUrl = `http://127.0.0.1:${port}`;
    second = startCli(['serve'], { ...pyfaas.env, PYFAAS_ROLE: 'api', PYFAAS_API_PORT: String(port), PYFAAS_NODE_ID: 'api-b', PYFAAS_LOG_LEVEL: 'warn' });
    const deadline = Date.now() + 60_000;
    for (;;) {
      const up = await fetch(`${secondUrl}/healthz`).then((r) => r.ok, () => false);
      if (up) break;
      if (Date.now() > deadline) throw new Error(`the second process did not start:\n${second.output()}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    const trusted = await pyfaas.request('PUT', '/v1/policies/module', { trustedKeys: [{ name: 'test publisher', publicKey: publisher.publicKeyPem }] });
    expect(trusted.status).toBe(200);
    const rate = path.join(work, 'scaling-rate');
    cpSync(path.join(REPO_ROOT, 'hub-modules', 'scaling-rate'), rate, { recursive: true });
    await publish(rate);
  });

  afterAll(async () => {
    second?.child.kill('SIGKILL');
    await pyfaas?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('finds the published module in the hub by kind', async () => {
    const found = await pyfaas.request('GET', '/v1/hub/modules?kind=scaling');
    expect(found.status).toBe(200);
    expect(found.body.items).toEqual(expect.arrayContaining([expect.objectContaining({ package: 'pyfaas-scaling-rate', kind: 'scaling', id: 'rate' })]));
    const none = await pyfaas.request('GET', '/v1/hub/modules?kind=trigger');
    expect(none.body.items.find((m: any) => m.package === 'pyfaas-scaling-rate')).toBeUndefined();
  });

  it('lists the built-ins with the configSchema of their declaration files', async () => {
    for (const declaration of [kpaDeclaration, httpDeclaration]) {
      const { kind, id, configSchema } = declaration.pyfaas;
      expect(await served(pyfaas.url, kind, id)).toMatchObject({ source: 'built-in', version: declaration.version, configSchema });
    }
  });

  it('refuses the module developer an install (module:install is the admin\'s)', async () => {
    const refused = await install('pyfaas-scaling-rate', '0.1.0', developer);
    expect(refused.status).toBe(403);
    expect(await served(pyfaas.url, 'scaling', 'rate')).toBeUndefined();
  });

  it('installs it on both processes in one call, and a function on the other process can use it at once', async () => {
    const started = Date.now();
    const installed = await install('pyfaas-scaling-rate', '0.1.0');
    expect({ status: installed.status, body: installed.status === 201 ? undefined : installed.body }).toEqual({ status: 201 });
    expect(installed.body).toMatchObject({ status: 'succeeded', module: { kind: 'scaling', id: 'rate', version: '0.1.0', signerKeyId: publisher.keyId } });
    expect(installed.body.processes).toHaveLength(2);
    // eslint-disable-next-line no-console
    console.log(`POST /v1/modules → serving on ${installed.body.processes.length} processes: ${Date.now() - started} ms (record → everywhere ${installed.body.everywhereMs} ms)`);
    expect((await served(secondUrl, 'scaling', 'rate'))?.version).toBe('0.1.0');
    const name = functionName('rated');
    const created = await fetch(`${secondUrl}/v1/functions`, {
      method: 'POST', headers: { authorization: `Bearer ${pyfaas.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name, runtime: 'python3', handler: 'main.handler', code: { inline: 'def handler(event, context):\n    return 1\n' }, scaling: { module: 'rate', params: { targetRatePerInstance: 5 } } }),
    });
    expect(created.status).toBe(201);
    const view = await pyfaas.request('GET', '/v1/modules/scaling/rate');
    expect(view.body).toMatchObject({ source: 'hub', package: 'pyfaas-scaling-rate', usedBy: [`function:${name}`] });

    // Uninstall is refused while the function uses it, then allowed once it moved to another module.
    const inUse = await pyfaas.request('DELETE', '/v1/modules/scaling/rate');
    expect(inUse.status).toBe(409);
    expect(inUse.body.error).toMatchObject({ code: 'MODULE_IN_USE', details: { users: [`function:${name}`] } });
    expect((await pyfaas.request('PATCH', `/v1/functions/${name}`, { scaling: { module: 'kpa', params: {} } })).status).toBe(200);
    // The scaling policy's default uses it too.
    expect((await pyfaas.request('PUT', '/v1/policies/scaling', { default: { module: 'rate', params: { targetRatePerInstance: 5 } } })).status).toBe(200);
    expect((await pyfaas.request('DELETE', '/v1/modules/scaling/rate')).body.error).toMatchObject({ code: 'MODULE_IN_USE', details: { users: ['policy:scaling'] } });
    expect((await pyfaas.request('PUT', '/v1/policies/scaling', {})).status).toBe(200);
    const builtIn = await pyfaas.request('DELETE', '/v1/modules/scaling/kpa');
    expect(builtIn.body.error.code).toBe('MODULE_BUILT_IN');
    expect((await pyfaas.request('DELETE', '/v1/modules/scaling/rate')).status).toBe(200);
    expect(await served(pyfaas.url, 'scaling', 'rate')).toBeUndefined();
    const deadline = Date.now() + 5000;
    while ((await served(secondUrl, 'scaling', 'rate')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(await served(secondUrl, 'scaling', 'rate')).toBeUndefined();
  });

  it('upgrades to a new version and rolls back by installing the old one', async () => {
    await publish(writePackage({ name: 'pyfaas-scaling-steady', version: '1.0.0', pyfaas: manifest('steady') }));
    await publish(writePackage({ name: 'pyfaas-scaling-steady', version: '1.1.0', pyfaas: manifest('steady') }));
    expect((await install('pyfaas-scaling-steady', '1.0.0')).status).toBe(201);
    const upgraded = await install('pyfaas-scaling-steady', '1.1.0');
    expect(upgraded.body).toMatchObject({ status: 'succeeded', previousVersion: '1.0.0' });
    expect((await served(secondUrl, 'scaling', 'steady'))?.version).toBe('1.1.0');
    const rolledBack = await install('pyfaas-scaling-steady', '1.0.0');
    expect(rolledBack.body).toMatchObject({ status: 'succeeded', previousVersion: '1.1.0' });
    expect((await served(pyfaas.url, 'scaling', 'steady'))?.version).toBe('1.0.0');
    expect((await served(secondUrl, 'scaling', 'steady'))?.version).toBe('1.0.0');
    // One install per package at a time: a second while the first runs is refused, not raced.
    const background = await pyfaas.request('POST', '/v1/modules?wait=false', { package: 'pyfaas-scaling-steady', version: '1.1.0' });
    expect(background.status).toBe(202);
    const racing = await install('pyfaas-scaling-steady', '1.0.0');
    expect(racing.body.error).toMatchObject({ code: 'MODULE_INSTALL_RUNNING' });
    const deadline = Date.now() + 20_000;
    let latest: any;
    do {
      await new Promise((r) => setTimeout(r, 100));
      latest = (await pyfaas.request('GET', `/v1/modules/installations/${background.body.installationId}`)).body;
    } while (latest.status === 'running' && Date.now() < deadline);
    expect(latest).toMatchObject({ status: 'succeeded', package: 'pyfaas-scaling-steady', version: '1.1.0' });
    expect((await install('pyfaas-scaling-steady', '1.0.0')).status).toBe(201);
  });

  it('rolls every process back when one of them cannot load the new version', async () => {
    // Loads in the test's process (where the install's checks run) but throws in the api-only one.
    const picky = `if (process.env.PYFAAS_ROLE === 'api') throw new Error('not on api processes');\n${SCALER('steady')}`;
    await publish(writePackage({ name: 'pyfaas-scaling-steady', version: '1.2.0', pyfaas: manifest('steady'), index: picky }));
    const failed = await install('pyfaas-scaling-steady', '1.2.0');
    expect(failed.status).toBe(400);
    expect(failed.body.error).toMatchObject({ code: 'MODULE_LOAD_FAILED' });
    expect(failed.body.error.message).toContain('not on api processes');
    const installation = await pyfaas.request('GET', `/v1/modules/installations/${failed.body.error.details.installationId}`);
    expect(installation.body.steps.map((s: any) => s.status)).toEqual(['done', 'compensated', 'failed']);
    const deadline = Date.now() + 5000;
    while ((await served(pyfaas.url, 'scaling', 'steady'))?.version !== '1.0.0' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect((await served(pyfaas.url, 'scaling', 'steady'))?.version).toBe('1.0.0');
    expect((await served(secondUrl, 'scaling', 'steady'))?.version).toBe('1.0.0');
  });

  describe('refuses every broken package with its code, and the module serving stays', () => {
    const stillServing = async () => {
      expect((await served(pyfaas.url, 'scaling', 'steady'))?.version).toBe('1.0.0');
      expect((await served(secondUrl, 'scaling', 'steady'))?.version).toBe('1.0.0');
    };
    const refused = async (pkg: string, status: number, code: string) => {
      const answer = await install(pkg);
      expect({ status: answer.status, code: answer.body?.error?.code }).toEqual({ status, code });
      await stillServing();
      return answer.body.error;
    };

    it('a package without a pyfaas manifest', async () => {
      await publish(writePackage({ name: 'plain-library' }));
      await refused('plain-library', 400, 'MODULE_MANIFEST_INVALID');
    });
    it('an unknown kind', async () => {
      await publish(writePackage({ name: 'pyfaas-gadget-x', pyfaas: { ...manifest('x'), kind: 'gadget' } }));
      await refused('pyfaas-gadget-x', 400, 'MODULE_KIND_UNKNOWN');
    });
    it('an id that belongs to another module (a built-in, or another package)', async () => {
      await publish(writePackage({ name: 'pyfaas-scaling-fake-kpa', pyfaas: manifest('kpa') }));
      await refused('pyfaas-scaling-fake-kpa', 409, 'MODULE_ID_CLASH');
      await publish(writePackage({ name: 'pyfaas-scaling-steady-copy', pyfaas: manifest('steady') }));
      await refused('pyfaas-scaling-steady-copy', 409, 'MODULE_ID_CLASH');
    });
    it('a platform range this PyFaaS is outside', async () => {
      await publish(writePackage({ name: 'pyfaas-scaling-future', pyfaas: manifest('future', { platform: '^9.0.0' }) }));
      await refused('pyfaas-scaling-future', 400, 'MODULE_PLATFORM_UNSUPPORTED');
    });
    it('a dependency module that is not installed', async () => {
      await publish(writePackage({ name: 'pyfaas-scaling-needy', pyfaas: manifest('needy', { dependencies: { 'scaling/absent': '^1.0.0' } }) }));
      await refused('pyfaas-scaling-needy', 400, 'MODULE_DEPENDENCY_MISSING');
    });
    it('a tarball changed in the hub after publish (integrity)', async () => {
      await publish(writePackage({ name: 'pyfaas-scaling-tampered', pyfaas: manifest('tampered') }));
      const storage = path.join(pyfaas.dataDir, 'hub', 'storage', 'pyfaas-scaling-tampered');
      const tarball = readdirSync(storage).find((f) => f.endsWith('.tgz'))!;
      const evil = writePackage({ name: 'pyfaas-scaling-tampered', pyfaas: manifest('tampered'), index: SCALER('tampered').replace("'test'", "'evil'") });
      await signModuleDir(evil, publisher.privateKeyPem);
      const packed = await runCommand('npm', ['pack', '--pack-destination', storage, '--ignore-scripts'], { cwd: evil, timeoutMs: 60_000 });
      expect(packed.code).toBe(0);
      expect(readdirSync(storage)).toContain(tarball); // npm pack overwrote the stored tarball with other bytes
      await refused('pyfaas-scaling-tampered', 400, 'MODULE_INTEGRITY_MISMATCH');
    });
    it('unsigned, signed by an untrusted key, or changed after signing', async () => {
      await publish(writePackage({ name: 'pyfaas-scaling-unsigned', pyfaas: manifest('unsigned') }), null);
      expect((await refused('pyfaas-scaling-unsigned', 403, 'MODULE_SIGNATURE_INVALID')).details).toMatchObject({ reason: 'missing' });
      await publish(writePackage({ name: 'pyfaas-scaling-stranger', pyfaas: manifest('stranger') }), stranger);
      expect((await refused('pyfaas-scaling-stranger', 403, 'MODULE_SIGNATURE_INVALID')).details).toMatchObject({ reason: 'untrusted-key' });
      const edited = writePackage({ name: 'pyfaas-scaling-edited', pyfaas: manifest('edited') });
      await signModuleDir(edited, publisher.privateKeyPem);
      writeFileSync(path.join(edited, 'index.js'), SCALER('edited').replace("'test'", "'edited after signing'"));
      await publish(edited, null);
      expect((await refused('pyfaas-scaling-edited', 403, 'MODULE_SIGNATURE_INVALID')).details).toMatchObject({ reason: 'files-changed' });
    });
    it('an entry that throws at load, and one that fails its kind\'s self-check', async () => {
      await publish(writePackage({ name: 'pyfaas-scaling-throws', pyfaas: manifest('throws'), index: "throw new Error('boom at load');\n" }));
      expect((await refused('pyfaas-scaling-throws', 400, 'MODULE_LOAD_FAILED')).message).toContain('boom at load');
      await publish(writePackage({ name: 'pyfaas-scaling-hollow', pyfaas: manifest('hollow'), index: "module.exports = { create: () => ({ id: 'hollow' }) };\n" }));
      expect((await refused('pyfaas-scaling-hollow', 400, 'MODULE_SELF_CHECK_FAILED')).message).toContain('parseParams');
    });
    it('a version the hub does not have', async () => {
      const answer = await install('pyfaas-scaling-steady', '9.9.9');
      expect(answer.status).toBe(404);
      await stillServing();
    });
    it('an install while the hub does not answer', async () => {
      await pyfaas.hub!.process.stop();
      await refused('pyfaas-scaling-steady', 503, 'HUB_UNAVAILABLE');
    });
  });
});
