import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { InputError } from '../../../common/errors';
import { silentLogger } from '../../../common/logger';
import { checkNodeSyntax, installNodeDependencies } from '../../../modules/runtime/node/build';
import { checkPythonSyntax, installPythonDependencies } from '../../../modules/runtime/python/build';
import { useScratchDir } from '../artifacts/archives';

/** Writes `files` (relative path → content) into a fresh folder under `root`. */
function codeDir(root: string, name: string, files: Record<string, string>): string {
  const dir = path.join(root, name);
  for (const [file, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), content);
  }
  return dir;
}

describe('Python build', () => {
  const scratch = useScratchDir('python-build', 'all');
  const cache = () => path.join(scratch.dir, 'cache');

  it('reports each syntax error with file and line, and nothing for clean code', async () => {
    const dir = codeDir(scratch.dir, 'syntax', {
      'main.py': 'def handler(event, context):\n    return {"ok": True}\n',
      'pkg/broken.py': 'x = 1\ndef f(:\n    pass\n',
      'pkg/indent.py': 'if True:\nprint(1)\n',
      '.deps/ignored.py': 'this is not python',
    });
    expect(await checkPythonSyntax(dir)).toEqual([
      { file: 'pkg/broken.py', line: 2, message: 'invalid syntax' },
      { file: 'pkg/indent.py', line: 2, message: expect.stringContaining('expected an indented block') },
    ]);
    expect(await checkPythonSyntax(codeDir(scratch.dir, 'clean', { 'main.py': 'print("fine")\n' }))).toEqual([]);
  });

  it('declares nothing without requirements.txt or with only comments in it', async () => {
    const none = codeDir(scratch.dir, 'none', { 'main.py': '' });
    expect((await installPythonDependencies(none, cache(), silentLogger())).manifest).toBeUndefined();
    const commented = codeDir(scratch.dir, 'comments', { 'main.py': '', 'requirements.txt': '# nothing yet\n\n' });
    expect((await installPythonDependencies(commented, cache(), silentLogger())).manifest).toBeUndefined();
    expect(readdirSync(commented).sort()).toEqual(['main.py', 'requirements.txt']);
  });

  it('installs requirements into .deps where the system Python imports them, the second time from the cache', async () => {
    const files = { 'main.py': 'import six\n', 'requirements.txt': 'six==1.16.0\n' };
    const first = codeDir(scratch.dir, 'first', files);
    const firstReport = await installPythonDependencies(first, cache(), silentLogger());
    expect(firstReport).toMatchObject({ manifest: 'requirements.txt', cached: false });
    const imported = execFileSync('/usr/bin/python3', ['-c', 'import sys; sys.path.insert(0, ".deps"); import six; print(six.__version__)'], { cwd: first });
    expect(imported.toString().trim()).toBe('1.16.0');

    const second = codeDir(scratch.dir, 'second', files);
    const secondReport = await installPythonDependencies(second, cache(), silentLogger());
    expect(secondReport).toMatchObject({ manifest: 'requirements.txt', cached: true });
    expect(secondReport.durationMs).toBeLessThan(firstReport.durationMs);
    expect(readdirSync(path.join(second, '.deps')).sort()).toEqual(readdirSync(path.join(first, '.deps')).sort());
  });

  it('fails with an InputError carrying pip\'s own words for a package that does not exist', async () => {
    const dir = codeDir(scratch.dir, 'missing', { 'main.py': '', 'requirements.txt': 'pyfaas-no-such-package-4f1c==1.0\n' });
    const failure = installPythonDependencies(dir, cache(), silentLogger());
    await expect(failure).rejects.toBeInstanceOf(InputError);
    await expect(failure).rejects.toThrow(/pip install -r requirements.txt failed:[\s\S]*No matching distribution found for pyfaas-no-such-package-4f1c/);
    expect(readdirSync(dir)).toEqual(['main.py', 'requirements.txt']);
    expect(readdirSync(cache()).filter((name) => name.includes('.tmp-'))).toEqual([]);
  });

  it.each([
    ['-r /etc/passwd\n', /line 1: option lines/],
    ['six==1.16.0\n--index-url http://evil.example/simple\n', /line 2: option lines/],
    ['./local-pkg\n', /line 1: local paths/],
    ['pkg @ file:///x\n', /line 1: URLs are not allowed/],
    ['https://files.example/x-1.0-py3-none-any.whl\n', /line 1: URLs are not allowed/],
  ])('refuses %j before pip runs, naming the line', async (requirements, reason) => {
    const dir = codeDir(scratch.dir, `refused-${Math.random().toString(36).slice(2, 8)}`, { 'main.py': '', 'requirements.txt': requirements });
    const failure = installPythonDependencies(dir, cache(), silentLogger());
    await expect(failure).rejects.toBeInstanceOf(InputError);
    await expect(failure).rejects.toThrow(reason);
    await expect(failure).rejects.not.toThrow(/root:/);
    expect(readdirSync(dir).sort()).toEqual(['main.py', 'requirements.txt']);
  });
});

describe('Node.js build', () => {
  const scratch = useScratchDir('node-build', 'all');
  const cache = () => path.join(scratch.dir, 'cache');

  it('reports each syntax error with file and line, skipping node_modules', async () => {
    const dir = codeDir(scratch.dir, 'syntax', {
      'index.js': 'exports.handler = async () => ({ ok: true });\n',
      'lib/broken.cjs': 'const a = 1;\nconst b = a +;\n',
      'lib/esm.mjs': 'export const x = ;\n',
      'node_modules/dep/index.js': 'this is not javascript',
    });
    expect(await checkNodeSyntax(dir)).toEqual([
      { file: 'lib/broken.cjs', line: 2, message: "SyntaxError: Unexpected token ';'" },
      { file: 'lib/esm.mjs', line: 1, message: "SyntaxError: Unexpected token ';'" },
    ]);
    expect(await checkNodeSyntax(codeDir(scratch.dir, 'clean', { 'index.js': 'module.exports = {};\n' }))).toEqual([]);
  });

  it('declares nothing without package.json dependencies', async () => {
    const dir = codeDir(scratch.dir, 'none', { 'index.js': '', 'package.json': JSON.stringify({ name: 'f', devDependencies: { jest: '*' } }) });
    expect((await installNodeDependencies(dir, cache(), silentLogger())).manifest).toBeUndefined();
    expect(readdirSync(dir).sort()).toEqual(['index.js', 'package.json']);
  });

  it('installs dependencies into node_modules where node requires them, the second time from the cache', async () => {
    const files = { 'index.js': '', 'package.json': JSON.stringify({ name: 'f', dependencies: { 'is-number': '7.0.0' } }) };
    const first = codeDir(scratch.dir, 'first', files);
    const firstReport = await installNodeDependencies(first, cache(), silentLogger());
    expect(firstReport).toMatchObject({ manifest: 'package.json', cached: false });
    const required = execFileSync(process.execPath, ['-e', 'console.log(require("is-number")(7), require("is-number/package.json").version)'], { cwd: first });
    expect(required.toString().trim()).toBe('true 7.0.0');

    const second = codeDir(scratch.dir, 'second', { ...files, 'package.json': JSON.stringify({ name: 'other', version: '2.0.0', dependencies: { 'is-number': '7.0.0' } }) });
    const secondReport = await installNodeDependencies(second, cache(), silentLogger());
    expect(secondReport).toMatchObject({ manifest: 'package.json', cached: true });
    expect(secondReport.durationMs).toBeLessThan(firstReport.durationMs);
    expect(readdirSync(path.join(second, 'node_modules'))).toContain('is-number');
  });

  it('fails with an InputError carrying npm\'s own words for a package that does not exist', async () => {
    const dir = codeDir(scratch.dir, 'missing', { 'index.js': '', 'package.json': JSON.stringify({ dependencies: { 'pyfaas-no-such-package-4f1c': '1.0.0' } }) });
    const failure = installNodeDependencies(dir, cache(), silentLogger());
    await expect(failure).rejects.toBeInstanceOf(InputError);
    await expect(failure).rejects.toThrow(/npm install failed:[\s\S]*404/);
    expect(readdirSync(dir).sort()).toEqual(['index.js', 'package.json']);
  });

  it.each([
    [{ dependencies: { evil: 'git+https://example.invalid/evil.git' } }, /dependencies\."evil": git specs/],
    [{ dependencies: { evil: 'user/repo' } }, /dependencies\."evil": git specs/],
    [{ dependencies: { evil: 'file:../../etc' } }, /dependencies\."evil": directory specs/],
    [{ dependencies: { evil: 'https://example.invalid/evil.tgz' } }, /dependencies\."evil": remote specs/],
    [{ dependencies: { evil: 'link:/etc' } }, /dependencies\."evil": npm cannot parse it/],
    [{ dependencies: { 'is-number': '7.0.0' }, overrides: { 'is-number': 'file:/etc' } }, /overrides\["is-number"\]: directory specs/],
  ])('refuses %j before npm runs', async (manifest, reason) => {
    const dir = codeDir(scratch.dir, `refused-${Math.random().toString(36).slice(2, 8)}`, { 'index.js': '', 'package.json': JSON.stringify(manifest) });
    const failure = installNodeDependencies(dir, cache(), silentLogger());
    await expect(failure).rejects.toBeInstanceOf(InputError);
    await expect(failure).rejects.toThrow(reason);
    expect(readdirSync(dir).sort()).toEqual(['index.js', 'package.json']);
  });

  it('refuses a lock file that resolves a package outside the registry', async () => {
    const lock = { lockfileVersion: 3, packages: { '': { dependencies: { 'is-number': '7.0.0' } }, 'node_modules/is-number': { version: '7.0.0', resolved: 'https://example.invalid/is-number.tgz' } } };
    const dir = codeDir(scratch.dir, 'bad-lock', { 'index.js': '', 'package.json': JSON.stringify({ dependencies: { 'is-number': '7.0.0' } }), 'package-lock.json': JSON.stringify(lock) });
    await expect(installNodeDependencies(dir, cache(), silentLogger())).rejects.toThrow(/package-lock.json: "node_modules\/is-number" resolves outside the registry/);
  });

  it('refuses a package.json that is not JSON', async () => {
    const dir = codeDir(scratch.dir, 'bad-json', { 'index.js': '', 'package.json': '{ "dependencies": ' });
    await expect(installNodeDependencies(dir, cache(), silentLogger())).rejects.toThrow(/package.json is not valid JSON/);
  });
});
