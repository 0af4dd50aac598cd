import { createHash, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCommand } from '../../infra/command';
import { freePort, isListening } from '../../infra/ports';
import { readServicesStatus } from '../../infra/services/supervised-status';
import { HubClient } from '../../modules/hub';
import { startCli } from '../support/cli';
import { eventually } from '../support/http';
import { dataDirWithCachedTools, stackPorts } from '../support/stack-dirs';
import { npmAgainstHub } from '../support/hub';
import { startTestPyFaaS, type TestPyFaaS } from '../support/pyfaas';

const work = mkdtempSync(path.join(os.tmpdir(), 'hub-registry-'));
const suffix = randomUUID().slice(0, 8);
const moduleName = `pyfaas-scaling-hubtest-${suffix}`;
const plainName = `plain-lib-${suffix}`;

/** The npm CLI with a .npmrc of its own: this hub as the registry, `token` (if any) as its auth token. */
const npm = (hubUrl: string, token: string | undefined, args: string[], cwd = work) => npmAgainstHub(work, hubUrl, token, args, cwd);

/** A tiny package directory; with `pyfaas`, a scaling module's manifest. */
function writePackage(name: string, version: string, pyfaas: boolean): string {
  const dir = path.join(work, `${name}-${version}`);
  mkdirSync(dir, { recursive: true });
  const pkg: Record<string, unknown> = { name, version, description: `test package ${name}`, main: 'index.js', license: 'Apache-2.0' };
  if (pyfaas) pkg.pyfaas = { kind: 'scaling', id: `hubtest-${suffix}`, platform: '^0.1.0', configSchema: { type: 'object' }, dependencies: {} };
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify(pkg, null, 2));
  writeFileSync(path.join(dir, 'index.js'), "// @ts-check\nmodule.exports = { create() { return { decide: () => ({ instances: 1 }) }; } };\n");
  writeFileSync(path.join(dir, 'README.md'), `# ${name}\n`);
  return dir;
}

async function createToken(pyfaas: TestPyFaaS, name: string, role: string): Promise<{ token: string; id: string }> {
  const created = await pyfaas.request('POST', '/v1/tokens', { name, role });
  expect(created.status).toBe(201);
  return { token: created.body.token, id: created.body.id };
}

describe('the Module Hub: Verdaccio whose accounts are PyFaaS tokens, driven with the real npm CLI', () => {
  let pyfaas: TestPyFaaS;
  let hubUrl: string;
  let developer: string;
  let invoker: string;

  beforeAll(async () => {
    pyfaas = await startTestPyFaaS({ database: 'sqlite', hub: true });
    hubUrl = pyfaas.hub!.url;
    developer = (await createToken(pyfaas, 'module dev', 'module-developer')).token;
    invoker = (await createToken(pyfaas, 'visitor', 'invoker')).token;
  });

  afterAll(async () => {
    await pyfaas?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('lets a module developer token npm publish a module, then npm view and npm search show it', async () => {
    const published = await npm(hubUrl, developer, ['publish'], writePackage(moduleName, '1.0.0', true));
    expect(published).toMatchObject({ code: 0 });
    const viewed = await npm(hubUrl, developer, ['view', moduleName, '--json']);
    expect(viewed.code).toBe(0);
    const view = JSON.parse(viewed.output);
    expect(view).toMatchObject({ name: moduleName, version: '1.0.0', pyfaas: { kind: 'scaling', id: `hubtest-${suffix}` } });
    expect(view.dist.integrity).toMatch(/^sha512-/);

    const searched = await npm(hubUrl, developer, ['search', `hubtest-${suffix}`, '--json']);
    expect(searched.code).toBe(0);
    expect(JSON.parse(searched.output).map((hit: { name: string }) => hit.name)).toContain(moduleName);
  });

  it('lets an invoker token read but refuses its publish with E403', async () => {
    expect((await npm(hubUrl, invoker, ['view', moduleName, 'version'])).output.trim()).toBe('1.0.0');
    const refused = await npm(hubUrl, invoker, ['publish'], writePackage(moduleName, '1.0.1', true));
    expect(refused.code).not.toBe(0);
    expect(refused.output).toContain('E403');
    expect(refused.output).toContain('may not publish');
    // Nothing was published.
    expect(JSON.parse((await npm(hubUrl, developer, ['view', moduleName, 'versions', '--json'])).output)).toEqual(['1.0.0']);
  });

  it('refuses every read without a token, or with one the platform does not know, with E401', async () => {
    const anonymous = await npm(hubUrl, undefined, ['view', moduleName]);
    expect(anonymous.code).not.toBe(0);
    expect(anonymous.output).toContain('E401');
    const unknown = await npm(hubUrl, 'pyf_notarealtokennotarealtoken00_abcdef', ['view', moduleName]);
    expect(unknown.output).toContain('E401');
    for (const pathname of [`/${moduleName}`, '/-/v1/search?text=hubtest', `/${moduleName}/-/${moduleName}-1.0.0.tgz`, '/-/whoami']) {
      expect((await fetch(`${hubUrl}${pathname}`)).status).toBe(401);
    }
    expect((await fetch(`${hubUrl}/-/ping`)).status).toBe(200);
  });

  it('gives the platform credential read access only', async () => {
    const { platformToken } = pyfaas.hub!;
    expect((await npm(hubUrl, platformToken, ['view', moduleName, 'version'])).output.trim()).toBe('1.0.0');
    const refused = await npm(hubUrl, platformToken, ['publish'], writePackage(moduleName, '1.0.2', true));
    expect(refused.output).toContain('E403');
    const unpublish = await npm(hubUrl, platformToken, ['unpublish', `${moduleName}@1.0.0`, '--force']);
    expect(unpublish.output).toContain('E403');
  });

  it('stops accepting a token within seconds of its revocation', async () => {
    const { token, id } = await createToken(pyfaas, 'short-lived dev', 'module-developer');
    expect((await npm(hubUrl, token, ['view', moduleName, 'version'])).code).toBe(0);
    expect((await pyfaas.request('DELETE', `/v1/tokens/${id}`)).status).toBe(204);
    const started = Date.now();
    // The plugin trusts an answer 5 s; the API learns of the revocation within one change-feed poll.
    expect(await eventually(async () => (await fetch(`${hubUrl}/${moduleName}`, { headers: { authorization: `Bearer ${token}` } })).status === 401, 15_000)).toBe(true);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect((await npm(hubUrl, token, ['view', moduleName])).output).toContain('E401');
  });

  it('lets the module developer npm deprecate and npm unpublish', async () => {
    expect((await npm(hubUrl, developer, ['publish'], writePackage(moduleName, '1.1.0', true))).code).toBe(0);
    const deprecated = await npm(hubUrl, developer, ['deprecate', `${moduleName}@1.0.0`, 'use 1.1.0']);
    expect(deprecated.code).toBe(0);
    expect((await npm(hubUrl, developer, ['view', `${moduleName}@1.0.0`, 'deprecated'])).output.trim()).toBe('use 1.1.0');
    // An invoker may not deprecate (a deprecation is a publish).
    expect((await npm(hubUrl, invoker, ['deprecate', `${moduleName}@1.1.0`, 'nope'])).output).toContain('E403');

    expect((await npm(hubUrl, invoker, ['unpublish', `${moduleName}@1.1.0`])).output).toContain('E403');
    const unpublished = await npm(hubUrl, developer, ['unpublish', `${moduleName}@1.1.0`]);
    expect(unpublished.code).toBe(0);
    expect(JSON.parse((await npm(hubUrl, developer, ['view', moduleName, 'versions', '--json'])).output)).toEqual(['1.0.0']);
  });

  it('serves HubClient: search only finds PyFaaS modules, and the tarball matches dist.integrity', async () => {
    expect((await npm(hubUrl, developer, ['publish'], writePackage(plainName, '1.0.0', false))).code).toBe(0);
    const client = new HubClient({ url: hubUrl, token: pyfaas.hub!.platformToken });

    const found = await client.search(suffix);
    expect(found.map((hit) => hit.package)).toEqual([moduleName]);
    expect(found[0]).toMatchObject({ package: moduleName, version: '1.0.0', kind: 'scaling', id: `hubtest-${suffix}`, platform: '^0.1.0', versions: ['1.0.0'], deprecated: 'use 1.1.0' });
    expect(await client.search(suffix, { kind: 'scaling' })).toHaveLength(1);
    expect(await client.search(suffix, { kind: 'trigger' })).toEqual([]);
    expect((await client.search('')).map((hit) => hit.package)).toContain(moduleName);

    const packument = await client.packument(moduleName);
    expect(packument['dist-tags'].latest).toBe('1.0.0');
    const manifest = await client.versionManifest(moduleName, '1.0.0');
    expect(manifest).toMatchObject({ name: moduleName, version: '1.0.0', pyfaas: { kind: 'scaling' } });
    const tarball = await client.tarball(moduleName, '1.0.0');
    expect(tarball.subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b])); // gzip
    expect(`sha512-${createHash('sha512').update(tarball).digest('base64')}`).toBe(manifest.dist.integrity);
  });

  it('throws coded errors from HubClient: unknown package or version, bad names, a hub that does not answer', async () => {
    const client = new HubClient({ url: hubUrl, token: pyfaas.hub!.platformToken });
    await expect(client.packument(`no-such-${suffix}`)).rejects.toMatchObject({ code: 'MODULE_PACKAGE_NOT_FOUND', status: 404 });
    await expect(client.versionManifest(moduleName, '9.9.9')).rejects.toMatchObject({ code: 'MODULE_PACKAGE_NOT_FOUND' });
    await expect(client.tarball(moduleName, '1.1.0')).rejects.toMatchObject({ code: 'MODULE_PACKAGE_NOT_FOUND' });
    await expect(client.packument('../etc/passwd')).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(client.versionManifest(moduleName, 'latest')).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(new HubClient({ url: hubUrl }).packument(moduleName)).rejects.toMatchObject({ code: 'HUB_UNAVAILABLE', message: expect.stringContaining('refused') });

    const deadUrl = `http://127.0.0.1:${await freePort()}`;
    const dead = new HubClient({ url: deadUrl, token: 'x', timeoutMs: 2000 });
    for (const call of [() => dead.search('x'), () => dead.packument(moduleName), () => dead.tarball(moduleName, '1.0.0'), () => dead.health()]) {
      await expect(call()).rejects.toMatchObject({ code: 'HUB_UNAVAILABLE', status: 503, message: expect.stringContaining(deadUrl) });
    }
  });

  it('shows the hub in /readyz: ok while it answers, failed naming its URL once it stops', async () => {
    const ready = await pyfaas.request('GET', '/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body.checks.hub).toMatchObject({ status: 'ok' });

    await pyfaas.hub!.process.stop();
    const down = await pyfaas.request('GET', '/readyz');
    expect(down.status).toBe(503);
    expect(down.body.checks.hub).toMatchObject({ status: 'failed', error: expect.stringContaining(hubUrl) });
    expect(down.body.checks.temporal.status).toBe('ok');
  });
});

describe('pyfaas up runs the Module Hub as one more managed service', () => {
  const dataDir = dataDirWithCachedTools('pyfaas-hub-up-');
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('starts it wired to its API, reports it in /readyz, restarts it with its storage kept, and stops it', async () => {
    const ports = await stackPorts();
    const hub = `http://127.0.0.1:${ports.PYFAAS_HUB_PORT}`;
    const api = `http://127.0.0.1:${ports.PYFAAS_API_PORT}`;
    const up = startCli(['up'], { ...ports, PYFAAS_DATA_DIR: dataDir });
    try {
      if (!(await eventually(async () => up.output().includes('PyFaaS is up'), 120_000))) throw new Error(`pyfaas up did not come up; its output:\n${up.output()}`);
      expect(up.output()).toContain(`Module Hub ${hub}`);
      const admin = readFileSync(path.join(dataDir, 'admin-token'), 'utf8').trim();
      const readyz = async () => (await (await fetch(`${api}/readyz`, { headers: { authorization: `Bearer ${admin}` } })).json()) as any;
      const first = await readyz();
      expect(first.checks.hub).toMatchObject({ status: 'ok' });
      expect(first.checks.services.detail.hub).toMatchObject({ state: 'running', restarts: 0 });
      const config = readFileSync(path.join(dataDir, 'hub', 'config.yaml'), 'utf8');
      expect(JSON.parse(config.slice(config.indexOf('{')))).toMatchObject({ storage: path.join(dataDir, 'hub', 'storage'), uplinks: {}, auth: { pyfaas: { apiUrl: api } } });

      // The admin token publishes (admins may), so the restart below has something to keep.
      const name = `pyfaas-meta-up-${suffix}`;
      expect((await npm(hub, admin, ['publish'], writePackage(name, '1.0.0', true))).code).toBe(0);
      const hubPid = readServicesStatus(dataDir)!.services.find((service) => service.name === 'hub')!.pid!;
      process.kill(-hubPid, 'SIGKILL');
      const restarted = await eventually(async () => readServicesStatus(dataDir)!.services.find((service) => service.name === 'hub')!.restarts === 1 && (await readyz()).status === 'ok', 60_000);
      expect(restarted).toBe(true);
      expect((await npm(hub, admin, ['view', name, 'version'])).output.trim()).toBe('1.0.0');
    } finally {
      up.child.kill('SIGTERM');
    }
    expect((await up.exited).code).toBe(0);
    expect(await isListening(Number(ports.PYFAAS_HUB_PORT))).toBe(false);
  });
});
