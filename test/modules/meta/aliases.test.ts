import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { InputError } from '../../../common/errors';
import { silentLogger } from '../../../common/logger';
import { FunctionNotFoundError, FunctionService, MetaStore } from '../../../modules/meta';
import { AliasChangedError, AliasNotFoundError, AliasService, VersionNotReadyError } from '../../../modules/meta/aliases';
import { parseCreateFunction } from '../../../modules/meta/function-input';
import { testServices } from '../../support/services';

const stores: Array<[string, () => string]> = [
  ['SQLite', () => `sqlite:${path.join(mkdtempSync(path.join(os.tmpdir(), 'meta-')), 'meta.sqlite')}`],
  ['PostgreSQL', () => testServices().postgresUrl.replace(/\/[^/]+$/, `/alias_${randomUUID().slice(0, 8)}`)],
];

describe.each(stores)('AliasService on %s', (_dialect, url) => {
  let store: MetaStore;
  let functions: FunctionService;
  let aliases: AliasService;

  /** A function with versions 1 and 2 ready and version 3 pending. */
  async function threeVersions(name: string): Promise<void> {
    await functions.create(parseCreateFunction({ name, runtime: 'python3', handler: 'main.handler', code: { inline: 'x' } }), { codeHash: 'a'.repeat(64) });
    await functions.activate(name, 1);
    await functions.update(name, {}, { codeHash: 'b'.repeat(64) });
    await functions.activate(name, 2);
    await functions.update(name, {}, { codeHash: 'c'.repeat(64) });
  }

  beforeAll(async () => {
    store = await MetaStore.open(url(), silentLogger());
    functions = new FunctionService(store);
    aliases = new AliasService(store, functions);
    await threeVersions('fn');
  });
  afterAll(() => store.close());

  it('creates, replaces, lists and deletes an alias', async () => {
    const created = await aliases.put('fn', 'live', { versions: [{ version: 1, weight: 100 }] });
    expect(created).toMatchObject({ created: true, alias: { functionName: 'fn', name: 'live', routes: [{ version: 1, weight: 100 }] } });
    const replaced = await aliases.put('fn', 'live', { versions: [{ version: 1, weight: 70 }, { version: 2, weight: 30 }] });
    expect(replaced.created).toBe(false);
    expect(replaced.alias.id).toBe(created.alias.id);
    await aliases.put('fn', 'canary', { versions: [{ version: 2, weight: 100 }] });
    expect((await aliases.list('fn')).map((a) => [a.name, a.routes])).toEqual([
      ['canary', [{ version: 2, weight: 100 }]],
      ['live', [{ version: 1, weight: 70 }, { version: 2, weight: 30 }]],
    ]);
    await aliases.delete('fn', 'canary');
    await expect(aliases.get('fn', 'canary')).rejects.toBeInstanceOf(AliasNotFoundError);
    await expect(aliases.delete('fn', 'canary')).rejects.toBeInstanceOf(AliasNotFoundError);
  });

  it('refuses bad routes with every issue named, and versions that are missing or not ready', async () => {
    const bad = [
      { versions: [] },
      { versions: [{ version: 1, weight: 50 }, { version: 2, weight: 30 }] },
      { versions: [{ version: 1, weight: 40 }, { version: 2, weight: 30 }, { version: 1, weight: 30 }] },
      { versions: [{ version: 1, weight: 50.5 }, { version: 2, weight: 49.5 }] },
      { versions: [{ version: 1, weight: 50 }, { version: 1, weight: 50 }] },
      { versions: [{ version: 1, weight: 100 }], extra: true },
      'not an object',
    ];
    for (const body of bad) await expect(aliases.put('fn', 'x', body)).rejects.toBeInstanceOf(InputError);
    await expect(aliases.put('fn', 'Bad_Name', { versions: [{ version: 1, weight: 100 }] })).rejects.toBeInstanceOf(InputError);
    const sum = await aliases.put('fn', 'x', { versions: [{ version: 1, weight: 50 }, { version: 2, weight: 30 }] }).catch((e) => e);
    expect(sum.details.issues).toEqual([{ path: 'versions', message: 'weights must sum to 100' }]);
    await expect(aliases.put('fn', 'x', { versions: [{ version: 9, weight: 100 }] })).rejects.toBeInstanceOf(VersionNotReadyError);
    await expect(aliases.put('fn', 'x', { versions: [{ version: 3, weight: 100 }] })).rejects.toThrow(/is pending, not ready/);
    await expect(aliases.put('nope', 'x', { versions: [{ version: 1, weight: 100 }] })).rejects.toBeInstanceOf(FunctionNotFoundError);
    await expect(aliases.get('fn', 'x')).rejects.toBeInstanceOf(AliasNotFoundError);
  });

  it('compares and sets: a change made meanwhile is not overwritten, a repeated write succeeds', async () => {
    await aliases.put('fn', 'cas', { versions: [{ version: 1, weight: 100 }] });
    const half = [{ version: 1, weight: 50 }, { version: 2, weight: 50 }];
    await aliases.replaceIf('fn', 'cas', [{ version: 1, weight: 100 }], half);
    // The same write again (a retried activity) finds its work done.
    await aliases.replaceIf('fn', 'cas', [{ version: 1, weight: 100 }], half);
    await aliases.put('fn', 'cas', { versions: [{ version: 2, weight: 100 }] });
    await expect(aliases.replaceIf('fn', 'cas', half, [{ version: 1, weight: 10 }, { version: 2, weight: 90 }])).rejects.toBeInstanceOf(AliasChangedError);
    expect((await aliases.get('fn', 'cas')).routes).toEqual([{ version: 2, weight: 100 }]);
  });

  it('deletes the aliases with their function', async () => {
    await threeVersions('gone');
    await aliases.put('gone', 'live', { versions: [{ version: 1, weight: 100 }] });
    await functions.remove('gone');
    await threeVersions('gone');
    await expect(aliases.get('gone', 'live')).rejects.toBeInstanceOf(AliasNotFoundError);
  });
});
