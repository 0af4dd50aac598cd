import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import yauzl from 'yauzl';
import { collectCodeDir } from '../../../cli/client/code-dir';
import { CliError } from '../../../cli/client/exit-codes';
import { buildZip, crc32 } from '../../../cli/client/zip';

/** Every entry of a zip as yauzl (the reader the artifact store uses) sees it. */
function readZip(bytes: Buffer): Promise<Record<string, { data: string; mode: number }>> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(bytes, { lazyEntries: true }, (err, zip) => {
      if (err) return reject(err);
      const out: Record<string, { data: string; mode: number }> = {};
      zip.on('entry', (entry: yauzl.Entry) => {
        zip.openReadStream(entry, (streamErr, stream) => {
          if (streamErr) return reject(streamErr);
          const chunks: Buffer[] = [];
          stream.on('data', (chunk: Buffer) => chunks.push(chunk));
          stream.on('end', () => {
            out[entry.fileName] = { data: Buffer.concat(chunks).toString('utf8'), mode: (entry.externalFileAttributes >>> 16) & 0o777 };
            zip.readEntry();
          });
        });
      });
      zip.on('end', () => resolve(out));
      zip.on('error', reject);
      zip.readEntry();
    });
  });
}

describe('buildZip', () => {
  it('computes the standard CRC-32', () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
  });

  it('writes an archive yauzl and Python read back byte for byte, with modes, deterministically', async () => {
    const big = 'x = 1\n'.repeat(5000);
    const entries = [
      { path: 'main.py', data: Buffer.from(big) },
      { path: 'pkg/ünï.txt', data: Buffer.from('short') },
      { path: 'run.sh', data: Buffer.from('#!/bin/sh\n'), executable: true },
      { path: 'empty', data: Buffer.alloc(0) },
    ];
    const zip = buildZip(entries);
    expect(zip.length).toBeLessThan(big.length / 10);
    expect(buildZip(entries).equals(zip)).toBe(true);
    const read = await readZip(zip);
    expect(Object.keys(read)).toEqual(['main.py', 'pkg/ünï.txt', 'run.sh', 'empty']);
    expect(read['main.py'].data).toBe(big);
    expect(read['pkg/ünï.txt']).toEqual({ data: 'short', mode: 0o644 });
    expect(read['run.sh'].mode).toBe(0o755);
    expect(read.empty.data).toBe('');
    const file = path.join(os.tmpdir(), `pyfaas-zip-${process.pid}.zip`);
    fs.writeFileSync(file, zip);
    try {
      execFileSync('python3', ['-m', 'zipfile', '-t', file]);
    } finally {
      fs.rmSync(file);
    }
  });
});

describe('collectCodeDir', () => {
  let root: string;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'pyfaas-codedir-'));
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  it('takes files sorted, skips VCS, dependency and cache dirs, and packages an inner file symlink as the file', () => {
    for (const [file, content] of [['b.py', 'b'], ['a/c.py', 'c'], ['.git/HEAD', 'x'], ['node_modules/m/index.js', 'x'], ['__pycache__/b.pyc', 'x'], ['a/d.pyc', 'x']]) {
      fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
      fs.writeFileSync(path.join(root, file), content);
    }
    fs.symlinkSync('b.py', path.join(root, 'link.py'));
    const entries = collectCodeDir(root);
    expect(entries.map((e) => [e.path, e.data.toString()])).toEqual([['a/c.py', 'c'], ['b.py', 'b'], ['link.py', 'b']]);
  });

  it('refuses a symlink leaving the directory, and a symlinked directory', () => {
    fs.writeFileSync(path.join(root, 'main.py'), 'x');
    fs.symlinkSync('/etc/hostname', path.join(root, 'out'));
    expect(() => collectCodeDir(root)).toThrow(CliError);
    expect(() => collectCodeDir(root)).toThrow(/out is a symlink to \/etc\/hostname, outside/);
    fs.rmSync(path.join(root, 'out'));
    fs.symlinkSync('..', path.join(root, 'up'));
    expect(() => collectCodeDir(root)).toThrow(/up is a symlink to .*outside/);
    fs.rmSync(path.join(root, 'up'));
    fs.mkdirSync(path.join(root, 'sub'));
    fs.symlinkSync('sub', path.join(root, 'alias'));
    expect(() => collectCodeDir(root)).toThrow(/alias is a symlink to a directory/);
  });
});
