import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { silentLogger } from '../../../common/logger';
import { startVersitygw, type Versitygw } from '../../../infra/provision';
import { CachedObjectStore, LocalObjectStore, ObjectNotFoundError, ObjectStoreDeniedError, S3ObjectStore, type ObjectStore } from '../../../modules/objects';
import { REPO_DATA_DIR } from '../../support/services';

let server: Versitygw;
const temp: string[] = [];
const tempDir = (prefix: string) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  temp.push(dir);
  return dir;
};
const s3 = (bucket: string, credentials = { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey }) =>
  new S3ObjectStore({ endpoint: server.endpoint, bucket, region: 'us-east-1', forcePathStyle: true, credentials, maxAttempts: 1 });

beforeAll(async () => {
  server = await startVersitygw(REPO_DATA_DIR, silentLogger());
}, 20 * 60_000);
afterAll(async () => {
  await server?.close();
  for (const dir of temp) rmSync(dir, { recursive: true, force: true });
});

let bucketCount = 0;
const implementations: Array<[string, () => Promise<ObjectStore>]> = [
  ['local', async () => new LocalObjectStore(tempDir('pyfaas-objects-'))],
  ['s3 (versitygw)', async () => {
    const store = s3(`contract-${++bucketCount}`);
    await store.ensureBucket();
    return store;
  }],
  ['s3 behind the read cache', async () => {
    const store = s3(`cached-${++bucketCount}`);
    await store.ensureBucket();
    return new CachedObjectStore(store, tempDir('pyfaas-cache-'), 1024 * 1024);
  }],
];

describe.each(implementations)('ObjectStore contract: %s', (_name, open) => {
  let store: ObjectStore;
  beforeAll(async () => {
    store = await open();
  });

  it('puts, gets, heads and deletes an object', async () => {
    const info = await store.put('payloads/a.json', Buffer.from('{"a":1}'));
    expect(info.size).toBe(7);
    expect((await store.get('payloads/a.json')).toString()).toBe('{"a":1}');
    expect(await store.head('payloads/a.json')).toMatchObject({ key: 'payloads/a.json', size: 7 });
    await store.delete('payloads/a.json');
    expect(await store.head('payloads/a.json')).toBeUndefined();
    await expect(store.get('payloads/a.json')).rejects.toMatchObject({ code: 'OBJECT_NOT_FOUND' });
    await store.delete('payloads/a.json'); // absent is fine
  });

  it('puts the same content-addressed key again without harm, refreshing its age', async () => {
    const first = await store.put('payloads/same.json', Buffer.from('same'));
    await new Promise((r) => setTimeout(r, 1100)); // S3 LastModified has second precision
    await store.put('payloads/same.json', Buffer.from('same'));
    expect((await store.get('payloads/same.json')).toString()).toBe('same');
    const listed = (await store.list('payloads/')).filter((o) => o.key === 'payloads/same.json');
    expect(listed).toHaveLength(1);
    expect(listed[0].modifiedAt).toBeGreaterThan(first.modifiedAt - 1000);
  });

  it('lists by prefix only', async () => {
    await store.put('list/x/1', Buffer.from('1'));
    await store.put('list/x/2', Buffer.from('22'));
    await store.put('list/y/1', Buffer.from('3'));
    expect((await store.list('list/x/')).map((o) => [o.key, o.size])).toEqual([['list/x/1', 1], ['list/x/2', 2]]);
    expect(await store.list('nothing/')).toEqual([]);
  });

  it('puts a file, records its sha256 (S3), downloads it to a file and copies it', async () => {
    const bytes = Buffer.alloc(300_000, 7);
    bytes.write('head');
    const source = path.join(tempDir('pyfaas-upload-'), 'in.bin');
    writeFileSync(source, bytes);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    expect(await store.putFile('artifacts/big.bin', source)).toMatchObject({ key: 'artifacts/big.bin', size: bytes.length });
    const file = path.join(tempDir('pyfaas-download-'), 'out.bin');
    await store.download('artifacts/big.bin', file);
    expect(readFileSync(file).equals(bytes)).toBe(true);
    expect(readdirSync(path.dirname(file))).toEqual(['out.bin']); // no temp file left
    if (store.kind === 's3') expect((await store.head('artifacts/big.bin'))?.sha256).toBe(sha256);

    expect(await store.copy('artifacts/big.bin', 'artifacts/copy.bin')).toMatchObject({ key: 'artifacts/copy.bin', size: bytes.length });
    expect((await store.get('artifacts/copy.bin')).equals(bytes)).toBe(true);
    if (store.kind === 's3') expect((await store.head('artifacts/copy.bin'))?.sha256).toBe(sha256);
    await expect(store.copy('artifacts/never.bin', 'artifacts/x.bin')).rejects.toMatchObject({ code: 'OBJECT_NOT_FOUND' });
  });

  it('refuses a key that could escape its directory, with INVALID_INPUT', async () => {
    for (const key of ['../x', '/abs', 'a//b', 'a/./b', 'a/x.tmp']) {
      await expect(store.put(key, Buffer.from('x'))).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    }
  });

  it('answers a missing key with a coded NotFound', async () => {
    const err = await store.get('payloads/never.json').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ObjectNotFoundError);
    expect(err).toMatchObject({ code: 'OBJECT_NOT_FOUND', status: 404 });
    await expect(store.download('payloads/never.json', path.join(tempDir('pyfaas-dl-'), 'f'))).rejects.toMatchObject({ code: 'OBJECT_NOT_FOUND' });
  });
});

describe('S3ObjectStore against versitygw', () => {
  it('refuses a bad credential with OBJECT_STORE_DENIED and a sentence naming what to check', async () => {
    const store = s3('denied', { accessKeyId: server.accessKeyId, secretAccessKey: 'wrong-secret' });
    const err = await store.ensureBucket().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ObjectStoreDeniedError);
    expect(err).toMatchObject({ code: 'OBJECT_STORE_DENIED' });
    expect((err as Error).message).toContain('PYFAAS_S3_SECRET_ACCESS_KEY');
    // versitygw answers an unknown access key with 404 XAdminUserNotFound: still a refusal, never "not stored".
    const nobody = s3('denied', { accessKeyId: 'nobody', secretAccessKey: 'x' });
    for (const attempt of [() => nobody.ensureBucket(), () => nobody.put('k', Buffer.from('x')), () => nobody.get('k')]) {
      const refused = await attempt().catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(ObjectStoreDeniedError);
      expect(refused).toMatchObject({ code: 'OBJECT_STORE_DENIED', status: 503 });
    }
  });

  it('serves a cached object a second time with the server stopped, and evicts least recently used past its bound', async () => {
    const inner = s3('cache-offline');
    await inner.ensureBucket();
    const cache = new CachedObjectStore(inner, tempDir('pyfaas-cache-'), 2500);
    for (const n of [1, 2, 3]) await inner.put(`payloads/${n}.json`, Buffer.alloc(1000, n));
    expect((await cache.get('payloads/1.json'))[0]).toBe(1);
    expect((await cache.get('payloads/2.json'))[0]).toBe(2);
    await cache.get('payloads/1.json'); // 1 is now more recent than 2
    await cache.get('payloads/3.json'); // over 2500 bytes: 2 goes
    expect(await cache.size()).toBeLessThanOrEqual(2500);
    await server.stop();
    try {
      expect((await cache.get('payloads/1.json')).equals(Buffer.alloc(1000, 1))).toBe(true);
      expect((await cache.get('payloads/3.json'))[0]).toBe(3);
      await expect(cache.get('payloads/2.json')).rejects.toMatchObject({ code: 'OBJECT_STORE_FAILED' });
    } finally {
      await server.restart();
    }
    expect((await cache.get('payloads/2.json'))[0]).toBe(2);
  });

  it('refuses to cache an object whose bytes changed on the server after put', async () => {
    const inner = s3('cache-integrity');
    await inner.ensureBucket();
    await inner.put('payloads/x.json', Buffer.from('real'));
    // The posix backend keeps the object as a plain file (its metadata in xattrs): damage it in place.
    writeFileSync(path.join(server.dir, 'cache-integrity', 'payloads', 'x.json'), 'fake');
    const cacheDir = tempDir('pyfaas-cache-');
    const cache = new CachedObjectStore(inner, cacheDir, 1024 * 1024);
    await expect(cache.get('payloads/x.json')).rejects.toMatchObject({ code: 'OBJECT_INTEGRITY' });
    expect(readdirSync(cacheDir)).toEqual([]);
  });
});
