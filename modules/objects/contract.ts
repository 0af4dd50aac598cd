import { InputError, NotFoundError, PyFaaSError } from '../../common/errors';

/** What a store knows of one object. `sha256` is set by the S3 store (object metadata, written at every put), not by the local one. */
export interface ObjectInfo {
  key: string;
  size: number;
  /** Last write, ms since the epoch: a repeated put() of the same content refreshes it (payload retention relies on that). */
  modifiedAt: number;
  sha256?: string;
}

/**
 * Where artifacts and large payloads live, so that no node needs another node's disk.
 * Keys are content-addressed by their callers, so put() of a key again is idempotent.
 */
export interface ObjectStore {
  /** 'local' or 's3': for logs and /readyz. */
  readonly kind: string;
  /** Writes the object whole or not at all (readers never see half of it). */
  put(key: string, body: Uint8Array): Promise<ObjectInfo>;
  /**
   * Stores the file's bytes under `key`, streamed (a built artifact can be large). The store
   * hashes the file first, so every object carries its sha256 however it was put (and an S3
   * server checks the bytes it received against it). A missing file throws ENOENT.
   */
  putFile(key: string, file: string): Promise<ObjectInfo>;
  /** Copies an object to another key (server-side in S3), its recorded sha256 kept. Throws ObjectNotFoundError when `from` is absent. */
  copy(from: string, to: string): Promise<ObjectInfo>;
  /** Throws ObjectNotFoundError (OBJECT_NOT_FOUND) when absent. */
  get(key: string): Promise<Buffer>;
  /** Streams the object to `file` (written beside, then renamed). Throws ObjectNotFoundError when absent. */
  download(key: string, file: string): Promise<ObjectInfo>;
  /** undefined when absent. */
  head(key: string): Promise<ObjectInfo | undefined>;
  /** Absent is fine. */
  delete(key: string): Promise<void>;
  /** Every object whose key starts with `prefix`. */
  list(prefix: string): Promise<ObjectInfo[]>;
  /** Releases connections (the S3 client's sockets); the store is not used after. */
  close(): void;
}

export class ObjectNotFoundError extends NotFoundError {
  override readonly code: string = 'OBJECT_NOT_FOUND';
}

/** The object store refused or could not be reached; the message says which and what to check. */
export class ObjectStoreError extends PyFaaSError {
  readonly code: string = 'OBJECT_STORE_FAILED';
  readonly status: number = 503;
}

/** The S3 server refused the credentials (bad access key, signature mismatch, access denied). */
export class ObjectStoreDeniedError extends ObjectStoreError {
  override readonly code: string = 'OBJECT_STORE_DENIED';
}

/** The cache read an object whose bytes do not match the sha256 recorded when it was stored. */
export class ObjectIntegrityError extends ObjectStoreError {
  override readonly code: string = 'OBJECT_INTEGRITY';
}

const SEGMENT = '[A-Za-z0-9][A-Za-z0-9._-]*';
const KEY = new RegExp(`^${SEGMENT}(/${SEGMENT})*$`);

/** Throws InputError for a key that could escape a directory or is not portable across stores. */
export function checkKey(key: string): string {
  if (key.length > 512 || !KEY.test(key) || key.split('/').some((part) => part.endsWith('.tmp'))) {
    throw new InputError(`"${key}" is not an object key: '/'-separated segments of letters, digits, '.', '_' and '-', each starting with a letter or digit, at most 512 characters.`);
  }
  return key;
}
