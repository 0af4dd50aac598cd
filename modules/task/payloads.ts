import { createHash } from 'node:crypto';
import { InputError, NotFoundError } from '../../common/errors';
import { LocalObjectStore, type ObjectStore } from '../objects';

/**
 * Events and results above this size travel by reference: Temporal's payload limit is
 * 2 MB per blob and every byte in history is replayed, so history stays small.
 */
export const INLINE_PAYLOAD_LIMIT = 256 * 1024;
const REF = /^sha256:[0-9a-f]{64}$/;
/** The objects the store writes (nothing else under its prefix is touched). */
const PAYLOAD_NAME = /^[0-9a-f]{64}\.json$/;

/**
 * Content-addressed JSON documents in the object store, under `prefix` (`payloads/` in the
 * platform's store), so that any node can read what another stored.
 */
export class PayloadStore {
  constructor(
    private readonly store: ObjectStore,
    private readonly prefix = 'payloads/',
  ) {}

  /** Stores `json` (already serialized) and returns its reference. Idempotent; storing again refreshes its age. */
  async put(json: string): Promise<string> {
    const hash = createHash('sha256').update(json).digest('hex');
    await this.store.put(this.keyOf(hash), Buffer.from(json));
    return `sha256:${hash}`;
  }

  /** Throws InputError for a malformed reference, NotFoundError when it is not stored (or its bytes do not match it). */
  async get(ref: string): Promise<unknown> {
    if (!REF.test(ref)) throw new InputError(`Malformed payload reference ${JSON.stringify(ref)}.`);
    const hash = ref.slice('sha256:'.length);
    let bytes: Buffer;
    try {
      bytes = await this.store.get(this.keyOf(hash));
    } catch (err) {
      if (err instanceof NotFoundError) throw new NotFoundError(`Payload ${ref} is not stored.`);
      throw err;
    }
    if (createHash('sha256').update(bytes).digest('hex') !== hash) throw new NotFoundError(`Payload ${ref} is stored with other content (corrupted); it cannot be read.`);
    return JSON.parse(bytes.toString('utf8'));
  }

  /** Keeps `value` inline when small, else stores it: exactly one of the two fields is set. */
  async inlineOrRef(value: unknown): Promise<{ value?: unknown; ref?: string }> {
    if (value === undefined) return {};
    const json = JSON.stringify(value);
    if (Buffer.byteLength(json) <= INLINE_PAYLOAD_LIMIT) return { value };
    return { ref: await this.put(json) };
  }

  /**
   * Removes payloads last written more than `olderThanMs` ago (put() rewrites a payload, so
   * storing it again keeps it). The store does not know which invocations still need a
   * payload, so `olderThanMs` must exceed the longest an invocation can live (its retries
   * and queueing included). Safe to run from several processes at once: deleting an object
   * another sweep removed first is fine.
   */
  async sweep(olderThanMs: number, now = Date.now()): Promise<{ removed: number; kept: number }> {
    const cutoff = now - olderThanMs;
    let removed = 0;
    let kept = 0;
    for (const object of await this.store.list(this.prefix)) {
      if (!PAYLOAD_NAME.test(object.key.slice(this.prefix.length))) continue;
      if (object.modifiedAt >= cutoff) {
        kept += 1;
        continue;
      }
      await this.store.delete(object.key);
      removed += 1;
    }
    // Temp files a crashed put() left in a directory store.
    if (this.store instanceof LocalObjectStore) removed += await this.store.removeStaleTemp(this.prefix, cutoff);
    return { removed, kept };
  }

  private keyOf(hash: string): string {
    return `${this.prefix}${hash}.json`;
  }
}
