import type { IncomingHttpHeaders } from 'node:http';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, UnsecuredJWT, type JWK, type JWTPayload, type KeyLike } from 'jose';
import { InputError } from '../../../common/errors';
import type { AuthModule, Principal } from '../../../modules/auth/contract';
import { loadModulePackage } from '../../../modules/package';
import { validateManifest } from '../../../modules/model';
import { selfCheck } from '../../../modules/self-check';
import { serveOnFreePort, type TestServer } from '../../support/http';
import { JWT_PACKAGE_DIR, jwtAuthOf, jwtDeps, loadJwtFactory } from './load';

const ISSUER = 'https://idp.example.com';
const AUDIENCE = 'pyfaas';

interface SigningKey {
  kid: string;
  alg: string;
  publicKey: KeyLike;
  privateKey: KeyLike;
  jwk: JWK;
}

async function signingKey(kid: string, alg = 'RS256'): Promise<SigningKey> {
  const { publicKey, privateKey } = await generateKeyPair(alg);
  return { kid, alg, publicKey, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

interface TokenShape {
  exp?: number | string;
  aud?: string;
  iss?: string;
  /** Signed with this key but labelled with another kid. */
  kid?: string;
}

function sign(key: SigningKey, claims: JWTPayload = {}, shape: TokenShape = {}): Promise<string> {
  return new SignJWT({ pyfaas_role: 'admin', ...claims })
    .setProtectedHeader({ alg: key.alg, kid: shape.kid ?? key.kid })
    .setIssuer(shape.iss ?? ISSUER)
    .setSubject('alice')
    .setAudience(shape.aud ?? AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(shape.exp ?? '1h')
    .sign(key.privateKey);
}

const bearer = (token: string): IncomingHttpHeaders => ({ authorization: `Bearer ${token}` });
const seconds = (): number => Math.floor(Date.now() / 1000);

/** An IdP's JWKS endpoint whose keys a test may rotate, counting the fetches. */
interface Jwks extends TestServer {
  keys: SigningKey[];
  fetches: number;
}

async function serveJwks(keys: SigningKey[]): Promise<Jwks> {
  const jwks = { keys, fetches: 0 } as Jwks;
  const server = await serveOnFreePort((_req, res) => {
    jwks.fetches += 1;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ keys: jwks.keys.map((k) => k.jwk) }));
  });
  return Object.assign(jwks, server);
}

async function refusal(auth: AuthModule, headers: IncomingHttpHeaders): Promise<{ code: string; status: number; details?: Record<string, unknown> }> {
  const err = await auth.authenticate(headers).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!err) throw new Error('expected authenticate to refuse the credential');
  return err as { code: string; status: number; details?: Record<string, unknown> };
}

/** Moves Date.now (which jose's JWKS cooldown and the principal cache read) without touching `new Date()` (jose's exp check). */
function advanceClock(ms: number): void {
  const real = Date.now.bind(Date);
  jest.spyOn(Date, 'now').mockImplementation(() => real() + ms);
}

describe('jwt auth module (hub package pyfaas-auth-jwt)', () => {
  let k1: SigningKey;
  let k2: SigningKey;
  let jwks: Jwks;
  /** The package's factory with the deps filled in: what the auth gate builds from a policy. */
  let createJwtAuth: (options: unknown) => AuthModule;
  const options = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({ jwksUrl: jwks.url, issuer: ISSUER, audience: AUDIENCE, ...extra });

  beforeAll(async () => {
    [k1, k2] = await Promise.all([signingKey('k1'), signingKey('k2')]);
    jwks = await serveJwks([k1]);
    createJwtAuth = jwtAuthOf(await loadJwtFactory());
  });
  afterAll(() => jwks.close());
  afterEach(() => {
    jest.restoreAllMocks();
    jwks.keys = [k1];
  });

  it('is a valid auth module of its package, whose factory validates its options', async () => {
    const jwtAuth = await loadModulePackage(JWT_PACKAGE_DIR);
    expect(jwtAuth.packageName).toBe('pyfaas-auth-jwt');
    expect(() => validateManifest(jwtAuth.manifest)).not.toThrow();
    expect(jwtAuth.manifest).toMatchObject({ kind: 'auth', id: 'jwt', version: '1.0.0', platform: '^0.1.0', dependencies: {} });
    const factory = await loadJwtFactory();
    expect(() => selfCheck(jwtAuth.manifest, factory)).not.toThrow();
    expect(typeof factory(options(), jwtDeps()).authenticate).toBe('function');
    expect(() => factory({}, jwtDeps())).toThrow(InputError);
  });

  it('answers undefined when the headers carry no bearer credential', async () => {
    const auth = createJwtAuth(options());
    await expect(auth.authenticate({})).resolves.toBeUndefined();
    await expect(auth.authenticate({ authorization: 'Basic YWxpY2U6c2VjcmV0' })).resolves.toBeUndefined();
  });

  it('turns a valid token into a principal whose permissions the scope claim narrows', async () => {
    const auth = createJwtAuth(options({ nameClaim: 'preferred_username' }));
    const token = await sign(k1, {
      preferred_username: 'Alice Liddell',
      scope: 'openid function:read function:invoke no:such-permission',
      pyfaas_functions: ['orders', 'billing'],
      pyfaas_labels: { team: 'payments' },
    });
    const principal = (await auth.authenticate(bearer(token))) as Principal;
    expect(principal).toMatchObject({
      id: `jwt:${ISSUER}#alice`,
      name: 'Alice Liddell',
      via: 'jwt',
      role: 'admin',
      functions: { names: ['orders', 'billing'], labels: { team: 'payments' } },
    });
    expect([...principal.permissions].sort()).toEqual(['function:invoke', 'function:read']);
    expect(Math.abs((principal.expiresAt as Date).getTime() - (Date.now() + 3600_000))).toBeLessThan(5_000);
  });

  it("keeps the role's permissions without a scope claim, and never widens them with one", async () => {
    const auth = createJwtAuth(options());
    const whole = (await auth.authenticate(bearer(await sign(k1, { pyfaas_role: 'invoker' })))) as Principal;
    expect([...whole.permissions].sort()).toEqual(['function:invoke', 'invocation:read']);
    expect(whole.functions).toBeUndefined();
    expect(whole.name).toBe('alice');

    const narrowed = (await auth.authenticate(bearer(await sign(k1, { pyfaas_role: 'invoker', scope: ['function:invoke', 'function:delete', 'token:manage'] })))) as Principal;
    expect([...narrowed.permissions]).toEqual(['function:invoke']);
  });

  it('maps IdP role values through roleMap, at a dotted path, and refuses a value the map lacks', async () => {
    const auth = createJwtAuth(options({ roleClaim: 'realm_access.roles', roleMap: { 'pyfaas-dev': 'module-developer', 'pyfaas-admin': 'admin' } }));
    const dev = await auth.authenticate(bearer(await sign(k1, { pyfaas_role: undefined, realm_access: { roles: ['offline_access', 'pyfaas-dev'] } })));
    expect(dev?.role).toBe('module-developer');
    const both = await auth.authenticate(bearer(await sign(k1, { pyfaas_role: undefined, realm_access: { roles: ['pyfaas-dev', 'pyfaas-admin'] } })));
    expect(both?.role).toBe('admin');
    // With a map, only mapped values count, even one that is a role name.
    const unmapped = await refusal(auth, bearer(await sign(k1, { realm_access: { roles: ['admin'] } })));
    expect(unmapped).toMatchObject({ code: 'TOKEN_BAD_CLAIMS', status: 401, details: { claim: 'realm_access.roles' } });
  });

  it('gives the defaultRole to a token without the role claim, and refuses it without one', async () => {
    const token = await sign(k1, { pyfaas_role: undefined });
    const withDefault = await createJwtAuth(options({ defaultRole: 'invoker' })).authenticate(bearer(token));
    expect(withDefault?.role).toBe('invoker');
    expect(await refusal(createJwtAuth(options()), bearer(token))).toMatchObject({ code: 'TOKEN_BAD_CLAIMS', status: 401, details: { claim: 'pyfaas_role' } });
    // A present claim naming no role is refused even with a default.
    expect(await refusal(createJwtAuth(options({ defaultRole: 'invoker' })), bearer(await sign(k1, { pyfaas_role: 'root' })))).toMatchObject({ code: 'TOKEN_BAD_CLAIMS' });
  });

  it('refuses a token signed by a key the IdP does not publish', async () => {
    const auth = createJwtAuth(options());
    const impostor = await signingKey('k1');
    expect(await refusal(auth, bearer(await sign(impostor)))).toMatchObject({ code: 'TOKEN_BAD_SIGNATURE', status: 401 });
    expect(await refusal(auth, bearer(await sign(impostor, {}, { kid: 'unknown' })))).toMatchObject({ code: 'TOKEN_BAD_SIGNATURE' });
  });

  it('refuses a token for another audience or from another issuer, naming the claim', async () => {
    const auth = createJwtAuth(options());
    expect(await refusal(auth, bearer(await sign(k1, {}, { aud: 'someone-else' })))).toMatchObject({ code: 'TOKEN_BAD_CLAIMS', details: { claim: 'aud' } });
    expect(await refusal(auth, bearer(await sign(k1, {}, { iss: 'https://evil.example.com' })))).toMatchObject({ code: 'TOKEN_BAD_CLAIMS', details: { claim: 'iss' } });
  });

  it('refuses an expired token, within the clock tolerance not yet', async () => {
    const auth = createJwtAuth(options({ clockToleranceSeconds: 30 }));
    expect(await refusal(auth, bearer(await sign(k1, {}, { exp: seconds() - 120 })))).toMatchObject({ code: 'TOKEN_EXPIRED', status: 401 });
    await expect(auth.authenticate(bearer(await sign(k1, {}, { exp: seconds() - 10 })))).resolves.toMatchObject({ role: 'admin' });
  });

  it.each([
    ['one part', 'abc'],
    ['two parts', 'abc.def'],
    ['four parts', 'a.b.c.d'],
    ['not base64url', 'a+b.c/d.e=f'],
    ['parts that are not JSON', 'bm90LWpzb24.bm90LWpzb24.c2ln'],
  ])('refuses a malformed bearer (%s)', async (_what, token) => {
    expect(await refusal(createJwtAuth(options()), bearer(token))).toMatchObject({ code: 'TOKEN_MALFORMED', status: 401 });
  });

  it("refuses an unsigned ('none') token and an HMAC one, whatever their claims", async () => {
    const auth = createJwtAuth(options());
    const unsigned = new UnsecuredJWT({ pyfaas_role: 'admin' }).setIssuer(ISSUER).setSubject('alice').setAudience(AUDIENCE).setExpirationTime('1h').encode();
    expect(await refusal(auth, bearer(unsigned))).toMatchObject({ code: 'TOKEN_BAD_SIGNATURE' });
    const hmac = await new SignJWT({ pyfaas_role: 'admin' })
      .setProtectedHeader({ alg: 'HS256', kid: 'k1' })
      .setIssuer(ISSUER)
      .setSubject('alice')
      .setAudience(AUDIENCE)
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode('a shared secret anyone could guess'));
    expect(await refusal(auth, bearer(hmac))).toMatchObject({ code: 'TOKEN_BAD_SIGNATURE' });
  });

  it('verifies against a configured public key (PEM or JWK) instead of a JWKS', async () => {
    const es = await signingKey('es', 'ES256');
    const pem = await exportSPKI(es.publicKey);
    const byPem = createJwtAuth({ publicKey: pem, issuer: ISSUER });
    await expect(byPem.authenticate(bearer(await sign(es)))).resolves.toMatchObject({ id: `jwt:${ISSUER}#alice`, role: 'admin' });
    expect(await refusal(byPem, bearer(await sign(k1)))).toMatchObject({ code: 'TOKEN_BAD_SIGNATURE' });
    expect(await refusal(byPem, bearer(await sign(await signingKey('es', 'ES256'))))).toMatchObject({ code: 'TOKEN_BAD_SIGNATURE' });

    const { kid: _kid, alg: _alg, use: _use, ...jwk } = es.jwk;
    await expect(createJwtAuth({ publicKey: jwk }).authenticate(bearer(await sign(es)))).resolves.toMatchObject({ role: 'admin' });
  });

  it('answers 503 UNAVAILABLE when the JWKS cannot be fetched: the IdP is down, not the caller wrong', async () => {
    const down = await serveJwks([k1]);
    await down.close();
    const err = await refusal(createJwtAuth(options({ jwksUrl: down.url })), bearer(await sign(k1)));
    expect(err).toMatchObject({ code: 'UNAVAILABLE', status: 503, details: { jwksUrl: down.url } });

    const broken = await serveOnFreePort((_req, res) => res.writeHead(500).end('oops'));
    try {
      expect(await refusal(createJwtAuth(options({ jwksUrl: broken.url })), bearer(await sign(k1)))).toMatchObject({ code: 'UNAVAILABLE', status: 503 });
    } finally {
      await broken.close();
    }
  });

  it('keeps accepting a known token while the IdP is down, and answers 503 when a new key needs it', async () => {
    const idp = await serveJwks([k1]);
    const auth = createJwtAuth(options({ jwksUrl: idp.url }));
    const token = await sign(k1);
    await auth.authenticate(bearer(token));
    await idp.close();
    await expect(auth.authenticate(bearer(token))).resolves.toMatchObject({ role: 'admin' });
    advanceClock(31_000); // past jose's 30 s refetch cooldown
    expect(await refusal(auth, bearer(await sign(k2)))).toMatchObject({ code: 'UNAVAILABLE', status: 503 });
  });

  // Re-verifying the first token after the IdP rotated k1 out would fail; the cache answers it.
  async function rotated(auth: AuthModule, advanceMs: number, first: string): Promise<void> {
    await expect(auth.authenticate(bearer(first))).resolves.toBeDefined();
    jwks.keys = [k2];
    advanceClock(advanceMs);
    await expect(auth.authenticate(bearer(await sign(k2)))).resolves.toBeDefined(); // refetches: k1 is gone
  }

  it('does not verify a cached token again, until invalidate()', async () => {
    const auth = createJwtAuth(options());
    const token = await sign(k1);
    const fetches = jwks.fetches;
    await rotated(auth, 31_000, token);
    expect(jwks.fetches).toBe(fetches + 2);
    await expect(auth.authenticate(bearer(token))).resolves.toMatchObject({ role: 'admin' });
    auth.invalidate?.();
    expect(await refusal(auth, bearer(token))).toMatchObject({ code: 'TOKEN_BAD_SIGNATURE' });
  });

  it.each([
    ['its exp', 60, 61_000],
    ['five minutes', 3600, 5 * 60_000 + 1_000],
  ])('keeps a principal no longer than %s', async (_what, expiresIn, advanceMs) => {
    const auth = createJwtAuth(options({ clockToleranceSeconds: 0 }));
    const token = await sign(k1, {}, { exp: seconds() + expiresIn });
    await rotated(auth, advanceMs, token);
    expect(await refusal(auth, bearer(token))).toMatchObject({ code: 'TOKEN_BAD_SIGNATURE' });
  });

  it('evicts the oldest principal past cacheMaxEntries', async () => {
    const auth = createJwtAuth(options({ cacheMaxEntries: 2 }));
    const [oldest, newer] = [await sign(k1, { n: 1 }), await sign(k1, { n: 2 })];
    await auth.authenticate(bearer(oldest));
    await rotated(auth, 31_000, newer); // the k2 token takes the oldest's place
    await expect(auth.authenticate(bearer(newer))).resolves.toBeDefined();
    expect(await refusal(auth, bearer(oldest))).toMatchObject({ code: 'TOKEN_BAD_SIGNATURE' });
  });

  it.each([
    ['both jwksUrl and publicKey', { jwksUrl: 'https://idp.example.com/jwks', publicKey: { kty: 'RSA' } }, 'exactly one of jwksUrl or publicKey'],
    ['neither', { issuer: ISSUER }, 'exactly one of jwksUrl or publicKey'],
    ['HS256', { jwksUrl: 'https://idp.example.com/jwks', algorithms: ['RS256', 'HS256'] }, 'options.algorithms.1: HS256 needs a shared secret'],
  ])('refuses bad options at construction (%s)', (_what, bad, message) => {
    expect(() => createJwtAuth(bad)).toThrow(InputError);
    expect(() => createJwtAuth(bad)).toThrow(message);
  });
});
