import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Logger } from '../../common/logger';
import { ObjectIntegrityError, type ObjectInfo, type ObjectStore } from './contract';
import { copyAtomically, writeAtomically } from './local-store';
import { sha256OfFile } from './sha256';

interface Entry {
  size: number;
  usedAt: number;
}

/**
 * A per-node read-through cache in front of a remote store: a second read of an object is
 * served from `dir` without the server. Only for immutable (content-addressed) keys, which
 * is all the platform stores. Bounded to `maxBytes`, least recently used evicted first
 * (use time kept as the file's mtime, so it survives a restart). An object is cached only
 * when its bytes match the sha256 recorded at put().
 */
export class CachedObjectStore implements ObjectStore {
  readonly kind: string;
  private entries?: Promise<Map<string, Entry>>;
  private total = 0;
  private lastUse = 0;

  constructor(
    private readonly inner: ObjectStore,
    private readonly dir: string,
    private readonly maxBytes: number,
    private readonly logger?: Logger,
  ) {
    this.kind = inner.kind;
  }

  async put(key: string, body: Uint8Array): Promise<ObjectInfo> {
    const info = await this.inner.put(key, body);
    // Bytes this node just wrote are read back soon (a payload by the worker beside it).
    if (info.size <= this.maxBytes) {
      const file = this.fileOf(key);
      await this.load();
      await writeAtomically(file, body);
      await this.admit(file, info.size);
    }
    return info;
  }

  /** Not cached: a file put is a built artifact, which the node that built it has unpacked already. */
  putFile(key: string, file: string): Promise<ObjectInfo> {
    return this.inner.putFile(key, file);
  }

  copy(from: string, to: string): Promise<ObjectInfo> {
    return this.inner.copy(from, to);
  }

  async get(key: string): Promise<Buffer> {
    const file = await this.fill(key);
    return fs.readFile(file);
  }

  async download(key: string, target: string): Promise<ObjectInfo> {
    const file = await this.fill(key);
    await copyAtomically(file, target);
    const stat = await fs.stat(file);
    return { key, size: stat.size, modifiedAt: stat.mtimeMs };
  }

  head(key: string): Promise<ObjectInfo | undefined> {
    return this.inner.head(key);
  }

  async delete(key: string): Promise<void> {
    await this.inner.delete(key);
    await this.drop(this.fileOf(key));
  }

  list(prefix: string): Promise<ObjectInfo[]> {
    return this.inner.list(prefix);
  }

  close(): void {
    this.inner.close();
  }

  /** Bytes the cache holds now. */
  async size(): Promise<number> {
    await this.load();
    return this.total;
  }

  /** The cached file for `key`, fetched and verified first when absent. */
  private async fill(key: string): Promise<string> {
    const entries = await this.load();
    const file = this.fileOf(key);
    const known = entries.get(file);
    if (known) {
      known.usedAt = this.useTime();
      const at = new Date(known.usedAt);
      await fs.utimes(file, at, at).catch(() => undefined);
      return file;
    }
    const info = await this.inner.download(key, file);
    const actual = await sha256OfFile(file);
    if (!info.sha256 || info.sha256 !== actual) {
      await fs.rm(file, { force: true });
      throw new ObjectIntegrityError(`Object ${key} read from the ${this.inner.kind} store has sha256 ${actual}, but ${info.sha256 ? `${info.sha256} was recorded` : 'no sha256 was recorded'} when it was stored; not cached.`, { key });
    }
    await this.admit(file, info.size);
    return file;
  }

  private async admit(file: string, size: number): Promise<void> {
    const entries = await this.load();
    const before = entries.get(file);
    if (before) this.total -= before.size;
    entries.set(file, { size, usedAt: this.useTime() });
    this.total += size;
    if (this.total <= this.maxBytes) return;
    const oldest = [...entries].filter(([name]) => name !== file).sort((a, b) => a[1].usedAt - b[1].usedAt);
    for (const [name] of oldest) {
      if (this.total <= this.maxBytes) break;
      await this.drop(name);
    }
    this.logger?.debug({ cacheBytes: this.total, maxBytes: this.maxBytes }, 'object cache evicted least recently used objects');
  }

  private async drop(file: string): Promise<void> {
    const entries = await this.load();
    const entry = entries.get(file);
    await fs.rm(file, { force: true });
    if (!entry) return;
    entries.delete(file);
    this.total -= entry.size;
  }

  /** Strictly increasing (two uses in one millisecond stay ordered), close to the clock so that it can be kept as an mtime. */
  private useTime(): number {
    this.lastUse = Math.max(Date.now(), this.lastUse + 1);
    return this.lastUse;
  }

  /** The index, read once from the directory (what an earlier process cached stays usable). */
  private load(): Promise<Map<string, Entry>> {
    this.entries ??= (async () => {
      await fs.mkdir(this.dir, { recursive: true });
      const entries = new Map<string, Entry>();
      for (const name of await fs.readdir(this.dir)) {
        const file = path.join(this.dir, name);
        if (name.endsWith('.tmp')) {
          await fs.rm(file, { force: true });
          continue;
        }
        const stat = await fs.stat(file).catch(() => undefined);
        if (!stat?.isFile()) continue;
        entries.set(file, { size: stat.size, usedAt: stat.mtimeMs });
        this.total += stat.size;
      }
      return entries;
    })();
    return this.entries;
  }

  /** Flat names: the key's sha256, so no key can reach outside the directory. */
  private fileOf(key: string): string {
    return path.join(this.dir, createHash('sha256').update(key).digest('hex'));
  }
}
