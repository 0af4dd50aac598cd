import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { InputError } from '../../../../common/errors';
import { silentLogger } from '../../../../common/logger';
import { PERMISSIONS } from '../../../../modules/auth/permissions';
import { generateToken, hashToken, principalOf, TokenNotFoundError, TokenService, tokenView } from '../../../../modules/auth/tokens';
import { MetaStore } from '../../../../modules/meta';
import { ChangeFeed } from '../../../../modules/meta/revisions';
import { testServices } from '../../../support/services';

const stores: Array<[string, () => string]> = [
  ['SQLite', () => `sqlite:${path.join(mkdtempSync(path.join(os.tmpdir(), 'tokens-')), 'meta.sqlite')}`],
  ['PostgreSQL', () => testServices().postgresUrl.replace(/\/[^/]+$/, `/tokens_${randomUUID().slice(0, 8)}`)],
];

const DAY = 24 * 60 * 60 * 1000;

/** The InputError `create` throws, for its message. */
async function refusal(promise: Promise<unknown>): Promise<InputError> {
  const err = await promise.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(InputError);
  return err as InputError;
}

describe.each(stores)('TokenService on %s', (_dialect, url) => {
  let store: MetaStore;
  let changes: ChangeFeed;
  let tokens: TokenService;

  beforeAll(async () => {
    store = await MetaStore.open(url(), silentLogger());
    changes = new ChangeFeed(store, silentLogger());
    tokens = new TokenService(store, changes);
  });
  afterAll(() => store.close());

  it('creates a token, returns it once and stores only its hash', async () => {
    const { token, record } = await tokens.create({ name: 'ci deploy', role: 'admin' }, 'token:someone');
    expect(record).toMatchObject({ name: 'ci deploy', role: 'admin', permissions: null, createdBy: 'token:someone', revokedAt: null, expiresAt: null });
    const rows = await store.em().getConnection().execute<Array<Record<string, unknown>>>('select * from api_tokens where id = ?', [record.id]);
    expect(rows).toHaveLength(1);
    expect(rows[0].hash).toBe(hashToken(token));
    expect(JSON.stringify(rows[0])).not.toContain(token.slice(4, 36));
    const view = tokenView(await tokens.get(record.id));
    expect(view).not.toHaveProperty('hash');
    expect(view).toMatchObject({ id: record.id, hint: `pyf_…${token.slice(-6)}`, functions: null, revokedAt: null, lastUsedAt: null });
    expect(typeof view.createdAt).toBe('string');
  });

  it('narrows permissions, scope, expiry and rate, and the principal reflects them', async () => {
    const { record } = await tokens.create(
      {
        name: 'payments-invoker',
        role: 'invoker',
        permissions: ['function:invoke'],
        functions: { names: ['charge', 'refund'], labels: 'team=payments,env=prod' },
        expiresInDays: 30,
        rateLimit: { requestsPerSecond: 5, burst: 10 },
      },
      'token:admin',
    );
    const read = await tokens.get(record.id);
    expect(read).toMatchObject({ permissions: ['function:invoke'], functionNames: ['charge', 'refund'], functionLabels: { team: 'payments', env: 'prod' }, rateLimit: { requestsPerSecond: 5, burst: 10 } });
    expect(Math.abs(read.expiresAt!.getTime() - (Date.now() + 30 * DAY))).toBeLessThan(60_000);
    expect(tokenView(read).functions).toEqual({ names: ['charge', 'refund'], labels: { team: 'payments', env: 'prod' } });

    const principal = principalOf(read);
    expect(principal).toMatchObject({ id: `token:${record.id}`, name: 'payments-invoker', via: 'tokens', role: 'invoker', rateLimit: { requestsPerSecond: 5, burst: 10 } });
    expect([...principal.permissions]).toEqual(['function:invoke']);
    expect(principal.functions).toEqual({ names: ['charge', 'refund'], labels: { team: 'payments', env: 'prod' } });
    expect(principal.expiresAt).toEqual(read.expiresAt);

    const admin = principalOf((await tokens.create({ name: 'all', role: 'admin', functions: { labels: { team: 'a' } } }, 'x')).record);
    expect(admin.permissions.size).toBe(PERMISSIONS.length);
    expect(admin.functions).toEqual({ labels: { team: 'a' } });
    expect(admin.expiresAt).toBeUndefined();
  });

  it('refuses a permission outside the role, or unknown, naming it', async () => {
    const outside = await refusal(tokens.create({ name: 'x', role: 'invoker', permissions: ['function:invoke', 'function:delete'] }, 'x'));
    expect(outside.message).toContain('function:delete');
    expect(outside.details?.issues).toEqual([expect.objectContaining({ path: 'permissions.1' })]);
    const unknown = await refusal(tokens.create({ name: 'x', role: 'admin', permissions: ['function:fly'] }, 'x'));
    expect(unknown.message).toContain('function:fly');
  });

  it('refuses a bad selector, a bad function name and an empty scope', async () => {
    expect((await refusal(tokens.create({ name: 'x', role: 'invoker', functions: { labels: 'team' } }, 'x'))).message).toContain('"team"');
    expect((await refusal(tokens.create({ name: 'x', role: 'invoker', functions: { labels: '' } }, 'x'))).message).toContain('functions.labels');
    expect((await refusal(tokens.create({ name: 'x', role: 'invoker', functions: { names: ['Not_A_Name'] } }, 'x'))).message).toContain('functions.names.0');
    expect((await refusal(tokens.create({ name: 'x', role: 'invoker', functions: {} }, 'x'))).message).toContain('functions');
  });

  it('refuses an expiry in the past, both expiry forms, and other bad fields', async () => {
    const past = await refusal(tokens.create({ name: 'x', role: 'admin', expiresAt: new Date(Date.now() - DAY).toISOString() }, 'x'));
    expect(past.message).toContain('expiresAt: must be in the future');
    const both = await refusal(tokens.create({ name: 'x', role: 'admin', expiresAt: new Date(Date.now() + DAY).toISOString(), expiresInDays: 3 }, 'x'));
    expect(both.message).toContain('not both');
    await refusal(tokens.create({ name: 'x', role: 'admin', expiresAt: 'tomorrow' }, 'x'));
    await refusal(tokens.create({ name: 'x', role: 'admin', expiresInDays: 0 }, 'x'));
    await refusal(tokens.create({ name: 'x', role: 'root' }, 'x'));
    await refusal(tokens.create({ name: 'bad/name', role: 'admin' }, 'x'));
    await refusal(tokens.create({ name: 'x'.repeat(101), role: 'admin' }, 'x'));
    await refusal(tokens.create({ name: 'x', role: 'admin', rateLimit: { requestsPerSecond: 0, burst: 1 } }, 'x'));
    await refusal(tokens.create({ name: 'x', role: 'admin', extra: true }, 'x'));
    const future = await tokens.create({ name: 'dated', role: 'admin', expiresAt: '2999-01-01' }, 'x');
    expect(future.record.expiresAt?.toISOString()).toBe('2999-01-01T00:00:00.000Z');
  });

  it('revokes once, tells the change feed each time, and lists revoked tokens only when asked', async () => {
    const { record } = await tokens.create({ name: 'short-lived', role: 'invoker' }, 'x');
    let told = 0;
    const off = changes.on('auth', () => told++);
    try {
      const revoked = await tokens.revoke(record.id);
      expect(revoked.revokedAt).toBeInstanceOf(Date);
      const again = await tokens.revoke(record.id);
      expect(again.revokedAt?.getTime()).toBe(revoked.revokedAt!.getTime());
      expect(told).toBe(2);
    } finally {
      off();
    }
    expect((await tokens.list()).map((t) => t.id)).not.toContain(record.id);
    expect((await tokens.list({ includeRevoked: true })).map((t) => t.id)).toContain(record.id);
    expect(tokenView(await tokens.get(record.id)).revokedAt).toEqual(expect.any(String));
  });

  it('answers TokenNotFoundError (404) for an unknown id', async () => {
    const err = await tokens.get(randomUUID()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TokenNotFoundError);
    expect(err).toMatchObject({ code: 'TOKEN_NOT_FOUND', status: 404 });
    await expect(tokens.revoke(randomUUID())).rejects.toBeInstanceOf(TokenNotFoundError);
  });

  it('finds by hash, records use in one batch without moving it back', async () => {
    const a = await tokens.create({ name: 'a', role: 'invoker' }, 'x');
    const b = await tokens.create({ name: 'b', role: 'invoker' }, 'x');
    expect((await tokens.findByHash(hashToken(a.token)))?.id).toBe(a.record.id);
    expect(await tokens.findByHash('0'.repeat(64))).toBeNull();
    const later = new Date(Date.now() - 1000);
    const earlier = new Date(Date.now() - 60_000);
    await tokens.recordUse(new Map([[a.record.id, later], [b.record.id, earlier], [randomUUID(), later]]));
    await tokens.recordUse(new Map([[a.record.id, earlier]]));
    expect((await tokens.get(a.record.id)).lastUsedAt?.getTime()).toBe(later.getTime());
    expect((await tokens.get(b.record.id)).lastUsedAt?.getTime()).toBe(earlier.getTime());
  });

  it('ensures a token of known value once', async () => {
    const known = generateToken();
    const first = await tokens.ensure(known, { name: 'bootstrap-admin', role: 'admin', createdBy: 'bootstrap' });
    const second = await tokens.ensure(known, { name: 'other', role: 'invoker', createdBy: 'bootstrap' });
    expect(first.created).toBe(true);
    expect(second).toMatchObject({ created: false, record: { id: first.record.id, name: 'bootstrap-admin', role: 'admin' } });
    expect(first.record.hash).toBe(hashToken(known));
  });
});
