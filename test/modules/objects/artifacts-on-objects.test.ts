import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { silentLogger } from '../../../common/logger';
import { ArtifactStore, type PrepareOptions } from '../../../modules/artifacts';
import { archiveKey } from '../../../modules/artifacts/artifact-store';
import { LocalObjectStore } from '../../../modules/objects';
import { checkPythonSyntax, installPythonDependencies } from '../../../modules/runtime/python/build';

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
    nodeA = new ArtifactStore(path.join(dir, 'a', 'artifacts'), undefined, objects);
    nodeB = new ArtifactStore(path.join(dir, 'b', 'artifacts'), undefined, objects);
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

  it('removes code from the object store too, and then answers NOT_FOUND on a node that lacks it', async () => {
    const stored = await nodeA.prepare({ inline: source }, options);
    await nodeA.remove(stored.codeHash);
    expect(await objects.head(archiveKey(stored.codeHash))).toBeUndefined();
    await expect(nodeB.ensureLocal(stored.codeHash)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
