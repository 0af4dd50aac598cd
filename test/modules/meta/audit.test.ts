import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { InputError } from '../../../common/errors';
import { silentLogger } from '../../../common/logger';
import type { Principal } from '../../../modules/auth/contract';
import { MetaStore } from '../../../modules/meta';
import { AuditService, parseAuditQuery, type AuditEntry } from '../../../modules/meta/audit';
import { AuditEventSchema, type AuditEventRecord } from '../../../modules/meta/audit-entity';
import { testServices } from '../../support/services';

const stores: Array<[string, () => string]> = [
  ['SQLite', () => `sqlite:${path.join(mkdtempSync(path.join(os.tmpdir(), 'audit-')), 'meta.sqlite')}`],
  ['PostgreSQL', () => testServices().postgresUrl.replace(/\/[^/]+$/, `/audit_${randomUUID().slice(0, 8)}`)],
];

const principal = (id: string, role: Principal['role'] = 'admin'): Principal => ({ id, name: `${id}-name`, via: 'tokens', role, permissions: new Set() });

const entry = (extra: Partial<AuditEntry> = {}): AuditEntry => ({
  principal: principal('token:alice'),
  action: 'function:create',
  method: 'POST',
  route: '/v1/functions',
  resourceType: 'function',
  resourceName: 'hello',
  requestId: randomUUID(),
  outcome: 'succeeded',
  status: 201,
  ...extra,
});

describe.each(stores)('AuditService on %s', (_dialect, url) => {
  let store: MetaStore;
  let audit: AuditService;
  let storeUrl: string;
  /** The list, its query given as Koa gives it: strings. */
  const list = (query: Record<string, string> = {}) => audit.list(parseAuditQuery(query));

  /** A row stamped `at`, for the time filters (record() always stamps now). */
  const insertAt = async (at: string, requestId: string) => {
    const row: Omit<AuditEventRecord, 'id'> = { ...rowOf(entry({ requestId })), at: new Date(at) };
    await store.em().insert<AuditEventRecord>(AuditEventSchema, row);
  };

  beforeAll(async () => {
    storeUrl = url();
    store = await MetaStore.open(storeUrl, silentLogger());
    audit = new AuditService(store, silentLogger());
  });
  beforeEach(() => store.em().nativeDelete(AuditEventSchema, {}));
  afterAll(() => store.close());

  it('records entries and lists them newest first, every field shown', async () => {
    const before = Date.now();
    await audit.record(entry({ requestId: 'r1' }));
    await audit.record(entry({ requestId: 'r2', principal: principal('jwt:https://idp#bob', 'invoker'), action: 'function:invoke', resourceName: undefined }));
    await audit.record(entry({ requestId: 'r3', outcome: 'denied', status: 403, errorCode: 'NOT_ALLOWED', method: 'DELETE', route: '/v1/functions/{name}' }));

    const { items, next } = await list();
    expect(next).toBeUndefined();
    expect(items.map((e) => e.requestId)).toEqual(['r3', 'r2', 'r1']);
    expect(items[0].id).toBeGreaterThan(items[1].id);
    expect(items[0]).toEqual({
      id: expect.any(Number),
      at: expect.any(String),
      principalId: 'token:alice',
      principalName: 'token:alice-name',
      role: 'admin',
      action: 'function:create',
      method: 'DELETE',
      route: '/v1/functions/{name}',
      resourceType: 'function',
      resourceName: 'hello',
      requestId: 'r3',
      outcome: 'denied',
      status: 403,
      errorCode: 'NOT_ALLOWED',
    });
    expect(items[1]).toMatchObject({ principalId: 'jwt:https://idp#bob', role: 'invoker', resourceName: null, errorCode: null });
    const at = Date.parse(items[0].at);
    expect(items[0].at).toBe(new Date(at).toISOString());
    expect(at).toBeGreaterThanOrEqual(before - 1000);
    expect(at).toBeLessThanOrEqual(Date.now() + 1000);
  });

  it('clips values longer than their column instead of losing the event', async () => {
    await audit.record(entry({ requestId: 'x'.repeat(500), resourceName: 'n'.repeat(1000) }));
    const [event] = (await list()).items;
    expect(event.requestId).toBe('x'.repeat(128));
    expect(event.resourceName).toBe('n'.repeat(300));
  });

  it('filters by principal, action, resource type, resource name and outcome', async () => {
    await audit.record(entry({ requestId: 'alice-create' }));
    await audit.record(entry({ requestId: 'bob-create', principal: principal('token:bob') }));
    await audit.record(entry({ requestId: 'alice-delete', action: 'function:delete', resourceName: 'other' }));
    await audit.record(entry({ requestId: 'alice-trigger', action: 'trigger:write', resourceType: 'trigger', resourceName: 'hello' }));
    await audit.record(entry({ requestId: 'bob-failed', principal: principal('token:bob'), outcome: 'failed', status: 409, errorCode: 'CONFLICT' }));

    const ids = async (query: Record<string, string>) => (await list(query)).items.map((e) => e.requestId);
    expect(await ids({ principal: 'token:bob' })).toEqual(['bob-failed', 'bob-create']);
    expect(await ids({ action: 'function:delete' })).toEqual(['alice-delete']);
    expect(await ids({ resourceType: 'trigger' })).toEqual(['alice-trigger']);
    expect(await ids({ resourceName: 'hello' })).toEqual(['bob-failed', 'alice-trigger', 'bob-create', 'alice-create']);
    expect(await ids({ resourceType: 'function', resourceName: 'hello' })).toEqual(['bob-failed', 'bob-create', 'alice-create']);
    expect(await ids({ outcome: 'failed' })).toEqual(['bob-failed']);
    expect(await ids({ principal: 'token:alice', outcome: 'succeeded', action: 'function:create' })).toEqual(['alice-create']);
    expect(await ids({ principal: 'token:nobody' })).toEqual([]);
  });

  it('filters by time: since inclusive, until exclusive', async () => {
    await insertAt('2025-01-01T00:00:00.000Z', 'jan-1');
    await insertAt('2025-01-02T12:00:00.000Z', 'jan-2');
    await insertAt('2025-01-03T00:00:00.000Z', 'jan-3');

    const ids = async (query: Record<string, string>) => (await list(query)).items.map((e) => e.requestId);
    expect(await ids({ since: '2025-01-02' })).toEqual(['jan-3', 'jan-2']);
    expect(await ids({ since: '2025-01-03T00:00:00Z' })).toEqual(['jan-3']);
    expect(await ids({ until: '2025-01-03T00:00:00Z' })).toEqual(['jan-2', 'jan-1']);
    expect(await ids({ since: '2025-01-02T14:00:00+02:00', until: '2025-01-03' })).toEqual(['jan-2']);
    expect(await ids({ since: '2025-01-02T12:00:00.001Z', until: '2025-01-03' })).toEqual([]);
    await expect(list({ since: '2025-01-03', until: '2025-01-03' })).rejects.toThrow(new InputError('Invalid audit query: until: must be after since.'));
  });

  it('pages through 120 entries with `next`, without repeats or gaps', async () => {
    const recorded: string[] = [];
    for (let i = 0; i < 120; i++) {
      const requestId = `req-${String(i).padStart(3, '0')}`;
      recorded.push(requestId);
      await audit.record(entry({ requestId, principal: principal(i % 2 === 0 ? 'token:even' : 'token:odd') }));
    }
    const pages = async (query: Record<string, string>) => {
      const sizes: number[] = [];
      const seen: string[] = [];
      let after: string | undefined;
      do {
        const page = await list({ ...query, ...(after ? { after } : {}) });
        sizes.push(page.items.length);
        seen.push(...page.items.map((e) => e.requestId));
        after = page.next;
      } while (after);
      return { sizes, seen };
    };

    const byDefault = await pages({});
    expect(byDefault.sizes).toEqual([50, 50, 20]);
    expect(byDefault.seen).toEqual([...recorded].reverse());

    // A last page that is exactly full says there is nothing after it.
    const exact = await pages({ limit: '40' });
    expect(exact.sizes).toEqual([40, 40, 40]);
    expect(exact.seen).toEqual([...recorded].reverse());

    const filtered = await pages({ principal: 'token:odd', limit: '25' });
    expect(filtered.sizes).toEqual([25, 25, 10]);
    expect(filtered.seen).toEqual(recorded.filter((_, i) => i % 2 === 1).reverse());
  });

  it('resolves and logs when the entry cannot be stored', async () => {
    const closed = await MetaStore.open(storeUrl, silentLogger());
    await closed.close();
    const lines: Array<Record<string, unknown>> = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) });

    await expect(new AuditService(closed, logger).record(entry({ requestId: 'lost' }))).resolves.toBeUndefined();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 50, msg: 'Could not record an audit event', audit: { requestId: 'lost', principalId: 'token:alice' }, err: expect.any(Object) });
    expect((await list()).items).toEqual([]);
  });

  it('prunes the entries older than a date and answers how many', async () => {
    await insertAt('2024-06-01T00:00:00.000Z', 'old-1');
    await insertAt('2024-12-31T23:59:59.000Z', 'old-2');
    await insertAt('2025-01-01T00:00:00.000Z', 'kept');
    await audit.record(entry({ requestId: 'now' }));

    expect(await audit.prune(new Date('2025-01-01T00:00:00.000Z'))).toBe(2);
    expect((await list()).items.map((e) => e.requestId)).toEqual(['now', 'kept']);
    expect(await audit.prune(new Date('2025-01-01T00:00:00.000Z'))).toBe(0);
  });
});

describe('auditQuerySchema', () => {
  const failure = (query: Record<string, unknown>) => {
    try {
      parseAuditQuery(query);
    } catch (err) {
      expect(err).toBeInstanceOf(InputError);
      return (err as InputError).message;
    }
    throw new Error('expected an InputError');
  };

  it('reads the query string: limit defaults to 50, empty values are absent, dates become Dates', () => {
    expect(parseAuditQuery({})).toEqual({ limit: 50 });
    expect(parseAuditQuery({ limit: '500', after: '17', outcome: 'denied', principal: '', since: '2025-01-31' })).toEqual({
      limit: 500,
      after: 17,
      outcome: 'denied',
      since: new Date('2025-01-31T00:00:00.000Z'),
    });
  });

  it('refuses bad values, naming each parameter', () => {
    expect(failure({ limit: '0' })).toMatch(/^Invalid audit query: limit: must be an integer from 1 to 500\.$/);
    expect(failure({ limit: '501' })).toMatch(/limit: must be an integer from 1 to 500/);
    expect(failure({ limit: '2.5' })).toMatch(/limit: must be an integer from 1 to 500/);
    expect(failure({ after: 'abc' })).toMatch(/after: must be the `next` of a previous page/);
    expect(failure({ outcome: 'maybe' })).toMatch(/outcome:/);
    expect(failure({ since: '2025-02-30' })).toMatch(/since: must be an ISO 8601 date/);
    expect(failure({ until: '2025-01-31T12:00:00' })).toMatch(/until: must be an ISO 8601 date/);
    expect(failure({ action: ['a', 'b'] })).toMatch(/action: must be given once/);
    expect(failure({ princpal: 'token:x' })).toMatch(/princpal/);
  });
});

function rowOf(e: AuditEntry): Omit<AuditEventRecord, 'id'> {
  return {
    at: new Date(),
    principalId: e.principal.id,
    principalName: e.principal.name,
    role: e.principal.role,
    action: e.action,
    method: e.method,
    route: e.route,
    resourceType: e.resourceType,
    resourceName: e.resourceName ?? null,
    requestId: e.requestId,
    outcome: e.outcome,
    status: e.status,
    errorCode: e.errorCode ?? null,
  };
}
