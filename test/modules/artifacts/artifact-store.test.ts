import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ConflictError, FunctionLoadError, InputError, LimitExceededError, NotFoundError } from '../../../common/errors';
import { silentLogger } from '../../../common/logger';
import { ArtifactStore, hashInlineFile, type CodeBuilder, type PrepareOptions } from '../../../modules/artifacts';
import { LocalObjectStore } from '../../../modules/objects';
import { checkPythonSyntax, installPythonDependencies } from '../../../modules/runtime/python/build';
import { buildArchive, useScratchDir, type FixtureEntry } from './archives';

/** The real Python build steps, counting how often each runs. */
function countingPython(): CodeBuilder & { checks: number; installs: number } {
  const builder = {
    checks: 0,
    installs: 0,
    checkSyntax: (dir: string) => (builder.checks++, checkPythonSyntax(dir)),
    installDependencies: (dir: string, cache: string, logger: PrepareOptions['logger']) => (builder.installs++, installPythonDependencies(dir, cache, logger)),
  };
  return builder;
}

describe('ArtifactStore', () => {
  const scratch = useScratchDir('artifacts');
  let store: ArtifactStore;
  let objects: LocalObjectStore;
  let runtime: ReturnType<typeof countingPython>;
  let options: PrepareOptions;

  beforeEach(() => {
    objects = new LocalObjectStore(path.join(scratch.dir, 'objects'));
    store = new ArtifactStore(path.join(scratch.dir, 'artifacts'), objects);
    runtime = countingPython();
    options = { handlerFile: 'main.py', runtime, depsCacheDir: path.join(scratch.dir, 'deps-cache'), logger: silentLogger() };
  });

  const source = 'def handler(event, context):\n    return event\n';
  const files: FixtureEntry[] = [{ name: 'main.py', content: source }, { name: 'lib/util.py', content: 'X = 1\n' }];
  const base64 = async (format: 'zip' | 'tarGz', entries = files) => (await buildArchive(format, entries)).toString('base64');
  /** Everything under the store root but the stored code: staging areas and temporary folders. */
  const leftovers = () => [
    ...readdirSync(store.root).filter((name) => !/^[0-9a-f]{64}$/.test(name) && name !== '.staging'),
    ...(existsSync(path.join(store.root, '.staging')) ? readdirSync(path.join(store.root, '.staging')) : []),
  ];

  it('stores inline code under its hash, named after the handler file', async () => {
    const stored = await store.prepare({ inline: source }, options);
    expect(stored.codeHash).toBe(hashInlineFile('main.py', Buffer.from(source)));
    expect(stored.codeDir).toBe(path.join(store.root, stored.codeHash));
    expect(readFileSync(path.join(stored.codeDir, 'main.py'), 'utf8')).toBe(source);
    expect(store.has(stored.codeHash)).toBe(true);
    expect(leftovers()).toEqual([]);
  });

  it('gives a zip and a tar.gz of the same files the same hash and stores them once', async () => {
    const fromZip = await store.prepare({ zipBase64: await base64('zip') }, options);
    const fromTar = await store.prepare({ tarGzBase64: await base64('tarGz', [...files].reverse()) }, options);
    expect(fromTar).toEqual(fromZip);
    expect(readFileSync(path.join(fromZip.codeDir, 'lib/util.py'), 'utf8')).toBe('X = 1\n');
    expect(runtime.checks).toBe(1);
    expect(readdirSync(store.root).filter((name) => name !== '.staging')).toEqual([fromZip.codeHash]);
    expect(leftovers()).toEqual([]);
  });

  it('installs requirements.txt into the stored code', async () => {
    const stored = await store.prepare({ zipBase64: await base64('zip', [...files, { name: 'requirements.txt', content: 'six==1.16.0\n' }]) }, options);
    const imported = execFileSync('/usr/bin/python3', ['-c', 'import sys; sys.path.insert(0, ".deps"); import six; print(six.__version__)'], { cwd: stored.codeDir });
    expect(imported.toString().trim()).toBe('1.16.0');
  });

  it('refuses code without the handler file with HANDLER_LOAD_FAILED, leaving nothing', async () => {
    const failure = store.prepare({ inline: source, filename: 'app.py' }, options);
    await expect(failure).rejects.toBeInstanceOf(FunctionLoadError);
    await expect(failure).rejects.toMatchObject({ code: 'HANDLER_LOAD_FAILED', message: 'handler file main.py is not in the code.' });
    expect(leftovers()).toEqual([]);
  });

  it('says so when the handler file sits in the archive\'s only folder', async () => {
    const nested = files.map((file) => ({ ...file, name: `myfn/${file.name}` }));
    await expect(store.prepare({ tarGzBase64: await base64('tarGz', nested) }, options)).rejects.toThrow(/it is under myfn\/: archive that folder's contents/);
  });

  it('refuses a syntax error, listing file:line in the message and the issues in the details', async () => {
    const failure = store.prepare({ zipBase64: await base64('zip', [...files, { name: 'lib/bad.py', content: 'x = (\n' }]) }, options);
    await expect(failure).rejects.toBeInstanceOf(InputError);
    await expect(failure).rejects.toMatchObject({
      message: expect.stringMatching(/^The code has a syntax error:\nlib\/bad.py:1: /),
      details: { issues: [{ file: 'lib/bad.py', line: 1, message: expect.any(String) }] },
    });
    expect(leftovers()).toEqual([]);
    expect(readdirSync(store.root).filter((name) => name !== '.staging')).toEqual([]);
  });

  it('refuses an unsafe archive and an oversized inline file, leaving nothing', async () => {
    await expect(store.prepare({ zipBase64: await base64('zip', [{ name: '../main.py', content: source }]) }, options)).rejects.toBeInstanceOf(InputError);
    const small = new ArtifactStore(store.root, objects, { maxCompressedBytes: 1024, maxUncompressedBytes: 1024, maxEntries: 10 });
    await expect(small.prepare({ inline: 'x'.repeat(2048) }, options)).rejects.toBeInstanceOf(LimitExceededError);
    expect(leftovers()).toEqual([]);
  });

  describe('step by step, as the deploy workflow runs it', () => {
    it('repeats each step harmlessly with the same staging id', async () => {
      const zip = { zipBase64: await base64('zip') };
      const staged = await store.materialise('deploy-1', zip, 'main.py');
      expect(await store.materialise('deploy-1', zip, 'main.py')).toEqual(staged);
      await store.validate('deploy-1', runtime);
      await store.validate('deploy-1', runtime);
      expect(runtime.checks).toBe(1);
      expect(await store.install('deploy-1', runtime, options.depsCacheDir, silentLogger())).toMatchObject({ cached: false });
      await store.install('deploy-1', runtime, options.depsCacheDir, silentLogger());
      expect(runtime.installs).toBe(1);
      expect(await store.commit('deploy-1')).toEqual(staged);
      expect(await store.commit('deploy-1')).toEqual(staged);
      expect(store.has(staged.codeHash)).toBe(true);
      await store.discard('deploy-1');
      await store.discard('deploy-1');
      expect(store.has(staged.codeHash)).toBe(true);
      expect(leftovers()).toEqual([]);
    });

    it('skips validation and install for code already stored, and commits it as is', async () => {
      const stored = await store.prepare({ inline: source }, options);
      await store.materialise('again', { inline: source }, 'main.py');
      await store.validate('again', runtime);
      expect(await store.install('again', runtime, options.depsCacheDir, silentLogger())).toBeUndefined();
      expect(await store.commit('again')).toEqual(stored);
      expect(runtime.checks).toBe(1);
    });

    it('stages stored code again for a rebuild, checking the handler file is in it', async () => {
      const stored = await store.prepare({ inline: source }, options);
      expect(await store.stageStored('rebuild', stored.codeHash, 'main.py')).toEqual(stored);
      await store.validate('rebuild', runtime);
      await store.install('rebuild', runtime, options.depsCacheDir, silentLogger());
      expect(await store.commit('rebuild')).toEqual(stored);
      expect(runtime.checks).toBe(1);
      await expect(store.stageStored('other', stored.codeHash, 'app.py')).rejects.toBeInstanceOf(FunctionLoadError);
      await store.remove(stored.codeHash);
      await expect(store.stageStored('gone', stored.codeHash)).rejects.toBeInstanceOf(NotFoundError);
    });

    it('refuses to commit unvalidated code and to run steps on an unknown staging id', async () => {
      await store.materialise('early', { inline: source }, 'main.py');
      await expect(store.commit('early')).rejects.toBeInstanceOf(ConflictError);
      await expect(store.validate('never-made', runtime)).rejects.toBeInstanceOf(NotFoundError);
      await expect(store.commit('../escape')).rejects.toThrow(/is not a staging id/);
      await store.discard('early');
      expect(leftovers()).toEqual([]);
    });

    it('sweeps staging areas older than the given age', async () => {
      await store.materialise('old', { inline: source }, 'main.py');
      expect(await store.sweepStaging(60_000)).toEqual([]);
      // A file's mtime can read a fraction of a millisecond ahead of Date.now(): let it age first.
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(await store.sweepStaging(0)).toEqual(['old']);
      expect(leftovers()).toEqual([]);
    });
  });

  it('removes stored code at once and refuses a malformed hash', async () => {
    const stored = await store.prepare({ inline: source }, options);
    await store.remove(stored.codeHash);
    await store.remove(stored.codeHash);
    expect(store.has(stored.codeHash)).toBe(false);
    expect(readdirSync(store.root).filter((name) => name !== '.staging')).toEqual([]);
    expect(() => store.has('../../etc')).toThrow(InputError);
  });
});
