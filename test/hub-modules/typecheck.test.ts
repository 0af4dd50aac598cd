import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../support/services';

/** The hub packages are plain JS with `// @ts-check`: nothing else type-checks them, so this does, strictly. */
describe('hub-modules/ and the hub plugin type-check under strict tsc', () => {
  it('has no type error in any package entry or the verdaccio-pyfaas plugin', async () => {
    const hubModules = path.join(REPO_ROOT, 'hub-modules');
    const entries = [
      ...readdirSync(hubModules, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => path.join(hubModules, e.name, 'index.js')),
      path.join(REPO_ROOT, 'modules', 'hub', 'verdaccio-plugins', 'verdaccio-pyfaas', 'index.js'),
    ];
    expect(entries.length).toBeGreaterThanOrEqual(6);
    const tsc = path.join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const flags = ['--allowJs', '--checkJs', '--noEmit', '--strict', '--esModuleInterop', '--skipLibCheck', '--target', 'ES2022', '--module', 'commonjs', '--moduleResolution', 'node', '--resolveJsonModule', '--types', 'node', '--typeRoots', path.join(REPO_ROOT, 'node_modules', '@types')];
    const output = await promisify(execFile)(process.execPath, [tsc, ...flags, ...entries], { cwd: REPO_ROOT, maxBuffer: 16 * 1024 * 1024 }).then(() => '', (err: { stdout?: string }) => err.stdout ?? String(err));
    expect(output).toBe('');
  }, 120_000);
});
