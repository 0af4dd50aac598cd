import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { extractArchive, hashDirectory, hashInlineFile } from '../../../modules/artifacts';
import { buildArchive, useScratchDir, type FixtureEntry } from './archives';

describe('code hash', () => {
  const scratch = useScratchDir('hash');

  const files: FixtureEntry[] = [
    { name: 'main.py', content: 'import util\n' },
    { name: 'lib/util.py', content: 'X = 1\n' },
    { name: 'run.sh', content: '#!/bin/sh\n', mode: 0o755 },
  ];

  async function hashOf(format: 'zip' | 'tarGz', entries: FixtureEntry[]): Promise<string> {
    const dir = path.join(scratch.dir, `${format}-${Math.random().toString(36).slice(2)}`);
    await extractArchive(format, await buildArchive(format, entries), dir);
    return hashDirectory(dir);
  }

  it('is the same for the same content whatever the archive format, entry order or folder entries', async () => {
    const reference = await hashOf('zip', files);
    expect(reference).toMatch(/^[0-9a-f]{64}$/);
    expect(await hashOf('tarGz', files)).toBe(reference);
    expect(await hashOf('zip', [...files].reverse())).toBe(reference);
    expect(await hashOf('tarGz', [{ name: 'lib', type: 'dir' }, ...files.slice().reverse()])).toBe(reference);
  });

  it('changes with a byte of content, a file name or the exec bit', async () => {
    const reference = await hashOf('zip', files);
    const changed = (index: number, change: Partial<FixtureEntry>) => files.map((file, i) => (i === index ? { ...file, ...change } : file));
    const variants = [
      await hashOf('zip', changed(1, { content: 'X = 2\n' })),
      await hashOf('zip', changed(1, { name: 'lib/utils.py' })),
      await hashOf('zip', changed(2, { mode: 0o644 })),
      await hashOf('zip', changed(0, { mode: 0o700 })),
    ];
    expect(new Set([reference, ...variants]).size).toBe(5);
  });

  it('of an inline file equals that of a tree holding just that file', async () => {
    const dir = path.join(scratch.dir, 'tree');
    mkdirSync(path.join(dir, 'pkg'), { recursive: true });
    writeFileSync(path.join(dir, 'pkg/app.py'), 'print("hi")\n');
    chmodSync(path.join(dir, 'pkg/app.py'), 0o600);
    expect(hashInlineFile('pkg/app.py', Buffer.from('print("hi")\n'))).toBe(await hashDirectory(dir));
  });
});
