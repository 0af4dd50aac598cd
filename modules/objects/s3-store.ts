import { createReadStream, createWriteStream, promises as fs } from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  CopyObjectCommand, CreateBucketCommand, DeleteObjectCommand, GetObjectCommand, HeadBucketCommand, HeadObjectCommand,
  ListObjectsV2Command, PutObjectCommand, S3Client, S3ServiceException,
} from '@aws-sdk/client-s3';
import { checkKey, ObjectNotFoundError, ObjectStoreDeniedError, ObjectStoreError, type ObjectInfo, type ObjectStore } from './contract';
import { replaceAtomically } from './local-store';
import { sha256Of, sha256OfFile } from './sha256';

export interface S3StoreOptions {
  /** e.g. http://127.0.0.1:7070 for versitygw; unset, AWS's own endpoint for the region. */
  endpoint?: string;
  bucket: string;
  region: string;
  /** Unset, the SDK's default credential chain (env, profile, instance role). */
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** Path-style URLs (`endpoint/bucket/key`): what self-hosted servers expect. */
  forcePathStyle: boolean;
  /** Attempts per request (the SDK retries transient failures); tests use 1 to fail fast. */
  maxAttempts?: number;
}

/** versitygw answers an unknown access key with 404 XAdminUserNotFound where AWS says 403 InvalidAccessKeyId. */
const DENIED = new Set(['InvalidAccessKeyId', 'SignatureDoesNotMatch', 'AccessDenied', 'InvalidToken', 'ExpiredToken', 'XAdminUserNotFound']);
/** `NotFound` is the SDK's name for a 404 without a body (HEAD): a HEAD cannot tell a missing key from versitygw's unknown access key. */
const MISSING = new Set(['NoSuchKey', 'NotFound']);

/**
 * Objects in one S3 bucket, through the S3 API (AWS, or a self-hosted server such as
 * versitygw). Each object carries its sha256 as metadata so that a cache can verify what it keeps.
 */
export class S3ObjectStore implements ObjectStore {
  readonly kind = 's3';
  private readonly client: S3Client;

  constructor(private readonly options: S3StoreOptions) {
    this.client = new S3Client({
      endpoint: options.endpoint,
      region: options.region,
      credentials: options.credentials,
      forcePathStyle: options.forcePathStyle,
      maxAttempts: options.maxAttempts ?? 3,
      // Reads are checked against the sha256 metadata by the read cache (ObjectIntegrityError);
      // the SDK's own check would fail mid-stream with an uncoded Error.
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  }

  /** Creates the bucket when it does not exist. Throws ObjectStoreDeniedError for bad credentials, ObjectStoreError when unreachable. */
  async ensureBucket(): Promise<void> {
    const Bucket = this.options.bucket;
    try {
      await this.client.send(new HeadBucketCommand({ Bucket }));
      return;
    } catch (err) {
      if (!MISSING.has((err as Error).name) && (err as Error).name !== 'NoSuchBucket') throw this.failure(err, `check bucket ${Bucket}`);
    }
    try {
      await this.client.send(new CreateBucketCommand({ Bucket }));
    } catch (err) {
      const name = (err as Error).name;
      if (name !== 'BucketAlreadyOwnedByYou' && name !== 'BucketAlreadyExists') throw this.failure(err, `create bucket ${Bucket}`);
    }
  }

  put(key: string, body: Uint8Array): Promise<ObjectInfo> {
    return this.send(key, body, body.byteLength, sha256Of(body));
  }

  async putFile(key: string, file: string): Promise<ObjectInfo> {
    checkKey(key);
    const [{ size }, sha256] = await Promise.all([fs.stat(file), sha256OfFile(file)]);
    return this.send(key, createReadStream(file), size, sha256);
  }

  async copy(from: string, to: string): Promise<ObjectInfo> {
    checkKey(from);
    checkKey(to);
    try {
      // MetadataDirective COPY (the default): the sha256 metadata travels with the bytes.
      await this.client.send(new CopyObjectCommand({ Bucket: this.options.bucket, Key: to, CopySource: `${this.options.bucket}/${from}` }));
    } catch (err) {
      if (MISSING.has((err as Error).name)) throw new ObjectNotFoundError(`Object ${from} is not stored in bucket ${this.options.bucket}.`, { key: from });
      throw this.failure(err, `copy ${from} to ${to}`);
    }
    const info = await this.head(to);
    if (!info) throw new ObjectStoreError(`The S3 server at ${this.where()} reported ${to} copied but does not list it.`, { key: to });
    return info;
  }

  /**
   * One PutObject carrying the body's sha256 twice: as metadata (what the read cache checks
   * later) and as the S3 checksum header, so the server refuses bytes that arrive damaged.
   */
  private async send(key: string, body: Uint8Array | Readable, size: number, sha256: string): Promise<ObjectInfo> {
    checkKey(key);
    try {
      await this.client.send(new PutObjectCommand({
        Bucket: this.options.bucket, Key: key, Body: body, ContentLength: size,
        Metadata: { sha256 }, ChecksumSHA256: Buffer.from(sha256, 'hex').toString('base64'),
      }));
    } catch (err) {
      throw this.failure(err, `put ${key}`);
    }
    return { key, size, modifiedAt: Date.now(), sha256 };
  }

  async get(key: string): Promise<Buffer> {
    const response = await this.fetch(key);
    return Buffer.from(await response.Body!.transformToByteArray());
  }

  async download(key: string, file: string): Promise<ObjectInfo> {
    const response = await this.fetch(key);
    await fs.mkdir(path.dirname(file), { recursive: true });
    await replaceAtomically(file, (partial) => pipeline(response.Body as Readable, createWriteStream(partial)));
    return { key, size: response.ContentLength ?? 0, modifiedAt: response.LastModified?.getTime() ?? 0, sha256: response.Metadata?.sha256 };
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    checkKey(key);
    try {
      const r = await this.client.send(new HeadObjectCommand({ Bucket: this.options.bucket, Key: key }));
      return { key, size: r.ContentLength ?? 0, modifiedAt: r.LastModified?.getTime() ?? 0, sha256: r.Metadata?.sha256 };
    } catch (err) {
      if (MISSING.has((err as Error).name)) return undefined;
      throw this.failure(err, `head ${key}`);
    }
  }

  async delete(key: string): Promise<void> {
    checkKey(key);
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.options.bucket, Key: key }));
    } catch (err) {
      if (!MISSING.has((err as Error).name)) throw this.failure(err, `delete ${key}`);
    }
  }

  async list(prefix: string): Promise<ObjectInfo[]> {
    const found: ObjectInfo[] = [];
    let ContinuationToken: string | undefined;
    do {
      let page;
      try {
        page = await this.client.send(new ListObjectsV2Command({ Bucket: this.options.bucket, Prefix: prefix, ContinuationToken }));
      } catch (err) {
        throw this.failure(err, `list ${prefix}`);
      }
      for (const item of page.Contents ?? []) {
        if (item.Key) found.push({ key: item.Key, size: item.Size ?? 0, modifiedAt: item.LastModified?.getTime() ?? 0 });
      }
      ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (ContinuationToken);
    return found.sort((a, b) => a.key.localeCompare(b.key));
  }

  close(): void {
    this.client.destroy();
  }

  private async fetch(key: string) {
    checkKey(key);
    try {
      return await this.client.send(new GetObjectCommand({ Bucket: this.options.bucket, Key: key }));
    } catch (err) {
      if (MISSING.has((err as Error).name)) throw new ObjectNotFoundError(`Object ${key} is not stored in bucket ${this.options.bucket}.`, { key });
      throw this.failure(err, `get ${key}`);
    }
  }

  private where(): string {
    return `${this.options.endpoint ?? `AWS S3 (${this.options.region})`}, bucket ${this.options.bucket}`;
  }

  /** One sentence naming the operation, the server and what to check. */
  private failure(err: unknown, operation: string): ObjectStoreError {
    const where = this.where();
    const name = (err as Error).name;
    if (DENIED.has(name) || statusOf(err) === 403) {
      return new ObjectStoreDeniedError(`The S3 server at ${where} refused the credentials to ${operation} (${name}): check PYFAAS_S3_ACCESS_KEY_ID and PYFAAS_S3_SECRET_ACCESS_KEY.`, { operation, reason: name });
    }
    const reason = err instanceof S3ServiceException ? `${name}: ${err.message}` : ((err as NodeJS.ErrnoException).code ?? (err as Error).message);
    return new ObjectStoreError(`Could not ${operation} on the S3 server at ${where} (${reason}): check PYFAAS_S3_ENDPOINT and that the server runs.`, { operation, reason });
  }
}

function statusOf(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
}
