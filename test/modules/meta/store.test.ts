import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { silentLogger } from '../../../common/logger';
import { FunctionSchema, FunctionVersionSchema, MetaStore } from '../../../modules/meta';
import { testServices } from '../../support/services';

const stores: Array<[string, () => string]> = [
  ['SQLite', () => `sqlite:${path.join(mkdtempSync(path.join(os.tmpdir(), 'meta-')), 'meta.sqlite')}`],
  ['PostgreSQL', () => testServices().postgresUrl],
];

describe.each(stores)('MetaStore on %s', (dialectName, url) => {
  let store: MetaStore;

  beforeAll(async () => {
    store = await MetaStore.open(url(), silentLogger());
  });
  afterAll(() => store.close());

  it('creates the schema and answers a ping', async () => {
    await expect(store.ping()).resolves.toBeUndefined();
    expect(store.dialect).toBe(dialectName === 'SQLite' ? 'sqlite' : 'postgresql');
  });

  it('stores and reads back a function with its JSON fields and a version', async () => {
    const name = `fn-${randomUUID().slice(0, 8)}`;
    const em = store.em();
    em.create(FunctionSchema, {
      id: randomUUID(), name, runtime: 'python3', handler: 'main.handler', description: 'd',
      labels: { team: 'a' }, env: { K: 'v' }, memoryMb: 128, timeoutMs: 3000, maxConcurrency: 4,
      createdAt: new Date(), updatedAt: new Date(),
    });
    em.create(FunctionVersionSchema, { id: randomUUID(), functionName: name, number: 1, codeHash: 'a'.repeat(64), status: 'ready', config: { handler: 'main.handler' }, createdAt: new Date() });
    await em.flush();

    const read = store.em();
    const fn = await read.findOneOrFail(FunctionSchema, { name });
    expect(fn.labels).toEqual({ team: 'a' });
    expect(fn.env).toEqual({ K: 'v' });
    expect(fn.activeVersion).toBeNull();
    const versions = await read.find(FunctionVersionSchema, { functionName: name });
    expect(versions.map((v) => v.number)).toEqual([1]);
  });

  it('refuses a second function with the same name', async () => {
    const name = `dup-${randomUUID().slice(0, 8)}`;
    const make = () => ({
      id: randomUUID(), name, runtime: 'python3', handler: 'h.f', description: '', labels: {}, env: {},
      memoryMb: 128, timeoutMs: 1000, maxConcurrency: 1, createdAt: new Date(), updatedAt: new Date(),
    });
    const first = store.em();
    first.create(FunctionSchema, make());
    await first.flush();
    const second = store.em();
    second.create(FunctionSchema, make());
    await expect(second.flush()).rejects.toThrow(/unique|UNIQUE/);
  });

  it('opens an existing database again without losing rows', async () => {
    const again = await MetaStore.open(dialectName === 'SQLite' ? store.orm.config.get('dbName')!.replace(/^/, 'sqlite:') : url(), silentLogger());
    try {
      expect(await again.em().count(FunctionSchema)).toBeGreaterThan(0);
    } finally {
      await again.close();
    }
  });
});
