export { checkKey, ObjectIntegrityError, ObjectNotFoundError, ObjectStoreDeniedError, ObjectStoreError, type ObjectInfo, type ObjectStore } from './contract';
export { LocalObjectStore } from './local-store';
export { S3ObjectStore, type S3StoreOptions } from './s3-store';
export { CachedObjectStore } from './read-cache';
export { openObjectStore, s3Options } from './open';
