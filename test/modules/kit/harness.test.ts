import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { TEMPLATE_KINDS, writeFromTemplate, type TemplateKind } from '../../../cli/module-commands';
import { checkModuleDir, type HarnessReport } from '../../../modules/kit/harness';

describe('checkModuleDir (the module harness)', () => {
  let root: string;
  beforeAll(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'pyfaas-harness-test-'));
  });
  afterAll(() => fs.rm(root, { recursive: true, force: true }));

  let count = 0;
  async function fromTemplate(kind: TemplateKind, id = `sample-${kind}`): Promise<string> {
    const dir = path.join(root, `${kind}-${(count += 1)}`);
    await writeFromTemplate(kind, { id, name: `pyfaas-${kind}-${id}`, dir });
    return dir;
  }

  async function editFile(dir: string, file: string, edit: (text: string) => string): Promise<void> {
    const full = path.join(dir, file);
    const before = await fs.readFile(full, 'utf8');
    const after = edit(before);
    if (after === before) throw new Error(`the edit of ${file} changed nothing: the template moved under the test`);
    await fs.writeFile(full, after);
  }

  async function editManifest(dir: string, edit: (pkg: Record<string, any>) => void): Promise<void> {
    const file = path.join(dir, 'package.json');
    const pkg = JSON.parse(await fs.readFile(file, 'utf8'));
    edit(pkg);
    await fs.writeFile(file, JSON.stringify(pkg));
  }

  function failedCheck(report: HarnessReport) {
    expect(report.ok).toBe(false);
    const failed = report.checks.filter((check) => !check.ok);
    expect(failed).toHaveLength(1);
    return failed[0];
  }

  it.each(TEMPLATE_KINDS)('passes the %s template as generated, running the kind checks', async (kind) => {
    const report = await checkModuleDir(await fromTemplate(kind));
    expect(report.checks.filter((check) => !check.ok)).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.manifest).toMatchObject({ kind, id: `sample-${kind}`, version: '0.1.0' });
    expect(report.packageName).toBe(`pyfaas-${kind}-sample-${kind}`);
    const names = report.checks.map((check) => check.name);
    expect(names.slice(0, 5)).toEqual(['manifest', 'config-schema', 'load', 'create', 'self-check']);
    expect(names.filter((name) => name.startsWith(`${kind}: `)).length).toBeGreaterThanOrEqual(1);
  });

  it('type-checks every template as generated under strict tsc (they carry // @ts-check)', async () => {
    const entries = await Promise.all(TEMPLATE_KINDS.map(async (kind) => path.join(await fromTemplate(kind), 'index.js')));
    const tsc = path.join(__dirname, '..', '..', '..', 'node_modules', 'typescript', 'bin', 'tsc');
    const flags = ['--allowJs', '--checkJs', '--noEmit', '--strict', '--target', 'ES2022', '--module', 'commonjs', '--moduleResolution', 'node', '--resolveJsonModule', '--types', 'node'];
    const typeRoots = path.join(__dirname, '..', '..', '..', 'node_modules', '@types');
    const result = await promisify(execFile)(process.execPath, [tsc, ...flags, '--typeRoots', typeRoots, ...entries]).then(() => '', (err: { stdout?: string }) => err.stdout ?? String(err));
    expect(result).toBe('');
  });

  it('reports the scaling template scaling up on the rising load and back to 0', async () => {
    const report = await checkModuleDir(await fromTemplate('scaling'));
    const series = report.checks.find((check) => check.name.startsWith('scaling: '))!;
    expect(series.message).toMatch(/desired 0 → peak 10 → 0$/);
  });

  it('fails the manifest check for a package without a pyfaas manifest, and stops there', async () => {
    const dir = await fromTemplate('scaling');
    await editManifest(dir, (pkg) => delete pkg.pyfaas);
    const report = await checkModuleDir(dir);
    expect(failedCheck(report)).toMatchObject({ name: 'manifest', message: expect.stringContaining('[MODULE_MANIFEST_INVALID]') });
    expect(report.checks).toHaveLength(1);
  });

  it('fails the manifest check for a directory with no package.json', async () => {
    const report = await checkModuleDir(path.join(root, 'does-not-exist'));
    expect(failedCheck(report)).toMatchObject({ name: 'manifest', message: expect.stringMatching(/^\[MODULE_MANIFEST_INVALID\] The package has no readable package.json/) });
  });

  it('fails the manifest check for an unknown kind, naming the kinds', async () => {
    const dir = await fromTemplate('scaling');
    await editManifest(dir, (pkg) => (pkg.pyfaas.kind = 'queue'));
    expect(failedCheck(await checkModuleDir(dir))).toMatchObject({ name: 'manifest', message: expect.stringMatching(/^\[MODULE_KIND_UNKNOWN\].*unknown kind "queue"; kinds are runtime, worker/) });
  });

  it('fails the config-schema check for a configSchema that is not JSON Schema', async () => {
    const dir = await fromTemplate('scaling');
    await editManifest(dir, (pkg) => (pkg.pyfaas.configSchema = { type: 'no-such-type' }));
    expect(failedCheck(await checkModuleDir(dir))).toMatchObject({ name: 'config-schema', message: expect.stringContaining('[MODULE_MANIFEST_INVALID]') });
  });

  it('fails the load check when the entry throws while loading', async () => {
    const dir = await fromTemplate('trigger');
    await fs.writeFile(path.join(dir, 'index.js'), "throw new Error('boom at load');\n");
    const report = await checkModuleDir(dir);
    expect(failedCheck(report)).toMatchObject({ name: 'load', message: expect.stringMatching(/^\[MODULE_LOAD_FAILED\].*threw while loading: boom at load/) });
    expect(report.checks.map((check) => check.name)).toEqual(['manifest', 'config-schema', 'load']);
  });

  it('fails the create check when create(context) throws', async () => {
    const dir = await fromTemplate('auth');
    await editFile(dir, 'index.js', (text) => text.replace('create({ kit }) {', "create({ kit }) {\n    throw new Error('no create today');"));
    expect(failedCheck(await checkModuleDir(dir))).toMatchObject({ name: 'create', message: 'no create today' });
  });

  it('fails the self-check when a scaling decide always throws', async () => {
    const dir = await fromTemplate('scaling');
    await editFile(dir, 'index.js', (text) => text.replace('decide({ params, samples, now, current }) {', "decide({ params, samples, now, current }) {\n        throw new Error('cannot decide');"));
    expect(failedCheck(await checkModuleDir(dir))).toMatchObject({ name: 'self-check', message: expect.stringMatching(/^\[MODULE_SELF_CHECK_FAILED\].*decide\(\) threw on no samples/) });
  });

  it('fails the scaling series check when decide throws only under load', async () => {
    const dir = await fromTemplate('scaling');
    await editFile(dir, 'index.js', (text) => text.replace('const load =', "if (recent.some((s) => s.inFlight > 6)) throw new Error('too busy to decide');\n        const load ="));
    expect(failedCheck(await checkModuleDir(dir))).toMatchObject({ name: 'scaling: decide on rising then falling samples', message: expect.stringMatching(/decide\(\) threw at decision \d+ .*too busy to decide/) });
  });

  it('fails the scaling series check for a decision outside the params bounds, and for an impure decide', async () => {
    const outside = await fromTemplate('scaling');
    await editFile(outside, 'index.js', (text) => text.replace('const desired = clamp(Math.ceil(load / params.targetPerInstance));', 'const desired = Math.ceil(load / params.targetPerInstance) * 2;'));
    expect(failedCheck(await checkModuleDir(outside)).message).toMatch(/wanted \d+ instances, not a whole number within 0–10/);
    const impure = await fromTemplate('scaling');
    await editFile(impure, 'index.js', (text) => text.replace('const desired = clamp(Math.ceil(load / params.targetPerInstance));', 'const desired = clamp(Math.ceil(load / params.targetPerInstance) + (Math.random() < 0.5 ? 0 : 1));'));
    expect(failedCheck(await checkModuleDir(impure)).message).toMatch(/must be pure/);
  });

  it('fails the self-check for a worker adapter without run()', async () => {
    const dir = await fromTemplate('worker');
    await editFile(dir, 'index.js', (text) => text.replace('return { id, parseOptions, run, endpoints:', 'return { id, parseOptions, endpoints:'));
    expect(failedCheck(await checkModuleDir(dir))).toMatchObject({ name: 'self-check', message: expect.stringContaining('needs id, parseOptions() and run()') });
  });

  it('fails the worker checks when parseOptions throws something other than a 400', async () => {
    const dir = await fromTemplate('worker');
    await editFile(dir, 'index.js', (text) => text.replace('function parseOptions(options) {', "function parseOptions(options) {\n      if (options === null) throw new TypeError('null!');"));
    expect(failedCheck(await checkModuleDir(dir))).toMatchObject({ name: 'worker: parseOptions(null) is refused with a 400', message: expect.stringContaining('not an InputError (400)') });
  });

  it('fails the trigger checks for a kind not named by its id, and for a parseConfig that takes null', async () => {
    const misnamed = await fromTemplate('trigger');
    await editFile(misnamed, 'index.js', (text) => text.replace('({ kind: id, parseConfig, receive })', "({ kind: 'webhook', parseConfig, receive })"));
    expect(failedCheck(await checkModuleDir(misnamed))).toMatchObject({ name: 'trigger: the factory builds a kind named by the id', message: expect.stringContaining('its kind is "webhook"') });
    const lax = await fromTemplate('trigger');
    await editFile(lax, 'index.js', (text) => text.replace('function parseConfig(config) {', 'function parseConfig(config) {\n      if (config === null) return {};'));
    expect(failedCheck(await checkModuleDir(lax))).toMatchObject({ name: 'trigger: parseConfig(null) is refused with a 400', message: expect.stringContaining('returned {}') });
  });

  it('fails a trigger kind whose factory uses the Temporal client while being built, saying so', async () => {
    const dir = await fromTemplate('trigger');
    await editFile(dir, 'index.js', (text) => text.replace('return () => ({ kind: id, parseConfig, receive });', 'return (deps) => { deps.client.workflow; return { kind: id, parseConfig, receive }; };'));
    const report = await checkModuleDir(dir);
    expect(report.ok).toBe(false);
    expect(report.checks.find((check) => !check.ok)!.message).toMatch(/it used client\.workflow, which the harness does not provide/);
  });

  it('fails the auth check for a module that turns a garbage credential into a principal', async () => {
    const dir = await fromTemplate('auth');
    await editFile(dir, 'index.js', (text) => text.replace('const presented = headers[options.header];', "if (headers.authorization) return { id: 'x', name: 'x', via: id, role: 'admin', permissions: new Set() };\n          const presented = headers[options.header];"));
    expect(failedCheck(await checkModuleDir(dir))).toMatchObject({ name: 'auth: no credential resolves undefined, a garbage one no principal', message: expect.stringContaining('a garbage bearer credential resolved the principal') });
  });

  it('runs the runtime template\'s example in the sandbox and reports the syntax error it planted', async () => {
    const report = await checkModuleDir(await fromTemplate('runtime'));
    const message = (prefix: string) => report.checks.find((check) => check.name.startsWith(prefix))!.message;
    expect(message('runtime: the example runs')).toMatch(/^function\.handler returned \{"greeting":"hello, shell","eventBytes":16\} in \d+ ms$/);
    expect(message('runtime: launch')).toMatch(/^function\.handler: \/\S*python3\S* -I -B \/opt\/pyfaas\/shim\.py function\.sh handler 16777216$/);
    expect(message('runtime: checkSyntax')).toMatch(/pyfaas-syntax-error\.sh:\d+: /);
  });

  it('fails the runtime shape check for a parseHandler that accepts ../x.y', async () => {
    const dir = await fromTemplate('runtime');
    await editFile(dir, 'index.js', (text) => text.replace('function parseHandler(handler) {', "function parseHandler(handler) {\n      if (handler === '../x.y') return { file: '../x.sh', module: '../x.sh', exportName: 'y' };"));
    expect(failedCheck(await checkModuleDir(dir))).toMatchObject({
      name: 'runtime: extension, shimDir, and parseHandler refusing hostile handlers with a 400',
      message: expect.stringContaining('parseHandler("../x.y") returned {"file":"../x.sh"'),
    });
  });

  it('fails the runtime example check when the shim answers a result other than the one expected', async () => {
    const dir = await fromTemplate('runtime');
    await editFile(dir, 'shim/shim.py', (text) => text.replace('answer.update(ok=True, result=as_result(stdout.bytes()),', 'answer.update(ok=True, result={"greeting": "wrong"},'));
    expect(failedCheck(await checkModuleDir(dir))).toMatchObject({
      name: 'runtime: the example runs in the sandbox and returns what it expects',
      message: 'the example returned {"greeting":"wrong"}, but pyfaas-example.json expects {"greeting":"hello, shell","eventBytes":16}.',
    });
  });

  it('fails the runtime example check with the shim\'s own words when the example handler is not defined', async () => {
    const dir = await fromTemplate('runtime');
    await editFile(dir, 'example/function.sh', (text) => text.replace('handler() {', 'other_handler() {'));
    expect(failedCheck(await checkModuleDir(dir))).toMatchObject({
      name: 'runtime: the example runs in the sandbox and returns what it expects',
      message: expect.stringMatching(/did not start: .*HandlerNotFound: function\.sh defines no shell function handler/),
    });
  });

  it('fails the runtime syntax check for a checkSyntax that finds nothing, and says the example is missing when it is', async () => {
    const lax = await fromTemplate('runtime');
    await editFile(lax, 'index.js', (text) => text.replace('async checkSyntax(codeDir) {', 'async checkSyntax(codeDir) {\n        if (codeDir) return [];'));
    expect(failedCheck(await checkModuleDir(lax))).toMatchObject({
      name: 'runtime: checkSyntax passes the example and reports a file that does not parse',
      message: expect.stringMatching(/^checkSyntax did not report pyfaas-syntax-error\.sh .*it answered \[\]\.$/),
    });
    const bare = await fromTemplate('runtime');
    await fs.rm(path.join(bare, 'example'), { recursive: true });
    const report = await checkModuleDir(bare);
    expect(report.ok).toBe(true);
    expect(report.checks.filter((check) => check.message.startsWith('skipped: the package has no example/pyfaas-example.json'))).toHaveLength(3);
  });
});
