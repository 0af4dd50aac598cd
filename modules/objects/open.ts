import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { InputError } from '../../common/errors';
import type { Logger } from '../../common/logger';
import type { Config } from '../../infra/config';
import type { ObjectStore } from './contract';
import { LocalObjectStore } from './local-store';
import { CachedObjectStore } from './read-cache';
import { S3ObjectStore, type S3StoreOptions } from './s3-store';

/**
 * The store `config.objects` names: a directory, or an S3 bucket (created when missing)
 * behind this node's read cache. Throws InputError for half-given or unreadable credentials,
 * ObjectStoreDeniedError / ObjectStoreError when the S3 server refuses or cannot be reached.
 */
export async function openObjectStore(config: Pick<Config, 'objects' | 'dataDir'>, logger: Logger): Promise<ObjectStore> {
  const objects = config.objects;
  if (objects.store === 'local') return new LocalObjectStore(objects.dir ?? path.join(config.dataDir, 'objects'));
  const s3 = new S3ObjectStore(s3Options(objects.s3));
  await s3.ensureBucket();
  logger.info({ endpoint: objects.s3.endpoint, bucket: objects.s3.bucket }, 'object store: S3 bucket ready');
  return new CachedObjectStore(s3, objects.cache.dir ?? path.join(config.dataDir, 'object-cache'), objects.cache.maxBytes, logger);
}

/** Exported for tests. Throws InputError when only one of key id and secret is given, or a key file is missing. */
export function s3Options(s3: Config['objects']['s3']): S3StoreOptions {
  const accessKeyId = s3.accessKeyId ?? readSecret(s3.accessKeyIdFile, 'PYFAAS_S3_ACCESS_KEY_ID_FILE');
  const secretAccessKey = s3.secretAccessKey ?? readSecret(s3.secretAccessKeyFile, 'PYFAAS_S3_SECRET_ACCESS_KEY_FILE');
  if ((accessKeyId === undefined) !== (secretAccessKey === undefined)) {
    throw new InputError('Invalid configuration: set both the S3 access key id and the secret access key (PYFAAS_S3_ACCESS_KEY_ID / PYFAAS_S3_SECRET_ACCESS_KEY, or their _FILE forms), or neither for the AWS default credential chain.');
  }
  return {
    endpoint: s3.endpoint,
    bucket: s3.bucket,
    region: s3.region,
    forcePathStyle: s3.forcePathStyle,
    credentials: accessKeyId && secretAccessKey ? { accessKeyId, secretAccessKey } : undefined,
  };
}

function readSecret(file: string | undefined, name: string): string | undefined {
  if (file === undefined) return undefined;
  if (!existsSync(file)) throw new InputError(`Invalid configuration: ${name} names ${file}, which does not exist.`);
  const value = readFileSync(file, 'utf8').trim();
  if (!value) throw new InputError(`Invalid configuration: ${file} (${name}) is empty.`);
  return value;
}
