import type { IncomingMessage, ServerResponse } from 'node:http';
import { serveOnFreePort, type TestServer } from '../../support/http';

// The plugin is plain CommonJS that Verdaccio loads from its plugins folder; tests load it the same way.
const { Principals, PUBLISH_GROUP, PLATFORM_USER } = require('../../../modules/hub/verdaccio-plugins/verdaccio-pyfaas/principals');
const createPlugin = require('../../../modules/hub/verdaccio-plugins/verdaccio-pyfaas');

const DEVELOPER = 'pyf_developer_token_0000000000000000';
const INVOKER = 'pyf_invoker_token_00000000000000000000';

/** A stand-in for GET /v1/whoami that counts its calls and answers as the real route does. */
function whoamiServer(): { calls: () => number; revoke: (token: string) => void; start: () => Promise<TestServer> } {
  let calls = 0;
  const revoked = new Set<string>();
  const principals: Record<string, unknown> = {
    [DEVELOPER]: { id: 'p1', name: 'dev', via: 'tokens', role: 'module-developer', permissions: ['module:publish', 'module:read'] },
    [INVOKER]: { id: 'p2', name: 'visitor', via: 'tokens', role: 'invoker', permissions: ['function:invoke', 'invocation:read'] },
  };
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    calls += 1;
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
    const principal = revoked.has(token) ? undefined : principals[token];
    res.writeHead(principal ? 200 : 401, { 'content-type': 'application/json' });
    res.end(JSON.stringify(principal ?? { error: { code: 'UNAUTHENTICATED' } }));
  };
  return { calls: () => calls, revoke: (token) => revoked.add(token), start: () => serveOnFreePort(handler) };
}

describe('verdaccio-pyfaas principals', () => {
  let api: ReturnType<typeof whoamiServer>;
  let server: TestServer;
  beforeEach(async () => {
    api = whoamiServer();
    server = await api.start();
  });
  afterEach(() => server.close());

  it('makes the role the group and module:publish a group of its own', async () => {
    const principals = new Principals({ apiUrl: server.url });
    expect(await principals.resolve(DEVELOPER)).toEqual({ name: 'dev', groups: ['module-developer', PUBLISH_GROUP] });
    expect(await principals.resolve(INVOKER)).toEqual({ name: 'visitor', groups: ['invoker'] });
    expect(await principals.resolve('pyf_unknown_token_000000000000000000')).toBeNull();
  });

  it('caches answers briefly, so a revoked token stops working once its entry expires', async () => {
    const principals = new Principals({ apiUrl: server.url, cacheTtlMs: 300 });
    await Promise.all([principals.resolve(DEVELOPER), principals.resolve(DEVELOPER), principals.resolve(DEVELOPER)]);
    expect(api.calls()).toBe(1); // concurrent lookups share one request
    api.revoke(DEVELOPER);
    expect(await principals.resolve(DEVELOPER)).not.toBeNull();
    await new Promise((resolve) => setTimeout(resolve, 350));
    expect(await principals.resolve(DEVELOPER)).toBeNull();
    expect(api.calls()).toBe(2);
  });

  it('keeps at most maxCached answers (random tokens cannot grow it without bound)', async () => {
    const principals = new Principals({ apiUrl: server.url, maxCached: 3 });
    for (let i = 0; i < 10; i += 1) await principals.resolve(`pyf_random_${i}_000000000000000000000`);
    expect(principals.cache.size).toBe(3);
  });

  it('sends nothing that is not shaped like a token, and knows the platform credential without asking', async () => {
    const principals = new Principals({ apiUrl: server.url, platformToken: 'pyfh_platform_secret_000000' });
    for (const bad of ['', 'short', 'has space inside it', 'x'.repeat(5000), 'line\nbreak-000000000']) expect(await principals.resolve(bad)).toBeNull();
    expect(await principals.resolve('pyfh_platform_secret_000000')).toEqual({ name: PLATFORM_USER, groups: [PLATFORM_USER] });
    expect(await principals.resolve('pyfh_platform_secret_000001')).toBeNull();
    expect(api.calls()).toBe(1); // only the near-miss of the platform secret was asked about
  });

  it('rejects (never resolves anonymous) when the API does not answer', async () => {
    const principals = new Principals({ apiUrl: 'http://127.0.0.1:1', timeoutMs: 500 });
    await expect(principals.resolve(DEVELOPER)).rejects.toThrow('the PyFaaS API at http://127.0.0.1:1 does not answer');
  });
});

describe('verdaccio-pyfaas permissions', () => {
  const logger = { info: () => undefined, warn: () => undefined, error: () => undefined };
  const plugin = createPlugin({ apiUrl: 'http://127.0.0.1:1', hubUrl: 'http://127.0.0.1:4873' }, { logger });
  const rule = { name: 'pyfaas-x', access: ['$authenticated'], publish: ['admin', 'module-developer'], unpublish: ['admin', 'module-developer'] };
  const decide = (method: string, user: object) =>
    new Promise<{ ok?: boolean; status?: number; message?: string }>((resolve) =>
      plugin[method](user, rule, (err: any, ok?: boolean) => resolve(err ? { status: err.status, message: err.message } : { ok })),
    );
  const developer = { name: 'dev', groups: ['module-developer', PUBLISH_GROUP, '$authenticated'] };
  const roleOnly = { name: 'scoped', groups: ['module-developer', '$authenticated'] };
  const invoker = { name: 'visitor', groups: ['invoker', '$authenticated'] };
  const anonymous = { groups: ['$all', '$anonymous'] };

  it('lets anyone with a token read and only publishers with module:publish change packages', async () => {
    expect(await decide('allow_access', invoker)).toEqual({ ok: true });
    expect(await decide('allow_publish', developer)).toEqual({ ok: true });
    expect(await decide('allow_unpublish', developer)).toEqual({ ok: true });
    expect(await decide('allow_publish', invoker)).toMatchObject({ status: 403, message: 'visitor may not publish pyfaas-x: its role may not.' });
    expect(await decide('allow_publish', roleOnly)).toMatchObject({ status: 403, message: expect.stringContaining('lacks the module:publish permission') });
    expect(await decide('allow_access', anonymous)).toMatchObject({ status: 401, message: expect.stringContaining('//127.0.0.1:4873/:_authToken=<token>') });
  });

  it('refuses npm login: the token in .npmrc is the account', async () => {
    const result = await new Promise<any>((resolve) => plugin.authenticate('dev', 'secret', (err: any) => resolve(err)));
    expect(result).toMatchObject({ status: 401, message: expect.stringContaining('npm login is not used') });
  });
});
