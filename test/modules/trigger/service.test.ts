import { moduleKit } from '../../../modules/kit';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConflictError, InputError, NotFoundError } from '../../../common/errors';
import { silentLogger } from '../../../common/logger';
import { FunctionService, MetaStore } from '../../../modules/meta';
import { parseCreateFunction } from '../../../modules/meta/function-input';
import type { TriggerKind } from '../../../modules/trigger/contract';
import { kafkaTrigger } from '../../../modules/trigger/kafka/kind';
import { TriggerConflictError, TriggerService, UnknownTriggerKindError, apiKeyMatches } from '../../../modules/trigger/service';
import { testServices } from '../../support/services';

const stores: Array<[string, () => string]> = [
  ['SQLite', () => `sqlite:${path.join(mkdtempSync(path.join(os.tmpdir(), 'triggers-')), 'meta.sqlite')}`],
  ['PostgreSQL', () => testServices().postgresUrl.replace(/\/[^/]+$/, `/triggers_${randomUUID().slice(0, 8)}`)],
];

/** A kind with an outside system: records what it applied, and refuses configs with `refuse`. */
function recordingKind() {
  const applied: string[] = [];
  const removed: string[] = [];
  const kind: TriggerKind<{ refuse?: boolean; key?: boolean }> = {
    kind: 'outside',
    parseConfig: (config) => config as { refuse?: boolean },
    needsApiKey: (config) => config.key === true,
    async apply(trigger) {
      if (trigger.config.refuse) throw new InputError('the outside system refused it');
      applied.push(`${trigger.name}:${trigger.paused}`);
    },
    async remove(trigger) {
      removed.push(trigger.name);
    },
  };
  return { kind: kind as unknown as TriggerKind, applied, removed };
}

describe.each(stores)('TriggerService on %s', (_dialect, url) => {
  let store: MetaStore;
  let functions: FunctionService;
  let triggers: TriggerService;
  let outside: ReturnType<typeof recordingKind>;
  let changes = 0;

  beforeAll(async () => {
    store = await MetaStore.open(url(), silentLogger());
    functions = new FunctionService(store);
    outside = recordingKind();
    const kafka = kafkaTrigger.create({ logger: silentLogger(), dataDir: '/tmp', kit: moduleKit })({} as never);
    triggers = new TriggerService({ store, functions, kinds: [kafka, outside.kind], logger: silentLogger() });
    triggers.onChange(() => (changes += 1));
    for (const name of ['orders', 'billing']) {
      await functions.create(parseCreateFunction({ name, runtime: 'python3', handler: 'main.handler', code: { inline: 'x' } }), { codeHash: 'a'.repeat(64) });
    }
  });
  afterAll(() => store.close());

  it('creates, reads, lists and updates a Kafka trigger with its defaults applied', async () => {
    const before = changes;
    const { trigger, apiKey } = await triggers.create({ name: 'orders-in', kind: 'kafka', function: 'orders', config: { topic: 'orders' } });
    expect(apiKey).toBeUndefined();
    expect(trigger).toMatchObject({ name: 'orders-in', kind: 'kafka', functionName: 'orders', paused: false, config: { topic: 'orders', startFrom: 'latest', maxInFlight: 64 } });
    expect(changes).toBe(before + 1);
    expect((await triggers.get('orders-in')).config).toMatchObject({ topic: 'orders' });
    const updated = await triggers.update('orders-in', { paused: true, function: 'billing' });
    expect(updated).toMatchObject({ paused: true, functionName: 'billing' });
    expect((await triggers.list({ kind: 'kafka', functionName: 'billing' })).map((t) => t.name)).toEqual(['orders-in']);
  });

  it('refuses bad input with typed errors and stores nothing', async () => {
    await expect(triggers.create({ name: 'Bad Name', kind: 'kafka', function: 'orders', config: { topic: 'x' } })).rejects.toBeInstanceOf(InputError);
    await expect(triggers.create({ name: 'pyfaas-mine', kind: 'kafka', function: 'orders', config: { topic: 'x' } })).rejects.toThrow(/reserved/);
    await expect(triggers.create({ name: 'nokind', kind: 'carrier-pigeon', function: 'orders' })).rejects.toBeInstanceOf(UnknownTriggerKindError);
    await expect(triggers.create({ name: 'badtopic', kind: 'kafka', function: 'orders', config: { topic: 'has space' } })).rejects.toThrow(/config.topic/);
    await expect(triggers.create({ name: 'twotopics', kind: 'kafka', function: 'orders', config: { topic: 'a', topicPattern: 'b.*' } })).rejects.toThrow(/exactly one/);
    await expect(triggers.create({ name: 'nofn', kind: 'kafka', function: 'missing', config: { topic: 'a' } })).rejects.toBeInstanceOf(NotFoundError);
    for (const name of ['badtopic', 'twotopics', 'nofn']) await expect(triggers.get(name)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('answers a taken name or consumer group with a conflict', async () => {
    await expect(triggers.create({ name: 'orders-in', kind: 'kafka', function: 'orders', config: { topic: 'other' } })).rejects.toBeInstanceOf(ConflictError);
    const clash = triggers.create({ name: 'second', kind: 'kafka', function: 'orders', config: { topic: 'x', groupId: 'pyfaas-orders-in' } });
    await expect(clash).rejects.toBeInstanceOf(TriggerConflictError);
    await expect(triggers.get('second')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('undoes the stored change when the kind cannot apply it', async () => {
    await expect(triggers.create({ name: 'refused', kind: 'outside', function: 'orders', config: { refuse: true } })).rejects.toThrow(/refused/);
    await expect(triggers.get('refused')).rejects.toBeInstanceOf(NotFoundError);
    await triggers.create({ name: 'applied', kind: 'outside', function: 'orders', config: {} });
    await expect(triggers.update('applied', { config: { refuse: true } })).rejects.toThrow(/refused/);
    expect((await triggers.get('applied')).config).toEqual({});
    await triggers.update('applied', { paused: true });
    expect(outside.applied).toEqual(['applied:false', 'applied:true']);
  });

  it('issues an API key once, stores only its hash, and rotates it', async () => {
    const { trigger, apiKey } = await triggers.create({ name: 'keyed', kind: 'outside', function: 'orders', config: { key: true } });
    expect(apiKey).toMatch(/^pfk_/);
    expect(trigger.apiKeyHash).not.toContain(apiKey);
    expect(apiKeyMatches(apiKey, trigger.apiKeyHash)).toBe(true);
    expect(apiKeyMatches('pfk_wrong', trigger.apiKeyHash)).toBe(false);
    const rotated = await triggers.rotateApiKey('keyed');
    const stored = await triggers.get('keyed');
    expect(apiKeyMatches(rotated, stored.apiKeyHash)).toBe(true);
    expect(apiKeyMatches(apiKey, stored.apiKeyHash)).toBe(false);
    await expect(triggers.rotateApiKey('applied')).rejects.toBeInstanceOf(InputError);
  });

  it('refuses a trigger pointing at a function being deleted, and deletes a function\'s triggers with it', async () => {
    await functions.markDeleting('billing');
    await expect(triggers.create({ name: 'late', kind: 'kafka', function: 'billing', config: { topic: 'a' } })).rejects.toBeInstanceOf(ConflictError);
    await triggers.create({ name: 'gone-soon', kind: 'outside', function: 'orders', config: {} });
    await triggers.update('gone-soon', { function: 'orders' });
    expect(await triggers.deleteForFunction('billing')).toEqual(['orders-in']);
    expect((await triggers.deleteForFunction('orders')).sort()).toEqual(['applied', 'gone-soon', 'keyed']);
    expect(outside.removed.sort()).toEqual(['applied', 'gone-soon', 'keyed']);
    expect(await triggers.list()).toEqual([]);
    await expect(triggers.delete('orders-in')).rejects.toBeInstanceOf(NotFoundError);
  });
});
