import path from 'node:path';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type JWTPayload, type KeyLike } from 'jose';
import { loadModulePackage } from '../../modules/package';
import type { PyFaaSModule } from '../../modules/model';
import { serveOnFreePort, eventually, type TestServer } from '../support/http';
import { functionName, startTestPyFaaS, type TestPyFaaS } from '../support/pyfaas';

const ISSUER = 'https://idp.test';
const AUDIENCE = 'pyfaas';
const KID = 'idp-key-1';
const ECHO_PY = 'def handler(event, context):\n    return event\n';
const JWT_PACKAGE_DIR = path.join(__dirname, '../../hub-modules/auth-jwt');

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const seconds = () => Math.floor(Date.now() / 1000);

interface Shape {
  aud?: string;
  /** Seconds since the epoch. */
  exp?: number;
  iat?: number;
  key?: KeyLike;
}

/**
 * The jwt auth module (the hub package pyfaas-auth-jwt) against the real API: refused while
 * not installed, then installed into the running platform's registry, and the auth policy
 * switched while the process runs, from the platform's tokens to an IdP's JWTs and back.
 */
describe('jwt auth over the HTTP API (meta store: sqlite)', () => {
  let pyfaas: TestPyFaaS;
  let idp: TestServer;
  let idpKey: KeyLike;
  let otherKey: KeyLike;
  let jwksUrl: string;
  let fn: string;
  let jwtModule: PyFaaSModule;

  const sign = (claims: JWTPayload, shape: Shape = {}) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: KID })
      .setIssuer(ISSUER)
      .setSubject(typeof claims.sub === 'string' ? claims.sub : 'alice')
      .setAudience(shape.aud ?? AUDIENCE)
      .setIssuedAt(shape.iat ?? seconds())
      .setExpirationTime(shape.exp ?? seconds() + 3600)
      .sign(shape.key ?? idpKey);
  const jwtPolicy = (extra: Record<string, unknown> = {}) => ({ module: 'jwt', options: { jwksUrl, audience: AUDIENCE, issuer: ISSUER }, ...extra });

  let jwtAdmin: string;

  beforeAll(async () => {
    const pair = await generateKeyPair('RS256');
    idpKey = pair.privateKey;
    otherKey = (await generateKeyPair('RS256')).privateKey;
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: KID, alg: 'RS256', use: 'sig' };
    idp = await serveOnFreePort((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    jwksUrl = `${idp.url}/.well-known/jwks.json`;
    jwtModule = await loadModulePackage(JWT_PACKAGE_DIR);
    pyfaas = await startTestPyFaaS({ database: 'sqlite' });
    fn = functionName('jwt');
    const created = await pyfaas.request('POST', '/v1/functions', { name: fn, runtime: 'python3', handler: 'main.handler', code: { inline: ECHO_PY } });
    expect(created.status).toBe(201);
    jwtAdmin = await sign({ pyfaas_role: 'admin', sub: 'alice' });
  });
  afterAll(async () => {
    await pyfaas?.close();
    await idp?.close();
  });

  it('refuses JWTs while the tokens module is in force', async () => {
    const refused = await pyfaas.request('GET', '/v1/functions', undefined, bearer(jwtAdmin));
    expect(refused.status).toBe(401);
    expect(refused.body.error.code).toBe('TOKEN_MALFORMED');
  });

  it('refuses a policy naming jwt before the module is installed, saying how to install it from the hub', async () => {
    expect(pyfaas.running.platform.registry.has('auth', 'jwt')).toBe(false);
    const before = await pyfaas.request('GET', '/v1/policies/auth');
    const refused = await pyfaas.request('PUT', '/v1/policies/auth', jwtPolicy());
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatchObject({ code: 'UNKNOWN_AUTH_MODULE', details: { module: 'jwt', installed: ['tokens'], package: 'pyfaas-auth-jwt' } });
    expect(refused.body.error.message).toContain('Auth module "jwt" is not installed on this platform (installed: tokens)');
    expect(refused.body.error.message).toContain('POST /v1/modules {"package":"pyfaas-auth-jwt","version":"<version>"}');
    const after = await pyfaas.request('GET', '/v1/policies/auth');
    expect(after.body).toEqual(before.body);
    expect((await pyfaas.request('GET', '/v1/whoami')).body.via).toBe('tokens');
  });

  it('accepts the IdP JWTs within a second of the policy naming the jwt module once installed, and pyf_ tokens still', async () => {
    // The installModule workflow's last step, without the hub: the package joins the running registry.
    pyfaas.running.platform.registry.install(jwtModule, { type: 'hub', package: 'pyfaas-auth-jwt', integrity: 'test' });
    expect(pyfaas.running.platform.registry.find('auth', 'jwt')?.source).toEqual({ type: 'hub', package: 'pyfaas-auth-jwt', integrity: 'test' });
    const put = await pyfaas.request('PUT', '/v1/policies/auth', jwtPolicy());
    expect(put.status).toBe(200);
    expect(put.body.value).toMatchObject({ module: 'jwt', acceptPlatformTokens: true, options: { jwksUrl, audience: AUDIENCE, issuer: ISSUER } });
    const started = Date.now();
    expect(await eventually(async () => (await pyfaas.request('GET', '/v1/functions', undefined, bearer(jwtAdmin))).status === 200, 1000, 50)).toBe(true);
    expect(Date.now() - started).toBeLessThan(1500);

    const who = await pyfaas.request('GET', '/v1/whoami', undefined, bearer(jwtAdmin));
    expect(who.body).toMatchObject({ id: `jwt:${ISSUER}#alice`, name: 'alice', via: 'jwt', role: 'admin' });
    const listed = await pyfaas.request('GET', '/v1/functions', undefined, bearer(jwtAdmin));
    expect(listed.body.items.map((f: any) => f.name)).toContain(fn);
    // The bootstrap admin token (pyf_…) keeps working beside the JWTs by default.
    expect((await pyfaas.request('GET', '/v1/functions')).status).toBe(200);
    expect((await pyfaas.request('GET', '/v1/whoami')).body.via).toBe('tokens');
  });

  it('gives a JWT the role its claim names, narrowed by its scope claim', async () => {
    const invoker = bearer(await sign({ pyfaas_role: 'invoker', sub: 'bob' }));
    const denied = await pyfaas.request('GET', '/v1/functions', undefined, invoker);
    expect(denied.status).toBe(403);
    expect(denied.body.error).toMatchObject({ code: 'NOT_ALLOWED', details: { permission: 'function:read' } });
    const invoked = await pyfaas.request('POST', `/v1/functions/${fn}/invoke`, { from: 'bob' }, invoker);
    expect(invoked.status).toBe(200);
    expect(invoked.body).toMatchObject({ status: 'succeeded', result: { from: 'bob' } });
    const read = await pyfaas.request('GET', `/v1/invocations/${invoked.body.invocationId}`, undefined, invoker);
    expect(read.body.caller).toBe(`jwt:${ISSUER}#bob`);

    const narrowed = bearer(await sign({ pyfaas_role: 'admin', sub: 'carol', scope: 'function:invoke' }));
    expect((await pyfaas.request('GET', '/v1/whoami', undefined, narrowed)).body).toMatchObject({ role: 'admin', permissions: ['function:invoke'] });
    const narrowDenied = await pyfaas.request('GET', '/v1/functions', undefined, narrowed);
    expect(narrowDenied.status).toBe(403);
    expect(narrowDenied.body.error.details.permission).toBe('function:read');
    expect((await pyfaas.request('POST', `/v1/functions/${fn}/invoke`, { from: 'carol' }, narrowed)).status).toBe(200);
  });

  it('refuses a JWT for another audience, signed by another key, or expired', async () => {
    const cases: Array<[string, Promise<string>]> = [
      ['TOKEN_BAD_CLAIMS', sign({ pyfaas_role: 'admin' }, { aud: 'someone-else' })],
      ['TOKEN_BAD_SIGNATURE', sign({ pyfaas_role: 'admin' }, { key: otherKey })],
      // Past the module's 30 s clock tolerance.
      ['TOKEN_EXPIRED', sign({ pyfaas_role: 'admin' }, { iat: seconds() - 600, exp: seconds() - 300 })],
    ];
    for (const [code, token] of cases) {
      const refused = await pyfaas.request('GET', '/v1/whoami', undefined, bearer(await token));
      expect({ status: refused.status, code: refused.body.error?.code }).toEqual({ status: 401, code });
    }
  });

  it('accepts only JWTs once platform tokens are turned off, and only pyf_ tokens once back on tokens', async () => {
    const off = await pyfaas.request('PUT', '/v1/policies/auth', jwtPolicy({ acceptPlatformTokens: false }), bearer(jwtAdmin));
    expect(off.status).toBe(200);
    expect(off.body.value.acceptPlatformTokens).toBe(false);
    let refused: any;
    expect(await eventually(async () => (refused = await pyfaas.request('GET', '/v1/functions')).status === 401, 1000, 50)).toBe(true);
    expect(refused.body.error.code).toBe('TOKEN_MALFORMED');
    expect((await pyfaas.request('GET', '/v1/functions', undefined, bearer(jwtAdmin))).status).toBe(200);

    const back = await pyfaas.request('PUT', '/v1/policies/auth', { module: 'tokens' }, bearer(jwtAdmin));
    expect(back.status).toBe(200);
    expect(back.body.value).toMatchObject({ module: 'tokens', acceptPlatformTokens: true, options: {} });
    expect(await eventually(async () => (await pyfaas.request('GET', '/v1/functions')).status === 200, 1000, 50)).toBe(true);
    const jwtRefused = await pyfaas.request('GET', '/v1/functions', undefined, bearer(jwtAdmin));
    expect(jwtRefused.status).toBe(401);
    expect(jwtRefused.body.error.code).toBe('TOKEN_MALFORMED');
  });

  it('refuses a bad auth policy and keeps the one in force', async () => {
    const before = await pyfaas.request('GET', '/v1/policies/auth');
    expect(before.status).toBe(200);

    const unknown = await pyfaas.request('PUT', '/v1/policies/auth', { module: 'nope' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.code).toBe('UNKNOWN_AUTH_MODULE');
    expect(unknown.body.error.message).toContain('nope');

    const publicKey = await exportSPKI((await generateKeyPair('RS256')).publicKey);
    const both = await pyfaas.request('PUT', '/v1/policies/auth', { module: 'jwt', options: { jwksUrl, publicKey, audience: AUDIENCE } });
    expect(both.status).toBe(400);
    expect(both.body.error.code).toBe('INVALID_INPUT');
    expect(both.body.error.message).toMatch(/exactly one of jwksUrl or publicKey/);

    const after = await pyfaas.request('GET', '/v1/policies/auth');
    expect(after.body.revision).toBe(before.body.revision);
    expect(after.body.value).toEqual(before.body.value);
    expect((await pyfaas.request('GET', '/v1/functions')).status).toBe(200);
  });
});
