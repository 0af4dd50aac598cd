import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { writeFromTemplate } from '../../../cli/module-commands';
import { checkModuleDir } from '../../../modules/kit/harness';

/** The harness's checks of meta and task modules, on the templates broken on purpose. */
describe('the harness on meta and task modules', () => {
  let root: string;
  beforeAll(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'pyfaas-harness-policy-'));
  });
  afterAll(() => fs.rm(root, { recursive: true, force: true }));

  /** The kind's template, generated, with `edit` applied to its index.js (which must change). */
  async function brokenTemplate(kind: 'meta' | 'task', edit: (text: string) => string): Promise<string> {
    const dir = path.join(root, `${kind}-${Math.random().toString(36).slice(2)}`);
    await writeFromTemplate(kind, { id: `broken-${kind}`, name: `pyfaas-${kind}-broken`, dir });
    const file = path.join(dir, 'index.js');
    const before = await fs.readFile(file, 'utf8');
    const after = edit(before);
    if (after === before) throw new Error('the edit changed nothing: the template moved under the test');
    await fs.writeFile(file, after);
    return dir;
  }

  const failed = async (dir: string) => {
    const report = await checkModuleDir(dir);
    expect(report.ok).toBe(false);
    return report.checks.filter((check) => !check.ok);
  };

  it('fails a meta module that refuses with a plain Error, which the platform would turn into MODULE_FAILED', async () => {
    const dir = await brokenTemplate('meta', (text) => text.replace('const issues = brokenRules(fn, change, rules);', "if (fn.name) throw new Error('boom');\n          const issues = brokenRules(fn, change, rules);"));
    expect(await failed(dir)).toEqual([
      expect.objectContaining({ name: 'meta: answers a create and an update the same way twice, refusing only with a 4xx', message: expect.stringMatching(/checkFunction\(create\) threw boom, not a kit error with a 4xx status/) }),
    ]);
  });

  it('fails a task module that answers the same request differently the second time', async () => {
    const dir = await brokenTemplate('task', (text) => text.replace('const rules = parseConfig(config);', 'const rules = parseConfig(config);\n      let asked = 0;').replace('const details = {', "if ((asked += 1) % 2 === 0) throw new TaskRefusedError('every other request', {});\n          const details = {"));
    expect(await failed(dir)).toEqual([
      expect.objectContaining({ name: 'task: answers a sync and an async request the same way twice, refusing only with a 4xx', message: expect.stringContaining('was allowed, then refused with TASK_REFUSED (403) for the same input') }),
    ]);
  });

  it('fails the self-check of a task module whose instance is not a factory of guards', async () => {
    const dir = await brokenTemplate('task', (text) => text.replace('return (config) => {\n      const rules = parseConfig(config);', 'return { admit() {} };\n    return (config) => {\n      const rules = parseConfig(config);'));
    expect(await failed(dir)).toEqual([
      expect.objectContaining({ name: 'self-check', message: expect.stringContaining('its instance must be a factory: (config) => { admit() }') }),
    ]);
  });

  it('reports what the templates decide on the sample request and function', async () => {
    const task = await checkModuleDir(await brokenTemplate('task', (text) => text.replace('if (!rules.modes.includes(request.mode))', "if (request.mode === 'sync')")));
    expect(task.checks.find((check) => check.name.startsWith('task: answers'))).toMatchObject({ ok: true, message: 'a sample sync request: refused with TASK_REFUSED (403); an async one without a caller: allowed' });
    const meta = await checkModuleDir(await brokenTemplate('meta', (text) => text.replace('for (const label of rules.requiredLabels)', "for (const label of [...rules.requiredLabels, 'owner'])")));
    expect(meta.checks.find((check) => check.name.startsWith('meta: answers'))).toMatchObject({ ok: true, message: 'a sample create: refused with FUNCTION_METADATA_REFUSED (400); an update of memoryMb: allowed' });
  });
});
