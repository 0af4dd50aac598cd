import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConflictError } from '../../../common/errors';
import { silentLogger } from '../../../common/logger';
import { FunctionNotFoundError, FunctionService, MetaStore } from '../../../modules/meta';
import { parseCreateFunction } from '../../../modules/meta/function-input';
import { testServices } from '../../support/services';

const stores: Array<[string, () => string]> = [
  ['SQLite', () => `sqlite:${path.join(mkdtempSync(path.join(os.tmpdir(), 'meta-')), 'meta.sqlite')}`],
  ['PostgreSQL', () => testServices().postgresUrl.replace(/\/[^/]+$/, `/meta_${randomUUID().slice(0, 8)}`)],
];

const input = (name: string, extra: object = {}) =>
  parseCreateFunction({ name, runtime: 'python3', handler: 'main.handler', code: { inline: 'x' }, labels: { team: 'a' }, env: { K: 'v' }, ...extra });
const HASH_A = 'a'.repeat(64);
const HASH_B = 'b'.repeat(64);

describe.each(stores)('MetaStore and FunctionService on %s', (dialectName, url) => {
  let store: MetaStore;
  let functions: FunctionService;
  let storeUrl: string;

  beforeAll(async () => {
    storeUrl = url();
    store = await MetaStore.open(storeUrl, silentLogger());
    functions = new FunctionService(store);
  });
  afterAll(() => store.close());

  it('creates the schema and answers a ping', async () => {
    await expect(store.ping()).resolves.toBeUndefined();
    expect(store.dialect).toBe(dialectName === 'SQLite' ? 'sqlite' : 'postgresql');
  });

  it('creates a function with version 1 and reads back its JSON fields', async () => {
    const { fn, version } = await functions.create(input('alpha'), { codeHash: HASH_A });
    expect(version).toMatchObject({ number: 1, status: 'pending', codeHash: HASH_A, config: { runtime: 'python3', memoryMb: 128 } });
    const read = await functions.get('alpha');
    expect(read).toMatchObject({ id: fn.id, labels: { team: 'a' }, env: { K: 'v' }, retry: { maxAttempts: 3, nonRetryableErrors: [] } });
    expect(read.activeVersion).toBeNull();
  });

  it('refuses a second function with the same name, writing nothing', async () => {
    await expect(functions.create(input('alpha', { description: 'again' }), { codeHash: HASH_B })).rejects.toBeInstanceOf(ConflictError);
    expect((await functions.listVersions('alpha')).length).toBe(1);
  });

  it('makes versions for code and config changes only, and activates them', async () => {
    await functions.create(input('beta'), { codeHash: HASH_A });
    await functions.activate('beta', 1);
    const code = await functions.update('beta', {}, { codeHash: HASH_B });
    expect(code.version).toMatchObject({ number: 2, codeHash: HASH_B });
    const config = await functions.update('beta', { timeoutMs: 5000 });
    expect(config.version).toMatchObject({ number: 3, codeHash: HASH_A, config: { timeoutMs: 5000 } });
    const labels = await functions.update('beta', { labels: { x: 'y' } });
    expect(labels.version).toBeUndefined();
    expect(await functions.activate('beta', 2)).toBe(1);
    expect((await functions.get('beta')).activeVersion).toBe(2);
  });

  it('lists by label in name order, a page at a time', async () => {
    for (const name of ['gamma-1', 'gamma-2', 'gamma-3']) await functions.create(input(name, { labels: { group: 'g' } }), { codeHash: HASH_A });
    const first = await functions.list({ labels: { group: 'g' }, limit: 2 });
    expect(first.items.map((f) => f.name)).toEqual(['gamma-1', 'gamma-2']);
    const second = await functions.list({ labels: { group: 'g' }, limit: 2, after: first.next });
    expect(second.items.map((f) => f.name)).toEqual(['gamma-3']);
    expect(second.next).toBeUndefined();
  });

  it('hides a function being deleted, then removes it and reports code no one else uses', async () => {
    await functions.create(input('delta'), { codeHash: HASH_B });
    await functions.markDeleting('delta');
    await expect(functions.get('delta')).rejects.toBeInstanceOf(FunctionNotFoundError);
    // HASH_B is still used by beta's version 2.
    expect(await functions.remove('delta')).toEqual([]);
    await functions.create(input('epsilon'), { codeHash: 'c'.repeat(64) });
    expect(await functions.remove('epsilon')).toEqual(['c'.repeat(64)]);
  });

  it('opens an existing database again without losing rows', async () => {
    const again = await MetaStore.open(storeUrl, silentLogger());
    try {
      expect((await new FunctionService(again).get('alpha')).name).toBe('alpha');
    } finally {
      await again.close();
    }
  });
});
