import { moduleKit } from '../../../../modules/kit';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import type { IncomingHttpHeaders } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { InputError, PyFaaSError } from '../../../../common/errors';
import { silentLogger } from '../../../../common/logger';
import { createTokensAuth, generateToken, TokenSchema, TokenService, tokensAuth, type TokensAuth } from '../../../../modules/auth/tokens';
import { MetaStore } from '../../../../modules/meta';
import { ChangeFeed } from '../../../../modules/meta/revisions';
import { validateManifest } from '../../../../modules/model';
import { testServices } from '../../../support/services';

const stores: Array<[string, () => string]> = [
  ['SQLite', () => `sqlite:${path.join(mkdtempSync(path.join(os.tmpdir(), 'tokens-auth-')), 'meta.sqlite')}`],
  ['PostgreSQL', () => testServices().postgresUrl.replace(/\/[^/]+$/, `/tokens_auth_${randomUUID().slice(0, 8)}`)],
];

const bearer = (token: string): IncomingHttpHeaders => ({ authorization: `Bearer ${token}` });

/** The code and status of what `authenticate` threw. */
async function refusal(promise: Promise<unknown>): Promise<{ code: string; status: number; message: string }> {
  const err = await promise.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(PyFaaSError);
  const { code, status, message } = err as PyFaaSError;
  return { code, status, message };
}

describe.each(stores)('tokens auth module on %s', (_dialect, url) => {
  let store: MetaStore;
  let changes: ChangeFeed;
  let tokens: TokenService;
  let auth: TokensAuth;

  beforeAll(async () => {
    store = await MetaStore.open(url(), silentLogger());
    changes = new ChangeFeed(store, silentLogger());
    tokens = new TokenService(store, changes);
  });
  beforeEach(() => {
    auth = createTokensAuth({ tokens, logger: silentLogger() });
  });
  afterEach(async () => {
    await auth.close();
    jest.restoreAllMocks();
  });
  afterAll(() => store.close());

  it('passes over requests without a bearer credential', async () => {
    await expect(auth.authenticate({})).resolves.toBeUndefined();
    await expect(auth.authenticate({ authorization: 'Basic dXNlcjpwYXNz' })).resolves.toBeUndefined();
  });

  it('refuses a malformed credential without asking the store', async () => {
    const lookups = jest.spyOn(tokens, 'findByHash');
    const token = generateToken();
    for (const credential of ['pyf_short', `${token.slice(0, -1)}${token.endsWith('a') ? 'b' : 'a'}`, 'eyJhbGciOiJIUzI1NiJ9.e30.c2ln']) {
      const err = await refusal(auth.authenticate(bearer(credential)));
      expect(err).toMatchObject({ code: 'TOKEN_MALFORMED', status: 401 });
      expect(err.message).toContain('is not a PyFaaS token');
    }
    expect(lookups).not.toHaveBeenCalled();
  });

  it('refuses an unknown token, and asks the store about it only once', async () => {
    const lookups = jest.spyOn(tokens, 'findByHash');
    const token = generateToken();
    expect(await refusal(auth.authenticate(bearer(token)))).toMatchObject({ code: 'TOKEN_UNKNOWN', status: 401 });
    expect(await refusal(auth.authenticate(bearer(token)))).toMatchObject({ code: 'TOKEN_UNKNOWN' });
    expect(lookups).toHaveBeenCalledTimes(1);
  });

  it('bounds the cache of unknown tokens', async () => {
    await auth.close();
    auth = createTokensAuth({ tokens, logger: silentLogger() }, { unknownCacheSize: 3 });
    for (let i = 0; i < 10; i++) await refusal(auth.authenticate(bearer(generateToken())));
    expect(auth.stats().unknown).toBe(3);
  });

  it('admits a valid token as its principal, reading the store once however often and however concurrently it is used', async () => {
    const { token, record } = await tokens.create({ name: 'runner', role: 'invoker', functions: { names: ['charge'] } }, 'x');
    const lookups = jest.spyOn(tokens, 'findByHash');
    const principals = await Promise.all(Array.from({ length: 10 }, () => auth.authenticate(bearer(token))));
    for (let i = 0; i < 100; i++) principals.push(await auth.authenticate(bearer(token)));
    expect(lookups).toHaveBeenCalledTimes(1);
    expect(principals[0]).toMatchObject({ id: `token:${record.id}`, name: 'runner', via: 'tokens', role: 'invoker', functions: { names: ['charge'] } });
    expect([...principals[0]!.permissions].sort()).toEqual(['function:invoke', 'invocation:read']);
    expect(new Set(principals).size).toBe(1);
  });

  it('refuses a revoked token', async () => {
    const { token, record } = await tokens.create({ name: 'gone', role: 'invoker' }, 'x');
    await tokens.revoke(record.id);
    const err = await refusal(auth.authenticate(bearer(token)));
    expect(err).toMatchObject({ code: 'TOKEN_REVOKED', status: 401 });
    expect(err.message).toContain('"gone"');
  });

  it('refuses a token once its expiry passes, checked against the cached row', async () => {
    const { token } = await tokens.create({ name: 'day', role: 'invoker', expiresInDays: 1 }, 'x');
    await expect(auth.authenticate(bearer(token))).resolves.toMatchObject({ name: 'day' });
    const lookups = jest.spyOn(tokens, 'findByHash');
    const now = Date.now();
    jest.spyOn(Date, 'now').mockReturnValue(now + 2 * 24 * 60 * 60 * 1000);
    expect(await refusal(auth.authenticate(bearer(token)))).toMatchObject({ code: 'TOKEN_EXPIRED', status: 401 });
    expect(lookups).not.toHaveBeenCalled();
  });

  it('refuses a token stored already expired', async () => {
    const { token, record } = await tokens.create({ name: 'old', role: 'invoker' }, 'x');
    await store.em().nativeUpdate(TokenSchema, { id: record.id }, { expiresAt: new Date(Date.now() - 1000) });
    expect(await refusal(auth.authenticate(bearer(token)))).toMatchObject({ code: 'TOKEN_EXPIRED' });
  });

  it('refuses a revoked token after invalidate, and the change feed carries the revocation', async () => {
    const { token, record } = await tokens.create({ name: 'revocable', role: 'admin' }, 'x');
    await expect(auth.authenticate(bearer(token))).resolves.toBeDefined();
    await store.em().nativeUpdate(TokenSchema, { id: record.id }, { revokedAt: new Date() });
    // Cached: a change made behind the service's back is not seen…
    await expect(auth.authenticate(bearer(token))).resolves.toBeDefined();
    // …until the platform says auth data changed.
    auth.invalidate();
    expect(await refusal(auth.authenticate(bearer(token)))).toMatchObject({ code: 'TOKEN_REVOKED' });

    const other = await tokens.create({ name: 'revocable-2', role: 'admin' }, 'x');
    await expect(auth.authenticate(bearer(other.token))).resolves.toBeDefined();
    const off = changes.on('auth', () => auth.invalidate());
    try {
      await tokens.revoke(other.record.id);
    } finally {
      off();
    }
    expect(await refusal(auth.authenticate(bearer(other.token)))).toMatchObject({ code: 'TOKEN_REVOKED' });
  });

  it('does not let a read that began before invalidate answer or fill the cache after it', async () => {
    const { token, record } = await tokens.create({ name: 'racing', role: 'admin' }, 'x');
    const stale = await tokens.findByHash(record.hash);
    let release!: () => void;
    const lookups = jest.spyOn(tokens, 'findByHash').mockImplementationOnce(() => new Promise((resolve) => (release = () => resolve(stale))));
    const early = auth.authenticate(bearer(token));
    await tokens.revoke(record.id);
    auth.invalidate();
    const late = auth.authenticate(bearer(token));
    release();
    await expect(early).resolves.toBeDefined();
    expect(await refusal(late)).toMatchObject({ code: 'TOKEN_REVOKED' });
    expect(await refusal(auth.authenticate(bearer(token)))).toMatchObject({ code: 'TOKEN_REVOKED' });
    expect(lookups).toHaveBeenCalledTimes(2);
  });

  it('records last use off the request path and flushes it at close', async () => {
    const { token, record } = await tokens.create({ name: 'used', role: 'invoker' }, 'x');
    const writes = jest.spyOn(tokens, 'recordUse');
    const before = Date.now();
    await auth.authenticate(bearer(token));
    await auth.authenticate(bearer(token));
    expect(writes).not.toHaveBeenCalled();
    expect((await tokens.get(record.id)).lastUsedAt).toBeNull();
    expect(auth.stats().pendingUses).toBe(1);
    await auth.close();
    expect(writes).toHaveBeenCalledTimes(1);
    const lastUsedAt = (await tokens.get(record.id)).lastUsedAt;
    expect(lastUsedAt?.getTime()).toBeGreaterThanOrEqual(before - 1000);
  });

  it('flushes on its timer too, and keeps uses whose write failed for the next flush', async () => {
    await auth.close();
    auth = createTokensAuth({ tokens, logger: silentLogger() }, { flushIntervalMs: 100 });
    const { token, record } = await tokens.create({ name: 'ticking', role: 'invoker' }, 'x');
    const writes = jest.spyOn(tokens, 'recordUse').mockRejectedValueOnce(new Error('database away'));
    await auth.authenticate(bearer(token));
    for (let i = 0; i < 50 && (await tokens.get(record.id)).lastUsedAt === null; i++) await new Promise((r) => setTimeout(r, 100));
    expect(writes.mock.calls.length).toBeGreaterThanOrEqual(2);
    expect((await tokens.get(record.id)).lastUsedAt).toBeInstanceOf(Date);
  });

  it('refuses unknown options', () => {
    expect(() => createTokensAuth({ tokens, logger: silentLogger() }, { cacheSize: 0 })).toThrow(InputError);
    expect(() => createTokensAuth({ tokens, logger: silentLogger() }, { color: 'red' } as never)).toThrow(InputError);
  });

  it('is declared as the auth module `tokens` whose factory reads tokens from the store', async () => {
    expect(() => validateManifest(tokensAuth.manifest)).not.toThrow();
    expect(tokensAuth.manifest).toMatchObject({ kind: 'auth', id: 'tokens', version: '1.0.0' });
    const factory = tokensAuth.create({ logger: silentLogger(), dataDir: os.tmpdir(), kit: moduleKit });
    const built = factory({}, { store, changes, logger: silentLogger() });
    try {
      const { token } = await tokens.create({ name: 'via-factory', role: 'admin' }, 'x');
      await expect(built.authenticate(bearer(token))).resolves.toMatchObject({ name: 'via-factory', role: 'admin' });
    } finally {
      await built.close?.();
    }
  });
});
