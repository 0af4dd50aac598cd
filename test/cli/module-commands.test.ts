import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { TEMPLATE_KINDS } from '../../cli/module-commands';
import { keyIdOf, verifyModuleDir } from '../../modules/hub/signature';
import { CLI, runCli } from '../support/cli';

const run = promisify(execFile);

/**
 * The built CLI (`npm run build` first), as a module developer runs it: no PYFAAS_* config,
 * no services.
 */
describe('pyfaas module (built CLI)', () => {
  let root: string;
  beforeAll(async () => {
    await fs.access(CLI).catch(() => {
      throw new Error(`${CLI} is missing: run npm run build first.`);
    });
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'pyfaas-module-cli-'));
  });
  afterAll(() => fs.rm(root, { recursive: true, force: true }));

  it.each(TEMPLATE_KINDS)('create --kind %s makes a package that check passes, and whose own npm test passes', async (kind) => {
    const dir = path.join(root, `made-${kind}`);
    const created = await runCli(['module', 'create', '--kind', kind, '--id', `my-${kind}`, '--dir', dir], {});
    expect(created.code).toBe(0);
    expect(created.output).toContain(`Created pyfaas-${kind}-my-${kind}, a ${kind} module with id my-${kind}`);
    expect(created.output).toContain('Next steps:');
    expect(created.output).toContain(`modules/${kind}/CONTRACT.md`);
    const pkg = JSON.parse(await fs.readFile(path.join(dir, 'package.json'), 'utf8'));
    expect(pkg).toMatchObject({ name: `pyfaas-${kind}-my-${kind}`, main: 'index.js', pyfaas: { kind, id: `my-${kind}`, platform: '^0.1.0', dependencies: {} } });
    expect(pkg.files).toContain('pyfaas-signature.json');
    expect((await fs.readFile(path.join(dir, 'index.js'), 'utf8')).startsWith('// @ts-check')).toBe(true);
    expect(await fs.readFile(path.join(dir, 'README.md'), 'utf8')).not.toContain('__');

    const table = await runCli(['module', 'check', dir], {});
    expect(table.code).toBe(0);
    expect(table.output).toMatch(/^ok {4}self-check/m);
    expect(table.output).toMatch(/all \d+ checks passed/);
    const json = await runCli(['module', 'check', dir, '--json'], {});
    expect(json.code).toBe(0);
    const report = JSON.parse(json.output);
    expect(report).toMatchObject({ ok: true, manifest: { kind, id: `my-${kind}` } });
    expect(report.checks.length).toBeGreaterThanOrEqual(6);

    const test = await run('npm', ['test'], { cwd: dir, env: { ...process.env, PYFAAS_CLI: CLI } });
    expect(test.stdout).toMatch(/# pass [1-9]\d*\b/);
    expect(test.stdout).toMatch(/# fail 0\b/);
  });

  it('check exits 1 with the failed check in its table for a broken module', async () => {
    const dir = path.join(root, 'broken');
    expect((await runCli(['module', 'create', '--kind', 'worker', '--id', 'broken', '--dir', dir], {})).code).toBe(0);
    const index = path.join(dir, 'index.js');
    await fs.writeFile(index, (await fs.readFile(index, 'utf8')).replace('return { id, parseOptions, run, endpoints:', 'return { id, parseOptions, endpoints:'));
    const result = await runCli(['module', 'check', dir], {});
    expect(result.code).toBe(1);
    expect(result.output).toMatch(/^FAIL {2}self-check +\[MODULE_SELF_CHECK_FAILED\]/m);
    expect(result.output).toContain('1 check failed');
  });

  it('create refuses an unknown kind, a bad id, a bad name and a non-empty dir with exit 2', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['--kind', 'queue', '--id', 'x'], /Unknown module kind "queue"; kinds are runtime, worker, trigger, scaling, auth, task, meta/],
      [['--kind', 'scaling', '--id', 'Bad_Id'], /Module id "Bad_Id" is not a lowercase DNS label/],
      [['--kind', 'scaling', '--id=-x'], /is not a lowercase DNS label/],
      [['--kind', 'scaling', '--id', 'ok', '--name', 'Not A Name'], /Package name "Not A Name" is not a valid npm package name/],
      [['--kind', 'scaling'], /needs --id/],
      [['--id', 'x'], /needs --kind/],
      [['--kind', 'scaling', '--id', 'x', '--colour', 'red'], /Unknown option '--colour'/],
    ];
    for (const [args, message] of cases) {
      const result = await runCli(['module', 'create', ...args, '--dir', path.join(root, 'never')], {});
      expect({ args, code: result.code }).toEqual({ args, code: 2 });
      expect(result.output).toMatch(message);
    }
    await expect(fs.access(path.join(root, 'never'))).rejects.toThrow();
    const taken = path.join(root, 'taken');
    await fs.mkdir(taken);
    await fs.writeFile(path.join(taken, 'mine.txt'), 'keep me');
    const result = await runCli(['module', 'create', '--kind', 'scaling', '--id', 'x', '--dir', taken], {});
    expect(result.code).toBe(2);
    expect(result.output).toContain('already exists and is not empty');
    expect(await fs.readdir(taken)).toEqual(['mine.txt']);
    expect((await runCli(['module', 'frobnicate'], {})).code).toBe(2);
  });

  it('keygen writes a 0600 private key, prints its id and public key, and never overwrites one', async () => {
    const out = path.join(root, 'keys');
    const result = await runCli(['module', 'keygen', '--out', out], {});
    expect(result.code).toBe(0);
    const publicKey = await fs.readFile(path.join(out, 'module-key.pub.pem'), 'utf8');
    expect((await fs.stat(path.join(out, 'module-key.pem'))).mode & 0o777).toBe(0o600);
    expect(result.output).toContain(`Key id: ${keyIdOf(publicKey)}`);
    expect(result.output).toContain(publicKey.trimEnd());
    expect(result.output).toContain(JSON.stringify(publicKey).slice(1, -1));
    const before = await fs.readFile(path.join(out, 'module-key.pem'), 'utf8');
    const again = await runCli(['module', 'keygen', '--out', out], {});
    expect(again.code).toBe(1);
    expect(again.output).toContain('already exists; keygen never overwrites a key');
    expect(await fs.readFile(path.join(out, 'module-key.pem'), 'utf8')).toBe(before);
  });

  it('sign makes a signature verifyModuleDir accepts in the packed tarball with that key, and refuses once a file is edited', async () => {
    const out = path.join(root, 'sign-keys');
    expect((await runCli(['module', 'keygen', '--out', out], {})).code).toBe(0);
    const publicKey = await fs.readFile(path.join(out, 'module-key.pub.pem'), 'utf8');
    const dir = path.join(root, 'to-sign');
    expect((await runCli(['module', 'create', '--kind', 'trigger', '--id', 'signed-hook', '--dir', dir], {})).code).toBe(0);

    const signed = await runCli(['module', 'sign', dir, '--key', path.join(out, 'module-key.pem')], {});
    expect(signed.code).toBe(0);
    expect(signed.output).toContain(`Signed 3 files of pyfaas-trigger-signed-hook@0.1.0 with key ${keyIdOf(publicKey)}`);

    // What the hub stores: the tarball npm packs, unpacked as the installer will.
    const { stdout } = await run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', root], { cwd: dir });
    const tarball = path.join(root, JSON.parse(stdout)[0].filename);
    const unpacked = path.join(root, 'unpacked');
    await fs.mkdir(unpacked);
    await run('tar', ['-xzf', tarball, '-C', unpacked]);
    const packageDir = path.join(unpacked, 'package');
    const expected = { package: 'pyfaas-trigger-signed-hook', version: '0.1.0' };
    const policy = { trustedKeys: [{ name: 'dev', publicKey }], allowUnsigned: false };
    expect(await verifyModuleDir(packageDir, expected, policy)).toEqual({ signed: true, signer: { keyId: keyIdOf(publicKey), name: 'dev' } });

    await fs.appendFile(path.join(packageDir, 'index.js'), '\n// edited after signing\n');
    await expect(verifyModuleDir(packageDir, expected, policy)).rejects.toMatchObject({ code: 'MODULE_SIGNATURE_INVALID', details: { reason: 'files-changed', files: ['index.js'] } });
  });

  it('sign refuses a missing key, a file that is no key, a directory that is no module, and a key npm would publish', async () => {
    const dir = path.join(root, 'sign-refusals');
    expect((await runCli(['module', 'create', '--kind', 'auth', '--id', 'refusals', '--dir', dir], {})).code).toBe(0);
    const noKey = await runCli(['module', 'sign', dir], {});
    expect(noKey.code).toBe(2);
    expect(noKey.output).toContain('needs --key');
    const notKey = await runCli(['module', 'sign', dir, '--key', path.join(dir, 'README.md')], {});
    expect(notKey.code).toBe(1);
    expect(notKey.output).toContain('is not a readable private key in PEM form');
    expect((await runCli(['module', 'keygen', '--out', dir], {})).code).toBe(0);
    const pkgFile = path.join(dir, 'package.json');
    const pkg = JSON.parse(await fs.readFile(pkgFile, 'utf8'));
    await fs.writeFile(pkgFile, JSON.stringify({ ...pkg, files: [...pkg.files, '*.pem'] }));
    const leaking = await runCli(['module', 'sign', dir, '--key', path.join(dir, 'module-key.pem')], {});
    expect(leaking.code).toBe(1);
    expect(leaking.output).toContain('The private key module-key.pem is inside pyfaas-auth-refusals and npm would publish it');
    await expect(fs.access(path.join(dir, 'pyfaas-signature.json'))).rejects.toThrow();
    const notModule = await runCli(['module', 'sign', root, '--key', path.join(dir, 'module-key.pem')], {});
    expect(notModule.code).toBe(1);
    expect(notModule.output).toContain('[MODULE_MANIFEST_INVALID]');
  });
});
