import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { InputError, LimitExceededError } from '../../../common/errors';
import { DEFAULT_ARCHIVE_LIMITS, extractArchive, type ArchiveFormat } from '../../../modules/artifacts';
import { buildArchive, useScratchDir, type FixtureEntry } from './archives';

const MiB = 1024 * 1024;

describe.each<ArchiveFormat>(['zip', 'tarGz'])('extractArchive (%s)', (format) => {
  const scratch = useScratchDir('archive');
  let parent: string;
  let target: string;

  beforeEach(() => {
    parent = path.join(scratch.dir, 'parent');
    target = path.join(parent, 'code');
  });

  /** Expects extraction to fail with `errorClass` and a message naming `mention`, leaving nothing beside the target. */
  async function expectRefused(entries: FixtureEntry[], errorClass: typeof InputError, mention: string | RegExp) {
    const bytes = await buildArchive(format, entries);
    const failure = extractArchive(format, bytes, target);
    await expect(failure).rejects.toBeInstanceOf(errorClass);
    await expect(failure).rejects.toThrow(mention);
    expect(readdirSync(parent)).toEqual([]);
  }

  it('extracts files and folders, keeping the exec bit and nothing else of the modes', async () => {
    const bytes = await buildArchive(format, [
      { name: 'main.py', content: 'print(1)\n', mode: 0o600 },
      { name: 'pkg', type: 'dir' },
      { name: 'pkg/util.py', content: 'X = 2\n' },
      { name: './bin/run.sh', content: '#!/bin/sh\n', mode: 0o700 },
      { name: 'docs/../README', content: 'hello' },
    ]);
    await extractArchive(format, bytes, target);
    expect(readFileSync(path.join(target, 'main.py'), 'utf8')).toBe('print(1)\n');
    expect(readFileSync(path.join(target, 'pkg/util.py'), 'utf8')).toBe('X = 2\n');
    expect(statSync(path.join(target, 'main.py')).mode & 0o777).toBe(0o644);
    expect(statSync(path.join(target, 'bin/run.sh')).mode & 0o777).toBe(0o755);
    expect(readdirSync(parent)).toEqual(['code']);
    expect(readFileSync(path.join(target, 'README'), 'utf8')).toBe('hello');
  });

  it('refuses an entry that climbs out of the root with ..', async () => {
    await expectRefused([{ name: 'ok.py', content: '' }, { name: '../evil', content: 'x' }], InputError, /Archive entry \.\.\/evil is an absolute path or leads outside/);
    await expectRefused([{ name: 'a/../../evil', content: 'x' }], InputError, /a\/\.\.\/\.\.\/evil is an absolute path or leads outside/);
    expect(existsSync(path.join(scratch.dir, 'evil'))).toBe(false);
  });

  it('refuses an absolute path', async () => {
    await expectRefused([{ name: '/tmp/pyfaas-evil', content: 'x' }], InputError, /\/tmp\/pyfaas-evil is an absolute path/);
    expect(existsSync('/tmp/pyfaas-evil')).toBe(false);
  });

  it('refuses a symlink, even to a file that exists', async () => {
    await expectRefused([{ name: 'passwd', type: 'symlink', target: '/etc/passwd' }], InputError, /passwd is a link/);
  });

  it('refuses a FIFO', async () => {
    await expectRefused([{ name: 'pipe', type: 'fifo' }], InputError, /pipe is a device, FIFO/);
  });

  it('refuses an archive that unpacks past the limit (300 MiB of zeros)', async () => {
    const bytes = await buildArchive(format, [{ name: 'bomb.bin', zeros: 300 * MiB }]);
    expect(bytes.length).toBeLessThan(2 * MiB);
    const failure = extractArchive(format, bytes, target);
    await expect(failure).rejects.toBeInstanceOf(LimitExceededError);
    await expect(failure).rejects.toMatchObject({ code: 'LIMIT_EXCEEDED', status: 413, message: expect.stringContaining('bomb.bin') });
    expect(readdirSync(parent)).toEqual([]);
  });

  it('counts the bytes across files against the uncompressed limit', async () => {
    const bytes = await buildArchive(format, [1, 2, 3].map((n) => ({ name: `part${n}`, zeros: 40 * 1024 })));
    const failure = extractArchive(format, bytes, target, { ...DEFAULT_ARCHIVE_LIMITS, maxUncompressedBytes: 100 * 1024 });
    await expect(failure).rejects.toThrow(/more than 100 KiB \(reached at entry part3\)/);
    expect(readdirSync(parent)).toEqual([]);
  });

  it('refuses more entries than the limit', async () => {
    const bytes = await buildArchive(format, Array.from({ length: 101 }, (_, i) => ({ name: `f${i}`, content: '' })));
    const failure = extractArchive(format, bytes, target, { ...DEFAULT_ARCHIVE_LIMITS, maxEntries: 100 });
    await expect(failure).rejects.toMatchObject({ code: 'LIMIT_EXCEEDED', message: expect.stringContaining('more than 100 entries') });
    expect(readdirSync(parent)).toEqual([]);
  });

  it('refuses an archive larger than the compressed limit before reading it', async () => {
    const bytes = await buildArchive(format, [{ name: 'a', content: randomBytes(4096).toString('hex') }]);
    const failure = extractArchive(format, bytes, target, { ...DEFAULT_ARCHIVE_LIMITS, maxCompressedBytes: 100 });
    await expect(failure).rejects.toMatchObject({ code: 'LIMIT_EXCEEDED' });
    expect(existsSync(parent)).toBe(false);
  });

  it('refuses two entries of the same path', async () => {
    await expectRefused([{ name: 'a.py', content: '1' }, { name: 'a.py', content: '2' }], InputError, /a.py clashes/);
  });

  it('refuses bytes that are not an archive as corrupt', async () => {
    const failure = extractArchive(format, Buffer.from('this is not an archive at all'), target);
    await expect(failure).rejects.toThrow(/archive is corrupt or unsupported/);
    expect(readdirSync(parent)).toEqual([]);
  });

  it('will not extract over an existing directory', async () => {
    const bytes = await buildArchive(format, [{ name: 'a', content: 'x' }]);
    await extractArchive(format, bytes, target);
    await expect(extractArchive(format, bytes, target)).rejects.toThrow(/already exists/);
    expect(readdirSync(parent)).toEqual(['code']);
  });
});

describe('extractArchive, format-specific cases', () => {
  const scratch = useScratchDir('archive');

  it('refuses a hard link and a character device in a tar.gz', async () => {
    for (const entry of [{ name: 'shadow', type: 'hardlink', target: '/etc/shadow' }, { name: 'null', type: 'chardev' }] as FixtureEntry[]) {
      const bytes = await buildArchive('tarGz', [entry]);
      await expect(extractArchive('tarGz', bytes, path.join(scratch.dir, 'code'))).rejects.toThrow(new RegExp(`${entry.name} is a`));
      expect(readdirSync(scratch.dir)).toEqual([]);
    }
  });

  it('refuses a zip of more than 10,000 entries by the count in its central directory', async () => {
    const bytes = await buildArchive('zip', Array.from({ length: 10_001 }, (_, i) => ({ name: `f${i}`, content: '' })));
    await expect(extractArchive('zip', bytes, path.join(scratch.dir, 'code'))).rejects.toThrow(/more than 10000 entries/);
    expect(readdirSync(scratch.dir)).toEqual([]);
  });

  it('refuses a zip entry whose header understates its size', async () => {
    const bytes = await buildArchive('zip', [{ name: 'small.txt', content: 'x'.repeat(100_000) }], { declaredSize: 10 });
    const failure = extractArchive('zip', bytes, path.join(scratch.dir, 'code'));
    await expect(failure).rejects.toBeInstanceOf(InputError);
    await expect(failure).rejects.toThrow(/small.txt/);
    expect(readdirSync(scratch.dir)).toEqual([]);
  });
});
