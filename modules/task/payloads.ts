import { createHash, randomUUID } from 'node:crypto';
import { mkdirSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { InputError, NotFoundError } from '../../common/errors';

/**
 * Events and results above this size travel by reference: Temporal's payload limit is
 * 2 MB per blob and every byte in history is replayed, so history stays small.
 */
export const INLINE_PAYLOAD_LIMIT = 256 * 1024;
const REF = /^sha256:[0-9a-f]{64}$/;
/** The files the store writes: payloads and put()'s temp files (nothing else in its folder is touched). */
const PAYLOAD_FILE = /^[0-9a-f]{64}\.json(\.[0-9a-f-]{36}\.tmp)?$/;

/** Content-addressed JSON documents on disk (shared by the API and workers of one data dir). */
export class PayloadStore {
  constructor(private readonly root: string) {
    mkdirSync(root, { recursive: true });
  }

  /** Stores `json` (already serialized) and returns its reference. Idempotent. */
  async put(json: string): Promise<string> {
    const hash = createHash('sha256').update(json).digest('hex');
    const file = this.fileOf(hash);
    const temp = `${file}.${randomUUID()}.tmp`;
    await fs.writeFile(temp, json);
    await fs.rename(temp, file);
    return `sha256:${hash}`;
  }

  /** Throws InputError for a malformed reference, NotFoundError when it is not stored. */
  async get(ref: string): Promise<unknown> {
    if (!REF.test(ref)) throw new InputError(`Malformed payload reference ${JSON.stringify(ref)}.`);
    try {
      return JSON.parse(await fs.readFile(this.fileOf(ref.slice('sha256:'.length)), 'utf8'));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new NotFoundError(`Payload ${ref} is not stored.`);
      throw err;
    }
  }

  /** Keeps `value` inline when small, else stores it: exactly one of the two fields is set. */
  async inlineOrRef(value: unknown): Promise<{ value?: unknown; ref?: string }> {
    if (value === undefined) return {};
    const json = JSON.stringify(value);
    if (Buffer.byteLength(json) <= INLINE_PAYLOAD_LIMIT) return { value };
    return { ref: await this.put(json) };
  }

  /**
   * Removes payloads last written more than `olderThanMs` ago (by mtime: put() rewrites a
   * payload, so storing it again keeps it), and temp files a crashed put() left. The store
   * does not know which invocations still need a payload, so `olderThanMs` must exceed the
   * longest an invocation can live (its retries and queueing included). Safe to run from
   * several processes at once: a file another sweep removed first is skipped.
   */
  async sweep(olderThanMs: number, now = Date.now()): Promise<{ removed: number; kept: number }> {
    const cutoff = now - olderThanMs;
    let removed = 0;
    let kept = 0;
    for (const name of await fs.readdir(this.root)) {
      if (!PAYLOAD_FILE.test(name)) continue;
      const file = path.join(this.root, name);
      try {
        if ((await fs.lstat(file)).mtimeMs >= cutoff) {
          kept += 1;
          continue;
        }
        await fs.unlink(file);
        removed += 1;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
    }
    return { removed, kept };
  }

  private fileOf(hash: string): string {
    return path.join(this.root, `${hash}.json`);
  }
}
