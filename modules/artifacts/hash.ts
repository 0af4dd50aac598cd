import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, readdir, readlink } from 'node:fs/promises';
import path from 'node:path';

/** What a code hash looks like: sha256 in lowercase hex. */
export const CODE_HASH_PATTERN = /^[0-9a-f]{64}$/;

/** sha256 (hex) of the parts, each followed by a NUL so that ('ab','c') and ('a','bc') differ. */
export function sha256(...parts: Array<string | Buffer>): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part).update('\0');
  return hash.digest('hex');
}

/**
 * The code hash of a directory tree, used as a version's codeHash: sha256 over each
 * regular file (and symlink) in code-unit order of its relative POSIX path, as
 * `<kind> NUL <path> NUL <size> NUL <bytes>`, where kind is `x` for a file with any exec
 * bit, `f` for another file and `l` for a symlink (bytes = its target). Folders count only
 * through the files in them; timestamps, owners and the archive format do not count.
 * Throws when the tree cannot be read.
 */
export async function hashDirectory(root: string): Promise<string> {
  const hash = createHash('sha256');
  for (const relative of await listTree(root)) {
    const file = path.join(root, relative);
    const stats = await lstat(file);
    if (stats.isSymbolicLink()) {
      const target = Buffer.from(await readlink(file), 'utf8');
      addRecord(hash, 'l', relative, target.length).update(target);
      continue;
    }
    addRecord(hash, stats.mode & 0o111 ? 'x' : 'f', relative, stats.size);
    for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  }
  return hash.digest('hex');
}

/** The code hash a tree holding only this one non-executable file would have. */
export function hashInlineFile(filename: string, content: Buffer): string {
  return addRecord(createHash('sha256'), 'f', filename, content.length).update(content).digest('hex');
}

function addRecord(hash: Hash, kind: 'x' | 'f' | 'l', relative: string, size: number): Hash {
  return hash.update(`${kind}\0${relative}\0${size}\0`);
}

/** Relative POSIX paths of every non-directory below `root`, sorted by code unit. */
async function listTree(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => !entry.isDirectory())
    .map((entry) => path.relative(root, path.join(entry.parentPath ?? entry.path, entry.name)).split(path.sep).join('/'))
    .sort();
}
