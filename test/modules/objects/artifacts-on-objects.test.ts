import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { silentLogger } from '../../../common/logger';
import { ArtifactStore, type PrepareOptions } from '../../../modules/artifacts';
import { archiveKey } from '../../../modules/artifacts/artifact-store';
import { LocalObjectStore } from '../../../modules/objects';
import { checkPythonSyntax, installPythonDependencies } from '../../../modules/runtime/python/build';
import { buildArchive } from '../artifacts/archives';

/** Two nodes (two artifact roots) sharing one object store: what one builds, the other unpacks. */
describe('ArtifactStore on an object store', () => {
  let dir: string;
  let objects: LocalObjectStore;
  let nodeA: ArtifactStore;
  let nodeB: ArtifactStore;
  let options: PrepareOptions;

  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'pyfaas-artifacts-objects-'));
    objects = new LocalObjectStore(path.join(dir, 'objects'));
    nodeA = new ArtifactStore(path.join(dir, 'a', 'artifacts'), objects);
    nodeB = new ArtifactStore(path.join(dir, 'b', 'artifacts'), objects);
    options = {
      handlerFile: 'main.py',
      runtime: { checkSyntax: checkPythonSyntax, installDependencies: installPythonDependencies },
      depsCacheDir: path.join(dir, 'deps-cache'),
      logger: silentLogger(),
    };
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const source = 'def handler(event, context):\n    return event\n';

  it('stores the built code as artifacts/<codeHash>.tar.gz at commit, and another node unpacks it on first use', async () => {
    const stored = await nodeA.prepare({ inline: source }, options);
    expect(await objects.head(archiveKey(stored.codeHash))).toMatchObject({ key: archiveKey(stored.codeHash) });
    expect(nodeB.has(stored.codeHash)).toBe(false);
    expect(await nodeB.isStored(stored.codeHash)).toBe(true);
    const spec = { functionName: 'f', codeDir: stored.codeDir };
    const local = await nodeB.localise(spec);
    expect(local.codeDir).toBe(path.join(nodeB.root, stored.codeHash));
    expect(readFileSync(path.join(local.codeDir, 'main.py'), 'utf8')).toBe(source);
    expect(await nodeB.localise(spec)).toBe(local); // remembered: the warm path touches neither disk nor store
  });

  it('unpacks once for concurrent first uses, and a rebuild can stage code only the object store holds', async () => {
    const stored = await nodeA.prepare({ inline: source }, options);
    const dirs = await Promise.all([1, 2, 3].map(() => nodeB.ensureLocal(stored.codeHash)));
    expect(new Set(dirs).size).toBe(1);
    rmSync(path.join(nodeB.root, stored.codeHash), { recursive: true });
    await nodeB.stageStored('rebuild-1', stored.codeHash, 'main.py');
    expect(existsSync(path.join(nodeB.root, stored.codeHash, 'main.py'))).toBe(true);
  });

  it('runs each deploy step on another node: materialise on A, validate on B, install on C, commit on A; D runs it', async () => {
    const nodeC = new ArtifactStore(path.join(dir, 'c', 'artifacts'), objects);
    const nodeD = new ArtifactStore(path.join(dir, 'd', 'artifacts'), objects);
    const zip = { zipBase64: (await buildArchive('zip', [{ name: 'main.py', content: source }, { name: 'requirements.txt', content: 'six==1.16.0\n' }])).toString('base64') };
    const staged = await nodeA.materialise('deploy-x', zip, 'main.py');
    await expect(nodeB.install('deploy-x', options.runtime, options.depsCacheDir, options.logger)).rejects.toMatchObject({ code: 'CONFLICT' });
    await nodeB.validate('deploy-x', options.runtime);
    await expect(nodeA.commit('deploy-x')).rejects.toMatchObject({ code: 'CONFLICT' }); // validated, not installed
    expect(await nodeC.install('deploy-x', options.runtime, path.join(dir, 'c', 'deps-cache'), options.logger)).toMatchObject({ manifest: 'requirements.txt' });
    expect(nodeC.has(staged.codeHash)).toBe(true); // the node that built it keeps it unpacked
    expect(await nodeA.isStored(staged.codeHash)).toBe(false);
    expect(await nodeA.commit('deploy-x')).toEqual({ codeHash: staged.codeHash, codeDir: path.join(nodeA.root, staged.codeHash) });
    expect(await nodeB.isStored(staged.codeHash)).toBe(true);
    await nodeB.discard('deploy-x');
    expect(await objects.list('staging/')).toEqual([]);

    const codeDir = await nodeD.ensureLocal(staged.codeHash);
    expect(readFileSync(path.join(codeDir, '.deps', 'six.py'), 'utf8')).toContain('__version__ = "1.16.0"');
    // A's working copy of an area another node discarded goes with the age sweep.
    expect(existsSync(path.join(nodeA.root, '.staging', 'deploy-x'))).toBe(true);
    await new Promise((r) => setTimeout(r, 20));
    expect(await nodeA.sweepStaging(0)).toEqual(['deploy-x']);
    expect(existsSync(path.join(nodeA.root, '.staging', 'deploy-x'))).toBe(false);
  });

  it('adopts code a data dir holds from before the object store when a rebuild stages it', async () => {
    const stored = await nodeA.prepare({ inline: source }, options);
    await objects.delete(archiveKey(stored.codeHash)); // as if built by a PyFaaS without the object store
    expect(await nodeA.isStored(stored.codeHash)).toBe(false);
    await nodeA.stageStored('rebuild-old', stored.codeHash, 'main.py');
    expect(await nodeA.isStored(stored.codeHash)).toBe(true);
    expect(readFileSync(path.join(await nodeB.ensureLocal(stored.codeHash), 'main.py'), 'utf8')).toBe(source);
  });

  it('answers a step on a node whose staging record is gone with NOT_FOUND', async () => {
    await nodeA.materialise('deploy-y', { inline: source }, 'main.py');
    await nodeA.discard('deploy-y');
    await expect(nodeB.validate('deploy-y', options.runtime)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('removes code from the object store too, and then answers NOT_FOUND on a node that lacks it', async () => {
    const stored = await nodeA.prepare({ inline: source }, options);
    await nodeA.remove(stored.codeHash);
    expect(await objects.head(archiveKey(stored.codeHash))).toBeUndefined();
    await expect(nodeB.ensureLocal(stored.codeHash)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
