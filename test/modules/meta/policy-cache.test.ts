import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { silentLogger } from '../../../common/logger';
import { MetaStore } from '../../../modules/meta';
import { PolicySchema, PolicyService } from '../../../modules/meta/policies';
import { PolicyCache } from '../../../modules/meta/policy-cache';
import { FUNCTION_POLICY, OBSERVABILITY_POLICY, type FunctionPolicy, type ObservabilityPolicy } from '../../../modules/meta/policy-kinds';
import { ChangeFeed } from '../../../modules/meta/revisions';

const until = async (check: () => boolean, ms = 3000) => {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
};

/** Two "processes" on one meta store: each its own change feed, service and cache. */
describe('PolicyCache', () => {
  let dir: string;
  let store: MetaStore;
  const feeds: ChangeFeed[] = [];
  const caches: PolicyCache[] = [];

  const process = async (maxAgeMs?: number) => {
    const changes = new ChangeFeed(store, silentLogger(), 50);
    await changes.start();
    feeds.push(changes);
    const policies = new PolicyService(store, changes).register(FUNCTION_POLICY).register(OBSERVABILITY_POLICY);
    const cache = new PolicyCache({ policies, changes, logger: silentLogger(), maxAgeMs });
    caches.push(cache);
    return { changes, policies, cache };
  };

  /** Writes a policy row behind every cache's back: no announcement. */
  const writeSilently = (kind: string, value: Record<string, unknown>) =>
    store.em().upsert(PolicySchema, { kind, value, revision: 99, updatedBy: 'test', updatedAt: new Date() });

  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'policy-cache-'));
    store = await MetaStore.open(`sqlite:${path.join(dir, 'meta.sqlite')}`, silentLogger());
  });

  afterAll(async () => {
    caches.forEach((c) => c.close());
    feeds.forEach((f) => f.close());
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves the defaults, then keeps what it read until a change is announced', async () => {
    const { cache } = await process();
    expect((await cache.get<FunctionPolicy>('function')).defaults.memoryMb).toBe(128);
    await writeSilently('function', { defaults: { memoryMb: 256 } });
    // No announcement: the cached read stands (no query per request).
    expect((await cache.get<FunctionPolicy>('function')).defaults.memoryMb).toBe(128);
    const { policies: other } = await process();
    await other.put('function', { defaults: { memoryMb: 512 } }, 'admin');
    // Announced by the other process: seen here within a poll.
    const deadline = Date.now() + 2000;
    let seen = 0;
    while (Date.now() < deadline && seen !== 512) {
      seen = (await cache.get<FunctionPolicy>('function')).defaults.memoryMb;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(seen).toBe(512);
  });

  it('reads again after maxAgeMs even when an announcement was lost', async () => {
    const { cache } = await process(100);
    await cache.get('observability');
    await writeSilently('observability', { logLevel: 'debug' });
    await new Promise((r) => setTimeout(r, 150));
    expect((await cache.get<ObservabilityPolicy>('observability')).logLevel).toBe('debug');
  });

  it('calls a watcher now and once per new revision, on another process too', async () => {
    const writer = await process();
    const reader = await process();
    const seen: Array<string | undefined> = [];
    await reader.cache.watch<ObservabilityPolicy>('observability', (policy) => seen.push(policy.logLevel));
    expect(seen).toHaveLength(1);
    await writer.policies.put('observability', { logLevel: 'error' }, 'admin');
    await until(() => seen.length === 2);
    expect(seen[1]).toBe('error');
    // A bump of the topic without a new revision of this kind calls nobody.
    await writer.changes.bump('policies');
    await new Promise((r) => setTimeout(r, 200));
    expect(seen).toHaveLength(2);
  });

  it('keeps calling watchers after one throws', async () => {
    const writer = await process();
    const reader = await process();
    const seen: string[] = [];
    await reader.cache.watch<ObservabilityPolicy>('observability', () => {
      throw new Error('broken listener');
    });
    await reader.cache.watch<ObservabilityPolicy>('observability', (policy) => seen.push(policy.logLevel ?? 'none'));
    await writer.policies.put('observability', { logLevel: 'warn' }, 'admin');
    await until(() => seen.includes('warn'));
  });

  it('does not keep a failed read: an unknown kind rejects each time with POLICY_NOT_FOUND', async () => {
    const { cache } = await process();
    await expect(cache.get('nonsense')).rejects.toMatchObject({ code: 'POLICY_NOT_FOUND' });
    await expect(cache.get('nonsense')).rejects.toMatchObject({ code: 'POLICY_NOT_FOUND' });
  });
});
