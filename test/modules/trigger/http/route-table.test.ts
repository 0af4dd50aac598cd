import { silentLogger } from '../../../../common/logger';
import { parseHttpConfig, RouteCache, RouteTable, type HttpTriggerConfig } from '../../../../modules/trigger/http';
import type { Trigger } from '../../../../modules/trigger/contract';

function trigger(name: string, method: string, path: string): Trigger<HttpTriggerConfig> {
  return { name, config: parseHttpConfig({ method, path }) } as Trigger<HttpTriggerConfig>;
}

describe('RouteTable', () => {
  const table = new RouteTable([
    trigger('by-id', 'GET', '/orders/{id}'),
    trigger('new', 'GET', '/orders/new'),
    trigger('update', 'PUT', '/orders/{id}'),
    trigger('files', 'ANY', '/files/{rest+}'),
    trigger('file-meta', 'GET', '/files/{name}'),
    trigger('root', 'GET', '/'),
  ]);
  const lookup = (method: string, path: string) => {
    const found = table.lookup(method, path);
    return found.kind === 'found' ? { name: found.route.trigger.name, params: found.pathParams } : found;
  };

  it('picks the most specific route: literal over param over greedy', () => {
    expect(lookup('GET', '/t/orders/new')).toEqual({ name: 'new', params: {} });
    expect(lookup('GET', '/t/orders/7')).toEqual({ name: 'by-id', params: { id: '7' } });
    expect(lookup('GET', '/t/files/a.txt')).toEqual({ name: 'file-meta', params: { name: 'a.txt' } });
    expect(lookup('GET', '/t/files/a/b.txt')).toEqual({ name: 'files', params: { rest: 'a/b.txt' } });
    expect(lookup('DELETE', '/t/files/a.txt')).toEqual({ name: 'files', params: { rest: 'a.txt' } });
    expect(lookup('GET', '/t')).toEqual({ name: 'root', params: {} });
  });

  it('takes the method into account before specificity', () => {
    // PUT /orders/new: the literal route takes only GET, the param route takes PUT.
    expect(lookup('PUT', '/t/orders/new')).toEqual({ name: 'update', params: { id: 'new' } });
  });

  it('says which methods a matching path takes, or that nothing matches', () => {
    expect(lookup('POST', '/t/orders/7')).toEqual({ kind: 'method-not-allowed', allow: ['GET', 'PUT'] });
    expect(lookup('GET', '/t/nothing')).toEqual({ kind: 'not-found' });
    expect(lookup('GET', '/t/orders/7/extra')).toEqual({ kind: 'not-found' });
  });

  it('lets the trigger whose name sorts first win a tie', () => {
    const tied = new RouteTable([trigger('b', 'GET', '/x/{k}'), trigger('a', 'GET', '/x/{id}')]);
    const found = tied.lookup('GET', '/t/x/1');
    expect(found.kind === 'found' && found.route.trigger.name).toBe('a');
  });
});

describe('RouteCache', () => {
  let now = 0;
  let loads = 0;
  let stored: Array<Trigger<HttpTriggerConfig>> = [];
  let failing = false;
  const cache = new RouteCache({
    load: async () => {
      loads++;
      if (failing) throw new Error('database down');
      return stored;
    },
    maxAgeMs: 2000,
    logger: silentLogger(),
    now: () => now,
  });

  it('reads once while fresh, again after maxAgeMs or at once after invalidate', async () => {
    stored = [trigger('a', 'GET', '/a')];
    const [first, second] = await Promise.all([cache.current(), cache.current()]);
    expect(first).toBe(second);
    expect(loads).toBe(1);
    now += 1999;
    await cache.current();
    expect(loads).toBe(1);
    now += 1;
    stored = [];
    expect((await cache.current()).size).toBe(0);
    expect(loads).toBe(2);
    stored = [trigger('b', 'GET', '/b')];
    cache.invalidate();
    expect((await cache.current()).size).toBe(1);
    expect(loads).toBe(3);
  });

  it('does not count a read that started before a change as fresh', async () => {
    const releases: Array<() => void> = [];
    const slow = new RouteCache({
      load: async () => {
        const snapshot = stored;
        await new Promise<void>((resolve) => releases.push(resolve));
        return snapshot;
      },
      maxAgeMs: 60_000,
      logger: silentLogger(),
    });
    stored = [trigger('a', 'GET', '/a')];
    const before = slow.current();
    stored = [];
    slow.invalidate();
    const after = slow.current();
    expect(releases).toHaveLength(2);
    // The newer read finishes first; the older one must not replace its table.
    releases[1]();
    expect((await after).size).toBe(0);
    releases[0]();
    expect((await before).size).toBe(1);
    expect((await slow.current()).size).toBe(0);
  });

  it('keeps serving the older table while the store cannot be read', async () => {
    stored = [trigger('a', 'GET', '/a')];
    cache.invalidate();
    expect((await cache.current()).size).toBe(1);
    failing = true;
    cache.invalidate();
    expect((await cache.current()).size).toBe(1);
    const fresh = new RouteCache({ load: async () => { throw new Error('database down'); }, maxAgeMs: 10, logger: silentLogger() });
    await expect(fresh.current()).rejects.toThrow('database down');
    failing = false;
  });
});
