import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { InputError } from '../../../../common/errors';
import { silentLogger } from '../../../../common/logger';
import { createTokensAuth, ensureAdminToken, generateToken, hashToken, TokenService } from '../../../../modules/auth/tokens';
import { MetaStore } from '../../../../modules/meta';
import { ChangeFeed } from '../../../../modules/meta/revisions';
import { testServices } from '../../../support/services';

const stores: Array<[string, () => string]> = [
  ['SQLite', () => `sqlite:${path.join(mkdtempSync(path.join(os.tmpdir(), 'tokens-boot-')), 'meta.sqlite')}`],
  ['PostgreSQL', () => testServices().postgresUrl.replace(/\/[^/]+$/, `/tokens_boot_${randomUUID().slice(0, 8)}`)],
];

/** A logger whose lines the test can read. */
function recordingLogger(): { logger: pino.Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  return { logger, lines };
}

describe.each(stores)('ensureAdminToken on %s', (_dialect, url) => {
  /** A fresh, empty store per test: bootstrapping depends on there being no token yet. */
  let store: MetaStore;
  let tokens: TokenService;
  let dataDir: string;

  beforeEach(async () => {
    store = await MetaStore.open(url(), silentLogger());
    tokens = new TokenService(store, new ChangeFeed(store, silentLogger()));
    dataDir = path.join(mkdtempSync(path.join(os.tmpdir(), 'pyfaas-data-')), 'nested', 'data');
  });
  afterEach(() => store.close());

  it('creates one admin token into a 0600 file, and nothing on the next run', async () => {
    const { logger, lines } = recordingLogger();
    const first = await ensureAdminToken({ tokens, dataDir, logger });
    expect(first.file).toBe(path.join(dataDir, 'admin-token'));
    expect(first.created).toMatch(/^pyf_/);
    expect(statSync(first.file).mode & 0o777).toBe(0o600);
    expect(readFileSync(first.file, 'utf8').trim()).toBe(first.created);
    expect(JSON.stringify(lines)).not.toContain(first.created);

    const [record] = await tokens.list();
    expect(record).toMatchObject({ name: 'bootstrap-admin', role: 'admin', createdBy: 'bootstrap', hash: hashToken(first.created!) });

    const auth = createTokensAuth({ tokens, logger: silentLogger() });
    try {
      await expect(auth.authenticate({ authorization: `Bearer ${first.created}` })).resolves.toMatchObject({ role: 'admin', name: 'bootstrap-admin' });
    } finally {
      await auth.close();
    }

    const second = await ensureAdminToken({ tokens, dataDir, logger });
    expect(second).toEqual({ file: first.file });
    expect(await tokens.list({ includeRevoked: true })).toHaveLength(1);
    expect(readFileSync(first.file, 'utf8').trim()).toBe(first.created);
  });

  it('creates nothing while any token exists, even a revoked one', async () => {
    const { record } = await tokens.create({ name: 'someone', role: 'invoker' }, 'x');
    await tokens.revoke(record.id);
    const result = await ensureAdminToken({ tokens, dataDir, logger: silentLogger() });
    expect(result.created).toBeUndefined();
    expect(existsSync(result.file)).toBe(false);
    expect(await tokens.list({ includeRevoked: true })).toHaveLength(1);
  });

  it('replaces an old file of wider mode with a new 0600 one', async () => {
    const old = path.join(mkdtempSync(path.join(os.tmpdir(), 'pyfaas-data-')), 'admin-token');
    writeFileSync(old, 'stale\n', { mode: 0o644 });
    const result = await ensureAdminToken({ tokens, dataDir: path.dirname(old), logger: silentLogger() });
    expect(statSync(old).mode & 0o777).toBe(0o600);
    expect(readFileSync(old, 'utf8').trim()).toBe(result.created);
  });

  it('stores a configured token once, writes no file, and the token works', async () => {
    const configuredToken = generateToken();
    const first = await ensureAdminToken({ tokens, dataDir, configuredToken, logger: silentLogger() });
    expect(first.created).toBeUndefined();
    expect(existsSync(first.file)).toBe(false);
    await ensureAdminToken({ tokens, dataDir, configuredToken, logger: silentLogger() });
    const all = await tokens.list({ includeRevoked: true });
    expect(all).toHaveLength(1);
    expect(all[0]).toMatchObject({ name: 'bootstrap-admin', role: 'admin', hash: hashToken(configuredToken) });

    const auth = createTokensAuth({ tokens, logger: silentLogger() });
    try {
      await expect(auth.authenticate({ authorization: `Bearer ${configuredToken}` })).resolves.toMatchObject({ role: 'admin' });
    } finally {
      await auth.close();
    }
  });

  it('keeps a revoked configured token revoked, and says so', async () => {
    const configuredToken = generateToken();
    await ensureAdminToken({ tokens, dataDir, configuredToken, logger: silentLogger() });
    await tokens.revoke((await tokens.list())[0].id);
    const { logger, lines } = recordingLogger();
    await ensureAdminToken({ tokens, dataDir, configuredToken, logger });
    expect((await tokens.list({ includeRevoked: true }))[0].revokedAt).toBeInstanceOf(Date);
    expect(lines).toContainEqual(expect.objectContaining({ level: 40, msg: expect.stringContaining('revoked') }));
  });

  it('refuses a malformed configured token, saying how to make one', async () => {
    const err = await ensureAdminToken({ tokens, dataDir, configuredToken: 'hunter2', logger: silentLogger() }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).message).toContain('node dist/cli/pyfaas.js new-token');
    expect(await tokens.list({ includeRevoked: true })).toHaveLength(0);
  });
});
