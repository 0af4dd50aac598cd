import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { checkKey, ObjectNotFoundError, type ObjectInfo, type ObjectStore } from './contract';

const TEMP = /\.[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.tmp$/;

/**
 * Objects as files under `root` (the embedded default; a directory every node mounts works
 * for several nodes). Writes go to `<file>.<uuid>.tmp` and appear by one rename.
 */
export class LocalObjectStore implements ObjectStore {
  readonly kind = 'local';

  constructor(readonly root: string) {}

  async put(key: string, body: Uint8Array): Promise<ObjectInfo> {
    const file = this.fileOf(key);
    await fs.mkdir(path.dirname(file), { recursive: true });
    await writeAtomically(file, body);
    return this.info(key, file);
  }

  async putFile(key: string, source: string): Promise<ObjectInfo> {
    const file = this.fileOf(key);
    await copyAtomically(source, file);
    return this.info(key, file);
  }

  async copy(from: string, to: string): Promise<ObjectInfo> {
    const file = this.fileOf(to);
    try {
      await copyAtomically(this.fileOf(from), file);
    } catch (err) {
      throw notFoundOr(err, from);
    }
    return this.info(to, file);
  }

  async get(key: string): Promise<Buffer> {
    try {
      return await fs.readFile(this.fileOf(key));
    } catch (err) {
      throw notFoundOr(err, key);
    }
  }

  async download(key: string, file: string): Promise<ObjectInfo> {
    const source = this.fileOf(key);
    try {
      await copyAtomically(source, file);
    } catch (err) {
      throw notFoundOr(err, key);
    }
    return this.info(key, source);
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    try {
      return await this.info(key, this.fileOf(key));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  async delete(key: string): Promise<void> {
    await fs.rm(this.fileOf(key), { force: true });
  }

  async list(prefix: string): Promise<ObjectInfo[]> {
    const found: ObjectInfo[] = [];
    // Only the folder the prefix names is walked, not the whole store.
    const folder = path.join(this.root, ...prefix.slice(0, prefix.lastIndexOf('/') + 1).split('/').filter(Boolean));
    const entries = await fs.readdir(folder, { recursive: true, withFileTypes: true }).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return [];
      throw err;
    });
    for (const entry of entries) {
      if (!entry.isFile() || entry.name.endsWith('.tmp')) continue;
      const file = path.join(entry.parentPath ?? entry.path, entry.name);
      const key = path.relative(this.root, file).split(path.sep).join('/');
      if (!key.startsWith(prefix)) continue;
      // A file another process removed since readdir is simply not listed.
      const info = await this.info(key, file).catch(() => undefined);
      if (info) found.push(info);
    }
    return found.sort((a, b) => a.key.localeCompare(b.key));
  }

  /**
   * Removes temp files a crashed put() left (`<key>.<uuid>.tmp`) under `prefix`, last
   * written before `cutoff` (ms); returns how many. A put() in flight is younger than any sane cutoff.
   */
  async removeStaleTemp(prefix: string, cutoff: number): Promise<number> {
    const entries = await fs.readdir(this.root, { recursive: true, withFileTypes: true }).catch(() => []);
    let removed = 0;
    for (const entry of entries) {
      if (!entry.isFile() || !TEMP.test(entry.name)) continue;
      const file = path.join(entry.parentPath ?? entry.path, entry.name);
      if (!path.relative(this.root, file).split(path.sep).join('/').startsWith(prefix)) continue;
      const stat = await fs.stat(file).catch(() => undefined);
      if (!stat || stat.mtimeMs >= cutoff) continue;
      await fs.rm(file, { force: true });
      removed += 1;
    }
    return removed;
  }

  /** Nothing to release. */
  close(): void {}

  private fileOf(key: string): string {
    return path.join(this.root, ...checkKey(key).split('/'));
  }

  private async info(key: string, file: string): Promise<ObjectInfo> {
    const stat = await fs.stat(file);
    return { key, size: stat.size, modifiedAt: stat.mtimeMs };
  }
}

/** Writes `body` to a temp file beside `file` and renames it over; the temp file is removed on failure. */
export function writeAtomically(file: string, body: Uint8Array): Promise<void> {
  return replaceAtomically(file, (partial) => fs.writeFile(partial, body));
}

/** Copies `source` to a temp file beside `file` (parents created) and renames it over. */
export async function copyAtomically(source: string, file: string): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  await replaceAtomically(file, (partial) => fs.copyFile(source, partial));
}

/** Runs `write` on `<file>.<uuid>.tmp`, then renames it to `file`; the temp file is removed on failure. */
export async function replaceAtomically(file: string, write: (partial: string) => Promise<void>): Promise<void> {
  const partial = `${file}.${randomUUID()}.tmp`;
  try {
    await write(partial);
    await fs.rename(partial, file);
  } catch (err) {
    await fs.rm(partial, { force: true });
    throw err;
  }
}

function notFoundOr(err: unknown, key: string): unknown {
  return (err as NodeJS.ErrnoException).code === 'ENOENT' ? new ObjectNotFoundError(`Object ${key} is not stored.`, { key }) : err;
}
